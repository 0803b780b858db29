//go:build !unix

package watcher

import "os"

// keepOwner does nothing where files have no Unix owner: a copy is the
// mover's.
func keepOwner(string, os.FileInfo) {}
