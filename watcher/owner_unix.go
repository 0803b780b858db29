//go:build unix

package watcher

import (
	"os"
	"syscall"
)

// keepOwner gives to the owner and group of the file described by info,
// where this process may (root may; others keep their own).
func keepOwner(to string, info os.FileInfo) {
	if st, ok := info.Sys().(*syscall.Stat_t); ok {
		os.Lchown(to, int(st.Uid), int(st.Gid))
	}
}
