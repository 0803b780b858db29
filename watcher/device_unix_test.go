//go:build unix

package watcher

import "syscall"

// sameDevice says whether two paths are on one file system (or cannot be told).
func sameDevice(a, b string) bool {
	var sa, sb syscall.Stat_t
	return syscall.Stat(a, &sa) != nil || syscall.Stat(b, &sb) != nil || sa.Dev == sb.Dev
}
