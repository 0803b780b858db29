package cli

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"imagekit-uploader/results"
	"imagekit-uploader/uploader"
	"imagekit-uploader/watcher"
)

const watchAbout = `
Upload each new or changed file in FOLDER once it has stopped changing: its
size and time the same for --settle (2s). Subfolders keep their structure
under --folder. It runs until stopped (Ctrl-C), and a restart picks up where
it left off: the files it stored, unchanged since, are not sent again, and
those it was sending are sent so that a copy already there is found.
Files being written by browsers and editors (.part, .crdownload, .tmp, ~$...,
and what is inside Safari's .download folders) and hidden files wait until
they are renamed. A folder with {yyyy}, {mm} and {dd} takes the date each
file goes up on.

It takes upload's flags (or --preset NAME); one line per file, as upload
prints them. --move-done DIR moves each file, once stored, into DIR (with
its subfolders), leaving FOLDER for what is still to go; DIR must be outside
FOLDER (links followed), and a file already there of the same name is never
replaced: the newcomer gets a dated name beside it.`

func cmdWatch(ctx context.Context, args []string, std Stdio) error {
	fs := newFlags(std, "watch", "watch [flags] FOLDER", watchAbout)
	f := uploadFlags{stderr: std.Err}
	f.register(fs)
	var settle time.Duration
	var moveDone string
	fs.DurationVar(&settle, "settle", 2*time.Second, "how long a file's size and time must stay the same before it is sent")
	fs.StringVar(&moveDone, "move-done", "", "move each file, once stored, into this folder (keeping its subfolders)")
	paths, err := fs.parseInterleaved(args)
	if err != nil {
		return err
	}
	if err := applyPreset(fs, f.preset); err != nil {
		return err
	}
	if len(paths) != 1 {
		return usagef("watch takes one folder; got %d", len(paths))
	}
	if settle < 0 {
		return usagef("--settle must not be negative")
	}
	if f.fileName != "" {
		return usagef("--file-name names one file; watch uploads many")
	}
	root, err := filepath.Abs(paths[0])
	if err != nil {
		return usagef("%s: %v", paths[0], err)
	}
	if info, err := os.Stat(root); err != nil || !info.IsDir() {
		return usagef("%s is not a folder", paths[0])
	}
	if moveDone != "" {
		if moveDone, err = filepath.Abs(moveDone); err != nil {
			return usagef("--move-done: %v", err)
		}
		if err := watcher.CheckMoveDone(root, moveDone); err != nil {
			return usagef("--move-done: %v", err)
		}
	}
	fields, limit, err := f.validate()
	if err != nil {
		return err
	}
	qctx, cancel := context.WithCancel(context.Background()) // uploads under way finish after Ctrl-C
	defer cancel()
	run, err := f.session(ctx, qctx, std, limit)
	if err != nil {
		return err
	}
	defer run.Close(context.Background())
	q := run.Queue
	jn, left, jpath, err := f.openJournal("watch", []string{root}, fields)
	if err != nil {
		return err
	}
	var done *doneList
	if jn != nil {
		run.UseJournal(jn)
		if done, err = openDoneList(jpath+".done", legacyDone(jpath), f.jobKey, std.Err); err != nil {
			return configError{err}
		}
		defer done.close()
	}
	out := &uploadReport{w: std.Out, errw: std.Err, json: f.asJSON, format: f.resultFormat, around: func(f func()) { f() }}
	watched := fields
	watched.Folder = f.folder // its date placeholders filled in as each file goes: a watch goes on past midnight
	w := &watcher.Watcher{Root: root, Settle: settle, MoveDone: moveDone, Queue: q, Fields: watched, Forget: true,
		Pass: func(ready []uploader.Item, _ uploader.Fields) ([]uploader.Item, []string) {
			if !f.skipUploaded {
				return ready, nil
			}
			send, earlier := done.filter(ready)
			passed := make([]string, len(earlier))
			for i, d := range earlier {
				passed[i] = d.Path
			}
			return send, passed
		},
		Added: func(ids []uploader.JobID) { f.uploadAgain(q, ids) },
		Note:  func(s string) { fmt.Fprintln(std.Err, "note:", s) },
	}
	run.OnFinish(done.record) // before the journal ends the file
	run.OnFinish(out.finished)
	run.OnFinish(w.Ended)
	left = done.settle(left, jn)
	if len(left) > 0 {
		fmt.Fprintf(std.Err, "resuming: %d %s of an earlier run did not finish\n", len(left), plural(len(left), "file", "files"))
		q.Start(q.Restore(left)...)
	}
	fmt.Fprintf(std.Err, "watching %s (Ctrl-C stops)\n", results.Printable(root))
	err = w.Run(ctx)
	fmt.Fprintln(std.Err, "stopping: the uploads under way finish; those not started are left for next time (Ctrl-C again stops at once)")
	for _, j := range q.Jobs() {
		if j.State == uploader.Queued || j.State == uploader.Ready {
			q.Cancel(j.ID)
		}
	}
	q.Wait(context.Background())
	doubtNote(std.Err, q)
	return err
}
