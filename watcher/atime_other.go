//go:build !linux

package watcher

import (
	"os"
	"time"
)

// accessTime is the file's modification time where its access time is not
// read: a copy is at least no newer than the original.
func accessTime(info os.FileInfo) time.Time { return info.ModTime() }
