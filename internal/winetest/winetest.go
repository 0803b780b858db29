// Package winetest is for the tests: it works around what wine 8 (Debian
// 12's) lacks when the Windows build's tests run under it
// (scripts/windows-test.sh), and says what a system cannot do that a test
// needs. Each package's tests import it; on Linux and macOS its
// workarounds do nothing.
package winetest

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"
)

// Symlink makes link point at target, and checks that the system then sees
// the link and, where target exists, follows it there. It says why not:
// Windows makes links only with a privilege (or in developer mode), and
// wine 8 makes some links it then cannot see or follow.
func Symlink(target, link string) error {
	if err := os.Symlink(target, link); err != nil {
		return fmt.Errorf("no symbolic links here: %w", err)
	}
	if _, err := os.Lstat(link); err != nil {
		return fmt.Errorf("the link was made but cannot be seen: %w", err)
	}
	if _, err := os.Stat(target); err == nil {
		got, err1 := filepath.EvalSymlinks(link)
		want, err2 := filepath.EvalSymlinks(target)
		if err1 != nil || err2 != nil || got != want {
			return fmt.Errorf("the link was made but does not lead to its target (%q)", got)
		}
	}
	return nil
}

// SymlinkOrSkip is Symlink, skipping the test where links do not work.
func SymlinkOrSkip(t testing.TB, target, link string) {
	t.Helper()
	if err := Symlink(target, link); err != nil {
		t.Skip(err)
	}
}
