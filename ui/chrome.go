package ui

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

func (u *UI) toolbar() fyne.CanvasObject {
	add := newButtonWithIcon(lang.L("Add files…"), theme.ContentAddIcon(), u.pickFiles)
	addFolder := newButtonWithIcon(lang.L("Add folder…"), theme.FolderOpenIcon(), u.pickFolder)
	cancelAll := newButtonWithIcon(lang.L("Cancel all"), theme.MediaStopIcon(), u.queue.CancelAll)
	retry := newButtonWithIcon(lang.L("Retry failed"), theme.ViewRefreshIcon(), func() { u.retry() })
	clear := newButtonWithIcon(lang.L("Clear finished"), theme.DeleteIcon(), u.removeFinished)
	u.pauseBtn = newButtonWithIcon(lang.L("Pause"), theme.MediaPauseIcon(), nil)
	u.pauseBtn.OnTapped = func() {
		if u.queue.Paused() {
			u.setPaused(false, false)
			return
		}
		u.showMenuBelow(fyne.NewMenu("",
			fyne.NewMenuItem(lang.L("Pause: let the uploads under way finish"), func() { u.setPaused(true, false) }),
			fyne.NewMenuItem(lang.L("Pause now: stop them too, and send them again later"), func() { u.setPaused(true, true) }),
		), u.pauseBtn)
	}
	u.watchBtn = newButtonWithIcon("", theme.VisibilityIcon(), u.editWatchedFolders)
	u.watchBtn.Importance = widget.LowImportance
	u.watchBtn.Hide()
	var copyAll *button
	copyAll = newButtonWithIcon(lang.L("Copy all as…"), theme.ContentCopyIcon(), func() { u.showMenuBelow(u.copyMenu(u.finishedRows), copyAll) })
	settings := newButtonWithIcon(lang.L("Settings"), theme.SettingsIcon(), func() { u.showSettings(false) })
	var help *button
	help = newButtonWithIcon("", theme.HelpIcon(), func() { u.showMenuBelow(u.helpMenu(), help) })
	// The labels that go first where the row is short of room: the least used.
	shrink := []*button{clear, retry, cancelAll, copyAll, u.watchBtn, settings, u.pauseBtn, addFolder, add}
	for _, b := range shrink {
		b.label = b.Text
	}
	u.toolbarRow = &toolbarLayout{shrink: shrink}
	row := container.New(u.toolbarRow,
		add, addFolder, widget.NewSeparator(), u.pauseBtn, cancelAll, retry, clear, copyAll, layout.NewSpacer(), u.watchBtn, settings, help)
	return container.NewPadded(row)
}

// demoBanner says plainly that nothing leaves this computer in demo mode.
func demoBanner(u *UI) *fyne.Container {
	bg := canvas.NewRectangle(theme.Color(theme.ColorNameWarning))
	bg.CornerRadius = theme.InputRadiusSize()
	text := widget.NewLabelWithStyle(lang.L("Demo: uploads stay on this computer, on a local ImageKit-compatible server. Open Settings to upload to your ImageKit account."),
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
		u.pauseBtn.setLabel(lang.L("Resume"))
		u.pauseBtn.SetIcon(theme.MediaPlayIcon())
		u.pauseBtn.Importance = widget.HighImportance
	} else {
		u.pauseBtn.setLabel(lang.L("Pause"))
		u.pauseBtn.SetIcon(theme.MediaPauseIcon())
		u.pauseBtn.Importance = widget.MediumImportance
	}
	u.pauseBtn.Refresh()
}

// toolbarButtons are the toolbar's buttons that have a label.
func (u *UI) toolbarButtons() []*button { return u.toolbarRow.shrink }
