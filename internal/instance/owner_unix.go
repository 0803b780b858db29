//go:build unix

package instance

import (
	"os"
	"syscall"
)

// ownedHere says whether this user owns the file.
func ownedHere(info os.FileInfo) bool {
	st, ok := info.Sys().(*syscall.Stat_t)
	return ok && int(st.Uid) == os.Getuid()
}
