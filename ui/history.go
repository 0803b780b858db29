package ui

import (
	"encoding/csv"
	"encoding/json"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"imagekit-uploader/uploader"
)

// Entry is one upload's outcome, as kept in the history.
type Entry struct {
	Time      time.Time `json:"time"`
	File      string    `json:"file"` // the local path
	Status    string    `json:"status"`
	Name      string    `json:"name,omitempty"`
	FilePath  string    `json:"filePath,omitempty"`
	URL       string    `json:"url,omitempty"`
	FileID    string    `json:"fileId,omitempty"`
	Version   string    `json:"version,omitempty"`
	Size      int64     `json:"size,omitempty"`
	Error     string    `json:"error,omitempty"`
	RequestID string    `json:"requestId,omitempty"`
	Demo      bool      `json:"demo,omitempty"`
}

func entryOf(j uploader.Job, demo bool) Entry {
	e := Entry{Time: j.Ended, File: j.Request.Path, Size: j.Request.Size, Demo: demo, Status: uploader.Status(j)}
	if j.Result != nil {
		r := j.Result
		e.Name, e.FilePath, e.URL, e.FileID, e.Version, e.Size = r.Name, r.FilePath, r.URL, r.FileID, r.Version(), r.Size
		return e
	}
	if j.State == uploader.AlreadyUploaded {
		var au *uploader.AlreadyUploadedError
		if errors.As(j.Err, &au) {
			e.FilePath, e.URL = au.FilePath, au.URL // the URL where this computer recorded it
		}
		return e
	}
	if j.Err != nil {
		e.Error = j.Err.Error()
		if len(e.Error) > 4000 { // one line of the file stays readable, whatever a server said
			e.Error = strings.ToValidUTF8(e.Error[:4000], "") + "…"
		}
	}
	e.RequestID = uploader.Explain(j.Err).RequestID
	return e
}

// statusEarlierV1 is how histories written before the status words were
// shared wrote "already-uploaded".
const statusEarlierV1 = "already uploaded"

// history is an append-only JSON-lines file in the app's storage: it never
// holds a key or a token.
type history struct {
	path   string
	loaded chan struct{} // closed when the file has been read
	mu     sync.Mutex
	all    []Entry // oldest first
}

func newHistory(dir string) *history {
	return &history{path: filepath.Join(dir, "history.jsonl"), loaded: make(chan struct{})}
}

// load reads the file once (disk work: call it off the UI goroutine).
func (h *history) load() error {
	defer close(h.loaded)
	f, err := os.Open(h.path)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	defer f.Close()
	var loaded []Entry
	err = uploader.EachLine(f, 1<<20, func(line []byte) {
		var e Entry
		if json.Unmarshal(line, &e) == nil { // a torn or damaged line (a crash mid-write) is passed over
			if e.Status == statusEarlierV1 {
				e.Status = "already-uploaded"
			}
			loaded = append(loaded, e)
		}
	})
	h.mu.Lock()
	h.all = loaded
	h.mu.Unlock()
	return err
}

// add appends entries to memory and to the file, once the file was read
// (or they would be read back a second time), and syncs the file.
func (h *history) add(es ...Entry) error {
	if len(es) == 0 {
		return nil
	}
	<-h.loaded
	var buf []byte
	for _, e := range es {
		b, _ := json.Marshal(e)
		buf = append(append(buf, b...), '\n')
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	h.all = append(h.all, es...)
	if err := os.MkdirAll(filepath.Dir(h.path), 0o700); err != nil {
		return err
	}
	f, err := os.OpenFile(h.path, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o600)
	if err != nil {
		return err
	}
	_, err = f.Write(buf)
	if err == nil {
		err = f.Sync() // on disk before the upload counts as recorded
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

// search returns the entries matching every word of q, newest first; while
// the file is still being read, those read so far.
// count is how many uploads the history holds.
func (h *history) count() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.all)
}

func (h *history) search(q string) []Entry {
	words := strings.Fields(strings.ToLower(q))
	h.mu.Lock()
	defer h.mu.Unlock()
	var out []Entry
	for i := len(h.all) - 1; i >= 0; i-- {
		e := h.all[i]
		hay := strings.ToLower(strings.Join([]string{e.File, e.Name, e.FilePath, e.URL, e.Status, e.Error, e.Version}, " "))
		ok := true
		for _, w := range words {
			if !strings.Contains(hay, w) {
				ok = false
				break
			}
		}
		if ok {
			out = append(out, e)
		}
	}
	return out
}

// writeCSV exports entries with a header row. Text from the server or the
// disk is defused: a spreadsheet takes a cell that starts with =, +, -, @
// (or a tab or carriage return) as a formula.
func writeCSV(w io.Writer, entries []Entry) error {
	cw := csv.NewWriter(w)
	cw.Write([]string{"time", "status", "file", "name", "filePath", "url", "fileId", "version", "size", "error", "requestId"})
	for _, e := range entries {
		row := []string{e.Time.Format(time.RFC3339), e.Status, e.File, e.Name, e.FilePath, e.URL, e.FileID, e.Version,
			strconv.FormatInt(e.Size, 10), e.Error, e.RequestID}
		for i, v := range row {
			if v != "" && strings.ContainsRune("=+-@\t\r", rune(v[0])) {
				row[i] = "'" + v
			}
		}
		cw.Write(row)
	}
	cw.Flush()
	return cw.Error()
}
