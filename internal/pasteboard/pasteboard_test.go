package pasteboard

import (
	"bufio"
	"bytes"
	"image"
	"image/png"
	"math/rand/v2"
	"os/exec"
	"path/filepath"
	"reflect"
	"runtime"
	"strings"
	"testing"
	"time"

	"imagekit-uploader/internal/xvfbtest"
)

func TestInterpret(t *testing.T) {
	abs := filepath.Join(t.TempDir(), "a b.jpg")
	for _, c := range []struct {
		in   Contents
		want Items
	}{
		{Contents{Files: []string{abs}, Image: []byte("icon"), Text: abs}, Items{Paths: []string{abs}}},
		{Contents{Image: []byte("png"), Text: "https://example.com/cat.png"}, Items{Image: []byte("png")}},
		{Contents{Text: "https://example.com/a.jpg\r\n\nhttp://cdn.example.com/b.png?x=1\nnot a link\n# comment\nhttps://exa mple.com/c.jpg"},
			Items{URLs: []string{"https://example.com/a.jpg", "http://cdn.example.com/b.png?x=1"}}},
		{Contents{Text: "relative/path.jpg\nftp://example.com/a.jpg"}, Items{}},
	} {
		if got := Interpret(c.in); !reflect.DeepEqual(got, c.want) {
			t.Errorf("%+v: %+v, want %+v", c.in, got, c.want)
		}
	}
	if runtime.GOOS != "windows" {
		got := Interpret(Contents{Text: "file:///home/ann/a%20b.jpg\n/home/ann/c.png"})
		if want := []string{"/home/ann/a b.jpg", "/home/ann/c.png"}; !reflect.DeepEqual(got.Named, want) || got.Paths != nil {
			t.Errorf("paths %q, want %q", got.Paths, want)
		}
		if files := uriList([]byte("copy\nfile:///tmp/x.jpg\r\nfile://otherhost/y.jpg\n")); !reflect.DeepEqual(files, []string{"/tmp/x.jpg"}) {
			t.Errorf("GNOME's copied files: %q", files)
		}
	}
}

// own puts data on the X clipboard as target with xclip, which serves it
// until the test ends (or another takes the clipboard).
func own(t *testing.T, target string, data []byte) {
	t.Helper()
	cmd := exec.Command("xclip", "-selection", "clipboard", "-t", target, "-i", "-quiet")
	cmd.Stdin = bytes.NewReader(data)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	time.Sleep(200 * time.Millisecond) // until it owns the selection
}

// TestReadTheXClipboard: a real X server and a real clipboard owner. A
// screenshot larger than one X request comes whole (INCR), files copied
// in a file manager come as paths, text as text.
func TestReadTheXClipboard(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("the X clipboard")
	}
	xvfbtest.Start(t, "xclip")
	if c, err := Read(2 * time.Second); err != nil || c.Image != nil || c.Files != nil || c.Text != "" {
		t.Fatalf("nothing copied: %+v %v", c, err)
	}
	// A 1000 × 800 screenshot of noise: about 3 MB of PNG, far over one request.
	img := image.NewRGBA(image.Rect(0, 0, 1000, 800))
	for i := range img.Pix {
		img.Pix[i] = byte(rand.IntN(256))
	}
	var shot bytes.Buffer
	png.Encode(&shot, img)
	own(t, "image/png", shot.Bytes())
	c, err := Read(5 * time.Second)
	if err != nil || !bytes.Equal(c.Image, shot.Bytes()) {
		t.Fatalf("image: %d bytes, want %d; %v", len(c.Image), shot.Len(), err)
	}
	own(t, "text/uri-list", []byte("file:///srv/photos/a%20b.jpg\r\nfile:///srv/photos/c.png\r\n"))
	if c, err := Read(2 * time.Second); err != nil || !reflect.DeepEqual(c.Files, []string{"/srv/photos/a b.jpg", "/srv/photos/c.png"}) {
		t.Errorf("files: %+v %v", c, err)
	}
	own(t, "UTF8_STRING", []byte("https://example.com/ü.jpg"))
	if c, err := Read(2 * time.Second); err != nil || strings.TrimSpace(c.Text) != "https://example.com/ü.jpg" {
		t.Errorf("text: %+v %v", c, err)
	}
}

// TestAMisbehavingOwner: an owner that lists an atom that does not exist
// (Xlib's default for the error it brings is exit(1): the whole window
// gone on Ctrl+V), then trickles its image a byte every 4 s: the reading
// survives both and gives up within its time.
func TestAMisbehavingOwner(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("the X clipboard")
	}
	xvfbtest.Start(t, "gcc")
	bin := filepath.Join(t.TempDir(), "owner")
	if out, err := exec.Command("gcc", "-o", bin, "testdata/owner.c", "-lX11").CombinedOutput(); err != nil {
		t.Skipf("cannot build the owner (libx11-dev?): %v\n%s", err, out)
	}
	owner := exec.Command(bin)
	stdout, _ := owner.StdoutPipe()
	if err := owner.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { owner.Process.Kill(); owner.Wait() })
	bufio.NewReader(stdout).ReadString('\n') // it owns the clipboard
	start := time.Now()
	_, err := Read(2 * time.Second)
	if err == nil || !strings.Contains(err.Error(), "did not hand it over") {
		t.Errorf("a trickling owner: %v", err)
	}
	if took := time.Since(start); took > 10*time.Second {
		t.Errorf("the reading went on for %s with 2 s given", took)
	}
}
