//go:build windows

package uploader

import (
	"io/fs"
	"path/filepath"
	"strings"
)

// fileKey identifies a file on this machine: on Windows, its cleaned path
// (case-insensitive), which is what FileInfo gives without another open.
type fileKey struct {
	dev, ino uint64
	path     string
}

func keyOf(path string, _ fs.FileInfo) fileKey {
	return fileKey{path: strings.ToLower(filepath.Clean(path))}
}
