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
	var copyAll *widget.Button
	copyAll = widget.NewButtonWithIcon("Copy all as…", theme.ContentCopyIcon(), func() { u.showMenuBelow(u.copyMenu(u.finishedRows), copyAll) })
	settings := widget.NewButtonWithIcon("Settings", theme.SettingsIcon(), func() { u.showSettings(false) })
	return container.NewPadded(container.NewHBox(add, addFolder, widget.NewSeparator(), cancelAll, retry, clear, copyAll, layout.NewSpacer(), settings))
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
