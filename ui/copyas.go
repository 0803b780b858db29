package ui

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/widget"

	"imagekit-uploader/results"
	"imagekit-uploader/uploader"
)

// copyFormats are Copy as's choices: the same Go templates as upload
// --format, over the same fields. Each can be changed (Settings, or Edit
// templates… in the menu); these are the defaults. A name is in English,
// as preferences and presets keep it: the window shows lang.L(name).
var copyFormats = []struct{ name, text string }{
	{later("URL"), `{{.url}}`},
	{later("URL at 800 px"), `{{tr .url "w-800"}}`},
	{later("Markdown"), `![{{.name}}]({{tr .url "w-800"}})`},
	{later("HTML <img>"), `<img src="{{tr .url "w-800"}}" srcset="{{tr .url "w-400"}} 400w, {{tr .url "w-800"}} 800w, {{tr .url "w-1600"}} 1600w" sizes="(max-width: 800px) 100vw, 800px" alt="{{html .name}}">`},
}

func prefCopy(name string) string { return "copy." + name }

// copyTemplate is the template for a format, as set or by default.
func (u *UI) copyTemplate(i int) string {
	return u.app.Preferences().StringWithFallback(prefCopy(copyFormats[i].name), copyFormats[i].text)
}

// copyLine is a finished job as results.Line: its answer, or for a file
// ImageKit had already, the URL the history knew.
func (u *UI) copyLine(j uploader.Job) (results.Line, bool) {
	url := u.urlOf(j)
	if url == "" {
		return results.Line{}, false
	}
	l := results.FromJob(j)
	if l.URL == "" {
		l.URL, l.Name = url, j.Request.FileName
	}
	return l, true
}

// copyAs puts the jobs' lines through format i and on the clipboard.
func (u *UI) copyAs(i int, ids []uploader.JobID) {
	f, err := results.ParseFormat(u.copyTemplate(i))
	if err != nil {
		u.showError(lang.L("Cannot copy"), errors.New(lang.L("the {{.Format}} template: {{.Err}} (Settings › Copy as templates)",
			args{"Format": lang.L(copyFormats[i].name), "Err": err.Error()})))
		return
	}
	var b strings.Builder
	n, last := 0, ""
	for _, id := range ids {
		l, ok := u.copyLine(u.snaps[id])
		if !ok {
			continue
		}
		out, err := f.Line(l)
		if err != nil {
			u.showError(lang.L("Cannot copy"), errors.New(lang.L("the {{.Format}} template, for {{.Path}}: {{.Err}}",
				args{"Format": lang.L(copyFormats[i].name), "Path": l.Path, "Err": err.Error()})))
			return
		}
		b.Write(out)
		n, last = n+1, l.Name
	}
	if n == 0 {
		u.showNotice(lang.L("Nothing to copy: no file in the list has been uploaded yet."))
		return
	}
	// The notice names what was copied, in one line: the text itself
	// (an <img> tag with its srcset) took four and pushed the rows down.
	u.app.Clipboard().SetContent(strings.TrimSuffix(b.String(), "\n"))
	if n == 1 {
		u.showNotice(lang.L("Copied {{.Name}} as {{.Format}}.", args{"Name": last, "Format": lang.L(copyFormats[i].name)}))
	} else {
		u.showNotice(lang.N("Copied {{.Count}} files as {{.Format}}.", n, args{"Count": n, "Format": lang.L(copyFormats[i].name)}))
	}
}

// copyMenu is the Copy as menu for ids (nil: every finished row, read when
// chosen).
func (u *UI) copyMenu(ids func() []uploader.JobID) *fyne.Menu {
	var items []*fyne.MenuItem
	for i, c := range copyFormats {
		items = append(items, fyne.NewMenuItem(lang.L("Copy as {{.Format}}", args{"Format": lang.L(c.name)}), func() { u.copyAs(i, ids()) }))
	}
	items = append(items, fyne.NewMenuItemSeparator(), fyne.NewMenuItem(lang.L("Edit templates…"), u.editCopyTemplates))
	return fyne.NewMenu("", items...)
}

// showMenuBelow opens menu under the button that asked for it.
func (u *UI) showMenuBelow(menu *fyne.Menu, under fyne.CanvasObject) {
	pos := fyne.CurrentApp().Driver().AbsolutePositionForObject(under)
	widget.ShowPopUpMenuAtPosition(menu, u.win.Canvas(), pos.AddXY(0, under.Size().Height))
}

// finishedRows are the rows with a URL to copy, in the list's order.
func (u *UI) finishedRows() []uploader.JobID {
	var ids []uploader.JobID
	for _, id := range u.rows {
		if u.urlOf(u.snaps[id]) != "" {
			ids = append(ids, id)
		}
	}
	return ids
}

// editCopyTemplates lets a person change Copy as's templates; each is
// checked as upload --format checks its own.
func (u *UI) editCopyTemplates() {
	entries := make([]*entry, len(copyFormats))
	var items []*widget.FormItem
	for i, c := range copyFormats {
		e := newMultiLineEntry()
		e.Wrapping = fyne.TextWrapBreak
		e.SetMinRowsVisible(2)
		e.SetText(u.copyTemplate(i))
		e.Validator = func(s string) error { _, err := results.ParseFormat(s); return err }
		entries[i] = e
		items = append(items, widget.NewFormItem(lang.L(c.name), e))
	}
	// The templates' own syntax is no text to translate: it goes in whole.
	help := hint(lang.L("Go templates over the fields of upload --json, as upload --format takes them: {{.Fields}}; {{.Tr}} adds a transformation, {{.HTML}} escapes for HTML.",
		args{"Fields": `{{.url}}, {{.name}}, {{.filePath}}, {{.customMetadata.brand}}, {{range .AITags}}{{.name}} {{end}}`,
			"Tr": `{{tr .url "w-800"}}`, "HTML": `{{html .name}}`}))
	reset := newButton(lang.L("Back to the defaults"), func() {
		for i, c := range copyFormats {
			entries[i].SetText(c.text)
		}
	})
	d, _ := u.edit(lang.L("Copy as templates"), lang.L("Save"),
		container.NewVBox(widget.NewForm(items...), help, container.NewHBox(reset)), func() {
			var kept []string
			for i, e := range entries {
				if err := e.Validate(); err != nil {
					kept = append(kept, fmt.Sprintf("%s: %v", lang.L(copyFormats[i].name), err))
					continue // a template that does not parse keeps the old one
				}
				if e.Text == copyFormats[i].text {
					u.app.Preferences().RemoveValue(prefCopy(copyFormats[i].name))
				} else {
					u.app.Preferences().SetString(prefCopy(copyFormats[i].name), e.Text)
				}
			}
			if len(kept) > 0 {
				u.showError(lang.L("Some templates were not saved"), errors.New(lang.L("they keep their old text: {{.Errors}}", args{"Errors": strings.Join(kept, "; ")})))
			}
		})
	d.Resize(fyne.NewSize(720, 520))
}

// prefCopyWhenDone names the Copy as format a drop's links are copied in
// when its last file ends; "" (the default) copies nothing.
const prefCopyWhenDone = "copyWhenDone"

// copyWhenDone is the index of the format Copy when done uses, or -1:
// the preset's choice where the form's preset has one, else Settings'.
func (u *UI) copyWhenDone() int {
	name := u.app.Preferences().String(prefCopyWhenDone)
	if u.form != nil && u.form.copyWhenDone != "" {
		name = u.form.copyWhenDone
	}
	return copyFormatIndex(name)
}

// copyFormatIndex is the index of the Copy as format named name, or -1.
func copyFormatIndex(name string) int {
	for i, c := range copyFormats {
		if c.name == name {
			return i
		}
	}
	return -1
}

// dropGroup is the files of one drop, how many have not ended yet, and
// the format its links go in (chosen when it was dropped).
type dropGroup struct {
	ended  map[uploader.JobID]bool
	left   int
	format int
}

// watchDrop notes the files one drop added, whose links go in the Copy as
// format format when they have all ended (-1: none).
func (u *UI) watchDrop(ids []uploader.JobID, format int) {
	if len(ids) == 0 || format < 0 {
		return
	}
	d := &dropGroup{ended: make(map[uploader.JobID]bool, len(ids)), left: len(ids), format: format}
	for _, id := range ids {
		d.ended[id] = false
	}
	u.shared.mu.Lock()
	u.shared.drops = append(u.shared.drops, d)
	u.shared.mu.Unlock()
}

// dropFinished notes that a file ended; when it was the last of its drop,
// the drop's links go on the clipboard (on the UI goroutine).
func (u *UI) dropFinished(id uploader.JobID) {
	u.shared.mu.Lock()
	var done []uploader.JobID
	format := -1
	kept := u.shared.drops[:0]
	for _, d := range u.shared.drops {
		if ended, ok := d.ended[id]; ok && !ended { // a retry's second end counts once
			d.ended[id] = true
			if d.left--; d.left == 0 {
				done, format = slices.Collect(maps.Keys(d.ended)), d.format
				continue
			}
		}
		kept = append(kept, d)
	}
	u.shared.drops = kept
	u.shared.mu.Unlock()
	if len(done) == 0 {
		return
	}
	runOnUI(func() {
		i := format
		if u.copyWhenDone() < 0 {
			return // turned off meanwhile
		}
		for _, id := range done { // the rows are drawn at the next tick: these are the ends themselves
			if j, ok := u.queue.Job(id); ok {
				u.snaps[id] = j
			}
		}
		slices.SortFunc(done, func(a, b uploader.JobID) int { return u.index[a] - u.index[b] })
		u.copyAs(i, done)
	})
}

// copyWhenDoneChoice is Settings' choice of what a finished drop copies.
func (u *UI) copyWhenDoneChoice() *choice {
	options := []string{lang.L("Nothing")}
	for _, c := range copyFormats {
		options = append(options, lang.L("Its links as {{.Format}}", args{"Format": lang.L(c.name)}))
	}
	var sel *choice
	sel = newSelect(options, func(string) {
		name := ""
		if i := sel.SelectedIndex(); i >= 1 {
			name = copyFormats[i-1].name
		}
		u.app.Preferences().SetString(prefCopyWhenDone, name)
	})
	if i := copyFormatIndex(u.app.Preferences().String(prefCopyWhenDone)); i >= 0 { // Settings' own, not a preset's
		sel.SetSelected(options[i+1])
	} else {
		sel.SetSelected(options[0])
	}
	return sel
}

// afterDrop is a preset's choice of what its drops copy.
type afterDrop struct{ sel *choice }

// afterDropChoice offers Settings' choice, nothing, or each Copy as
// format, with value selected.
func afterDropChoice(value string) afterDrop {
	options := []string{lang.L("As in Settings"), lang.L("Copy nothing")}
	for _, c := range copyFormats {
		options = append(options, lang.L("Copy its links as {{.Format}}", args{"Format": lang.L(c.name)}))
	}
	a := afterDrop{newSelect(options, nil)}
	switch i := copyFormatIndex(value); {
	case value == "none":
		a.sel.SetSelected(options[1])
	case i >= 0:
		a.sel.SetSelected(options[2+i])
	default:
		a.sel.SetSelected(options[0])
	}
	return a
}

// value is the choice as a preset keeps it.
func (a afterDrop) value() string {
	switch i := a.sel.SelectedIndex(); {
	case i == 1:
		return "none"
	case i >= 2:
		return copyFormats[i-2].name
	}
	return ""
}
