package ui

import (
	"cmp"
	"fmt"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/storage"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

// historyView lists past uploads, newest first, with search and CSV export.
type historyView struct {
	u      *UI
	search *widget.Entry
	list   *widget.List
	count  *widget.Label
	shown  []Entry
	object fyne.CanvasObject
}

func newHistoryView(u *UI) *historyView {
	v := &historyView{u: u}
	v.search = widget.NewEntry()
	v.search.SetPlaceHolder("Search names, folders, URLs, errors…")
	v.search.OnChanged = func(string) { v.reload() }
	v.count = widget.NewLabel("")
	v.list = widget.NewList(
		func() int { return len(v.shown) },
		func() fyne.CanvasObject { return newHistoryRow(u) },
		func(i widget.ListItemID, o fyne.CanvasObject) {
			if i < len(v.shown) {
				o.(*historyRow).show(v.shown[i])
			}
		},
	)
	export := widget.NewButtonWithIcon("Export CSV…", theme.DocumentSaveIcon(), v.export)
	top := container.NewBorder(nil, nil, nil, container.NewHBox(v.count, export), v.search)
	v.object = container.NewBorder(container.NewPadded(top), nil, nil, nil, v.list)
	return v
}

func (v *historyView) reload() {
	v.shown = v.u.history.search(v.search.Text)
	v.count.SetText(fmt.Sprintf("%d %s", len(v.shown), plural(len(v.shown), "upload", "uploads")))
	v.list.Refresh()
}

func (v *historyView) export() {
	entries := v.shown
	d := dialog.NewFileSave(func(w fyne.URIWriteCloser, err error) {
		if err != nil || w == nil {
			v.u.showError("Cannot export", err)
			return
		}
		go func() {
			err := writeCSV(w, entries)
			if cerr := w.Close(); err == nil {
				err = cerr
			}
			runOnUI(func() {
				if err != nil {
					v.u.showError("Cannot export", err)
					return
				}
				v.u.showNotice(fmt.Sprintf("Exported %d uploads to %s", len(entries), w.URI().Name()))
			})
		}()
	}, v.u.win)
	d.SetFileName("imagekit-uploads-" + time.Now().Format("2006-01-02") + ".csv")
	d.SetFilter(storage.NewExtensionFileFilter([]string{".csv"}))
	v.u.show(d)
}

type historyRow struct {
	widget.BaseWidget
	u             *UI
	entry         Entry
	icon          *widget.Icon
	title, detail *widget.Label
	copyBtn, open *widget.Button
	content       fyne.CanvasObject
}

func newHistoryRow(u *UI) *historyRow {
	r := &historyRow{u: u}
	r.icon = widget.NewIcon(theme.ConfirmIcon())
	r.title = widget.NewLabel("")
	r.title.TextStyle.Bold = true
	r.title.Truncation = fyne.TextTruncateEllipsis
	r.detail = widget.NewLabel("")
	r.detail.Truncation = fyne.TextTruncateEllipsis
	r.copyBtn = widget.NewButtonWithIcon("Copy URL", theme.ContentCopyIcon(), func() { r.u.copyText(r.entry.URL) })
	r.open = widget.NewButtonWithIcon("Open", theme.ComputerIcon(), func() { r.u.openURL(r.entry.URL) })
	r.content = container.NewBorder(nil, nil, r.icon, container.NewCenter(container.NewHBox(r.copyBtn, r.open)),
		container.NewVBox(r.title, r.detail))
	r.ExtendBaseWidget(r)
	return r
}

func (r *historyRow) CreateRenderer() fyne.WidgetRenderer { return widget.NewSimpleRenderer(r.content) }

func (r *historyRow) show(e Entry) {
	r.entry = e
	when := e.Time.Local().Format("2006-01-02 15:04")
	switch e.Status {
	case "uploaded", "already-uploaded":
		r.icon.SetResource(theme.ConfirmIcon())
		title := e.FilePath
		if e.Version != "" {
			title += " · " + e.Version
		}
		r.title.SetText(title)
		r.detail.Importance = widget.MediumImportance
		r.detail.SetText(when + " · " + cmp.Or(e.URL, "ImageKit already had it"))
	case "may-be-uploaded": // not a failure: ImageKit may well have it
		r.icon.SetResource(theme.QuestionIcon())
		r.title.SetText(e.File)
		r.detail.Importance = widget.WarningImportance
		r.detail.SetText(when + " · " + e.Error)
	default:
		r.icon.SetResource(theme.ErrorIcon())
		r.title.SetText(e.File)
		r.detail.Importance = widget.DangerImportance
		r.detail.SetText(when + " · " + e.Error)
	}
	if e.Demo {
		r.detail.SetText(r.detail.Text + " (demo)")
	}
	r.copyBtn.Hidden, r.open.Hidden = e.URL == "", e.URL == ""
	r.content.Refresh()
}
