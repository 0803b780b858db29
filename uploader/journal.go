package uploader

import (
	"bufio"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"

	bolt "go.etcd.io/bbolt"

	"imagekit-uploader/internal/filelock"
)

// Journal records a queue's work on disk as it happens, so that after a crash
// the next start knows which files never finished and which of those may
// already be on the server: a file is recorded when it is added, again just
// before each attempt sends it, and once more when it ends. Every record is
// on disk (fsync) before the queue goes on, so an upload that began is never
// mistaken for one that did not. Each run of a file (its first start, each
// retry) has an id of its own, so the end of one run never closes another.
//
// It is a bbolt database that holds the unfinished files only, one key a
// file: an end deletes its file, so a job of a million files, killed
// anywhere, opens in the time its few unfinished ones take to read. A
// journal of JSON lines (before 0.3) is read into one once. One process at
// a time may hold it open: a second gets ErrJournalInUse.
type Journal struct {
	path string
	lock *filelock.Lock // held while the journal is open
	mu   sync.RWMutex   // writes hold it shared; Close, whole
	db   *bolt.DB
	tag  string
	// written counts the records written, by op: what tests look at.
	written struct{ add, send, end atomic.Int64 }
	// OnError, when set, is told when a record could not be written: the
	// uploads go on, but a crash now could not be recovered from cleanly.
	OnError func(error)
}

// ErrJournalInUse means another process (another window) has the journal open.
var ErrJournalInUse = errors.New("another ImageKit Uploader has the journal of unfinished uploads open")

// Unfinished is a file that was added and never ended.
type Unfinished struct {
	Path     string `json:"path"`
	URL      string `json:"url,omitempty"` // a file ImageKit fetches (Request.URL)
	Rel      string `json:"rel,omitempty"`
	FileName string `json:"fileName"`
	Fields   Fields `json:"fields"`
	// Started says an attempt began: the server may have the file, with its
	// answer lost.
	Started bool `json:"started,omitempty"`
	// SentAt is when the first attempt of the run that left it started
	// began to send (zero in journals from before it was kept): a version
	// ImageKit made before then is not this upload.
	SentAt time.Time `json:"sentAt,omitzero"`
	// Tag is what the journal was tagged with when the file was queued
	// (SetTag): the window marks its demo's files, so they never go to a
	// real account.
	Tag string `json:"tag,omitempty"`
}

type journalRecord struct {
	Op  string `json:"op"`            // "add", "send" or "end"
	Run string `json:"run,omitempty"` // which run of the file
	Unfinished
	// Raw holds the names that are not valid UTF-8, byte for byte (JSON
	// would replace their bad bytes).
	Raw map[string][]byte `json:"raw,omitempty"`
}

// maxJournalLine is the longest record read; a longer line (a torn write
// over garbage) is passed over.
const maxJournalLine = 1 << 20

// OpenJournal opens (or creates) the journal at path and returns the files
// it holds unfinished, in the order they were added.
//
// A file already at path that is not a journal (a text file, another
// program's database, a device, a link, a folder) is refused and left as
// it is, and so is one at the lock's path (path + ".lock"): the journal is
// removed when its work is done, so it must be this program's own. A
// journal of JSON lines at path, or beside it where path ends in .db (the
// same name ending in .jsonl), is read in and replaced.
func OpenJournal(path string) (*Journal, []Unfinished, error) {
	kind, err := journalKind(path)
	if err != nil {
		return nil, nil, err
	}
	legacy := ""
	switch {
	case kind == journalLines:
		legacy = path
	case kind == journalNone && strings.HasSuffix(path, ".db"):
		if k, err := journalKind(strings.TrimSuffix(path, ".db") + ".jsonl"); err == nil && k == journalLines {
			legacy = strings.TrimSuffix(path, ".db") + ".jsonl"
		}
	}
	if err := CheckOwnFile(path+".lock", "a journal's lock", nil); err != nil {
		return nil, nil, err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, nil, fmt.Errorf("the journal of unfinished uploads cannot be written: %w", err)
	}
	lock, err := filelock.TryLock(path + ".lock")
	if errors.Is(err, filelock.ErrLocked) {
		return nil, nil, ErrJournalInUse
	}
	if err != nil {
		return nil, nil, fmt.Errorf("the journal of unfinished uploads cannot be locked: %w", err)
	}
	if legacy != "" {
		err = migrateJournal(legacy, path)
	}
	var jn *Journal
	var left []Unfinished
	if err == nil {
		jn, left, err = openLocked(path)
	}
	if err != nil {
		lock.Unlock()
		return nil, nil, err
	}
	if legacy != "" && legacy != path {
		os.Remove(legacy) // read in: the journal is path now
		os.Remove(legacy + ".lock")
	}
	jn.lock = lock
	return jn, left, nil
}

// NotOursError is a file the program was pointed at to write its own
// records in, which already holds something else: it is left untouched.
type NotOursError struct {
	Path string
	What string // what the program keeps there: "a journal of unfinished uploads"
	Is   string // what is there instead
}

func (e *NotOursError) Error() string {
	return fmt.Sprintf("%s is not %s (it is %s): it was left as it is; give a new file's path, or none", e.Path, e.What, e.Is)
}

// CheckOwnFile says whether path, where the program is about to keep a file
// of its own (what), is free for it: missing, empty, or a regular file each
// of whose lines the program wrote (isOurs; nil: only an empty file is; a
// last line cut short by a crash is passed over). It never opens anything
// but a regular file, so a pipe or a device cannot block it.
func CheckOwnFile(path, what string, isOurs func(line []byte) bool) error {
	info, err := os.Lstat(path)
	switch {
	case errors.Is(err, os.ErrNotExist):
		return nil
	case err != nil:
		return fmt.Errorf("%s cannot be read: %w", path, err)
	case info.Mode()&os.ModeSymlink != 0:
		return &NotOursError{Path: path, What: what, Is: "a link"}
	case info.IsDir():
		return &NotOursError{Path: path, What: what, Is: "a folder"}
	case !info.Mode().IsRegular():
		return &NotOursError{Path: path, What: what, Is: "a device, a pipe or a socket"}
	case info.Size() == 0:
		return nil
	}
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("%s cannot be read: %w", path, err)
	}
	defer f.Close()
	// Every whole line must be the program's; a last line cut short (no
	// newline: a crash mid-write) is passed over after one that is.
	n, bad, lastBad := 0, false, false
	err = EachLine(f, maxJournalLine, func(line []byte) {
		bad = bad || lastBad
		n++
		lastBad = isOurs == nil || !isOurs(line)
	})
	if err != nil {
		return fmt.Errorf("%s cannot be read: %w", path, err)
	}
	end := make([]byte, 1)
	torn := false
	if _, err := f.ReadAt(end, info.Size()-1); err == nil {
		torn = end[0] != '\n'
	}
	if isOurs == nil || bad || n == 0 || lastBad && !(torn && n > 1) {
		return &NotOursError{Path: path, What: what, Is: "another file, with other content"}
	}
	return nil
}

// OnlyMembers says whether line is a JSON object whose every member is one
// of names: a record of the program's, not another's that looks alike.
func OnlyMembers(line []byte, names ...string) bool {
	var m map[string]json.RawMessage
	if json.Unmarshal(line, &m) != nil {
		return false
	}
	for k := range m {
		if !slices.Contains(names, k) {
			return false
		}
	}
	return true
}

// isJournalLine says whether line is a record of a journal of JSON lines.
func isJournalLine(line []byte) bool {
	var r journalRecord
	if !OnlyMembers(line, "op", "run", "path", "url", "rel", "fileName", "fields", "started", "sentAt", "tag", "raw") || json.Unmarshal(line, &r) != nil {
		return false
	}
	switch r.Op {
	case "add", "send", "end":
		return r.Path != "" || len(r.Raw) > 0
	}
	return false
}

// EachLine calls fn with each line of r, without its newline; lines longer
// than max are passed over whole, not cut, so a damaged file never stops
// what comes after it.
func EachLine(r io.Reader, max int, fn func([]byte)) error {
	br := bufio.NewReaderSize(r, 64<<10)
	var line []byte
	long := false
	for {
		chunk, err := br.ReadSlice('\n')
		switch {
		case long || len(line)+len(chunk) > max+1:
			long, line = true, line[:0]
		default:
			line = append(line, chunk...)
		}
		if errors.Is(err, bufio.ErrBufferFull) {
			continue
		}
		if !long && len(line) > 0 {
			if line[len(line)-1] == '\n' {
				line = line[:len(line)-1]
			}
			fn(line)
		}
		long, line = false, line[:0]
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
	}
}

// SetTag marks the files queued from now on (see Unfinished.Tag).
func (jn *Journal) SetTag(tag string) {
	if jn == nil {
		return
	}
	jn.mu.Lock()
	jn.tag = tag
	jn.mu.Unlock()
}

// Close closes the file and lets another process open the journal; records
// after it are dropped.
func (jn *Journal) Close() error {
	jn.mu.Lock()
	defer jn.mu.Unlock()
	if jn.db == nil {
		return nil
	}
	err := jn.db.Close()
	jn.db = nil
	jn.lock.Unlock()
	return err
}

// Forget ends files without uploading them (the person chose not to resume).
func (jn *Journal) Forget(files []Unfinished) {
	recs := make([]journalRecord, len(files))
	for i, u := range files {
		recs[i] = journalRecord{Op: "end", Unfinished: Unfinished{Path: u.Path}}
	}
	jn.write(recs)
}

// newRun names a run of a file.
func newRun() string {
	var b [8]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

func (jn *Journal) added(jobs []Job) {
	if jn == nil || len(jobs) == 0 {
		return
	}
	jn.mu.Lock()
	tag := jn.tag
	jn.mu.Unlock()
	recs := make([]journalRecord, 0, len(jobs))
	for _, j := range jobs {
		r := j.Request
		recs = append(recs, journalRecord{Op: "add", Run: j.journalRun,
			Unfinished: Unfinished{Path: r.Path, URL: r.URL, Rel: r.Rel, FileName: r.FileName, Fields: r.Fields, Started: r.Resumed, SentAt: r.SentAt, Tag: tag}})
	}
	jn.write(recs)
}

func (jn *Journal) sending(j Job) {
	jn.write([]journalRecord{{Op: "send", Run: j.journalRun, Unfinished: Unfinished{Path: j.Request.Path, SentAt: time.Now().UTC()}}})
}

// ended closes the file's run, unless it ended in doubt (the server may
// have stored it, with the answer lost): that file stays unfinished and
// started, so the next run sends it in a way that cannot store it twice,
// until a person or an answer settles it.
func (jn *Journal) ended(j Job) {
	if InDoubt(j) {
		return
	}
	jn.write([]journalRecord{{Op: "end", Run: j.journalRun, Unfinished: Unfinished{Path: j.Request.Path}}})
}

// write records recs and waits until they are on disk. Concurrent writers
// share a transaction, and so the disk's flushes.
func (jn *Journal) write(recs []journalRecord) {
	if jn == nil || len(recs) == 0 {
		return
	}
	jn.mu.RLock()
	defer jn.mu.RUnlock()
	if jn.db == nil {
		return
	}
	err := jn.db.Batch(func(tx *bolt.Tx) error { return applyRecords(tx, recs) })
	if err == nil {
		for _, r := range recs {
			map[string]*atomic.Int64{"add": &jn.written.add, "send": &jn.written.send, "end": &jn.written.end}[r.Op].Add(1)
		}
	}
	if err != nil && jn.OnError != nil {
		jn.OnError(fmt.Errorf("the journal of unfinished uploads cannot be written: %w", err))
	}
}

// keepRaw moves names that are not valid UTF-8 into Raw.
func (r *journalRecord) keepRaw() {
	for name, s := range map[string]*string{"path": &r.Path, "rel": &r.Rel, "fileName": &r.FileName} {
		if !utf8.ValidString(*s) {
			if r.Raw == nil {
				r.Raw = map[string][]byte{}
			}
			r.Raw[name], *s = []byte(*s), ""
		}
	}
}

// restoreRaw puts back what keepRaw set aside.
func (r *journalRecord) restoreRaw() {
	for name, s := range map[string]*string{"path": &r.Path, "rel": &r.Rel, "fileName": &r.FileName} {
		if b, ok := r.Raw[name]; ok {
			*s = string(b)
		}
	}
}
