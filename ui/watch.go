package ui

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"imagekit-uploader/preset"
	"imagekit-uploader/uploader"
	"imagekit-uploader/watcher"
)

// prefWatch keeps the watched folders: a JSON list of watchedFolder.
const prefWatch = "watch.folders"

// watchedFolder is a folder the window uploads new files from, with the
// preset its uploads use ("": the form's settings as they are when it
// starts).
type watchedFolder struct {
	Path   string `json:"path"`
	Preset string `json:"preset,omitempty"`
}

// watchSettle is how long a file must stay the same before it goes.
const watchSettle = 2 * time.Second

func (u *UI) watchedFolders() []watchedFolder {
	var list []watchedFolder
	json.Unmarshal([]byte(u.app.Preferences().String(prefWatch)), &list)
	return list
}

func (u *UI) setWatchedFolders(list []watchedFolder) {
	b, _ := json.Marshal(list)
	u.app.Preferences().SetString(prefWatch, string(b))
	u.startWatching()
}

// startWatching stops the watchers running and starts one for each folder
// in the list, once the account (or the demo) can upload.
func (u *UI) startWatching() {
	if u.stopWatch != nil {
		u.stopWatch()
		u.stopWatch = nil
	}
	list := u.watchedFolders()
	u.showWatching(0)
	if len(list) == 0 {
		return
	}
	ctx, cancel := context.WithCancel(context.Background())
	u.stopWatch = cancel
	formFields := u.form.fields()
	formFields.Folder = u.form.folder.Text // as typed: the watcher fills in the date of each file's day
	u.withClient(func(ok bool) {
		if !ok || ctx.Err() != nil {
			return
		}
		go u.runWatchers(ctx, list, formFields) // reads the presets and the folders: off the UI goroutine
	})
}

// runWatchers starts a watcher for each folder that can be watched, and
// says in the toolbar how many are.
func (u *UI) runWatchers(ctx context.Context, list []watchedFolder, formFields uploader.Fields) {
	notice := func(s string) { runOnUI(func() { u.showNotice(s) }) }
	all, err := preset.File{Path: u.cfg.PresetsFile}.Load()
	if err != nil {
		runOnUI(func() { u.showError(lang.L("Cannot watch folders"), err) })
		return
	}
	started := 0
	for _, wf := range list {
		fields := formFields
		if wf.Preset != "" {
			p, ok := all[wf.Preset]
			if !ok {
				notice(lang.L("Not watching {{.Folder}}: its preset {{.Preset}} is gone.", args{"Folder": wf.Path, "Preset": strconv.Quote(wf.Preset)}))
				continue
			}
			fields = p.Apply(uploader.DefaultFields()) // its folder's date placeholders are filled in by the watcher, file by file
		}
		if info, err := os.Stat(wf.Path); err != nil || !info.IsDir() {
			notice(lang.L("Not watching {{.Folder}}: it is not a folder here.", args{"Folder": wf.Path}))
			continue
		}
		w := &watcher.Watcher{Root: wf.Path, Settle: watchSettle, Queue: u.queue, Fields: fields,
			// What went up before (an earlier start of the window, the
			// command line) is passed over quietly, not listed again.
			Pass: func(ready []uploader.Item, fields uploader.Fields) (send []uploader.Item, passed []string) {
				for _, it := range ready {
					if u.queue.UploadedBefore(ctx, it, fields) {
						continue
					}
					send = append(send, it)
				}
				return send, nil
			},
			Added: func(ids []uploader.JobID) {
				jobs := u.jobsOf(ids)
				runOnUI(func() {
					u.beginBatch()
					u.appendRows(jobs)
				})
			},
			Note: func(s string) { notice(sentence(s) + ".") },
		}
		started++
		go func() {
			<-u.journalReady // the index of uploaded files is in place: what went up before stays
			if err := w.Run(ctx); err != nil {
				notice(sentence(err.Error()) + ".")
			}
		}()
	}
	runOnUI(func() {
		if ctx.Err() == nil {
			u.showWatching(started)
		}
	})
}

// showWatching says, in the toolbar, how many folders are watched.
func (u *UI) showWatching(n int) {
	u.watching = n
	u.refreshTray(u.queue.Totals())
	if n == 0 {
		u.watchBtn.Hide()
		return
	}
	u.watchBtn.setLabel(lang.N("Watching {{.Count}} folders", n, args{"Count": n}))
	u.watchBtn.Show()
}

// editWatchedFolders lists the watched folders, each with its preset, to
// add to and take from.
func (u *UI) editWatchedFolders() {
	list := u.watchedFolders()
	names := append([]string{lang.L("the form's settings")}, preset.Names(u.form.presets.all)...) // as the picker read them
	rows := container.NewVBox()
	var d dialog.Dialog
	var draw func()
	draw = func() {
		rows.RemoveAll()
		if len(list) == 0 {
			rows.Add(widget.NewLabel(lang.L("No folder is watched. New files in a watched folder are uploaded once they stop changing.")))
		}
		for i, wf := range list {
			pick := newSelect(names, nil)
			pick.SetSelected(names[0])
			if wf.Preset != "" {
				pick.SetSelected(wf.Preset)
			}
			pick.OnChanged = func(s string) {
				if pick.SelectedIndex() == 0 { // the form's settings
					s = ""
				}
				list[i].Preset = s
			}
			remove := newButtonWithIcon("", theme.DeleteIcon(), func() {
				list = append(list[:i], list[i+1:]...)
				draw()
			})
			path := widget.NewLabel(wf.Path)
			path.Truncation = fyne.TextTruncateEllipsis
			rows.Add(container.NewBorder(nil, nil, nil, container.NewHBox(sized(pick, 220), remove), path))
		}
		rows.Refresh()
	}
	draw()
	add := newButtonWithIcon(lang.L("Watch a folder…"), theme.FolderOpenIcon(), func() {
		fd := dialog.NewFolderOpen(func(l fyne.ListableURI, err error) {
			if err != nil || l == nil {
				return
			}
			p := filepath.Clean(l.Path())
			for _, wf := range list {
				if inside(p, wf.Path) || inside(wf.Path, p) {
					u.showNotice(lang.L("{{.Folder}} is watched already, or holds (or is in) {{.Other}}: one of them is enough.", args{"Folder": p, "Other": wf.Path}))
					return
				}
			}
			list = append(list, watchedFolder{Path: p})
			draw()
		}, u.win)
		u.show(fd)
	})
	d, _ = u.edit(lang.L("Watch folders"), lang.L("Save"), container.NewVBox(
		rows, container.NewHBox(add),
		hint(lang.L("Files are uploaded once their size and time have held for 2 seconds, keeping their subfolders; files being written (.part, .crdownload, .tmp) wait. What went up before is not sent again.")),
	), func() { u.setWatchedFolders(list) })
	d.Resize(fyne.NewSize(640, 360))
}

// inside says whether p is dir or lies below it.
func inside(p, dir string) bool {
	rel, err := filepath.Rel(dir, p)
	return err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator))
}
