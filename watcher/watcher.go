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
	MoveDone string        // where stored files go, or ""; never inside Root (CheckMoveDone)
	Queue    *uploader.Queue
	// Fields are the uploads' fields. Date placeholders in the folder
	// ({yyyy}, {mm}, {dd}) are filled in as each file is queued, so a watch
	// that runs past midnight moves on to the new date.
	Fields uploader.Fields
	// Pass, when set, takes out of the files ready to go those not to send
	// (stored by an earlier run, unchanged), and returns the rest; fields
	// are those the files would go up with.
	Pass func(ready []uploader.Item, fields uploader.Fields) (send []uploader.Item, passed []string)
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

// FieldsAt are the uploads' fields for a file queued at t: the folder's
// date placeholders filled in with t's date.
func (w *Watcher) FieldsAt(t time.Time) uploader.Fields {
	f := w.Fields
	if folder, err := uploader.ExpandFolder(f.Folder, t); err == nil {
		if folder, err = uploader.CleanFolder(folder); err == nil {
			f.Folder = folder
		}
	}
	return f
}

// InProgress says whether a name is one that programs give a file while
// they write it, before renaming it. Safari's downloads are folders of this
// kind (photo.jpg.download/), and what is inside them waits too (see
// inPartial).
func InProgress(name string) bool {
	n := strings.ToLower(name)
	for _, s := range []string{".part", ".crdownload", ".tmp", ".download", ".partial", "~"} {
		if strings.HasSuffix(n, s) {
			return true
		}
	}
	return strings.HasPrefix(n, "~$")
}

// inPartial says whether the file at p, or a folder it is in below Root,
// has a name of a thing still being written.
func (w *Watcher) inPartial(p string) bool {
	rel, err := filepath.Rel(w.Root, p)
	if err != nil {
		return InProgress(filepath.Base(p))
	}
	for _, part := range strings.Split(rel, string(filepath.Separator)) {
		if InProgress(part) {
			return true
		}
	}
	return false
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
		if it.Err != nil || w.inPartial(it.Path) {
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
	fields := w.FieldsAt(now)
	if w.Pass != nil {
		var passed []string
		ready, passed = w.Pass(ready, fields) // stored by an earlier run, unchanged since
		for _, p := range passed {
			w.moveAway(p)
		}
	}
	ids, _ := w.Queue.Add(ready, fields)
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
			more, _ := w.Queue.Add(again, fields)
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

// Ended takes a job's end: a stored file is moved away when asked; one
// that another program still held open (on Windows, while saving it) is
// looked at again once it has settled anew.
func (w *Watcher) Ended(j uploader.Job) {
	switch {
	case j.State == uploader.Done || j.State == uploader.AlreadyUploaded:
		w.moveAway(j.Request.Path)
	case j.State == uploader.Failed && uploader.HeldByAnother(j.Err):
		w.mu.Lock()
		if s := w.seen[j.Request.Path]; s != nil {
			s.queued, s.since = false, time.Now()
		}
		w.mu.Unlock()
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
	to, err := Move(p, filepath.Join(w.MoveDone, rel))
	if err != nil {
		w.note("%s was stored but could not be moved to %s: %v", results.Printable(p), results.Printable(filepath.Dir(to)), err)
	}
}

// CheckMoveDone says why files stored from root cannot be moved into dir,
// or nil: dir must not be root or inside it, once links are followed (or
// each stored file would come back to be sent again, and again), and must
// take files. It makes dir when missing.
func CheckMoveDone(root, dir string) error {
	r, d := resolve(root), resolve(dir)
	if rel, err := filepath.Rel(r, d); err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
		return fmt.Errorf("%s is the folder watched or inside it: its files would be sent again", results.Printable(dir))
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	f, err := os.CreateTemp(dir, ".write-test-*")
	if err != nil {
		return fmt.Errorf("files cannot be moved into %s: %w", results.Printable(dir), err)
	}
	f.Close()
	os.Remove(f.Name())
	return nil
}

// resolve is p with every link followed, as far as p exists: a folder
// still to be made is judged by the place it will be made in.
func resolve(p string) string {
	p = filepath.Clean(p)
	var rest []string
	for {
		if r, err := filepath.EvalSymlinks(p); err == nil {
			return filepath.Join(append([]string{r}, rest...)...)
		}
		parent := filepath.Dir(p)
		if parent == p {
			return filepath.Join(append([]string{p}, rest...)...)
		}
		rest = append([]string{filepath.Base(p)}, rest...)
		p = parent
	}
}

// Move moves the file at from to to, or, when something is there already,
// beside it under a name of its own (name-20260102-150405[-N].ext): it
// never replaces a file. Onto another file system it copies, keeping the
// mode, the times and, where it may, the owner, then removes the original.
// It returns where the file went.
func Move(from, to string) (string, error) {
	if err := os.MkdirAll(filepath.Dir(to), 0o755); err != nil {
		return to, err
	}
	// The name is taken first, by making a file there that nobody else
	// can have made (O_EXCL); the rename then replaces only that file.
	to, err := claim(to)
	if err != nil {
		return to, err
	}
	if err := os.Rename(from, to); err == nil {
		return to, nil
	}
	if err := copyAcross(from, to); err != nil {
		os.Remove(to)
		return to, err
	}
	return to, os.Remove(from)
}

// claim makes an empty file at to, or at the first free name beside it.
func claim(to string) (string, error) {
	ext := filepath.Ext(to)
	base := strings.TrimSuffix(to, ext)
	stamp := time.Now().Format("-20060102-150405")
	for i := 0; ; i++ {
		name := to
		switch {
		case i == 1:
			name = base + stamp + ext
		case i > 1:
			name = fmt.Sprintf("%s%s-%d%s", base, stamp, i, ext)
		}
		f, err := os.OpenFile(name, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
		if err == nil {
			f.Close()
			return name, nil
		}
		if !os.IsExist(err) || i >= 1000 {
			return name, err
		}
	}
}

// copyAcross copies from into to (claimed, empty), synced, with from's
// mode, times and owner.
func copyAcross(from, to string) error {
	in, err := os.Open(from)
	if err != nil {
		return err
	}
	defer in.Close()
	info, err := in.Stat()
	if err != nil {
		return err
	}
	out, err := os.OpenFile(to, os.O_WRONLY|os.O_TRUNC, 0)
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
		return err
	}
	keepOwner(to, info) // before the mode: a change of owner may clear set-id bits
	if err := os.Chmod(to, info.Mode().Perm()); err != nil {
		return err
	}
	return os.Chtimes(to, accessTime(info), info.ModTime())
}
