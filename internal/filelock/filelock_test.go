//go:build unix || windows

package filelock

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// TestLockIsExclusive: a second holder is told ErrLocked, also after
// waiting, until the first lets go.
func TestLockIsExclusive(t *testing.T) {
	path := filepath.Join(t.TempDir(), "x.lock")
	first, err := TryLock(path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := TryLock(path); !errors.Is(err, ErrLocked) {
		t.Fatalf("a second lock: %v", err)
	}
	if _, err := Wait(path, 50*time.Millisecond); !errors.Is(err, ErrLocked) {
		t.Fatalf("a second lock, waiting: %v", err)
	}
	go func() {
		time.Sleep(30 * time.Millisecond)
		first.Unlock()
	}()
	second, err := Wait(path, 10*time.Second)
	if err != nil {
		t.Fatalf("after the first let go: %v", err)
	}
	second.Unlock()
	var none *Lock
	none.Unlock()
}

// TestReplace: the file is replaced whole, its folder made, and no
// temporary file is left beside it.
func TestReplace(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "new")
	path := filepath.Join(dir, "presets.json")
	for _, content := range []string{"first", "second"} {
		if err := Replace(path, []byte(content)); err != nil {
			t.Fatal(err)
		}
		if b, _ := os.ReadFile(path); string(b) != content {
			t.Fatalf("holds %q, want %q", b, content)
		}
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 1 {
		t.Fatalf("%d files in the folder, want 1", len(entries))
	}
}
