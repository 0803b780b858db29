package uploader

import (
	"errors"
	"time"
)

// LockFileWait takes an exclusive lock on path (a file of its own, made when
// missing), waiting up to wait while another process holds it, and returns
// how to let it go. Where the system offers no file locks it does nothing.
func LockFileWait(path string, wait time.Duration) (unlock func(), err error) {
	deadline := time.Now().Add(wait)
	for {
		f, err := lockFile(path)
		if err == nil {
			return func() { unlockFile(f) }, nil
		}
		if !errors.Is(err, ErrJournalInUse) || time.Now().After(deadline) {
			return nil, err
		}
		time.Sleep(20 * time.Millisecond)
	}
}
