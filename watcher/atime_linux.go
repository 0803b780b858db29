package watcher

import (
	"os"
	"syscall"
	"time"
)

// accessTime is the file's last access.
func accessTime(info os.FileInfo) time.Time {
	if st, ok := info.Sys().(*syscall.Stat_t); ok {
		return time.Unix(st.Atim.Unix())
	}
	return info.ModTime()
}
