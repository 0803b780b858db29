//go:build !windows

package winconsole

// Attach does nothing off Windows: programs there keep their terminal.
func Attach([]string) {}
