package uploader

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"time"
)

// Uploaded is a file that went up: which bytes, to which account and
// folder, where they are and when.
type Uploaded struct {
	SHA256   string    `json:"sha256"`
	Size     int64     `json:"size"`
	Account  string    `json:"account"` // the endpoint and the public key
	Folder   string    `json:"folder"`
	FilePath string    `json:"filePath"`
	URL      string    `json:"url,omitempty"`
	At       time.Time `json:"at"`
	// Settings are the upload's result fields (Fields.Settings); nil in
	// records from before they were kept.
	Settings map[string]string `json:"settings"`
}

// UploadedIndex remembers every file uploaded, across runs, and across the
// window and the command line (one file both append to): a file whose bytes
// are already in a folder of the same account is not sent there again.
type UploadedIndex struct {
	mu     sync.Mutex
	f      *os.File
	path   string
	by     map[indexKey]Uploaded
	atPath map[pathKey]indexKey // which bytes each path has, as far as known
	offset int64                // how much of the file has been read: what others append after is read on the next Find
	torn   bool                 // the file ends inside a line (a crash mid-write): the next record starts a new one
}

type indexKey struct{ account, folder, sum string }

type pathKey struct{ account, filePath string }

// put notes u. Bytes that a later upload replaced at their path (a new
// version) are no longer there: their record goes. The caller holds mu.
func (x *UploadedIndex) put(u Uploaded) {
	k := indexKey{u.Account, u.Folder, u.SHA256}
	if old, ok := x.by[k]; ok && u.URL == "" && old.FilePath == u.FilePath {
		u.URL = old.URL // the same file found there again: its URL stays known
	}
	if u.FilePath != "" {
		pk := pathKey{u.Account, u.FilePath}
		if old, ok := x.atPath[pk]; ok && old != k && x.by[old].FilePath == u.FilePath {
			delete(x.by, old)
		}
		x.atPath[pk] = k
	}
	x.by[k] = u
}

// maxIndexLine bounds a line read from the index; longer ones are passed over.
const maxIndexLine = 64 << 10

// DefaultIndexPath is uploaded.jsonl in the user's config folder.
func DefaultIndexPath() (string, error) {
	dir, err := os.UserConfigDir()
	if err != nil {
		return "", err
	}
	return filepath.Join(dir, "imagekit-uploader", "uploaded.jsonl"), nil
}

// OpenUploadedIndex reads the index at path (none yet is fine) and opens it
// to add to. Damaged lines are passed over.
func OpenUploadedIndex(path string) (*UploadedIndex, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("the index of uploaded files cannot be written: %w", err)
	}
	x := &UploadedIndex{by: map[indexKey]Uploaded{}, atPath: map[pathKey]indexKey{}, path: path}
	f, err := os.OpenFile(path, os.O_CREATE|os.O_APPEND|os.O_RDWR, 0o600)
	if err != nil {
		return nil, fmt.Errorf("the index of uploaded files cannot be written: %w", err)
	}
	x.f = f
	x.readNew()
	return x, nil
}

// readNew reads the whole lines added since the last read: by this
// process or another (the window and a command at once). The caller holds
// mu, or has the index to itself.
func (x *UploadedIndex) readNew() {
	info, err := x.f.Stat()
	if err != nil || info.Size() <= x.offset {
		return
	}
	buf := make([]byte, info.Size()-x.offset)
	n, _ := x.f.ReadAt(buf, x.offset)
	buf = buf[:n]
	end := bytes.LastIndexByte(buf, '\n') + 1 // whole lines only; a torn end waits
	EachLine(bytes.NewReader(buf[:end]), maxIndexLine, func(line []byte) {
		var u Uploaded
		if json.Unmarshal(line, &u) == nil && u.SHA256 != "" {
			x.put(u)
		}
	})
	x.offset += int64(end)
	x.torn = end < len(buf)
}

// Find returns the upload of these bytes to this account's folder, if any.
func (x *UploadedIndex) Find(account, folder, sum string) (Uploaded, bool) {
	if x == nil {
		return Uploaded{}, false
	}
	x.mu.Lock()
	defer x.mu.Unlock()
	x.readNew()
	u, ok := x.by[indexKey{account, folder, sum}]
	return u, ok
}

// At returns the newest upload recorded at filePath in this account, if any.
func (x *UploadedIndex) At(account, filePath string) (Uploaded, bool) {
	if x == nil {
		return Uploaded{}, false
	}
	x.mu.Lock()
	defer x.mu.Unlock()
	x.readNew()
	k, ok := x.atPath[pathKey{account, filePath}]
	if !ok {
		return Uploaded{}, false
	}
	u, ok := x.by[k]
	return u, ok && u.FilePath == filePath
}

// add records an upload, on disk before it returns. Each record is one
// append of one line, so the window and a command adding at once do not
// mix their lines.
func (x *UploadedIndex) add(u Uploaded) {
	if x == nil || u.SHA256 == "" {
		return
	}
	b, err := json.Marshal(u)
	if err != nil {
		return
	}
	x.mu.Lock()
	defer x.mu.Unlock()
	x.readNew()
	x.put(u)
	line := append(b, '\n')
	if x.torn {
		line = append([]byte{'\n'}, line...) // after a torn line, a line of its own
	}
	if _, err := x.f.Write(line); err == nil {
		x.f.Sync()
		x.torn = false
	}
}

// Close closes the index.
func (x *UploadedIndex) Close() error {
	if x == nil {
		return nil
	}
	return x.f.Close()
}

// account names where a client uploads: its endpoint and public key.
func (c *Client) account() string {
	pk := ""
	switch t := c.Tokens.(type) {
	case LocalTokens:
		if t.Signer != nil {
			pk = t.PublicKey()
		}
	case RemoteTokens:
		pk = t.PublicKey
	}
	return c.Endpoint + " " + pk
}

// UploadedBefore says whether the index has these bytes in the folder an
// item goes to with fields, for the queue's account: a watcher passes such
// files over quietly. It reads the file for its SHA-256 (once: kept).
func (q *Queue) UploadedBefore(ctx context.Context, it Item, f Fields) bool {
	q.mu.Lock()
	x, c := q.index, q.client
	q.mu.Unlock()
	if x == nil || c == nil {
		return false
	}
	// With other settings it is not the upload asked for: it goes, and its
	// row says why it was not made.
	return errors.As(earlier(ctx, x, c, Request{Path: it.Path, Rel: it.Rel, Fields: f}), new(*AlreadyUploadedError))
}
