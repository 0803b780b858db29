package ui

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"fyne.io/fyne/v2/lang"

	"imagekit-uploader/internal/pasteboard"
	"imagekit-uploader/localendpoint"
	"imagekit-uploader/uploader"
)

// Paste (Ctrl+V, Cmd+V, outside a text field): what was copied goes in the
// list as a drop does. Files copied in a file manager are those files; an
// image (a screenshot) is saved under the app's storage, in pasted/, with a
// name from the date and time, and uploaded from there, so a crash resumes
// it like any file; http(s) links are sent for ImageKit to fetch.

// prefPasteName is the name a pasted image is saved and uploaded under.
const prefPasteName = "pasteName"

const defaultPasteName = "screenshot-{yyyy}-{mm}-{dd}-{hh}{mi}{ss}.png"

// pasteName fills pattern's {yyyy} {mm} {dd} {hh} {mi} {ss} with t, and
// makes sure the name ends in .png.
func pasteName(pattern string, t time.Time) string {
	name := strings.NewReplacer("{yyyy}", t.Format("2006"), "{mm}", t.Format("01"), "{dd}", t.Format("02"),
		"{hh}", t.Format("15"), "{mi}", t.Format("04"), "{ss}", t.Format("05")).Replace(strings.TrimSpace(pattern))
	if uploader.CheckFileName(name) != nil || strings.ContainsAny(name, `/\`) {
		name = pasteName(defaultPasteName, t)
	}
	if !strings.EqualFold(filepath.Ext(name), ".png") {
		name += ".png"
	}
	return name
}

// pasteNameEntry is Settings' pattern for pasted images' names.
func (u *UI) pasteNameEntry() *entry {
	e := newEntry()
	e.SetPlaceHolder(defaultPasteName)
	e.SetText(u.app.Preferences().String(prefPasteName))
	e.Validator = func(s string) error {
		if strings.TrimSpace(s) == "" {
			return nil // the default
		}
		name := pasteName(s, time.Now())
		if name == pasteName(defaultPasteName, time.Now()) && strings.TrimSpace(s) != defaultPasteName {
			return errors.New(lang.L("not a file name: no / or \\, and not empty"))
		}
		return nil
	}
	e.OnChanged = func(s string) {
		if e.Validate() == nil {
			u.app.Preferences().SetString(prefPasteName, strings.TrimSpace(s))
		}
	}
	return e
}

// paste reads the clipboard off the UI goroutine (when this app owns it,
// the UI goroutine's own loop answers the reading) and adds what it holds.
func (u *UI) paste() {
	if u.pasting.Swap(true) {
		return // one paste at a time
	}
	pattern := u.app.Preferences().StringWithFallback(prefPasteName, defaultPasteName)
	go func() {
		defer u.pasting.Store(false)
		notice := func(s string) { runOnUI(func() { u.showNotice(s) }) }
		c, err := u.readClipboard(5 * time.Second)
		if errors.Is(err, pasteboard.ErrUnavailable) {
			notice(lang.L("Nothing was pasted: the clipboard cannot be read here. Drop the files, or use Add files… (Ctrl+O)."))
			return
		}
		if err != nil {
			notice(lang.L("Nothing was pasted: {{.Err}}. Copy it again, then paste.", args{"Err": err.Error()}))
			return
		}
		it := pasteboard.Interpret(c)
		if it.Empty() {
			notice(lang.L("Nothing to upload on the clipboard: copy an image, files, or http(s) links, then paste (Ctrl+V)."))
			return
		}
		paths := it.Paths
		named, passed := namedFiles(it.Named)
		if it.Image != nil {
			p, err := u.savePasted(it.Image, pasteName(pattern, time.Now()))
			if err != nil {
				notice(lang.L("The pasted image could not be saved to upload it: {{.Err}}", args{"Err": err.Error()}))
				return
			}
			paths = append(paths, p)
		}
		runOnUI(func() {
			u.addPaths(paths, u.uploadPasted)
			u.addURLs(it.URLs, u.uploadPasted)
			// Files named in text are listed, not sent: the text may be
			// anyone's, so the person sees them and presses Upload.
			u.addPaths(named, func([]uploader.JobID) {
				if len(named) > 0 {
					u.showNotice(lang.N("Listed {{.Count}} files named in the copied text: press Upload to send them.", len(named), args{"Count": len(named)}))
				}
			})
			if passed > 0 && len(named)+len(paths)+len(it.URLs) == 0 && it.Image == nil {
				u.showNotice(lang.L("Nothing to upload on the clipboard: the paths in the copied text are not image, video or PDF files (folders and hidden files named in text are not taken)."))
			}
		})
	}()
}

// namedFiles keeps, of the paths in copied text, the image, video and PDF
// files that are not hidden; folders are not walked for text.
func namedFiles(paths []string) (files []string, passed int) {
	for _, p := range paths {
		if strings.HasPrefix(filepath.Base(p), ".") || localendpoint.CheckMediaFile(p) != nil {
			passed++
			continue
		}
		files = append(files, p)
	}
	return files, passed
}

// savePasted writes a pasted image under pasted/ in the app's storage, as
// name or, where that is taken, name-2, name-3, ... (a crash while writing
// leaves no half file behind it to be uploaded: it is removed, or the
// journal has not listed it yet)
func (u *UI) savePasted(png []byte, name string) (string, error) {
	dir := filepath.Join(u.cfg.StorageDir, "pasted")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", err
	}
	ext := filepath.Ext(name)
	base := strings.TrimSuffix(name, ext)
	for n := 1; ; n++ {
		p := filepath.Join(dir, name)
		if n > 1 {
			p = filepath.Join(dir, fmt.Sprintf("%s-%d%s", base, n, ext))
		}
		// Made only if new: a paste and an app's request in the same second
		// each get a file of their own.
		f, err := os.OpenFile(p, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
		if errors.Is(err, os.ErrExist) {
			continue
		}
		if err != nil {
			return "", err
		}
		_, err = f.Write(png)
		if err == nil {
			err = f.Sync()
		}
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			os.Remove(p)
			return "", err
		}
		return p, nil
	}
}

// uploadPasted starts a paste's files at once, where the form allows: a
// paste is the quick way, one screenshot and its link.
func (u *UI) uploadPasted(ids []uploader.JobID) {
	if len(ids) == 0 {
		return
	}
	if reason, problem := u.form.why(); problem {
		u.showNotice(lang.L("Pasted, not uploaded yet: {{.Reason}}", args{"Reason": reason}))
		return
	}
	u.form.start(ids)
}

// addURLs queues links for ImageKit to fetch, with the form's settings,
// and calls then with the jobs added. Called on the UI goroutine.
func (u *UI) addURLs(urls []string, then func([]uploader.JobID)) {
	if len(urls) == 0 {
		return
	}
	fields := u.form.fields()
	format := u.copyWhenDone()
	var reqs []uploader.Request
	var refused []string
	for _, link := range urls {
		_, name, err := uploader.SourceURL(link)
		switch {
		case err != nil:
			refused = append(refused, err.Error())
		case name == "":
			refused = append(refused, lang.L("{{.URL}} has no file name at the end of its path", args{"URL": link}))
		default:
			reqs = append(reqs, uploader.Request{Path: link, URL: link, FileName: name, Fields: fields})
		}
	}
	go func() {
		<-u.journalReady
		ids, dups := u.queue.AddRequests(reqs)
		u.watchDrop(ids, format)
		msg := addedNotice(len(ids), dups, nil)
		if len(refused) > 0 {
			msg = strings.TrimSpace(lang.L("Not added: {{.Reasons}}. {{.Added}}", args{"Reasons": strings.Join(refused, "; "), "Added": msg}))
		}
		u.listAdded(ids, msg, then)
	}()
}
