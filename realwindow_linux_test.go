//go:build linux && !nogui

package main

import (
	"bytes"
	"context"
	"image"
	"image/color"
	"image/png"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"imagekit-uploader/internal/xvfbtest"
)

// startApp runs the app (this test binary as main) in a real window on the
// test's X server, with its own home, and stops it when the test ends.
func startApp(t *testing.T, home string, prefs string, args ...string) *exec.Cmd {
	t.Helper()
	dir := filepath.Join(home, ".config", "fyne", appID)
	os.MkdirAll(dir, 0o700)
	if prefs != "" {
		os.WriteFile(filepath.Join(dir, "preferences.json"), []byte(prefs), 0o600)
	}
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "HOME="+home, "XDG_CONFIG_HOME="+filepath.Join(home, ".config"),
		"XDG_RUNTIME_DIR="+filepath.Join(home, "run"), envRunApp+"="+strings.Join(args, " "),
		"IMAGEKIT_PRIVATE_KEY=", "IMAGEKIT_PUBLIC_KEY=", "DBUS_SESSION_BUS_ADDRESS=disabled:")
	os.MkdirAll(filepath.Join(home, "run"), 0o700)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
		if t.Failed() {
			t.Logf("the app said:\n%s", out.String())
		}
	})
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	if err := exec.CommandContext(ctx, "xdotool", "search", "--sync", "--onlyvisible", "--name", "ImageKit Uploader").Run(); err != nil {
		t.Fatalf("the window did not open: %v", err)
	}
	time.Sleep(time.Second) // its first frame, and its shortcuts
	return cmd
}

// clipboardText is the X clipboard's text, or "".
func clipboardText() string {
	out, _ := exec.Command("xclip", "-o", "-selection", "clipboard").Output()
	return string(out)
}

// TestPasteInTheRealWindow: a PNG put on the real X clipboard by another
// program, Ctrl+V in the real window: it is uploaded (to the demo server)
// and, with Settings › After a drop on URL, its link is on the clipboard,
// for any program to paste.
func TestPasteInTheRealWindow(t *testing.T) {
	xvfbtest.Start(t, "xclip", "xdotool")
	startApp(t, t.TempDir(), `{"copyWhenDone":"URL"}`, "--demo")

	img := image.NewRGBA(image.Rect(0, 0, 300, 200))
	for i := range img.Pix {
		img.Pix[i] = byte(i * 7)
	}
	img.Set(0, 0, color.RGBA{1, 2, 3, 255})
	var shot bytes.Buffer
	png.Encode(&shot, img)
	xclip := exec.Command("xclip", "-selection", "clipboard", "-t", "image/png", "-i", "-quiet")
	xclip.Stdin = bytes.NewReader(shot.Bytes())
	if err := xclip.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { xclip.Process.Kill(); xclip.Wait() })
	time.Sleep(300 * time.Millisecond)

	if out, err := exec.Command("xdotool", "key", "ctrl+v").CombinedOutput(); err != nil {
		t.Fatalf("xdotool: %v %s", err, out)
	}
	var link string
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		if s := strings.TrimSpace(clipboardText()); strings.HasPrefix(s, "http") {
			link = s
			break
		}
	}
	if !strings.Contains(link, "/screenshot-") || !strings.HasSuffix(link, ".png") {
		t.Fatalf("the clipboard holds %q, want the screenshot's link", link)
	}
	resp, err := http.Get(link)
	if err != nil {
		t.Fatal(err)
	}
	stored, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !bytes.Equal(stored, shot.Bytes()) {
		t.Errorf("the server has %d bytes, the screenshot was %d", len(stored), shot.Len())
	}
}
