package ui

import (
	"os"
	"path/filepath"
	"reflect"
	"sync"
	"testing"
	"unsafe"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"imagekit-uploader/uploader"
)

// trayApp is the test app with a system tray, as the desktop's app has.
type trayApp struct {
	fyne.App
	mu    sync.Mutex
	menus int
	menu  *fyne.Menu
}

func (a *trayApp) SetSystemTrayMenu(m *fyne.Menu) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.menus++
	a.menu = m
}
func (a *trayApp) TrayForTests()                   {}
func (a *trayApp) SetSystemTrayIcon(fyne.Resource) {}

// SetSystemTrayWindow does as Fyne's does: the window's close hides it.
func (a *trayApp) SetSystemTrayWindow(w fyne.Window) { w.SetCloseIntercept(w.Hide) }

// closeIntercept is what closing the test window calls (the test window
// keeps it unexported).
func closeIntercept(w fyne.Window) func() {
	f := reflect.ValueOf(w).Elem().FieldByName("onCloseIntercepted")
	return *(*func())(unsafe.Pointer(f.UnsafeAddr()))
}

// line is the tray menu's item i's label.
func (a *trayApp) line(i int) string {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.menu.Items[i].Label
}

// TestTray: the tray says what is uploading and watched, pauses and
// resumes; with a folder watched, closing the window keeps the app
// watching (said once), and a file that comes then still uploads.
func TestTray(t *testing.T) {
	hasTrayHost = func() bool { return true }
	defer func() { hasTrayHost = trayHost }()
	a := &trayApp{App: test.NewTempApp(t)}
	u := newTestUIOn(t, a, Config{Demo: true})
	if got := a.line(0); got != "Nothing to upload" {
		t.Fatalf("tray status %q", got)
	}
	dir := t.TempDir()
	onUI(func() { u.setWatchedFolders([]watchedFolder{{Path: dir}}) })
	waitFor(t, "the tray to say it watches", func() bool { return a.line(0) == "Nothing to upload · watching 1 folder" })
	onUI(func() { a.menu.Items[3].Action() }) // Pause uploads
	if a.line(0) != "Paused · watching 1 folder" || a.line(3) != "Resume uploads" || !u.queue.Paused() {
		t.Errorf("after Pause: %q, %q", a.line(0), a.line(3))
	}
	onUI(func() { a.menu.Items[3].Action() })
	if a.line(3) != "Pause uploads" || u.queue.Paused() {
		t.Errorf("after Resume: %q", a.line(3))
	}
	menus := a.menus
	onUI(func() { u.refreshTray(u.queue.Totals()) })
	if a.menus != menus {
		t.Error("the tray's menu is set again when nothing it says changed")
	}

	want := fyne.NewNotification("Still watching", "ImageKit Uploader keeps watching 1 folder from the tray. Quit from its menu.")
	test.AssertNotificationSent(t, want, func() { onUI(closeIntercept(u.win)) }) // the window's own close
	os.WriteFile(filepath.Join(dir, "later.jpg"), []byte("a photo after the window closed"), 0o644)
	waitFor(t, "the photo uploaded while in the tray", func() bool {
		return len(u.rows) == 1 && u.snaps[u.rows[0]].State == uploader.Done
	})
	test.AssertNotificationSent(t, nil, func() { onUI(u.onClose) }) // said once
	if got := trayStatus(uploader.Totals{Active: 3}, false, 2); got != "Uploading 3 files · watching 2 folders" {
		t.Errorf("status %q", got)
	}
}
