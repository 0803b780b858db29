//go:build !unix && !windows

package emulator

import "os"

// lockLibrary does nothing where there is no flock: one server a directory
// is the operator's to keep.
func lockLibrary(*os.File) error { return nil }
