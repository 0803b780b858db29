//go:build unix

package cli

import "syscall"

// mkfifo makes a named pipe: something that is not a regular file.
func mkfifo(path string) error { return syscall.Mkfifo(path, 0o600) }
