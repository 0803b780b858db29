//go:build windows

package emulator

import (
	"os"

	"golang.org/x/sys/windows"
)

// lockLibrary takes the library file for this server alone, as long as it
// runs: two servers on one directory would each number their own versions.
// The lock is on a byte far past the end, so it never stands in the way of
// reading or appending the file itself.
func lockLibrary(f *os.File) error {
	ol := &windows.Overlapped{OffsetHigh: 0x7fffffff}
	return windows.LockFileEx(windows.Handle(f.Fd()), windows.LOCKFILE_EXCLUSIVE_LOCK|windows.LOCKFILE_FAIL_IMMEDIATELY, 0, 1, 0, ol)
}
