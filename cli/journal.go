package cli

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"sync"
	"time"

	bolt "go.etcd.io/bbolt"

	"imagekit-uploader/results"
	"imagekit-uploader/uploader"
)

// openJournal opens the job's journal: --journal FILE, none, or by default
// a file in the user's cache folder named after the job (the endpoint,
// the key, the fields and the paths), so the same command run again finds
// what an earlier run left unfinished.
func (f *uploadFlags) openJournal(command string, paths []string, fields uploader.Fields) (*uploader.Journal, []uploader.Unfinished, string, error) {
	path := f.journal
	key := jobKey(command, f, paths, fields)
	if path == "/dev/null" || runtime.GOOS == "windows" && strings.EqualFold(path, os.DevNull) {
		path = os.DevNull // /dev/null as scripts write it, on Windows too; nul, Nul: one name there
	}
	switch path {
	case "none", os.DevNull: // the usual "keep nothing"
		return nil, nil, "", nil
	case "":
		dir, err := os.UserCacheDir()
		if err != nil {
			return nil, nil, "", configError{fmt.Errorf("no cache folder for the job's journal (%v); give one with --journal FILE, or --journal none", err)}
		}
		path = filepath.Join(dir, "imagekit-uploader", "jobs", key+".db")
	}
	// A device (on Windows, a name such as CON or lpt1.jsonl, in any
	// folder) is no file to keep a journal in: as the system itself says.
	for _, p := range []string{path, path + ".done"} {
		if fi, err := os.Lstat(p); windowsDevice(p) || err == nil && fi.Mode()&os.ModeDevice != 0 {
			return nil, nil, "", usagef("--journal: %s is a device, not a file (on Windows, a reserved name such as CON): give a file's path, or --journal none", results.Printable(p))
		}
	}
	// The done list lives beside the journal: both must be this program's
	// before either is touched.
	err := checkDoneList(path + ".done")
	var jn *uploader.Journal
	var left []uploader.Unfinished
	if err == nil {
		jn, left, err = uploader.OpenJournal(path)
	}
	var notOurs *uploader.NotOursError
	switch {
	case errors.As(err, &notOurs):
		return nil, nil, "", usagef("--journal: %s is not %s (it is %s), so it was left as it is: give a new file's path, or --journal none",
			results.Printable(notOurs.Path), notOurs.What, notOurs.Is)
	case errors.Is(err, uploader.ErrJournalInUse):
		return nil, nil, "", configError{fmt.Errorf("this job is running already, in another process (its journal is %s); wait for it, or give this one --journal none", path)}
	case err != nil:
		return nil, nil, "", configError{fmt.Errorf("%w; give another place with --journal FILE, or --journal none", err)}
	}
	// A journal given with --journal may hold another job's files (other
	// paths, folder or options): those are not this job's to resume.
	jn.SetTag(key)
	var once sync.Once
	jn.OnError = func(err error) { // said once: the run goes on, but a crash now could not be resumed cleanly
		once.Do(func() {
			fmt.Fprintf(f.stderr, "note: %v: if this run stops, running it again may send some files again\n", err)
		})
	}
	mine := left[:0]
	for _, u := range left {
		if u.Tag == key {
			if f.sendDoubtful {
				u.Started = false // the person checked: sent as asked, a new version where one is there
			}
			mine = append(mine, u)
		}
	}
	f.jobKey = key
	return jn, mine, path, nil
}

// jobKey names a job: the same command in the same place names the same;
// other paths, fields or options, another.
func jobKey(command string, f *uploadFlags, paths []string, fields uploader.Fields) string {
	h := sha256.New()
	abs := make([]string, 0, len(paths))
	for _, p := range paths {
		if a, err := filepath.Abs(p); err == nil {
			p = a
		}
		abs = append(abs, p)
	}
	sort.Strings(abs)
	// The folder as given, not as filled in today: a job resumed after
	// midnight is the same job, and finishes where it started (the journal
	// keeps each file's folder). A folder with placeholders is named by its
	// text (braces are in no real folder's name); one without, cleaned, so
	// that "in" and "/in/" name one folder.
	if strings.Contains(f.folder, "{") {
		fields.Folder = path.Clean("/" + f.folder)
	} else if folder, err := uploader.CleanFolder(f.folder); err == nil {
		fields.Folder = folder
	}
	fj, _ := json.Marshal(fields) // every field and option: other settings, another job
	// upload and watch store a folder's files at other paths; --file-name
	// names the one file otherwise.
	fmt.Fprintf(h, "%s\x00%s\x00%s\x00%s\x00%s\x00%s\x00", command, f.endpoint, f.publicKey, f.tokenEndpoint, f.fileName, fj)
	h.Write([]byte(strings.Join(abs, "\x00")))
	return hex.EncodeToString(h.Sum(nil))[:20]
}

// removeFinishedJournal removes a closed journal when every file of the
// job has finished (uploaded, found there, failed or canceled: each has its
// end in it), as there is nothing left to resume.
//
// What the journal holds decides, not this run's jobs: a file that ended
// "may already be uploaded" keeps it (its doubt stays until it is settled,
// with --send-doubtful, so a rerun never stores it twice), and so does
// another job's unfinished work in a --journal FILE they share.
func removeFinishedJournal(path string) {
	if left, err := uploader.ReadJournal(path); err != nil || len(left) > 0 {
		return
	}
	os.Remove(path)
	os.Remove(path + ".lock")
}

// doneList is the files a job has stored, kept beside its journal, so that
// the same command run again sends only what is not there yet: after a crash,
// and after a run that finished. A file changed since (size or time) is sent
// again. It is a bbolt database (one key a job's file), so a job of a
// million files looks each up without holding the list in memory; a done
// list of JSON lines (before 0.3) is read into it once.
type doneList struct {
	db     *bolt.DB
	job    string
	byItem bool // a list's: an item is its file and where it goes (doneFile.Place)
	stderr io.Writer
	mu     sync.Mutex
	failed bool // said so once
}

var (
	bucketDone = []byte("done")
	kindDone   = []byte("list of a job's uploads")
)

type doneFile struct {
	Job      string `json:"job"` // the job that stored it: another job's are not this one's to pass over
	Path     string `json:"path"`
	Size     int64  `json:"size"`
	ModTime  int64  `json:"mtime"` // Unix ns
	FilePath string `json:"filePath"`
	URL      string `json:"url,omitempty"`
	// Place, for a list's item, is where it went (its folder and name):
	// the same file to another place is another item.
	Place string `json:"place,omitempty"`
}

func (r doneFile) key() []byte {
	if r.Place != "" {
		return []byte(r.Job + "\x00" + r.Path + "\x00" + r.Place)
	}
	return []byte(r.Job + "\x00" + r.Path)
}

// isDoneLine says whether line is a record of a done list of JSON lines.
func isDoneLine(line []byte) bool {
	var r doneFile
	return uploader.OnlyMembers(line, "job", "path", "size", "mtime", "filePath", "url", "place") &&
		json.Unmarshal(line, &r) == nil && r.Job != "" && r.Path != ""
}

// checkDoneList says whether path is free for a done list: nothing, a done
// list of JSON lines, or this program's store of one.
func checkDoneList(path string) error {
	if uploader.IsStore(path) {
		return uploader.CheckOwnStore(path, "a list of a job's uploads", kindDone, bucketDone)
	}
	return uploader.CheckOwnFile(path, "a list of a job's uploads", isDoneLine)
}

// openDoneList opens the job's done list at path (its journal's lock held),
// reading in a list of JSON lines found there, or at legacy.
func openDoneList(path, legacy, job string, stderr io.Writer) (*doneList, error) {
	fail := func(err error) error {
		return fmt.Errorf("the list of the job's stored files cannot be written: %w; give another place with --journal FILE, or --journal none", err)
	}
	var lines string
	switch {
	case !uploader.IsStore(path) && fileSize(path) > 0:
		lines = path // checked by checkDoneList: JSON lines
	case fileSize(path) < 0 && legacy != "" && fileSize(legacy) > 0 && checkDoneList(legacy) == nil && !uploader.IsStore(legacy):
		lines = legacy
	}
	var records [][]byte
	if lines != "" {
		f, err := os.Open(lines)
		if err != nil {
			return nil, fail(err)
		}
		uploader.EachLine(f, 1<<20, func(line []byte) {
			if isDoneLine(line) {
				records = append(records, append([]byte(nil), line...))
			}
		})
		f.Close()
		if lines == path {
			os.Remove(path) // read above: the store takes its place
		}
	}
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: time.Second, NoFreelistSync: true})
	if err != nil {
		return nil, fail(err)
	}
	db.MaxBatchDelay = 2 * time.Millisecond
	err = db.Update(func(tx *bolt.Tx) error {
		if err := uploader.MarkStore(tx, kindDone); err != nil {
			return err
		}
		b, err := tx.CreateBucketIfNotExists(bucketDone)
		if err != nil {
			return err
		}
		for _, line := range records {
			var r doneFile
			json.Unmarshal(line, &r)
			if err := b.Put(r.key(), line); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		db.Close()
		return nil, fail(err)
	}
	if lines != "" && lines != path {
		os.Remove(lines)
	}
	return &doneList{db: db, job: job, stderr: stderr}, nil
}

// fileSize is the size of the file at p, or -1 when there is none.
func fileSize(p string) int64 {
	info, err := os.Stat(p)
	if err != nil {
		return -1
	}
	return info.Size()
}

// filter takes out of items the files stored by an earlier run and
// unchanged since.
func (d *doneList) filter(items []uploader.Item) (left []uploader.Item, earlier []doneFile) {
	if d == nil {
		return items, nil
	}
	for _, it := range items {
		if r, ok := d.stored(it.Path); ok && it.Err == nil {
			earlier = append(earlier, r)
			continue
		}
		left = append(left, it)
	}
	return left, earlier
}

// settle takes out of the files a journal left unfinished those the done
// list says are stored and unchanged (the process died between noting one
// and ending it in the journal), and ends them in the journal: each is
// reported once, as stored by an earlier run.
func (d *doneList) settle(left []uploader.Unfinished, jn *uploader.Journal) []uploader.Unfinished {
	if d == nil {
		return left
	}
	var keep, stored []uploader.Unfinished
	for _, u := range left {
		if _, ok := d.storedItem(requestOf(u)); ok && d.byItem || !d.byItem && d.has(u.Path) {
			stored = append(stored, u)
			continue
		}
		keep = append(keep, u)
	}
	if len(stored) > 0 {
		jn.Forget(stored)
	}
	return keep
}

// has says whether the list has the file at p, stored and unchanged.
func (d *doneList) has(p string) bool {
	_, ok := d.stored(p)
	return ok
}

// stored returns the list's record of the file at p when the file is the
// same size and time as when it was stored.
func (d *doneList) stored(p string) (doneFile, bool) {
	if d == nil {
		return doneFile{}, false
	}
	return d.lookup(doneFile{Job: d.job, Path: p}, p)
}

// storedItem is stored for a list's item: by its file and where it goes.
func (d *doneList) storedItem(r uploader.Request) (doneFile, bool) {
	if d == nil {
		return doneFile{}, false
	}
	return d.lookup(doneFile{Job: d.job, Path: itemIdentity(r), Place: itemPlace(r)}, r.Path)
}

// lookup reads r's record; p is the local file, checked unchanged.
func (d *doneList) lookup(r doneFile, p string) (doneFile, bool) {
	ok := false
	d.db.View(func(tx *bolt.Tx) error {
		if b := tx.Bucket(bucketDone); b != nil {
			v := b.Get(r.key())
			ok = v != nil && json.Unmarshal(v, &r) == nil
		}
		return nil
	})
	if !ok {
		return r, false
	}
	if isURL(p) {
		return r, true // fetched by ImageKit: nothing here to have changed
	}
	info, err := os.Stat(p)
	return r, err == nil && info.Size() == r.Size && info.ModTime().UnixNano() == r.ModTime
}

// record notes a file stored (or found there), on disk before it returns.
func (d *doneList) record(j uploader.Job) {
	if d == nil {
		return
	}
	r := doneFile{Job: d.job, Path: j.Request.Path, Size: j.Request.Size}
	if d.byItem {
		r.Path, r.Place = itemIdentity(j.Request), itemPlace(j.Request)
	}
	switch j.State {
	case uploader.Done:
		r.FilePath, r.URL = j.Result.FilePath, j.Result.URL
	case uploader.AlreadyUploaded:
		var au *uploader.AlreadyUploadedError
		if errors.As(j.Err, &au) {
			r.FilePath, r.URL = au.FilePath, au.URL
		}
	default:
		return
	}
	if j.Request.URL == "" {
		info, err := os.Stat(j.Request.Path)
		if err != nil || info.Size() != r.Size {
			return // changed since it was sent: the next run sends it again
		}
		r.ModTime = info.ModTime().UnixNano()
	}
	b, _ := json.Marshal(r)
	err := d.db.Batch(func(tx *bolt.Tx) error {
		bk, err := tx.CreateBucketIfNotExists(bucketDone)
		if err != nil {
			return err
		}
		return bk.Put(r.key(), b)
	})
	d.mu.Lock()
	defer d.mu.Unlock()
	if err != nil && !d.failed {
		d.failed = true
		fmt.Fprintf(d.stderr, "note: the list of stored files cannot be written (%v): running this again may send them again\n", err)
	}
}

func (d *doneList) close() {
	if d != nil {
		d.db.Close()
	}
}

// openIndex opens the index of uploaded files that the window shares; a
// note, and none, when it cannot be.
func (f *uploadFlags) openIndex(std Stdio) *uploader.UploadedIndex {
	path, err := uploader.DefaultIndexPath()
	if err == nil {
		var x *uploader.UploadedIndex
		if x, err = uploader.OpenUploadedIndex(path); err == nil {
			return x
		}
	}
	fmt.Fprintf(std.Err, "note: files uploaded before cannot be recognised: %v\n", err)
	return nil
}

// uploadAgain marks the jobs to be sent even where their bytes went up
// before, when --skip-uploaded=false says so.
func (f *uploadFlags) uploadAgain(q *uploader.Queue, ids []uploader.JobID) {
	if f.skipUploaded {
		return
	}
	for _, id := range ids {
		q.Update(id, func(r *uploader.Request) { r.UploadAgain = true })
	}
}

// windowsDevice says whether path names one of Windows' devices, which are
// devices in any folder, in any case, with any extension and trailing dots,
// spaces or a colon: CON, PRN, AUX, NUL, CONIN$, CONOUT$, COM1 to COM9 and
// LPT1 to LPT9 (¹, ² and ³ too). Off Windows, none is.
func windowsDevice(path string) bool {
	if runtime.GOOS != "windows" {
		return false
	}
	base := strings.ToUpper(filepath.Base(path))
	if i := strings.IndexAny(base, ".:"); i >= 0 {
		base = base[:i]
	}
	base = strings.TrimRight(base, " ")
	switch base {
	case "CON", "PRN", "AUX", "NUL", "CONIN$", "CONOUT$":
		return true
	}
	for _, port := range []string{"COM", "LPT"} {
		if n, ok := strings.CutPrefix(base, port); ok && len([]rune(n)) == 1 && strings.ContainsRune("123456789¹²³", []rune(n)[0]) {
			return true
		}
	}
	return false
}

// isURL says whether an item's path is a URL ImageKit fetches.
func isURL(p string) bool {
	l := strings.ToLower(p[:min(len(p), 8)])
	return strings.HasPrefix(l, "http://") || strings.HasPrefix(l, "https://")
}

// legacyDone is where a done list of JSON lines (before 0.3) was kept for
// the journal at jpath: beside the journal of the same name ending in
// .jsonl.
func legacyDone(jpath string) string {
	if !strings.HasSuffix(jpath, ".db") {
		return ""
	}
	return strings.TrimSuffix(jpath, ".db") + ".jsonl.done"
}

// resume opens the done list beside the job's journal jn (at jpath), hands
// the journal to the run, and returns what the journal left unfinished and
// the done list does not settle: a file stored just before a crash can be
// both on the done list and unfinished in the journal, and the done list
// has the last word. It says how many are resumed, as what (file or item).
// With no journal, there is no done list either.
func (f *uploadFlags) resume(run *uploader.Session, jn *uploader.Journal, jpath string, left []uploader.Unfinished, byItem bool, what string, std Stdio) (*doneList, []uploader.Unfinished, error) {
	if jn == nil {
		return nil, left, nil
	}
	done, err := openDoneList(jpath+".done", legacyDone(jpath), f.jobKey, std.Err)
	if err != nil {
		jn.Close()
		return nil, nil, configError{err}
	}
	run.UseJournal(jn)
	done.byItem = byItem
	left = done.settle(left, jn)
	if len(left) > 0 {
		fmt.Fprintf(std.Err, "resuming: %d %s of an earlier run did not finish\n", len(left), plural(len(left), what, what+"s"))
	}
	return done, left, nil
}
