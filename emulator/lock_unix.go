//go:build unix

package emulator

import (
	"os"
	"syscall"
)

// lockLibrary takes the library file for this server alone, as long as it
// runs: two servers on one directory would each number their own versions.
func lockLibrary(f *os.File) error {
	return syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
}
