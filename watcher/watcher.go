// Package watcher uploads the files that come into a folder, once each
// has stopped changing: for the command line's watch and the window's
// watched folders. It lists the folder on the system's change notices
// (fsnotify), and again now and then as a backstop.
package watcher

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

// Tick is how often files that may be settling are looked at again.
const Tick = 250 * time.Millisecond

// Rescan is the backstop: the whole folder is listed again this often,
// for changes the system's notifications missed.
const Rescan = 30 * time.Second

// Watcher is one watched folder and what it has seen in it. Set its
// fields, then Run it; hand it each job's end (Ended).
type Watcher struct {
	Root     string
	Settle   time.Duration // how long a file's size and time must hold
	MoveDone string        // where stored files go, or ""
	Queue    *uploader.Queue
	Fields   uploader.Fields
	// Pass, when set, takes out of the files ready to go those not to send
	// (stored by an earlier run, unchanged), and returns the rest.
	Pass func(ready []uploader.Item) (send []uploader.Item, passed []string)
	// Added, when set, is told of the jobs made, before they start.
	Added func(ids []uploader.JobID)
	// Forget removes each finished job from the queue (the command line's;
	// the window keeps its rows).
	Forget bool
	// Note says what a person may want to know; nothing when nil.
	Note func(string)

	mu   sync.Mutex
	seen map[string]*seenFile // by path
}

func (w *Watcher) note(format string, args ...any) {
	if w.Note != nil {
		w.Note(fmt.Sprintf(format, args...))
	}
}

// seenFile is a file as last looked at.
type seenFile struct {
	item   uploader.Item
	size   int64
	mod    time.Time
	since  time.Time // when it last changed
	queued bool      // sent (or being sent) as it is now
}

// Run watches until ctx ends, or until the folder is gone (an error).
func (w *Watcher) Run(ctx context.Context) error {
	w.mu.Lock()
	if w.seen == nil {
		w.seen = map[string]*seenFile{}
	}
	w.mu.Unlock()
	nw, err := fsnotify.NewWatcher()
	if err != nil {
		w.note("no change notifications (%v); the folder is listed every %s instead", err, Tick*4)
	}
	var events <-chan fsnotify.Event
	if nw != nil {
		defer nw.Close()
		events = nw.Events
	}
	tick := time.NewTicker(Tick)
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
			if dirty || nw == nil && time.Since(lastScan) > Tick*4 || time.Since(lastScan) > Rescan {
				if err := w.scan(ctx, nw); err != nil {
					return err
				}
				lastScan, dirty = time.Now(), false
			}
			w.settleAndSend()
			if w.Forget {
				w.Queue.Remove(func(j uploader.Job) bool { return j.State.Finished() }) // reported already
			}
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

// InProgress says whether a name is one that programs give a file while
// they write it, before renaming it.
func InProgress(name string) bool {
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
func (w *Watcher) scan(ctx context.Context, nw *fsnotify.Watcher) error {
	addTree(nw, w.Root)
	items, _, err := uploader.CollectIn(ctx, w.Root)
	if err != nil && ctx.Err() == nil {
		if _, serr := os.Stat(w.Root); serr != nil {
			return fmt.Errorf("the folder watched, %s, is gone (%v): stopped", results.Printable(w.Root), serr)
		}
		w.note("%v", err)
	}
	now := time.Now()
	w.mu.Lock()
	defer w.mu.Unlock()
	present := map[string]bool{}
	for _, it := range items {
		if it.Err != nil || InProgress(filepath.Base(it.Path)) {
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
func (w *Watcher) settleAndSend() {
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
		if now.Sub(s.since) >= w.Settle {
			s.queued = true
			s.item.Size = info.Size()
			ready = append(ready, s.item)
		}
	}
	w.mu.Unlock()
	if len(ready) == 0 {
		return
	}
	if w.Pass != nil {
		var passed []string
		ready, passed = w.Pass(ready) // stored by an earlier run, unchanged since
		for _, p := range passed {
			w.moveAway(p)
		}
	}
	ids, _ := w.Queue.Add(ready, w.Fields)
	if len(ids) < len(ready) {
		added := map[string]bool{}
		for _, id := range ids {
			if j, ok := w.Queue.Job(id); ok {
				added[j.Request.Path] = true
			}
		}
		listed := map[string]uploader.Job{}
		for _, j := range w.Queue.Jobs() {
			listed[j.Request.Path] = j
		}
		ended := map[uploader.JobID]bool{}
		var again []uploader.Item
		w.mu.Lock()
		for _, it := range ready {
			if added[it.Path] {
				continue
			}
			switch j, ok := listed[it.Path]; {
			case ok && j.State.Finished():
				// Changed after its upload ended (kept in the list: the
				// window's rows): its ended job goes, a new one comes.
				ended[j.ID] = true
				again = append(again, it)
			case ok:
				// Changed again while its earlier upload runs: looked at
				// again once that has ended.
				if s := w.seen[it.Path]; s != nil {
					s.queued = false
				}
			}
		}
		w.mu.Unlock()
		if len(again) > 0 {
			w.Queue.Remove(func(j uploader.Job) bool { return ended[j.ID] })
			more, _ := w.Queue.Add(again, w.Fields)
			ids = append(ids, more...)
		}
	}
	if len(ids) == 0 {
		return // nothing new: Start with no ids would start every file in the list
	}
	if w.Added != nil {
		w.Added(ids)
	}
	w.Queue.Start(ids...)
}

// Ended takes a job's end: a stored file is moved away when asked.
func (w *Watcher) Ended(j uploader.Job) {
	if j.State == uploader.Done || j.State == uploader.AlreadyUploaded {
		w.moveAway(j.Request.Path)
	}
}

// moveAway moves a stored file into --move-done, keeping its subfolders.
func (w *Watcher) moveAway(p string) {
	if w.MoveDone == "" {
		return
	}
	rel, err := filepath.Rel(w.Root, p)
	if err != nil || strings.HasPrefix(rel, "..") {
		return
	}
	to := filepath.Join(w.MoveDone, rel)
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
		w.note("%s was stored but could not be moved to %s: %v", results.Printable(p), results.Printable(to), err)
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
