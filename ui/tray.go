package ui

import (
	"fmt"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/driver/desktop"

	"imagekit-uploader/uploader"
)

// The tray (Fyne's system tray, where the desktop has one) says what is
// uploading and watched, and holds Pause/Resume, Show window and Quit.
// While folders are watched, closing the window keeps the app in the tray,
// watching; the first time, a notification says so.

// prefTrayTold remembers that closing to the tray was explained once.
const prefTrayTold = "tray.told"

// hasTrayHost is trayHost; tests stand in a desktop with one.
var hasTrayHost = trayHost

type tray struct {
	desk   desktop.App
	menu   *fyne.Menu
	status *fyne.MenuItem
	pause  *fyne.MenuItem
}

// setupTray puts the app in the system tray, where there is one.
func (u *UI) setupTray() {
	desk, ok := u.app.(desktop.App)
	if !ok || !hasTrayHost() {
		return
	}
	t := &tray{desk: desk}
	t.status = fyne.NewMenuItem("Nothing to upload", nil)
	t.status.Disabled = true
	t.pause = fyne.NewMenuItem("Pause uploads", func() { u.setPaused(!u.queue.Paused(), false) })
	show := fyne.NewMenuItem("Show window", u.showWindow)
	quit := fyne.NewMenuItem("Quit", func() {
		u.showWindow()
		u.quit()
	})
	quit.IsQuit = true
	t.menu = fyne.NewMenu("ImageKit Uploader", t.status, fyne.NewMenuItemSeparator(), show, t.pause, fyne.NewMenuItemSeparator(), quit)
	u.tray = t
	desk.SetSystemTrayMenu(t.menu)
	desk.SetSystemTrayWindow(u.win) // a click on the icon shows the window
}

func (u *UI) showWindow() {
	u.win.Show()
	u.win.RequestFocus()
}

// trayStatus is the tray's first line: what is going on.
func trayStatus(t uploader.Totals, paused bool, watching int) string {
	var s string
	switch {
	case t.Active > 0 && paused:
		s = fmt.Sprintf("Paused: %d %s waiting", t.Active, plural(t.Active, "file", "files"))
	case t.Active > 0:
		s = fmt.Sprintf("Uploading %d %s", t.Active, plural(t.Active, "file", "files"))
	case paused:
		s = "Paused"
	default:
		s = "Nothing to upload"
	}
	if watching > 0 {
		s += fmt.Sprintf(" · watching %d %s", watching, plural(watching, "folder", "folders"))
	}
	return s
}

// refreshTray redraws the tray's menu where what it says changed, from the
// queue's totals (the tick's, which it reads anyway: they walk every job).
// Called on the UI goroutine.
func (u *UI) refreshTray(totals uploader.Totals) {
	t := u.tray
	if t == nil {
		return
	}
	paused := u.queue.Paused()
	status := trayStatus(totals, paused, u.watching)
	pause := "Pause uploads"
	if paused {
		pause = "Resume uploads"
	}
	if status == t.status.Label && pause == t.pause.Label {
		return
	}
	t.status.Label, t.pause.Label = status, pause
	t.desk.SetSystemTrayMenu(t.menu)
}

// closeToTray hides the window rather than quitting while folders are
// watched and there is a tray to come back from; it says whether it did.
func (u *UI) closeToTray() bool {
	if u.tray == nil || u.watching == 0 {
		return false
	}
	u.win.Hide()
	if p := u.app.Preferences(); !p.Bool(prefTrayTold) {
		p.SetBool(prefTrayTold, true)
		u.app.SendNotification(fyne.NewNotification("Still watching",
			fmt.Sprintf("ImageKit Uploader keeps watching %d %s from the tray. Quit from its menu.", u.watching, plural(u.watching, "folder", "folders"))))
	}
	return true
}
