package cli

import (
	"context"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/fsnotify/fsnotify"

	"imagekit-uploader/results"
	"imagekit-uploader/uploader"
)

const watchAbout = `
Upload each new or changed file in FOLDER once it has stopped changing: its
size and time the same for --settle (2s). Subfolders keep their structure
under --folder. It runs until stopped (Ctrl-C), and a restart picks up where
it left off: the files it stored, unchanged since, are not sent again, and
those it was sending are sent so that a copy already there is found.
Files being written by browsers and editors (.part, .crdownload, .tmp, ~$...)
and hidden files wait until they are renamed.

It takes upload's flags (or --preset NAME); one line per file, as upload
prints them. --move-done DIR moves each file, once stored, into DIR (with
its subfolders), leaving FOLDER for what is still to go.`

// watchTick is how often files that may be settling are looked at again.
const watchTick = 250 * time.Millisecond

// watchRescan is the backstop: the whole folder is listed again this often,
// for changes the system's notifications missed.
const watchRescan = 30 * time.Second

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
		if rel, err := filepath.Rel(root, moveDone); err == nil && !strings.HasPrefix(rel, "..") {
			return usagef("--move-done %s is inside the folder watched: its files would be sent again", moveDone)
		}
		if err := os.MkdirAll(moveDone, 0o755); err != nil {
			return configError{fmt.Errorf("--move-done: %w", err)}
		}
		if f, err := os.CreateTemp(moveDone, ".write-test-*"); err != nil {
			return configError{fmt.Errorf("--move-done: files cannot be moved into %s: %w", moveDone, err)}
		} else {
			f.Close()
			os.Remove(f.Name())
		}
	}
	fields, limit, err := f.validate()
	if err != nil {
		return err
	}
	client, err := f.client(ctx, std)
	if err != nil {
		return err
	}
	qctx, cancel := context.WithCancel(context.Background()) // uploads under way finish after Ctrl-C
	defer cancel()
	q := uploader.NewQueue(qctx, client, f.concurrency, limit.Plan)
	q.SetMaxFileSize(limit.MaxFileSize)
	if x := f.openIndex(std); x != nil {
		defer x.Close()
		q.SetIndex(x)
	}
	jn, left, jpath, err := f.openJournal("watch", []string{root}, fields)
	if err != nil {
		return err
	}
	var done *doneList
	if jn != nil {
		defer jn.Close()
		if done, err = openDoneList(jpath+".done", f.jobKey, std.Err); err != nil {
			return configError{err}
		}
		defer done.close()
		q.SetJournal(jn)
	}
	out := &uploadReport{w: std.Out, errw: std.Err, json: f.asJSON, format: f.resultFormat, around: func(f func()) { f() }}
	w := &watch{f: &f, root: root, settle: settle, moveDone: moveDone, q: q, fields: fields, done: done, out: out, std: std, seen: map[string]*seenFile{}}
	q.OnFinish = w.finished
	if len(left) > 0 {
		fmt.Fprintf(std.Err, "resuming: %d %s of an earlier run did not finish\n", len(left), plural(len(left), "file", "files"))
		q.Start(q.Restore(left)...)
	}
	fmt.Fprintf(std.Err, "watching %s (Ctrl-C stops)\n", results.Printable(root))
	err = w.run(ctx)
	fmt.Fprintln(std.Err, "stopping: the uploads under way finish; those not started are left for next time (Ctrl-C again stops at once)")
	for _, j := range q.Jobs() {
		if j.State == uploader.Queued || j.State == uploader.Ready {
			q.Cancel(j.ID)
		}
	}
	q.Wait(context.Background())
	return err
}

// watch is one watched folder and what it has seen in it.
type watch struct {
	f              *uploadFlags
	root, moveDone string
	settle         time.Duration
	q              *uploader.Queue
	fields         uploader.Fields
	done           *doneList
	out            *uploadReport
	std            Stdio
	mu             sync.Mutex
	seen           map[string]*seenFile // by path
}

// seenFile is a file as last looked at.
type seenFile struct {
	item   uploader.Item
	size   int64
	mod    time.Time
	since  time.Time // when it last changed
	queued bool      // sent (or being sent) as it is now
}

// run watches until ctx ends.
func (w *watch) run(ctx context.Context) error {
	nw, err := fsnotify.NewWatcher()
	if err != nil {
		fmt.Fprintf(w.std.Err, "note: no change notifications (%v); the folder is listed every %s instead\n", err, watchTick*4)
	}
	var events <-chan fsnotify.Event
	if nw != nil {
		defer nw.Close()
		events = nw.Events
	}
	tick := time.NewTicker(watchTick)
	defer tick.Stop()
	if err := w.scan(ctx, nw); err != nil {
		return err
	}
	lastScan := time.Now()
	dirty := false
	for {
		select {
		case <-ctx.Done():
			return nil
		case ev, ok := <-events:
			if !ok {
				events = nil
				continue
			}
			dirty = true
			if ev.Has(fsnotify.Create) {
				if info, err := os.Stat(ev.Name); err == nil && info.IsDir() {
					addTree(nw, ev.Name) // a new subfolder: watched too
				}
			}
		case <-tick.C:
			if dirty || nw == nil && time.Since(lastScan) > watchTick*4 || time.Since(lastScan) > watchRescan {
				if err := w.scan(ctx, nw); err != nil {
					return err
				}
				lastScan, dirty = time.Now(), false
			}
			w.settleAndSend()
			w.q.Remove(func(j uploader.Job) bool { return j.State.Finished() }) // reported already
		}
	}
}

// addTree watches dir and the folders under it.
func addTree(nw *fsnotify.Watcher, dir string) {
	if nw == nil {
		return
	}
	filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err == nil && d.IsDir() {
			if strings.HasPrefix(d.Name(), ".") && p != dir {
				return filepath.SkipDir
			}
			nw.Add(p)
		}
		return nil
	})
}

// inProgress says whether a name is one that programs give a file while
// they write it, before renaming it.
func inProgress(name string) bool {
	n := strings.ToLower(name)
	for _, s := range []string{".part", ".crdownload", ".tmp", ".download", ".partial", "~"} {
		if strings.HasSuffix(n, s) {
			return true
		}
	}
	return strings.HasPrefix(n, "~$")
}

// scan lists the folder and notes each file's size and time; an error
// when the folder itself is gone.
func (w *watch) scan(ctx context.Context, nw *fsnotify.Watcher) error {
	addTree(nw, w.root)
	items, _, err := uploader.CollectIn(ctx, w.root)
	if err != nil && ctx.Err() == nil {
		if _, serr := os.Stat(w.root); serr != nil {
			return fmt.Errorf("the folder watched, %s, is gone (%v): stopped", results.Printable(w.root), serr)
		}
		fmt.Fprintf(w.std.Err, "note: %v\n", err)
	}
	now := time.Now()
	w.mu.Lock()
	defer w.mu.Unlock()
	present := map[string]bool{}
	for _, it := range items {
		if it.Err != nil || inProgress(filepath.Base(it.Path)) {
			continue
		}
		present[it.Path] = true
		info, err := os.Stat(it.Path)
		if err != nil {
			continue
		}
		s := w.seen[it.Path]
		switch {
		case s == nil:
			w.seen[it.Path] = &seenFile{item: it, size: info.Size(), mod: info.ModTime(), since: now}
		case s.size != info.Size() || !s.mod.Equal(info.ModTime()):
			s.item, s.size, s.mod, s.since, s.queued = it, info.Size(), info.ModTime(), now, false
		}
	}
	for p := range w.seen {
		if !present[p] {
			delete(w.seen, p) // gone (moved away once done, or deleted)
		}
	}
	return nil
}

// settleAndSend looks again at the files not yet sent, and queues those
// that have not changed for the settle time.
func (w *watch) settleAndSend() {
	now := time.Now()
	var ready []uploader.Item
	w.mu.Lock()
	for p, s := range w.seen {
		if s.queued {
			continue
		}
		info, err := os.Stat(p)
		if err != nil {
			continue
		}
		if info.Size() != s.size || !info.ModTime().Equal(s.mod) {
			s.size, s.mod, s.since = info.Size(), info.ModTime(), now
			s.item.Size = info.Size()
			continue
		}
		if now.Sub(s.since) >= w.settle {
			s.queued = true
			s.item.Size = info.Size()
			ready = append(ready, s.item)
		}
	}
	w.mu.Unlock()
	if len(ready) == 0 {
		return
	}
	ready, earlier := w.done.filter(ready) // stored by an earlier run, unchanged since
	for _, d := range earlier {
		w.moveAway(d.Path)
	}
	ids, _ := w.q.Add(ready, w.fields)
	if len(ids) < len(ready) {
		// A file changed again while its earlier upload runs: the queue
		// still holds that one. Looked at again once it has ended.
		added := map[string]bool{}
		for _, id := range ids {
			if j, ok := w.q.Job(id); ok {
				added[j.Request.Path] = true
			}
		}
		w.mu.Lock()
		for _, it := range ready {
			if s := w.seen[it.Path]; s != nil && !added[it.Path] {
				s.queued = false
			}
		}
		w.mu.Unlock()
	}
	w.f.uploadAgain(w.q, ids)
	w.q.Start(ids...)
}

// finished reports a file, notes it stored, and moves it away if asked.
func (w *watch) finished(j uploader.Job) {
	w.done.record(j)
	w.out.finished(j)
	if j.State == uploader.Done || j.State == uploader.AlreadyUploaded {
		w.moveAway(j.Request.Path)
	}
}

// moveAway moves a stored file into --move-done, keeping its subfolders.
func (w *watch) moveAway(p string) {
	if w.moveDone == "" {
		return
	}
	rel, err := filepath.Rel(w.root, p)
	if err != nil || strings.HasPrefix(rel, "..") {
		return
	}
	to := filepath.Join(w.moveDone, rel)
	err = os.MkdirAll(filepath.Dir(to), 0o755)
	if err == nil {
		if _, lerr := os.Lstat(to); lerr == nil {
			ext := filepath.Ext(to)
			to = strings.TrimSuffix(to, ext) + time.Now().Format("-20060102-150405") + ext // never over an earlier one
		}
		if err = os.Rename(p, to); err != nil {
			err = moveAcross(p, to) // another file system: copy, then remove
		}
	}
	if err != nil {
		fmt.Fprintf(w.std.Err, "note: %s was stored but could not be moved to %s: %v\n", results.Printable(p), results.Printable(to), err)
	}
}

// moveAcross moves a file where a rename cannot (another file system): a
// copy, synced, then the original removed.
func moveAcross(from, to string) error {
	in, err := os.Open(from)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(to, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o644)
	if err != nil {
		return err
	}
	_, err = io.Copy(out, in)
	if err == nil {
		err = out.Sync()
	}
	if cerr := out.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(to)
		return err
	}
	return os.Remove(from)
}
