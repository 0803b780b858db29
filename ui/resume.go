package ui

import (
	"fmt"
	"path/filepath"

	"imagekit-uploader/uploader"

	"fyne.io/fyne/v2/dialog"
)

// openJournal opens the journal of unfinished uploads, off the UI goroutine,
// and offers again what it holds from last time.
func (u *UI) openJournal() {
	jn, left, err := uploader.OpenJournal(filepath.Join(u.cfg.StorageDir, "journal.jsonl"))
	if err == nil {
		jn.OnError = func(err error) { runOnUI(func() { u.showNotice(err.Error()) }) }
		u.journal = jn
		u.queue.SetJournal(jn)
	}
	close(u.journalReady)
	runOnUI(func() {
		if err != nil {
			u.showNotice(sentence(err.Error()) + ": files that do not finish will not be offered again after a restart.")
			return
		}
		if len(left) > 0 {
			u.askPending(left)
		}
	})
}

func (u *UI) askPending(files []uploader.Unfinished) {
	sent := 0
	for _, f := range files {
		if f.Started {
			sent++
		}
	}
	msg := fmt.Sprintf("%d files were not uploaded when the app last closed. Add them to the list again?", len(files))
	if sent > 0 {
		msg += fmt.Sprintf("\n\n%d of them had started uploading, so ImageKit may already have some. "+
			"Where names are fixed and nothing is overwritten, a file ImageKit already has is shown as uploaded earlier, "+
			"not uploaded twice; otherwise it is marked \"may already be uploaded\", and you decide.", sent)
	}
	d := dialog.NewConfirm("Unfinished uploads", msg, func(ok bool) {
		if !ok {
			go u.journal.Forget(files)
			return
		}
		u.restorePending(files)
	}, u.win)
	d.SetConfirmText("Add them")
	d.SetDismissText("Forget them")
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
