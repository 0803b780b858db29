package ui

import (
	"bytes"
	"image"
	"image/png"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"fyne.io/fyne/v2"

	"imagekit-uploader/internal/pasteboard"
	"imagekit-uploader/uploader"
)

// copied is a clipboard a test fills.
type copied struct {
	mu sync.Mutex
	c  pasteboard.Contents
}

func (c *copied) set(v pasteboard.Contents) { c.mu.Lock(); c.c = v; c.mu.Unlock() }
func (c *copied) read(time.Duration) (pasteboard.Contents, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.c, nil
}

// pressPaste types Ctrl+V (Cmd+V) on the window, with no text field focused.
func pressPaste(u *UI) {
	onUI(func() {
		u.win.Canvas().(fyne.Shortcutable).TypedShortcut(&fyne.ShortcutPaste{Clipboard: u.app.Clipboard()})
	})
}

// TestPaste: Ctrl+V uploads a copied screenshot at once (saved as a dated
// PNG in the app's storage), and with Copy when done its link lands on the
// clipboard;
// copied files are added as files, links as links ImageKit fetches;
// nothing to upload says so; a text field keeps its own paste.
func TestPaste(t *testing.T) {
	storage := t.TempDir()
	u := newTestUI(t, Config{Demo: true, StorageDir: storage})
	board := &copied{}
	u.readClipboard = board.read
	onUI(func() { u.copyWhenDoneChoice().SetSelected("Its links as URL") })

	var shot bytes.Buffer
	png.Encode(&shot, image.NewRGBA(image.Rect(0, 0, 40, 30)))
	board.set(pasteboard.Contents{Image: shot.Bytes(), Text: "https://example.com/page"})
	onUI(func() { u.app.Clipboard().SetContent("before") })
	pressPaste(u)
	waitFor(t, "the screenshot's row", func() bool { return len(u.rows) == 1 })
	var name string
	onUI(func() {
		name = u.snaps[u.rows[0]].Request.FileName
	})
	if !strings.HasPrefix(name, "screenshot-"+time.Now().Format("2006-01-02")) || !strings.HasSuffix(name, ".png") {
		t.Errorf("named %q", name)
	}
	if b, err := os.ReadFile(filepath.Join(storage, "pasted", name)); err != nil || !bytes.Equal(b, shot.Bytes()) {
		t.Errorf("the saved screenshot: %v", err)
	}
	waitFor(t, "its link on the clipboard", func() bool { return u.app.Clipboard().Content() != "before" })
	onUI(func() {
		r := u.snaps[u.rows[0]].Result
		if got := u.app.Clipboard().Content(); r == nil || got != r.URL || !strings.Contains(got, "screenshot-") {
			t.Errorf("clipboard %q", got)
		}
		u.copyWhenDoneChoice().SetSelected("Nothing")
	})

	// A second screenshot in the same second gets a name of its own. (Other
	// bytes: the same would end the batch with the question about files that
	// went up before, and the window's shortcuts, paste too, wait behind it.)
	var shot2 bytes.Buffer
	png.Encode(&shot2, image.NewRGBA(image.Rect(0, 0, 41, 30)))
	board.set(pasteboard.Contents{Image: shot2.Bytes()})
	pressPaste(u)
	waitFor(t, "the second screenshot", func() bool { return len(u.rows) == 2 })
	onUI(func() {
		if second := u.snaps[u.rows[1]].Request.FileName; second == name {
			t.Errorf("two pastes share %q", second)
		}
	})

	// Files copied in a file manager, and links.
	files := makeFiles(t, t.TempDir(), "a.jpg", "b.jpg")
	board.set(pasteboard.Contents{Files: files})
	pressPaste(u)
	waitFor(t, "the copied files", func() bool { return len(u.rows) == 4 })
	origin := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write(shot.Bytes()) }))
	defer origin.Close()
	board.set(pasteboard.Contents{Text: origin.URL + "/cats/tabby.png\nnot a link"})
	pressPaste(u)
	waitFor(t, "the link's row", func() bool { return len(u.rows) == 5 })
	onUI(func() {
		r := u.snaps[u.rows[4]].Request
		if r.URL != origin.URL+"/cats/tabby.png" || r.FileName != "tabby.png" {
			t.Errorf("the link's request: %+v", r)
		}
	})
	// The demo server fetches nothing from this machine, so the link fails,
	// saying it was asked to fetch it: the paste sent a link, not a file.
	waitFor(t, "every upload", func() bool {
		return len(u.rows) == 5 && u.snaps[u.rows[3]].State == uploader.Done && u.snaps[u.rows[4]].State == uploader.Failed
	})

	board.set(pasteboard.Contents{Text: "just words"})
	pressPaste(u)
	waitFor(t, "the notice", func() bool { return strings.Contains(u.notice.Text, "Nothing to upload on the clipboard") })

	// In a text field, Ctrl+V pastes text there, not files.
	onUI(func() {
		u.win.Canvas().Focus(u.form.tags)
		u.app.Clipboard().SetContent("summer")
		u.win.Canvas().(fyne.Shortcutable).TypedShortcut(&fyne.ShortcutPaste{Clipboard: u.app.Clipboard()})
	})
	time.Sleep(100 * time.Millisecond)
	onUI(func() {
		if len(u.rows) != 5 {
			t.Errorf("%d rows after a paste in Tags", len(u.rows))
		}
		if err := u.snaps[u.rows[4]].Err; err == nil || !strings.Contains(err.Error(), "not downloaded from "+origin.URL+"/cats/tabby.png") {
			t.Errorf("the link: %v", err)
		}
	})
}

func TestPasteName(t *testing.T) {
	at := time.Date(2026, 12, 4, 13, 15, 2, 0, time.Local)
	for pattern, want := range map[string]string{
		defaultPasteName:           "screenshot-2026-12-04-131502.png",
		"shot {dd}.{mm}.{yyyy}":    "shot 04.12.2026.png",
		"../../etc/passwd":         "screenshot-2026-12-04-131502.png",
		"  ":                       "screenshot-2026-12-04-131502.png",
		"capture-{hh}{mi}{ss}.PNG": "capture-131502.PNG",
	} {
		if got := pasteName(pattern, at); got != want {
			t.Errorf("%q: %q, want %q", pattern, got, want)
		}
	}
}

// TestPasteWaitsForAFormToFix: with a folder ImageKit would refuse, a paste
// is listed and not uploaded, and the notice says why.
func TestPasteWaitsForAFormToFix(t *testing.T) {
	u := newTestUI(t, Config{Demo: true, StorageDir: t.TempDir()})
	board := &copied{}
	u.readClipboard = board.read
	board.set(pasteboard.Contents{Files: makeFiles(t, t.TempDir(), "a.jpg")})
	onUI(func() { u.form.folder.SetText("/bad%folder") })
	pressPaste(u)
	waitFor(t, "the notice", func() bool { return strings.Contains(u.notice.Text, "Pasted, not uploaded yet: Fix the folder") })
	onUI(func() {
		if len(u.rows) != 1 || u.snaps[u.rows[0]].State != uploader.Ready {
			t.Errorf("%d rows", len(u.rows))
		}
	})
}

// TestPasteNameSetting: Settings' pattern names the next paste; one that
// is no file name is refused where it is typed and not kept.
func TestPasteNameSetting(t *testing.T) {
	storage := t.TempDir()
	u := newTestUI(t, Config{Demo: true, StorageDir: storage})
	board := &copied{}
	u.readClipboard = board.read
	onUI(func() {
		e := u.pasteNameEntry()
		e.SetText("a/b")
		if e.Validate() == nil || u.app.Preferences().String(prefPasteName) != "" {
			t.Error("a name with a slash was kept")
		}
		e.SetText("clip {yyyy}")
	})
	var shot bytes.Buffer
	png.Encode(&shot, image.NewRGBA(image.Rect(0, 0, 4, 4)))
	board.set(pasteboard.Contents{Image: shot.Bytes()})
	pressPaste(u)
	waitFor(t, "the row", func() bool { return len(u.rows) == 1 })
	onUI(func() {
		if got, want := u.snaps[u.rows[0]].Request.FileName, "clip "+time.Now().Format("2006")+".png"; got != want {
			t.Errorf("named %q, want %q", got, want)
		}
	})
}

// TestPastedTextNamesNoSecrets: paths written in copied text (a web page's
// copy button can put any there) were uploaded at once, folders walked and
// hidden files too: a key in ~/.ssh went up. Now only image, video and PDF
// files named in text are listed, and not sent until Upload.
func TestPastedTextNamesNoSecrets(t *testing.T) {
	u := newTestUI(t, Config{Demo: true, StorageDir: t.TempDir()})
	board := &copied{}
	u.readClipboard = board.read
	home := t.TempDir()
	os.MkdirAll(filepath.Join(home, ".ssh"), 0o700)
	os.WriteFile(filepath.Join(home, ".ssh", "id_ed25519"), []byte("a key"), 0o600)
	os.WriteFile(filepath.Join(home, "passwords.txt"), []byte("secrets"), 0o600)
	os.WriteFile(filepath.Join(home, ".hidden.jpg"), []byte("hidden"), 0o600)
	os.WriteFile(filepath.Join(home, "photo.jpg"), []byte("a photo"), 0o600)
	board.set(pasteboard.Contents{Text: strings.Join([]string{"some notes", home, filepath.Join(home, ".ssh", "id_ed25519"),
		filepath.Join(home, "passwords.txt"), filepath.Join(home, ".hidden.jpg"), "file://" + filepath.ToSlash(filepath.Join(home, "photo.jpg"))}, "\n")})
	pressPaste(u)
	waitFor(t, "the notice", func() bool { return strings.Contains(u.notice.Text, "Listed 1 file named in the copied text") })
	time.Sleep(300 * time.Millisecond)
	onUI(func() {
		if len(u.rows) != 1 || filepath.Base(u.snaps[u.rows[0]].Request.Path) != "photo.jpg" || u.snaps[u.rows[0]].State != uploader.Ready {
			t.Errorf("%d rows", len(u.rows))
		}
	})
	if n := len(u.shared.demo.Requests()); n != 0 {
		t.Errorf("%d files were sent", n)
	}
}

// TestPastesInTheSameSecond: many saves of the same name at once each get
// a file of their own (a paste and an app's request could overwrite one
// another: a look, then a write).
func TestPastesInTheSameSecond(t *testing.T) {
	u := newTestUI(t, Config{Demo: true, StorageDir: t.TempDir()})
	var wg sync.WaitGroup
	paths := make([]string, 20)
	for i := range paths {
		wg.Add(1)
		go func() {
			defer wg.Done()
			p, err := u.savePasted([]byte{byte(i)}, "shot.png")
			if err != nil {
				t.Error(err)
			}
			paths[i] = p
		}()
	}
	wg.Wait()
	seen := map[string]bool{}
	for i, p := range paths {
		b, _ := os.ReadFile(p)
		if seen[p] || len(b) != 1 || b[0] != byte(i) {
			t.Errorf("save %d: %s holds %v", i, filepath.Base(p), b)
		}
		seen[p] = true
	}
}
