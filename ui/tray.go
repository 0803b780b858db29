package ui

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/lang"

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
	t.status = fyne.NewMenuItem(lang.L("Nothing to upload"), nil)
	t.status.Disabled = true
	t.pause = fyne.NewMenuItem(lang.L("Pause uploads"), func() { u.setPaused(!u.queue.Paused(), false) })
	show := fyne.NewMenuItem(lang.L("Show window"), u.showWindow)
	quit := fyne.NewMenuItem(lang.L("Quit"), func() {
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
		s = lang.N("Paused: {{.Count}} files waiting", t.Active, args{"Count": t.Active})
	case t.Active > 0:
		s = lang.N("Uploading {{.Count}} files", t.Active, args{"Count": t.Active})
	case paused:
		s = lang.L("Paused")
	default:
		s = lang.L("Nothing to upload")
	}
	if watching > 0 {
		s += " · " + lang.N("watching {{.Count}} folders", watching, args{"Count": watching})
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
	pause := lang.L("Pause uploads")
	if paused {
		pause = lang.L("Resume uploads")
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
		u.app.SendNotification(fyne.NewNotification(lang.L("Still watching"),
			lang.N("ImageKit Uploader keeps watching {{.Count}} folders from the tray. Quit from its menu.", u.watching, args{"Count": u.watching})))
	}
	return true
}
