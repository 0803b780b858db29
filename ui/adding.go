package ui

import (
	"errors"
	"os"
	"sort"
	"strings"

	"imagekit-uploader/uploader"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/lang"
)

// AddPaths queues files and folders (dropped, picked or given on the command
// line). The disk walk runs off the UI goroutine.
func (u *UI) AddPaths(paths []string) { u.addPaths(paths, nil) }

// addPaths is AddPaths, calling then (on the UI goroutine) with the jobs
// added once they are rows.
func (u *UI) addPaths(paths []string, then func([]uploader.JobID)) {
	if len(paths) == 0 {
		return
	}
	fields := u.form.fields() // widgets are read here, on the UI goroutine
	format := u.copyWhenDone()
	go func() {
		all, skipped := uploader.Collect(paths)
		// A path given that does not exist is no upload to retry: it is
		// said, and not listed.
		var items []uploader.Item
		var missing []string
		for _, it := range all {
			if it.Err != nil && errors.Is(it.Err, os.ErrNotExist) {
				missing = append(missing, it.Path)
				continue
			}
			items = append(items, it)
		}
		<-u.journalReady
		ids, dups := u.queue.Add(items, fields)
		u.watchDrop(ids, format)
		msg := addedNotice(len(ids), dups, skipped)
		switch {
		case len(missing) == 1:
			msg = strings.TrimSpace(lang.L("{{.Path}} does not exist here: nothing was added for it (give a file or folder that is on this computer). {{.More}}",
				args{"Path": missing[0], "More": msg}))
		case len(missing) > 1:
			msg = strings.TrimSpace(lang.N("{{.Count}} paths do not exist here, such as {{.Path}}: nothing was added for them. {{.More}}", len(missing),
				args{"Count": len(missing), "Path": missing[0], "More": msg}))
		}
		u.listAdded(ids, msg, then)
	}()
}

// jobsOf is the queue's jobs ids, in order.
func (u *UI) jobsOf(ids []uploader.JobID) []uploader.Job {
	jobs := make([]uploader.Job, 0, len(ids))
	for _, id := range ids {
		if j, ok := u.queue.Job(id); ok {
			jobs = append(jobs, j)
		}
	}
	return jobs
}

// listAdded shows the jobs just added as rows, says msg (if any) and calls
// then (if any) with them, on the UI goroutine. Called from any goroutine.
func (u *UI) listAdded(ids []uploader.JobID, msg string, then func([]uploader.JobID)) {
	jobs := u.jobsOf(ids)
	runOnUI(func() {
		u.appendRows(jobs)
		if msg != "" {
			u.showNotice(msg)
		}
		if then != nil {
			then(ids)
		}
	})
}

func addedNotice(added, dups int, skipped []uploader.Skip) string {
	var parts []string
	if dups > 0 {
		parts = append(parts, lang.N("{{.Count}} already in the list, queued once", dups, args{"Count": dups}))
	}
	reasons := map[string]int{}
	for _, s := range skipped {
		r := s.Reason // the engine's words
		if strings.HasPrefix(r, "given twice") {
			r = lang.L("given twice")
		}
		reasons[r]++
	}
	keys := make([]string, 0, len(reasons))
	for r := range reasons {
		keys = append(keys, r)
	}
	sort.Strings(keys)
	for _, r := range keys {
		parts = append(parts, lang.N("{{.Count}} skipped ({{.Reason}})", reasons[r], args{"Count": reasons[r], "Reason": r}))
	}
	switch {
	case len(parts) == 0:
		return ""
	case added == 0 && len(reasons) == 0: // every file given is in the list
		if dups == 1 {
			return lang.L("Nothing added: that file is already in the list.")
		}
		if dups == 2 {
			return lang.L("Nothing added: both files are already in the list.")
		}
		return lang.N("Nothing added: all {{.Count}} files are already in the list.", dups, args{"Count": dups})
	case added == 0:
		return lang.L("Nothing added: {{.Parts}}.", args{"Parts": strings.Join(parts, ", ")})
	}
	return lang.N("Added {{.Count}} files; {{.Parts}}.", added, args{"Count": added, "Parts": strings.Join(parts, ", ")})
}

func (u *UI) appendRows(jobs []uploader.Job) {
	for _, j := range jobs {
		u.index[j.ID] = len(u.rows)
		u.rows = append(u.rows, j.ID)
		u.snaps[j.ID] = j
	}
	u.jobs.refresh()
	u.form.refreshState()
	u.footer.SetText(footerText(u.queue.Totals()))
}

func (u *UI) onDropped(_ fyne.Position, uris []fyne.URI) {
	var paths []string
	for _, uri := range uris {
		if uri.Scheme() == "file" {
			paths = append(paths, uri.Path())
		}
	}
	u.AddPaths(paths)
}

func (u *UI) pickFiles() {
	d := dialog.NewFileOpen(func(r fyne.URIReadCloser, err error) {
		if err != nil || r == nil {
			u.showError(lang.L("Cannot open the file"), err)
			return
		}
		r.Close()
		u.AddPaths([]string{r.URI().Path()})
	}, u.win)
	u.show(d)
}

func (u *UI) pickFolder() {
	d := dialog.NewFolderOpen(func(l fyne.ListableURI, err error) {
		if err != nil || l == nil {
			u.showError(lang.L("Cannot open the folder"), err)
			return
		}
		u.AddPaths([]string{l.Path()})
	}, u.win)
	u.show(d)
}
