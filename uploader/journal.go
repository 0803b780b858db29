package uploader

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
)

// Journal records a queue's work on disk as it happens, so that after a crash
// the next start knows which files never finished and which of those may
// already be on the server: a file is recorded when it is added, again just
// before each attempt sends it, and once more when it ends. Every record is
// on disk (fsync) before the queue goes on, so an upload that began is never
// mistaken for one that did not.
//
// The file is JSON lines, appended to; opening it keeps only the unfinished
// files, written to a new file that replaces the old one.
type Journal struct {
	path string
	mu   sync.Mutex // one record at a time in the file
	f    *os.File
	// OnError, when set, is told when a record could not be written: the
	// uploads go on, but a crash now could not be recovered from cleanly.
	OnError func(error)
}

// Unfinished is a file that was added and never ended.
type Unfinished struct {
	Path     string `json:"path"`
	Rel      string `json:"rel,omitempty"`
	FileName string `json:"fileName"`
	Fields   Fields `json:"fields"`
	// Started says an attempt began: the server may have the file, with its
	// answer lost.
	Started bool `json:"started,omitempty"`
}

type journalRecord struct {
	Op string `json:"op"` // "add", "send" or "end"
	Unfinished
}

// OpenJournal opens (or creates) the journal at path and returns the files
// it holds unfinished, in the order they were added.
func OpenJournal(path string) (*Journal, []Unfinished, error) {
	left, err := ReadJournal(path)
	if err != nil {
		return nil, nil, err
	}
	var recs []journalRecord
	for _, u := range left {
		recs = append(recs, journalRecord{Op: "add", Unfinished: u})
	}
	if err := writeFileAtomic(path, encodeRecords(recs)); err != nil {
		return nil, nil, fmt.Errorf("the journal of unfinished uploads cannot be written: %w", err)
	}
	f, err := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0o600)
	if err != nil {
		return nil, nil, fmt.Errorf("the journal of unfinished uploads cannot be opened: %w", err)
	}
	return &Journal{path: path, f: f}, left, nil
}

// ReadJournal returns the files the journal at path holds unfinished,
// without opening it for writing. A torn last line (a crash mid-write) is
// passed over.
func ReadJournal(path string) ([]Unfinished, error) {
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("the journal of unfinished uploads cannot be read: %w", err)
	}
	defer f.Close()
	var order []string
	open := map[string]*Unfinished{}
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64<<10), 4<<20)
	for sc.Scan() {
		var r journalRecord
		if json.Unmarshal(sc.Bytes(), &r) != nil || r.Path == "" {
			continue
		}
		switch r.Op {
		case "add":
			if _, ok := open[r.Path]; !ok {
				order = append(order, r.Path)
			}
			u := r.Unfinished
			open[r.Path] = &u
		case "send":
			if u := open[r.Path]; u != nil {
				u.Started = true
			}
		case "end":
			delete(open, r.Path)
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("the journal of unfinished uploads cannot be read: %w", err)
	}
	var left []Unfinished
	for _, p := range order {
		if u := open[p]; u != nil {
			left = append(left, *u)
			delete(open, p) // a path added, ended and added again is listed once
		}
	}
	return left, nil
}

// Close closes the file; records after it are dropped.
func (jn *Journal) Close() error {
	jn.mu.Lock()
	defer jn.mu.Unlock()
	if jn.f == nil {
		return nil
	}
	err := jn.f.Close()
	jn.f = nil
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

func (jn *Journal) added(jobs []Job) {
	recs := make([]journalRecord, 0, len(jobs))
	for _, j := range jobs {
		r := j.Request
		recs = append(recs, journalRecord{Op: "add", Unfinished: Unfinished{Path: r.Path, Rel: r.Rel, FileName: r.FileName, Fields: r.Fields, Started: r.Resumed}})
	}
	jn.write(recs)
}

func (jn *Journal) sending(r Request) {
	jn.write([]journalRecord{{Op: "send", Unfinished: Unfinished{Path: r.Path}}})
}

func (jn *Journal) ended(r Request) {
	jn.write([]journalRecord{{Op: "end", Unfinished: Unfinished{Path: r.Path}}})
}

// write appends records and waits until they are on disk. The sync happens
// outside the lock, so concurrent writers share the disk's flushes.
func (jn *Journal) write(recs []journalRecord) {
	if jn == nil || len(recs) == 0 {
		return
	}
	jn.mu.Lock()
	f := jn.f
	var err error
	if f != nil {
		_, err = f.Write(encodeRecords(recs))
	}
	jn.mu.Unlock()
	if f == nil {
		return
	}
	if err == nil {
		err = f.Sync()
	}
	if err != nil && !errors.Is(err, os.ErrClosed) && jn.OnError != nil {
		jn.OnError(fmt.Errorf("the journal of unfinished uploads cannot be written: %w", err))
	}
}

func encodeRecords(recs []journalRecord) []byte {
	var buf []byte
	for _, r := range recs {
		b, _ := json.Marshal(r)
		buf = append(append(buf, b...), '\n')
	}
	return buf
}

// writeFileAtomic replaces path with data: a new file under a unique name,
// synced, then renamed over the old one, so a crash leaves one or the other
// whole, and two writers never share a temporary file.
func writeFileAtomic(path string, data []byte) error {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(dir, filepath.Base(path)+".*.tmp")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name()) // gone after the rename; left only on failure
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return err
	}
	if d, err := os.Open(dir); err == nil { // the rename itself survives a power cut
		d.Sync()
		d.Close()
	}
	return nil
}
