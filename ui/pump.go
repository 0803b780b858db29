package ui

import (
	"errors"
	"path"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/widget"

	"imagekit-uploader/uploader"
)

// onJobChange is the queue's notice, on its goroutines: it only notes which
// job changed; the tick reads the job's state from the queue.
func (u *UI) onJobChange(id uploader.JobID) {
	u.shared.mu.Lock()
	u.shared.changed[id] = struct{}{}
	u.shared.mu.Unlock()
}

// onJobFinish records a finished upload in the history the moment the engine
// learns of it, on the job's goroutine, so a crash a moment later loses no
// URL. Canceled jobs are not results.
func (u *UI) onJobFinish(j uploader.Job) {
	u.dropFinished(j.ID)
	if j.State == uploader.Canceled {
		return
	}
	e := entryOf(j, u.demoOn())
	if au := new(uploader.AlreadyUploadedError); errors.As(j.Err, &au) && !au.Earlier.IsZero() {
		u.shared.mu.Lock()
		u.shared.passedOver = append(u.shared.passedOver, j.ID) // for the batch's choice, when it ends
		u.shared.mu.Unlock()
	}
	if err := u.history.add(e); err != nil {
		runOnUI(func() { u.showNotice(lang.L("The history could not be saved: {{.Err}}", args{"Err": err.Error()})) })
	}
}

// tick shows the queue's state at most ten times a second: it reads the jobs
// that changed from the queue (the one owner of their state), off the UI
// goroutine, then refreshes the list once on it.
func (u *UI) tick() {
	defer close(u.tickDone)
	t := time.NewTicker(100 * time.Millisecond)
	defer t.Stop()
	for {
		select {
		case <-u.stopTicker:
			return
		case <-t.C:
		}
		u.shared.mu.Lock()
		ids := u.shared.changed
		u.shared.changed = map[uploader.JobID]struct{}{}
		u.shared.mu.Unlock()
		changed := make([]uploader.Job, 0, len(ids))
		for id := range ids {
			if j, ok := u.queue.Job(id); ok {
				changed = append(changed, j)
			}
		}
		totals := u.queue.Totals()
		redraw := u.redraw.Swap(false)
		if len(changed) == 0 && totals.Active == 0 && !redraw {
			continue
		}
		runOnUI(func() {
			onScreen := redraw
			for _, j := range changed {
				if _, shown := u.index[j.ID]; !shown {
					continue
				}
				before := u.snaps[j.ID].State
				u.snaps[j.ID] = j
				onScreen = onScreen || u.jobs.showing(j.ID)
				if j.ID == u.selected && before != j.State {
					u.form.selectJob(j.ID) // renaming is open only before the upload
				} else if j.ID == u.selected {
					u.form.showWhole(j)
				}
			}
			// At most one refresh a tick, and none when no row on screen
			// changed: every refresh draws the whole window again, which under
			// software GL costs as much CPU as the uploads. (In Fyne 2.7 each
			// List.RefreshItem refreshes the whole list as well, so a call per
			// changed row would cost rows × visible rows.)
			if onScreen {
				u.jobs.list.Refresh()
			}
			// The footer's speed and time left change every tick: twice a
			// second is enough to read them, and the last figures always show.
			if time.Since(u.lastFooter) >= 500*time.Millisecond || totals.Active == 0 {
				setText(u.footer, footerText(totals))
				u.lastFooter = time.Now()
			}
			u.form.refreshState()
			u.refreshTray(totals)
			u.batchEnded(totals)
			if u.notice.Visible() && time.Since(u.lastNotice) > 10*time.Second {
				u.notice.Hide()
			}
		})
	}
}

// beginBatch notes that uploads start now, and the figures to count from.
func (u *UI) beginBatch() {
	if !u.batch.busy {
		u.batch.busy, u.batch.start = true, u.queue.Totals()
	}
}

// batchEnded tells the desktop, once, when the uploads going on have all
// ended: how many went up, and how many failed. People leave a long batch
// running in the background.
func (u *UI) batchEnded(t uploader.Totals) {
	busy := t.Active > 0
	if busy && !u.batch.busy {
		u.batch.busy, u.batch.start = true, t // a batch begins: count from here
		return
	}
	if busy || !u.batch.busy {
		return
	}
	u.batch.busy = false
	done := t.Count[uploader.Done] + t.Count[uploader.AlreadyUploaded] - u.batch.start.Count[uploader.Done] - u.batch.start.Count[uploader.AlreadyUploaded]
	failed := t.Count[uploader.Failed] - u.batch.start.Count[uploader.Failed]
	if done+failed == 0 {
		return
	}
	title, text := lang.L("Uploads finished"), lang.N("{{.Count}} files uploaded", done, args{"Count": done})
	if failed > 0 { // a list of two parts, each a whole
		title = lang.L("Uploads finished, some failed")
		text = lang.L("{{.Uploaded}}, {{.Failed}}", args{"Uploaded": text,
			"Failed": lang.N("{{.Count}} failed: see the list to retry them", failed, args{"Count": failed})})
	}
	u.app.SendNotification(fyne.NewNotification(title, text))
	u.shared.mu.Lock()
	passed := u.shared.passedOver
	u.shared.passedOver = nil
	u.shared.mu.Unlock()
	if len(passed) > 0 {
		u.askAboutPassedOver(passed)
	}
}

// uploadPassedOver sends files passed over as uploaded before: anyway, or
// as new versions of the earlier files (at their paths).
func (u *UI) uploadPassedOver(ids []uploader.JobID, newVersions bool) {
	for _, id := range ids {
		j, ok := u.queue.Job(id)
		var au *uploader.AlreadyUploadedError
		if !ok || !errors.As(j.Err, &au) {
			continue
		}
		u.queue.Update(id, func(r *uploader.Request) {
			r.UploadAgain = true
			if newVersions { // at the earlier file's path, as its next version
				r.FileName, r.Rel = path.Base(au.FilePath), ""
				r.Fields.Folder = path.Dir(au.FilePath)
				r.Fields.UseUniqueFileName, r.Fields.OverwriteFile = false, true
				r.StoredName = ""
			}
		})
	}
	u.retry(ids...)
}

// askAboutPassedOver offers, once a batch has ended, what to do with its
// files whose bytes went up to the same folder before: keep them passed
// over (the default), upload them anyway, or upload them as new versions of
// the earlier files.
func (u *UI) askAboutPassedOver(ids []uploader.JobID) {
	n := len(ids)
	msg := widget.NewLabel(lang.N("{{.Count}} files of this batch went up before: the same bytes, to the same folder. They were passed over.", n, args{"Count": n}))
	msg.Wrapping = fyne.TextWrapWord
	d := u.ask(lang.L("Uploaded before"), msg, 0, 0,
		answer{label: lang.L("Keep them passed over")},
		answer{label: lang.L("Upload them anyway"), do: func() { u.uploadPassedOver(ids, false) }},
		answer{label: lang.L("As new versions of the earlier files"), do: func() { u.uploadPassedOver(ids, true) }},
	)
	d.Resize(fyne.NewSize(620, d.MinSize().Height+40))
}
