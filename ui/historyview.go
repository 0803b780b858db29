package ui

import (
	"cmp"
	"context"
	"errors"
	"path"
	"strconv"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/storage"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"imagekit-uploader/uploader"
)

// historyView lists past uploads, newest first, with search and CSV export.
type historyView struct {
	u      *UI
	search *entry
	list   *widget.List
	count  *widget.Label
	shown  []Entry
	object fyne.CanvasObject
	check  *button
	export *button
	// checked is what the last check against ImageKit found for each
	// entry, by entry (present, missing, differs); only the UI goroutine.
	checked map[entryKey]string
}

// entryKey names one history entry.
type entryKey struct {
	at   time.Time
	file string
}

func keyOf(e Entry) entryKey { return entryKey{e.Time, e.File} }

func newHistoryView(u *UI) *historyView {
	v := &historyView{u: u}
	v.search = newEntry()
	v.search.SetPlaceHolder(lang.L("Search names, folders, URLs, errors…"))
	v.search.OnChanged = func(string) { v.reload() }
	v.count = widget.NewLabel("")
	v.list = widget.NewList(
		func() int { return len(v.shown) },
		func() fyne.CanvasObject { return newHistoryRow(u) },
		func(i widget.ListItemID, o fyne.CanvasObject) {
			if i < len(v.shown) {
				o.(*historyRow).show(v.shown[i], v.checked[keyOf(v.shown[i])])
			}
		},
	)
	v.export = newButtonWithIcon(lang.L("Export CSV…"), theme.DocumentSaveIcon(), v.exportCSV)
	v.check = newButtonWithIcon(lang.L("Check against ImageKit"), theme.SearchIcon(), v.checkLibrary)
	top := container.NewBorder(nil, nil, nil, container.NewHBox(v.count, v.check, v.export), v.search)
	v.object = container.NewBorder(container.NewPadded(top), nil, nil, nil, v.list)
	return v
}

func (v *historyView) reload() {
	v.shown = v.u.history.search(v.search.Text)
	// Export takes the uploads shown: with a search, the buttons and the
	// count say so.
	n := len(v.shown)
	count, export := lang.N("{{.Count}} uploads", n, args{"Count": n}), lang.L("Export CSV…")
	if strings.TrimSpace(v.search.Text) != "" {
		all := v.u.history.count()
		count = lang.N("{{.Shown}} of {{.Count}} uploads match", all, args{"Shown": n, "Count": all})
		export = lang.N("Export these {{.Count}} as CSV…", n, args{"Count": n})
	}
	v.count.SetText(count)
	v.export.SetText(export)
	if len(v.shown) == 0 {
		v.export.Disable()
	} else {
		v.export.Enable()
	}
	v.list.Refresh()
}

func (v *historyView) exportCSV() {
	entries, matching := v.shown, strings.TrimSpace(v.search.Text)
	d := dialog.NewFileSave(func(w fyne.URIWriteCloser, err error) {
		if err != nil || w == nil {
			v.u.showError(lang.L("Cannot export"), err)
			return
		}
		go func() {
			err := writeCSV(w, entries)
			if cerr := w.Close(); err == nil {
				err = cerr
			}
			runOnUI(func() {
				if err != nil {
					v.u.showError(lang.L("Cannot export"), err)
					return
				}
				n, file := len(entries), w.URI().Name()
				if matching != "" {
					v.u.showNotice(lang.N("Exported {{.Count}} uploads matching {{.Search}} to {{.File}}.", n,
						args{"Count": n, "Search": strconv.Quote(matching), "File": file}))
				} else {
					v.u.showNotice(lang.N("Exported {{.Count}} uploads to {{.File}}.", n, args{"Count": n, "File": file}))
				}
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
	copyBtn, open *button
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
	r.copyBtn = newButtonWithIcon(lang.L("Copy URL"), theme.ContentCopyIcon(), func() { r.u.copyText(r.entry.URL) })
	r.open = newButtonWithIcon(lang.L("Open"), theme.ComputerIcon(), func() { r.u.openURL(r.entry.URL) })
	r.content = container.NewBorder(nil, nil, r.icon, container.NewCenter(container.NewHBox(r.copyBtn, r.open)),
		container.NewVBox(r.title, r.detail))
	r.ExtendBaseWidget(r)
	return r
}

func (r *historyRow) CreateRenderer() fyne.WidgetRenderer { return widget.NewSimpleRenderer(r.content) }

// checkLibrary looks up the uploads listed (all, or those the search
// finds: a batch, a folder, a day) in the media library, and marks each
// row present, missing or differs. It reads only.
func (v *historyView) checkLibrary() {
	var entries []Entry
	for _, e := range v.shown {
		if e.FilePath != "" && (e.Status == "uploaded" || e.Status == "already-uploaded") {
			entries = append(entries, e)
		}
	}
	if len(entries) == 0 {
		v.u.showNotice(lang.L("Nothing listed went up: search for the uploads to check."))
		return
	}
	v.check.Disable()
	v.u.showNotice(lang.N("Checking {{.Count}} uploads against ImageKit…", len(entries), args{"Count": len(entries)}))
	go func() {
		found, err := v.u.lookUp(entries)
		runOnUI(func() {
			v.check.Enable()
			if err != nil {
				v.u.showError(lang.L("Cannot check against ImageKit"), err)
				return
			}
			if v.checked == nil {
				v.checked = map[entryKey]string{}
			}
			count := map[string]int{}
			for k, s := range found {
				v.checked[k] = s
				count[s]++
			}
			v.list.Refresh()
			v.u.showNotice(lang.L("Checked against ImageKit: {{.Present}} present, {{.Missing}} missing, {{.Differ}} differ.",
				args{"Present": count["present"], "Missing": count["missing"], "Differ": count["differs"]}))
		})
	}()
}

// lookUp finds entries in the media library, each folder listed once: off
// the UI goroutine (the keyring and the network).
func (u *UI) lookUp(entries []Entry) (map[entryKey]string, error) {
	set, err := u.uploadSettings()
	if err != nil {
		return nil, err
	}
	if set.Library == nil {
		return nil, errors.New(lang.L("checking reads the media library: turn on Settings › Lost answers › Read the media library"))
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	listed := map[string]map[string]uploader.LibraryFile{}
	out := map[entryKey]string{}
	for _, e := range entries {
		dir, name := path.Dir(e.FilePath), path.Base(e.FilePath)
		files, ok := listed[dir]
		if !ok {
			got, err := set.Library.Files(ctx, dir, "")
			if err != nil {
				return nil, err
			}
			files = map[string]uploader.LibraryFile{}
			for _, f := range got {
				files[f.Name] = f
			}
			listed[dir] = files
		}
		switch f, ok := files[name]; {
		case !ok:
			out[keyOf(e)] = "missing"
		case e.Size > 0 && f.Size != e.Size:
			out[keyOf(e)] = "differs"
		default:
			out[keyOf(e)] = "present"
		}
	}
	return out, nil
}

func (r *historyRow) show(e Entry, checked string) {
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
		r.detail.SetText(when + " · " + cmp.Or(e.URL, lang.L("ImageKit already had it")))
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
		r.detail.SetText(r.detail.Text + " " + lang.L("(demo)"))
	}
	switch checked {
	case "present":
		r.detail.SetText(r.detail.Text + " · " + lang.L("in the library"))
	case "missing":
		r.detail.SetText(r.detail.Text + " · " + lang.L("not in the library now"))
		r.detail.Importance = widget.DangerImportance
	case "differs":
		r.detail.SetText(r.detail.Text + " · " + lang.L("the library's file has another size"))
		r.detail.Importance = widget.WarningImportance
	}
	r.copyBtn.Hidden, r.open.Hidden = e.URL == "", e.URL == ""
	r.content.Refresh()
}
