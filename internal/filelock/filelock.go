// Package filelock holds exclusive locks on files across processes, and
// replaces files whole: what the journal, the index and the presets share.
package filelock

import (
	"errors"
	"os"
	"path/filepath"
	"time"
)

// ErrLocked means another process holds the lock.
var ErrLocked = errors.New("another process holds the lock")

// Lock is an exclusive lock on a file of its own. The system drops it when
// the process ends, crash or not.
type Lock struct{ f *os.File }

// TryLock takes the lock at path (the file is made when missing), or says
// ErrLocked. Where the system offers no file locks it locks nothing.
func TryLock(path string) (*Lock, error) {
	f, err := lock(path)
	if err != nil {
		return nil, err
	}
	return &Lock{f}, nil
}

// Wait takes the lock at path, waiting up to wait while another process
// holds it.
func Wait(path string, wait time.Duration) (*Lock, error) {
	deadline := time.Now().Add(wait)
	for {
		l, err := TryLock(path)
		if err == nil || !errors.Is(err, ErrLocked) || time.Now().After(deadline) {
			return l, err
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// Unlock lets the lock go; a nil Lock does nothing.
func (l *Lock) Unlock() {
	if l != nil {
		unlock(l.f)
	}
}

// Replace replaces path with data: a new file under a unique name, synced,
// then renamed over the old one, so a crash leaves one or the other whole,
// and two writers never share a temporary file. Its folder is made when
// missing, for this user only.
func Replace(path string, data []byte) error {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".*.tmp")
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
