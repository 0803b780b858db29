package ui

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

func (u *UI) toolbar() fyne.CanvasObject {
	add := widget.NewButtonWithIcon("Add files…", theme.ContentAddIcon(), u.pickFiles)
	addFolder := widget.NewButtonWithIcon("Add folder…", theme.FolderOpenIcon(), u.pickFolder)
	cancelAll := widget.NewButtonWithIcon("Cancel all", theme.MediaStopIcon(), u.queue.CancelAll)
	retry := widget.NewButtonWithIcon("Retry failed", theme.ViewRefreshIcon(), func() { u.retry() })
	clear := widget.NewButtonWithIcon("Clear finished", theme.DeleteIcon(), u.removeFinished)
	u.pauseBtn = widget.NewButtonWithIcon("Pause", theme.MediaPauseIcon(), nil)
	u.pauseBtn.OnTapped = func() {
		if u.queue.Paused() {
			u.setPaused(false, false)
			return
		}
		u.showMenuBelow(fyne.NewMenu("",
			fyne.NewMenuItem("Pause: let the uploads under way finish", func() { u.setPaused(true, false) }),
			fyne.NewMenuItem("Pause now: stop them too, and send them again later", func() { u.setPaused(true, true) }),
		), u.pauseBtn)
	}
	u.watchBtn = widget.NewButtonWithIcon("", theme.VisibilityIcon(), u.editWatchedFolders)
	u.watchBtn.Importance = widget.LowImportance
	u.watchBtn.Hide()
	var copyAll *widget.Button
	copyAll = widget.NewButtonWithIcon("Copy all as…", theme.ContentCopyIcon(), func() { u.showMenuBelow(u.copyMenu(u.finishedRows), copyAll) })
	settings := widget.NewButtonWithIcon("Settings", theme.SettingsIcon(), func() { u.showSettings(false) })
	return container.NewPadded(container.NewHBox(add, addFolder, widget.NewSeparator(), u.pauseBtn, cancelAll, retry, clear, copyAll, layout.NewSpacer(), u.watchBtn, settings))
}

// demoBanner says plainly that nothing leaves this computer in demo mode.
func demoBanner(u *UI) *fyne.Container {
	bg := canvas.NewRectangle(theme.Color(theme.ColorNameWarning))
	bg.CornerRadius = theme.InputRadiusSize()
	text := widget.NewLabelWithStyle("Demo: uploads stay on this computer, on a local ImageKit-compatible server. Open Settings to upload to your ImageKit account.",
		fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	text.Wrapping = fyne.TextWrapWord
	return container.NewPadded(container.NewStack(bg, container.NewPadded(text)))
}

// prefPaused keeps the queue paused across a restart.
const prefPaused = "queue.paused"

// setPaused pauses the uploads (now: those under way too) or resumes them,
// and remembers it for the next start.
func (u *UI) setPaused(paused, now bool) {
	if paused {
		u.queue.Pause(now)
	} else {
		u.queue.Resume()
	}
	u.app.Preferences().SetBool(prefPaused, paused)
	u.showPaused()
	u.refreshTray(u.queue.Totals())
	u.jobs.refresh()
}

// showPaused puts the Pause button in step with the queue.
func (u *UI) showPaused() {
	if u.queue.Paused() {
		u.pauseBtn.SetText("Resume")
		u.pauseBtn.SetIcon(theme.MediaPlayIcon())
		u.pauseBtn.Importance = widget.HighImportance
	} else {
		u.pauseBtn.SetText("Pause")
		u.pauseBtn.SetIcon(theme.MediaPauseIcon())
		u.pauseBtn.Importance = widget.MediumImportance
	}
	u.pauseBtn.Refresh()
}
