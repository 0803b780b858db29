package uploader

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"time"

	bolt "go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"
)

// The journal's store: one bbolt bucket whose keys are the unfinished
// files' paths, byte for byte, and whose values are their state.

var (
	bucketUnfinished = []byte("unfinished")
	// bucketStore holds what a store is: its "kind", written when it is
	// made, so that no other program's database is taken for one.
	bucketStore = []byte("imagekit-uploader")
	keyKind     = []byte("kind")
	kindJournal = []byte("journal of unfinished uploads")
)

// maxPathKey is the longest path kept as its own key; a longer one (a URL
// of a list can be long) is keyed by its SHA-256, with the path in the
// value: bbolt takes keys of at most 32 KiB.
const maxPathKey = 1024

func journalKey(path string) []byte {
	if len(path) <= maxPathKey {
		return []byte(path)
	}
	h := sha256.Sum256([]byte(path))
	return append([]byte("\x00sha256:"), hex.EncodeToString(h[:])...)
}

// openFile is an unfinished file's state: what it was added with, which
// run of it is under way, whether and when that began to send.
type openFile struct {
	Unfinished
	Seq uint64 `json:"seq"`           // the order it was first added in
	Run string `json:"run,omitempty"` // the run under way; "" after a reopen: any end ends it
	// SentUnknown: a send of it has no time (a journal from before
	// sentAt): none is trusted.
	SentUnknown bool              `json:"sentUnknown,omitempty"`
	Raw         map[string][]byte `json:"raw,omitempty"` // the names that are not valid UTF-8, byte for byte
}

// apply folds one record into its file's state o (nil: not open), and
// returns the state after it (nil: ended).
func apply(o *openFile, r journalRecord) *openFile {
	switch r.Op {
	case "add":
		// A run that began sending and never ended leaves the file in
		// doubt for the runs after it, until one ends.
		u := r.Unfinished
		u.Started = u.Started || (o != nil && o.Started)
		if o != nil && o.Started && u.SentAt.IsZero() {
			u.SentAt = o.SentAt
		}
		n := &openFile{Unfinished: u, Run: r.Run, SentUnknown: u.Started && u.SentAt.IsZero() || o != nil && o.SentUnknown}
		if o != nil {
			n.Seq = o.Seq
		}
		return n
	case "send":
		if o == nil || o.Run != r.Run {
			return o
		}
		n := *o
		switch {
		case r.SentAt.IsZero() || n.SentUnknown:
			n.SentAt, n.SentUnknown = time.Time{}, true
		case !n.Started || n.SentAt.IsZero():
			n.SentAt = r.SentAt // the first send of the run
		}
		n.Started = true
		return &n
	case "end": // of this run; without a run (Forget), of any
		if o != nil && (r.Run == "" || o.Run == r.Run) {
			return nil
		}
	}
	return o
}

// applyRecords writes recs into the store.
func applyRecords(tx *bolt.Tx, recs []journalRecord) error {
	b, err := tx.CreateBucketIfNotExists(bucketUnfinished)
	if err != nil {
		return err
	}
	for _, r := range recs {
		if r.Path == "" {
			continue
		}
		o := getOpen(b, r.Path)
		n := apply(o, r)
		switch {
		case n == nil && o != nil:
			err = b.Delete(journalKey(r.Path))
		case n != nil && n != o:
			if o == nil {
				n.Seq, _ = b.NextSequence()
			}
			err = putOpen(b, n)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

func getOpen(b *bolt.Bucket, path string) *openFile {
	v := b.Get(journalKey(path))
	if v == nil {
		return nil
	}
	var o openFile
	if json.Unmarshal(v, &o) != nil {
		return nil
	}
	o.restore(path)
	return &o
}

func putOpen(b *bolt.Bucket, o *openFile) error {
	c := *o
	c.Raw = nil
	r := journalRecord{Unfinished: c.Unfinished}
	r.keepRaw() // names that are not UTF-8: JSON would replace their bad bytes
	c.Unfinished, c.Raw = r.Unfinished, r.Raw
	key := journalKey(o.Path)
	if string(key) == o.Path {
		c.Path = "" // the key
	}
	v, err := json.Marshal(c)
	if err != nil {
		return err
	}
	return b.Put(key, v)
}

// restore puts back the names set aside as bytes, and the path (the key,
// unless it is in the value).
func (o *openFile) restore(key string) {
	r := journalRecord{Unfinished: o.Unfinished, Raw: o.Raw}
	r.restoreRaw()
	o.Unfinished, o.Raw = r.Unfinished, nil
	if o.Path == "" {
		o.Path = key
	}
}

// unfinished lists the store's files in the order they were added.
func unfinished(tx *bolt.Tx) []Unfinished {
	b := tx.Bucket(bucketUnfinished)
	if b == nil {
		return nil
	}
	var all []*openFile
	b.ForEach(func(k, v []byte) error {
		var o openFile
		if json.Unmarshal(v, &o) == nil {
			o.restore(string(k))
			all = append(all, &o)
		}
		return nil
	})
	slices.SortStableFunc(all, func(a, b *openFile) int { return int(min(max(int64(a.Seq)-int64(b.Seq), -1), 1)) })
	left := make([]Unfinished, len(all))
	for i, o := range all {
		left[i] = o.Unfinished
	}
	return left
}

// The kinds of file a journal's path may hold.
const (
	journalNone  = iota // nothing yet, or an empty file
	journalStore        // a bbolt database of this program's
	journalLines        // a journal of JSON lines (before 0.3)
)

// boltMagic is where a bbolt database says it is one: the magic number of
// its first meta page.
var boltMagic = []byte{0xed, 0xda, 0x0c, 0xed}

// journalKind says what is at path; a NotOursError when it is not a
// journal of this program's.
func journalKind(path string) (int, error) {
	if !IsStore(path) {
		if err := CheckOwnFile(path, "a journal of unfinished uploads", isJournalLine); err != nil {
			return 0, err
		}
		if info, err := os.Stat(path); err != nil || info.Size() == 0 {
			return journalNone, nil
		}
		return journalLines, nil
	}
	if err := CheckOwnStore(path, "a journal of unfinished uploads", kindJournal, bucketUnfinished); err != nil {
		return 0, err
	}
	return journalStore, nil
}

// CheckOwnStore says whether the bbolt database at path is this program's
// store of what (kind, as markStore wrote it): nil when it says so and its
// buckets are among buckets, a NotOursError otherwise (another program's,
// one with no mark, one that cannot be read), ErrJournalInUse when another
// process has it open.
func CheckOwnStore(path, what string, kind []byte, buckets ...[]byte) error {
	db, err := bolt.Open(path, 0o600, &bolt.Options{ReadOnly: true, Timeout: time.Second})
	if errors.Is(err, berrors.ErrTimeout) {
		return ErrJournalInUse
	}
	if err != nil {
		return &NotOursError{Path: path, What: what, Is: "a damaged database"}
	}
	defer db.Close()
	ours := false
	db.View(func(tx *bolt.Tx) error {
		mark := tx.Bucket(bucketStore)
		ours = mark != nil && bytes.Equal(mark.Get(keyKind), kind)
		return tx.ForEach(func(name []byte, _ *bolt.Bucket) error {
			ours = ours && (bytes.Equal(name, bucketStore) || slices.ContainsFunc(buckets, func(b []byte) bool { return bytes.Equal(b, name) }))
			return nil
		})
	})
	if !ours {
		return &NotOursError{Path: path, What: what, Is: "a database that is not one (another program's?)"}
	}
	return nil
}

// MarkStore writes in tx what the store is (kind), for CheckOwnStore.
func MarkStore(tx *bolt.Tx, kind []byte) error {
	b, err := tx.CreateBucketIfNotExists(bucketStore)
	if err != nil {
		return err
	}
	return b.Put(keyKind, kind)
}

// IsStore says whether path is a regular file that starts as a bbolt
// database does.
func IsStore(path string) bool {
	info, err := os.Lstat(path)
	if err != nil || !info.Mode().IsRegular() {
		return false
	}
	f, err := os.Open(path)
	if err != nil {
		return false
	}
	defer f.Close()
	head := make([]byte, 20)
	_, err = io.ReadFull(f, head)
	return err == nil && bytes.Equal(head[16:20], boltMagic)
}

// openLocked opens the store at path, whose lock the caller holds, and
// returns what it holds unfinished. Each is left open to any run's end,
// as the runs that left them are over.
func openLocked(path string) (*Journal, []Unfinished, error) {
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: time.Second, NoFreelistSync: true})
	if errors.Is(err, berrors.ErrTimeout) {
		return nil, nil, ErrJournalInUse
	}
	if err != nil {
		return nil, nil, fmt.Errorf("the journal of unfinished uploads cannot be opened: %w", err)
	}
	db.MaxBatchDelay = 2 * time.Millisecond // an upload waits for its record: not long
	var left []Unfinished
	err = db.Update(func(tx *bolt.Tx) error {
		if err := MarkStore(tx, kindJournal); err != nil {
			return err
		}
		b, err := tx.CreateBucketIfNotExists(bucketUnfinished)
		if err != nil {
			return err
		}
		left = unfinished(tx)
		for _, u := range left {
			if o := getOpen(b, u.Path); o != nil && o.Run != "" {
				o.Run = ""
				if err := putOpen(b, o); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		db.Close()
		return nil, nil, fmt.Errorf("the journal of unfinished uploads cannot be written: %w", err)
	}
	return &Journal{path: path, db: db}, left, nil
}

// migrateJournal reads the journal of JSON lines at from into a new store
// at to (which may be from: it is replaced).
func migrateJournal(from, to string) error {
	files, err := readJournalLines(from)
	if err != nil {
		return err
	}
	f, err := os.CreateTemp(filepath.Dir(to), filepath.Base(to)+".*.migrating")
	if err != nil {
		return fmt.Errorf("the journal of unfinished uploads cannot be written: %w", err)
	}
	tmp := f.Name()
	f.Close()
	db, err := bolt.Open(tmp, 0o600, &bolt.Options{Timeout: time.Second})
	if err != nil {
		return fmt.Errorf("the journal of unfinished uploads cannot be written: %w", err)
	}
	err = db.Update(func(tx *bolt.Tx) error {
		if err := MarkStore(tx, kindJournal); err != nil {
			return err
		}
		b, err := tx.CreateBucketIfNotExists(bucketUnfinished)
		if err != nil {
			return err
		}
		for _, o := range files {
			if err := putOpen(b, o); err != nil {
				return err
			}
		}
		return b.SetSequence(uint64(len(files)))
	})
	db.Close()
	if err == nil {
		err = os.Rename(tmp, to)
	}
	if err != nil {
		os.Remove(tmp)
		return fmt.Errorf("the journal of unfinished uploads cannot be written: %w", err)
	}
	return nil
}

// readJournalLines folds a journal of JSON lines into its unfinished
// files, in the order they were added. A torn or overlong line (a crash
// mid-write) is passed over.
func readJournalLines(path string) ([]*openFile, error) {
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("the journal of unfinished uploads cannot be read: %w", err)
	}
	defer f.Close()
	var order []string
	files := map[string]*openFile{}
	err = EachLine(f, maxJournalLine, func(line []byte) {
		var r journalRecord
		if json.Unmarshal(line, &r) != nil {
			return
		}
		r.restoreRaw()
		if r.Path == "" {
			return
		}
		o := files[r.Path]
		n := apply(o, r)
		if n == nil {
			delete(files, r.Path)
			return
		}
		if o == nil {
			order = append(order, r.Path)
		}
		files[r.Path] = n
	})
	if err != nil {
		return nil, fmt.Errorf("the journal of unfinished uploads cannot be read: %w", err)
	}
	var left []*openFile
	for _, p := range order {
		if o := files[p]; o != nil {
			o.Seq, o.Run = uint64(len(left)+1), ""
			left = append(left, o)
			delete(files, p) // a path added, ended and added again is listed once
		}
	}
	return left, nil
}

// ReadJournal returns the files the journal at path holds unfinished,
// without opening it for writing (it waits a moment for a process that
// has it open).
func ReadJournal(path string) ([]Unfinished, error) {
	kind, err := journalKind(path)
	switch {
	case err != nil:
		return nil, err
	case kind == journalNone:
		return nil, nil
	case kind == journalLines:
		files, err := readJournalLines(path)
		left := make([]Unfinished, len(files))
		for i, o := range files {
			left[i] = o.Unfinished
		}
		return left, err
	}
	db, err := bolt.Open(path, 0o600, &bolt.Options{ReadOnly: true, Timeout: time.Second})
	if err != nil {
		return nil, fmt.Errorf("the journal of unfinished uploads cannot be read: %w", err)
	}
	defer db.Close()
	var left []Unfinished
	db.View(func(tx *bolt.Tx) error {
		left = unfinished(tx)
		return nil
	})
	return left, nil
}

// Unfinished returns the files the open journal holds unfinished, in the
// order they were added.
func (jn *Journal) Unfinished() ([]Unfinished, error) {
	jn.mu.RLock()
	defer jn.mu.RUnlock()
	if jn.db == nil {
		return ReadJournal(jn.path)
	}
	var left []Unfinished
	err := jn.db.View(func(tx *bolt.Tx) error {
		left = unfinished(tx)
		return nil
	})
	return left, err
}
