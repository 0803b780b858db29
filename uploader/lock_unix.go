//go:build unix

package uploader

import (
	"errors"
	"fmt"
	"os"

	"golang.org/x/sys/unix"
)

// lockFile takes an exclusive lock on path, or says another process has it.
// The system drops the lock when the process ends, crash or not.
func lockFile(path string) (*os.File, error) {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return nil, fmt.Errorf("the journal's lock cannot be opened: %w", err)
	}
	if err := unix.Flock(int(f.Fd()), unix.LOCK_EX|unix.LOCK_NB); err != nil {
		f.Close()
		if errors.Is(err, unix.EWOULDBLOCK) {
			return nil, ErrJournalInUse
		}
		return nil, fmt.Errorf("the journal cannot be locked: %w", err)
	}
	return f, nil
}

func unlockFile(f *os.File) {
	if f != nil {
		unix.Flock(int(f.Fd()), unix.LOCK_UN)
		f.Close()
	}
}
