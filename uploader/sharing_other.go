//go:build !windows

package uploader

// heldByAnother is Windows' refusal to share an open file; other systems
// share files.
func heldByAnother(error) bool { return false }
