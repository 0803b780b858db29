package ui

import (
	"errors"
	"fmt"
	"path/filepath"

	"imagekit-uploader/uploader"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/widget"
)

// demoTag marks, in the journal, the files queued while the demo ran.
const demoTag = "demo"

// openJournal opens the journal of unfinished uploads, off the UI goroutine,
// and offers again what it holds from last time.
func (u *UI) openJournal() {
	// Files whose bytes went up before (from here or the command line) are
	// passed over; the index is opened before any file is queued.
	if x, xerr := uploader.OpenUploadedIndex(u.cfg.IndexFile); xerr == nil {
		u.session.UseIndex(x)
	}
	jn, left, err := uploader.OpenJournal(filepath.Join(u.cfg.StorageDir, "journal.db"))
	if err == nil {
		jn.OnError = func(err error) { runOnUI(func() { u.showNotice(err.Error()) }) }
		u.shared.mu.Lock() // held so that the demo cannot start or end between
		if u.shared.demo != nil {
			jn.SetTag(demoTag)
		}
		u.session.UseJournal(jn)
		u.shared.mu.Unlock()
	}
	close(u.journalReady)
	runOnUI(func() {
		switch {
		case errors.Is(err, uploader.ErrJournalInUse):
			u.showNotice("Another ImageKit Uploader window is open. This one keeps no list of unfinished uploads: after a crash, its files are not offered again.")
		case err != nil:
			u.showNotice(sentence(err.Error()) + ": files that do not finish will not be offered again after a restart.")
		default:
			u.offerPending(left)
		}
	})
}

// offerPending offers what the last session left unfinished. The demo's
// files are offered only to a demo, never sent to an account; an account's
// files wait while a demo runs.
func (u *UI) offerPending(left []uploader.Unfinished) {
	demo := u.demoOn()
	var mine, demoLeft []uploader.Unfinished
	for _, f := range left {
		switch {
		case (f.Tag == demoTag) == demo:
			mine = append(mine, f)
		case f.Tag == demoTag:
			demoLeft = append(demoLeft, f)
		}
	}
	if len(demoLeft) > 0 {
		go u.journal().Forget(demoLeft)
		u.showNotice(fmt.Sprintf("%d %s left from the demo %s not offered: the demo's uploads never go to your account.",
			len(demoLeft), plural(len(demoLeft), "file", "files"), plural(len(demoLeft), "was", "were")))
	}
	if len(mine) > 0 {
		u.askPending(mine)
	}
}

// journal is the journal of unfinished uploads, or nil.
func (u *UI) journal() *uploader.Journal { return u.session.Journal() }

// askPending asks whether to list the files again. Closing the question
// (Esc) leaves them for next time; only "Forget them" forgets.
func (u *UI) askPending(files []uploader.Unfinished) {
	sent := 0
	for _, f := range files {
		if f.Started {
			sent++
		}
	}
	msg := fmt.Sprintf("%d %s not uploaded when the app last closed. Add %s to the list again?",
		len(files), plural(len(files), "file was", "files were"), plural(len(files), "it", "them"))
	if sent > 0 {
		msg += fmt.Sprintf("\n\n%d of them had started uploading, so ImageKit may already have some. "+
			"Where names are fixed and nothing is overwritten, a file ImageKit already has is shown as uploaded earlier, "+
			"not uploaded twice; otherwise it is marked \"may already be uploaded\", and you decide.", sent)
	}
	text := widget.NewLabel(msg + "\n\nClosing this keeps them for next time.")
	text.Wrapping = fyne.TextWrapWord
	var d dialog.Dialog
	forget := widget.NewButton("Forget them", func() {
		d.Hide()
		go u.journal().Forget(files)
	})
	add := widget.NewButton("Add them", func() {
		d.Hide()
		u.restorePending(files)
	})
	add.Importance = widget.HighImportance
	d = dialog.NewCustomWithoutButtons("Unfinished uploads", container.NewBorder(nil,
		container.NewHBox(layout.NewSpacer(), forget, add), nil, nil, text), u.win)
	d.Resize(fyne.NewSize(520, 260))
	u.show(d)
}

// restorePending lists the files again, each with the settings it had; only
// those whose upload had begun are treated as possibly on the server.
func (u *UI) restorePending(files []uploader.Unfinished) {
	go func() {
		ids := u.queue.Restore(files)
		restored := make([]uploader.Job, 0, len(ids))
		for _, id := range ids {
			if j, ok := u.queue.Job(id); ok {
				restored = append(restored, j)
			}
		}
		runOnUI(func() { u.appendRows(restored) })
	}()
}
