package uploader

import (
	"bytes"
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	bolt "go.etcd.io/bbolt"
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
// window and the command line (one store both write to): a file whose bytes
// are already in a folder of the same account is not sent there again.
//
// It is a bbolt database: opening it reads two pages, whatever its size, and
// a lookup reads a few more, so a million uploads cost neither time nor
// memory. Each operation opens the file and closes it again, so the window
// and any number of commands share it, taking turns (a file lock) for the
// milliseconds each needs. Every change is on disk before it returns.
type UploadedIndex struct {
	mu   sync.Mutex // one operation at a time in this process: the file lock is per open file
	path string
}

// Buckets of the index: an upload by its bytes' place (account, folder,
// SHA-256), and which bytes each path has, as far as known.
var (
	bucketUploads = []byte("uploads")
	bucketAtPath  = []byte("atPath")
	bucketSizes   = []byte("sizes") // which sizes went up to each folder: bytes of another size cannot be there
	bucketMeta    = []byte("meta")
	keyReady      = []byte("ready") // in meta: made, and an older index read in
)

// indexWait is how long an operation waits for another process's turn.
const indexWait = 10 * time.Second

// accountKey names an account in keys: 8 bytes of its SHA-256, not its
// 80 characters (endpoint and public key) in every key.
func accountKey(account string) []byte {
	h := sha256.Sum256([]byte(account))
	return h[:8]
}

// uploadKey is the key of an upload of the bytes whose SHA-256 is sum
// (hex; 32 bytes in the key) to an account's folder.
func uploadKey(account, folder, sum string) []byte {
	raw, err := hex.DecodeString(sum)
	if err != nil || len(raw) != sha256.Size {
		raw = []byte(sum)
	}
	k := append(accountKey(account), folder...)
	return append(append(k, 0), raw...)
}

func pathKey(account, filePath string) []byte { return append(accountKey(account), filePath...) }

// sizeKey names the uploads of size bytes to an account's folder.
func sizeKey(account, folder string, size int64) []byte {
	k := append(append(accountKey(account), folder...), 0)
	return binary.BigEndian.AppendUint64(k, uint64(size))
}

// put notes u. Bytes that a later upload replaced at their path (a new
// version) are no longer there: their record goes.
func put(tx *bolt.Tx, u Uploaded) error {
	ups, err := tx.CreateBucketIfNotExists(bucketUploads)
	if err != nil {
		return err
	}
	at, err := tx.CreateBucketIfNotExists(bucketAtPath)
	if err != nil {
		return err
	}
	k := uploadKey(u.Account, u.Folder, u.SHA256)
	if old, ok := getUpload(ups, k, u.Account); ok && u.URL == "" && old.FilePath == u.FilePath {
		u.URL = old.URL // the same file found there again: its URL stays known
	}
	if u.FilePath != "" {
		pk := pathKey(u.Account, u.FilePath)
		if old := at.Get(pk); old != nil && !bytes.Equal(old, k) {
			if was, ok := getUpload(ups, old, u.Account); ok && was.FilePath == u.FilePath {
				if err := ups.Delete(old); err != nil {
					return err
				}
			}
		}
		if err := at.Put(pk, k); err != nil {
			return err
		}
	}
	sizes, err := tx.CreateBucketIfNotExists(bucketSizes)
	if err != nil {
		return err
	}
	// Never taken out: a size no longer there costs a read, a size missing
	// would cost a second copy.
	if err := sizes.Put(sizeKey(u.Account, u.Folder, u.Size), nil); err != nil {
		return err
	}
	u.Account = "" // in the key
	b, err := json.Marshal(u)
	if err != nil {
		return err
	}
	return ups.Put(k, b)
}

// getUpload reads the upload at k, of account.
func getUpload(ups *bolt.Bucket, k []byte, account string) (Uploaded, bool) {
	var u Uploaded
	if ups == nil {
		return u, false
	}
	b := ups.Get(k)
	if b == nil || json.Unmarshal(b, &u) != nil {
		return u, false
	}
	u.Account = account
	return u, true
}

// maxIndexLine bounds a line read from an index of the JSON lines kind
// (before 0.3); longer ones are passed over.
const maxIndexLine = 64 << 10

// DefaultIndexPath is uploaded.db in the user's config folder.
func DefaultIndexPath() (string, error) {
	dir, err := os.UserConfigDir()
	if err != nil {
		return "", err
	}
	return filepath.Join(dir, "imagekit-uploader", "uploaded.db"), nil
}

// OpenUploadedIndex opens the index at path, making it when there is none.
// An index of JSON lines beside it (the same name ending in .jsonl, as
// versions before 0.3 kept) is read into it once, and renamed to end in
// .jsonl.migrated; damaged lines are passed over.
func OpenUploadedIndex(path string) (*UploadedIndex, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("the index of uploaded files cannot be written: %w", err)
	}
	x := &UploadedIndex{path: path}
	x.mu.Lock()
	defer x.mu.Unlock()
	db, err := x.open(false)
	if err == nil {
		err = migrateIndex(db, strings.TrimSuffix(path, ".db")+".jsonl")
		db.Close()
	}
	if err != nil {
		return nil, fmt.Errorf("the index of uploaded files cannot be written: %w", err)
	}
	return x, nil
}

// migrateIndex reads an index of JSON lines at legacy (none is fine) into
// db, once: a store marked ready has been made or read in already.
// It goes in steps of 50,000 uploads, so that memory stays small however
// long the file, and the file is renamed to end in .migrated after it.
func migrateIndex(db *bolt.DB, legacy string) error {
	done := false
	db.View(func(tx *bolt.Tx) error {
		done = tx.Bucket(bucketMeta) != nil && tx.Bucket(bucketMeta).Get(keyReady) != nil
		return nil
	})
	if done {
		return nil
	}
	f, err := os.Open(legacy)
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	if f != nil {
		var batch []Uploaded
		flush := func() error {
			// In the order written: a later upload at a path replaces an earlier.
			err := db.Update(func(tx *bolt.Tx) error {
				for _, u := range batch {
					if err := put(tx, u); err != nil {
						return err
					}
				}
				return nil
			})
			batch = batch[:0]
			return err
		}
		var perr error
		err = EachLine(f, maxIndexLine, func(line []byte) {
			var u Uploaded
			if perr == nil && json.Unmarshal(line, &u) == nil && u.SHA256 != "" {
				if batch = append(batch, u); len(batch) == 50_000 {
					perr = flush()
				}
			}
		})
		f.Close() // before the rename: Windows renames no file that is open
		if err = cmp.Or(perr, err); err == nil {
			err = flush()
		}
		if err != nil {
			return err
		}
	}
	// Ready last: a crash before it reads the lines in again, over what
	// went in (the same records: no harm).
	err = db.Update(func(tx *bolt.Tx) error {
		for _, b := range [][]byte{bucketUploads, bucketAtPath, bucketSizes} {
			if _, err := tx.CreateBucketIfNotExists(b); err != nil {
				return err
			}
		}
		meta, err := tx.CreateBucketIfNotExists(bucketMeta)
		if err != nil {
			return err
		}
		return meta.Put(keyReady, []byte("1"))
	})
	if err == nil && f != nil && legacy != db.Path() {
		os.Rename(legacy, legacy+".migrated") // an older version now starts a new one
	}
	return err
}

// open opens the store for one operation, waiting for another process's.
func (x *UploadedIndex) open(readOnly bool) (*bolt.DB, error) {
	return bolt.Open(x.path, 0o600, &bolt.Options{Timeout: indexWait, ReadOnly: readOnly})
}

func (x *UploadedIndex) update(fn func(*bolt.Tx) error) error {
	x.mu.Lock()
	defer x.mu.Unlock()
	db, err := x.open(false)
	if err != nil {
		return err
	}
	defer db.Close()
	return db.Update(fn)
}

func (x *UploadedIndex) view(fn func(*bolt.Tx) error) error {
	x.mu.Lock()
	defer x.mu.Unlock()
	db, err := x.open(true)
	if err != nil {
		return err
	}
	defer db.Close()
	return db.View(fn)
}

// Find returns the upload of these bytes to this account's folder, if any.
func (x *UploadedIndex) Find(account, folder, sum string) (u Uploaded, ok bool) {
	if x == nil {
		return Uploaded{}, false
	}
	x.view(func(tx *bolt.Tx) error {
		u, ok = getUpload(tx.Bucket(bucketUploads), uploadKey(account, folder, sum), account)
		return nil
	})
	return u, ok
}

// MayHave says whether bytes of this size may have gone up to the
// account's folder: false means Find would find no upload of them, so a
// large file need not be read for its SHA-256 to know. An upload recorded
// without its size (0) leaves every size possible.
func (x *UploadedIndex) MayHave(account, folder string, size int64) bool {
	if x == nil {
		return false
	}
	may := true
	x.view(func(tx *bolt.Tx) error {
		if b := tx.Bucket(bucketSizes); b != nil {
			may = b.Get(sizeKey(account, folder, size)) != nil || b.Get(sizeKey(account, folder, 0)) != nil
		}
		return nil
	})
	return may
}

// At returns the newest upload recorded at filePath in this account, if any.
func (x *UploadedIndex) At(account, filePath string) (u Uploaded, ok bool) {
	if x == nil {
		return Uploaded{}, false
	}
	x.view(func(tx *bolt.Tx) error {
		at := tx.Bucket(bucketAtPath)
		if at == nil {
			return nil
		}
		if k := at.Get(pathKey(account, filePath)); k != nil {
			u, ok = getUpload(tx.Bucket(bucketUploads), k, account)
			ok = ok && u.FilePath == filePath
		}
		return nil
	})
	return u, ok
}

// add records an upload, on disk before it returns.
func (x *UploadedIndex) add(u Uploaded) {
	if x == nil || u.SHA256 == "" {
		return
	}
	x.update(func(tx *bolt.Tx) error { return put(tx, u) })
}

// Close lets the index go. It holds nothing between operations.
func (x *UploadedIndex) Close() error { return nil }

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
	return errors.As(earlier(ctx, x, c, Request{Path: it.Path, Rel: it.Rel, Size: it.Size, Fields: f}), new(*AlreadyUploadedError))
}
