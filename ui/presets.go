package ui

import (
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/storage"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"imagekit-uploader/preset"
)

// presetBar picks, saves and deletes presets: the same file as the
// command line's preset command. The file is read and written off the UI
// goroutine.
type presetBar struct {
	f      *uploadForm
	file   preset.File
	all    map[string]preset.Preset
	pick   *choice
	del    *button
	object fyne.CanvasObject
}

func newPresetBar(f *uploadForm) *presetBar {
	b := &presetBar{f: f, file: preset.File{Path: f.u.cfg.PresetsFile}, all: map[string]preset.Preset{}}
	b.pick = newSelect(nil, func(name string) {
		if p, ok := b.all[name]; ok {
			b.apply(p)
		}
		b.refresh()
	})
	b.pick.PlaceHolder = lang.L("No presets yet")
	save := newButtonWithIcon(lang.L("Save…"), theme.DocumentSaveIcon(), b.saveAs)
	b.del = newButtonWithIcon("", theme.DeleteIcon(), b.deleteSelected)
	b.del.Disable() // nothing is selected until the presets are read: no flash of a Delete that deletes nothing
	var more *button
	more = newButtonWithIcon("", theme.MoreVerticalIcon(), func() {
		menu := fyne.NewMenu("",
			fyne.NewMenuItem(lang.L("Import presets…"), b.importFile),
			fyne.NewMenuItem(lang.L("Export presets…"), b.exportFile))
		pos := fyne.CurrentApp().Driver().AbsolutePositionForObject(more)
		widget.ShowPopUpMenuAtPosition(menu, f.u.win.Canvas(), pos.AddXY(0, more.Size().Height))
	})
	b.object = container.NewBorder(nil, nil, nil, container.NewHBox(save, b.del, more), b.pick)
	b.reload("")
	return b
}

// reload reads the file off the UI goroutine, then shows its presets,
// selecting selected.
func (b *presetBar) reload(selected string) {
	go func() {
		all, err := b.file.Load()
		runOnUI(func() {
			if err != nil {
				b.f.u.showError(lang.L("Cannot read the presets"), err)
				return
			}
			b.all = all
			b.pick.SetOptions(preset.Names(all))
			b.pick.PlaceHolder = lang.L("No presets yet")
			if len(all) > 0 {
				b.pick.PlaceHolder = lang.L("Preset…")
			}
			if _, ok := all[selected]; ok {
				b.pick.Selected = selected
			} else {
				b.pick.ClearSelected()
			}
			b.pick.Refresh()
			b.refresh()
		})
	}()
}

func (b *presetBar) refresh() {
	if b.pick.Selected == "" {
		b.del.Disable()
	} else {
		b.del.Enable()
	}
}

// apply lays a preset over the form: what it holds replaces the form's.
func (b *presetBar) apply(p preset.Preset) {
	f := b.f
	if p.Folder != "" {
		f.folder.SetText(p.Folder)
	}
	if p.Tags != "" {
		f.tags.SetText(p.Tags)
	}
	for _, c := range []struct {
		v *bool
		w *check
	}{{p.UseUniqueFileName, f.unique}, {p.OverwriteFile, f.overwrite}, {p.IsPrivateFile, f.private}} {
		if c.v != nil {
			c.w.SetChecked(*c.v)
		}
	}
	if p.Strip != "" {
		f.strip.SetSelected(stripLabel(p.Apply(f.fields()).Strip))
	}
	f.copyWhenDone = p.CopyWhenDone
	fields := f.fields()
	f.more.set(p.Apply(fields).Options)
	f.more.save()
}

// current is the form as a preset: every setting it shows.
func (b *presetBar) current() (preset.Preset, error) {
	f := b.f
	o, err := f.more.options()
	if err != nil {
		return preset.Preset{}, err
	}
	unique, overwrite, private := f.unique.Checked, f.overwrite.Checked, f.private.Checked
	return preset.Preset{Folder: f.folder.Text, Tags: f.tags.Text,
		UseUniqueFileName: &unique, OverwriteFile: &overwrite, IsPrivateFile: &private, Options: o,
		Strip: cmp.Or(f.stripMode(), "none"), CopyWhenDone: f.copyWhenDone}, nil
}

func (b *presetBar) saveAs() {
	p, err := b.current()
	if err == nil {
		err = p.Check()
	}
	if err != nil {
		b.f.u.showError(lang.L("Cannot save a preset"), errors.New(lang.L("fix the form first: {{.Err}}", args{"Err": err.Error()})))
		return
	}
	name := newEntry()
	name.SetPlaceHolder(lang.L("Summer shoot"))
	name.SetText(b.pick.Selected)
	name.Validator = preset.CheckName
	after := afterDropChoice(p.CopyWhenDone)
	form := widget.NewForm(widget.NewFormItem(lang.L("Name"), name), widget.NewFormItem(lang.L("After a drop"), after.sel))
	d, save := b.f.u.edit(lang.L("Save the settings as a preset"), lang.L("Save"), form, func() {
		n := name.Text
		p.CopyWhenDone = after.value()
		go func() {
			err := b.file.Save(n, p)
			runOnUI(func() {
				if err != nil {
					b.f.u.showError(lang.L("Cannot save the preset"), err)
					return
				}
				b.reload(n)
			})
		}()
	})
	// Save waits for a name the presets take; Enter in the name saves, as Save does.
	valid := func(string) {
		if name.Validate() != nil {
			save.Disable()
		} else {
			save.Enable()
		}
	}
	name.OnChanged = valid
	valid(name.Text)
	name.OnSubmitted = func(string) {
		if !save.Disabled() {
			save.Tapped(nil)
		}
	}
	d.Resize(fyne.NewSize(460, 220))
}

func (b *presetBar) deleteSelected() {
	n := b.pick.Selected
	if n == "" {
		return
	}
	b.f.u.confirm(lang.L("Delete the preset?"), lang.L("Delete the preset {{.Name}}? The command line's presets are the same: it goes from there too.", args{"Name": strconv.Quote(n)}),
		lang.L("Delete"), lang.L("Cancel"), func() {
			go func() {
				err := b.file.Delete(n)
				runOnUI(func() {
					if err != nil {
						b.f.u.showError(lang.L("Cannot delete the preset"), err)
					}
					b.reload("")
				})
			}()
		})
}

// importFile adds the presets of a file (as exported) to these; one of
// the same name is replaced.
func (b *presetBar) importFile() {
	d := dialog.NewFileOpen(func(r fyne.URIReadCloser, err error) {
		if err != nil || r == nil {
			return
		}
		go func() {
			defer r.Close()
			err := b.importFrom(io.LimitReader(r, 4<<20))
			runOnUI(func() {
				if err != nil {
					b.f.u.showError(lang.L("Cannot import the presets"), err)
					return
				}
				b.reload(b.pick.Selected)
			})
		}()
	}, b.f.u.win)
	d.SetFilter(storage.NewExtensionFileFilter([]string{".json"}))
	b.f.u.show(d)
}

func (b *presetBar) importFrom(r io.Reader) error {
	var in struct {
		Presets map[string]preset.Preset `json:"presets"`
	}
	dec := json.NewDecoder(r)
	dec.DisallowUnknownFields()
	if err := dec.Decode(&in); err != nil || in.Presets == nil {
		return errors.New(lang.L("not a presets file (a JSON object with {{.Key}}): {{.Err}}", args{"Key": `"presets"`, "Err": fmt.Sprint(err)}))
	}
	all, err := b.file.Load()
	if err != nil {
		return err
	}
	for n, p := range in.Presets {
		all[n] = p
	}
	return b.file.Replace(all)
}

func (b *presetBar) exportFile() {
	d := dialog.NewFileSave(func(w fyne.URIWriteCloser, err error) {
		if err != nil || w == nil {
			return
		}
		go func() {
			all, err := b.file.Load()
			if err == nil {
				var out []byte
				out, err = json.MarshalIndent(map[string]any{"presets": all}, "", "  ")
				if err == nil {
					_, err = w.Write(append(out, '\n'))
				}
			}
			if cerr := w.Close(); err == nil {
				err = cerr
			}
			runOnUI(func() {
				if err != nil {
					b.f.u.showError(lang.L("Cannot export the presets"), err)
				}
			})
		}()
	}, b.f.u.win)
	d.SetFileName("imagekit-presets.json")
	b.f.u.show(d)
}
