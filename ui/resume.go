package ui

import (
	"errors"
	"path/filepath"

	"imagekit-uploader/uploader"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/lang"
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
			u.showNotice(lang.L("Another ImageKit Uploader window is open. This one keeps no list of unfinished uploads: after a crash, its files are not offered again."))
		case err != nil:
			u.showNotice(lang.L("{{.Err}}: files that do not finish will not be offered again after a restart.", args{"Err": sentence(err.Error())}))
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
		u.showNotice(lang.N("{{.Count}} files left from the demo were not offered: the demo's uploads never go to your account.",
			len(demoLeft), args{"Count": len(demoLeft)}))
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
	msg := lang.N("{{.Count}} files were not uploaded when the app last closed. Add them to the list again?",
		len(files), args{"Count": len(files)})
	if sent > 0 {
		msg += "\n\n" + lang.N("{{.Count}} of them had started uploading, so ImageKit may already have some. Where names are fixed and nothing is overwritten, a file ImageKit already has is shown as uploaded earlier, not uploaded twice; otherwise it is marked \"may already be uploaded\", and you decide.", sent, args{"Count": sent})
	}
	text := widget.NewLabel(msg + "\n\n" + lang.L("Not now (or Esc) keeps them for next time."))
	text.Wrapping = fyne.TextWrapWord
	d := u.ask(lang.L("Unfinished uploads"), text, 2, 0,
		answer{label: lang.L("Not now")},
		answer{label: lang.L("Forget them"), do: func() { go u.journal().Forget(files) }},
		answer{label: lang.L("Add them"), do: func() { u.restorePending(files) }},
	)
	d.Resize(fyne.NewSize(560, 280))
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
