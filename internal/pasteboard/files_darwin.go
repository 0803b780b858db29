//go:build darwin && cgo

package pasteboard

// copiedFiles: Finder's copied files also come as their names in text,
// which Interpret reads.
func copiedFiles() []string { return nil }
