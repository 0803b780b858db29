package watcher

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"imagekit-uploader/internal/winetest"
	"imagekit-uploader/uploader"
)

// TestMoveNeverReplaces: six different files of one name, moved one after
// the other within a second, are six files in the folder. Before, a file
// moved within the same second as an earlier one of its name replaced it.
func TestMoveNeverReplaces(t *testing.T) {
	in, done := t.TempDir(), t.TempDir()
	for i := range 6 {
		p := filepath.Join(in, "x.jpg")
		os.WriteFile(p, []byte(fmt.Sprintf("photo %d", i)), 0o644)
		if _, err := Move(p, filepath.Join(done, "x.jpg")); err != nil {
			t.Fatal(err)
		}
	}
	entries, _ := os.ReadDir(done)
	seen := map[string]bool{}
	for _, e := range entries {
		b, _ := os.ReadFile(filepath.Join(done, e.Name()))
		seen[string(b)] = true
	}
	if len(entries) != 6 || len(seen) != 6 {
		t.Fatalf("%d files, %d different, in the folder; want 6 of each", len(entries), len(seen))
	}
}

// TestCopyKeepsModeAndTimes: a file moved onto another file system keeps
// its mode and its times. Before, a 0600 file dated 2020 became 0644,
// dated today.
func TestCopyKeepsModeAndTimes(t *testing.T) {
	from := filepath.Join(t.TempDir(), "old.jpg")
	os.WriteFile(from, []byte("a photo from 2020"), 0o600)
	then := time.Date(2020, 6, 1, 12, 0, 0, 0, time.UTC)
	os.Chtimes(from, then.Add(time.Hour), then)
	// The mode the original has: 0600, or on Windows, which keeps only
	// "read-only", 0666.
	orig, err := os.Stat(from)
	if err != nil {
		t.Fatal(err)
	}
	check := func(to string) {
		t.Helper()
		info, err := os.Stat(to)
		if err != nil {
			t.Fatal(err)
		}
		if info.Mode().Perm() != orig.Mode().Perm() || !info.ModTime().Equal(then) {
			t.Fatalf("%s: mode %v, time %v; want %v, %v", to, info.Mode().Perm(), info.ModTime(), orig.Mode().Perm(), then)
		}
		if b, _ := os.ReadFile(to); string(b) != "a photo from 2020" {
			t.Fatalf("%s holds %q", to, b)
		}
	}
	to := filepath.Join(t.TempDir(), "copy.jpg")
	os.WriteFile(to, nil, 0o644) // claimed, as Move does
	if err := copyAcross(from, to); err != nil {
		t.Fatal(err)
	}
	check(to)

	// Moved for real onto another file system, where there is one.
	other, err := os.MkdirTemp("/dev/shm", "watcher-test-")
	if err != nil {
		t.Skipf("no /dev/shm here: %v", err)
	}
	defer os.RemoveAll(other)
	if sameDevice(other, filepath.Dir(from)) {
		t.Skip("/dev/shm is on the same file system here")
	}
	moved, err := Move(from, filepath.Join(other, "old.jpg"))
	if err != nil {
		t.Fatal(err)
	}
	check(moved)
	if _, err := os.Stat(from); !os.IsNotExist(err) {
		t.Fatalf("the original is still there: %v", err)
	}
}

// TestMoveDoneInsideTheFolderThroughALink: a --move-done folder that is
// inside the watched one once its link is followed is refused. Before, a
// file went to archive/, archive/archive/, … and up each time.
func TestMoveDoneInsideTheFolderThroughALink(t *testing.T) {
	base := t.TempDir()
	root := filepath.Join(base, "inbox")
	os.MkdirAll(filepath.Join(root, "archive"), 0o755)
	winetest.SymlinkOrSkip(t, filepath.Join(root, "archive"), filepath.Join(base, "to-archive"))
	winetest.SymlinkOrSkip(t, root, filepath.Join(base, "inbox-link"))
	for _, dir := range []string{
		filepath.Join(base, "to-archive"),
		filepath.Join(base, "to-archive", "new", "deeper"), // still to be made
		filepath.Join(base, "inbox-link"),
		root,
	} {
		if err := CheckMoveDone(root, dir); err == nil {
			t.Errorf("%s accepted", strings.TrimPrefix(dir, base))
		}
	}
	// A link from inside the watched folder to a folder outside it is fine.
	os.MkdirAll(filepath.Join(base, "done"), 0o755)
	winetest.SymlinkOrSkip(t, filepath.Join(base, "done"), filepath.Join(base, "done-link"))
	if err := CheckMoveDone(filepath.Join(base, "inbox-link"), filepath.Join(base, "done-link")); err != nil {
		t.Fatalf("a folder outside refused: %v", err)
	}
	if err := CheckMoveDone(root, filepath.Join(base, "inbox-archive")); err != nil {
		t.Fatalf("a sibling whose name starts like the folder's refused: %v", err)
	}
}

// TestDownloadBundlesWait: what is inside Safari's photo.jpg.download
// folder waits like a .part file. Before, it was uploaded, then moved out
// from under the browser.
func TestDownloadBundlesWait(t *testing.T) {
	root := t.TempDir()
	os.MkdirAll(filepath.Join(root, "photo.jpg.download"), 0o755)
	os.WriteFile(filepath.Join(root, "photo.jpg.download", "photo.jpg"), []byte("half a photo"), 0o644)
	os.MkdirAll(filepath.Join(root, "sub"), 0o755)
	os.WriteFile(filepath.Join(root, "sub", "ready.jpg"), []byte("a photo"), 0o644)
	w := &Watcher{Root: root, seen: map[string]*seenFile{}}
	if err := w.scan(context.Background(), nil); err != nil {
		t.Fatal(err)
	}
	var seen []string
	for p := range w.seen {
		seen = append(seen, strings.TrimPrefix(p, root))
	}
	if len(seen) != 1 || !strings.HasSuffix(seen[0], "ready.jpg") {
		t.Fatalf("seen %v; want only sub/ready.jpg", seen)
	}
}

// TestFolderDateMovesOnPastMidnight: the folder's date placeholders are
// filled in with the day each file is queued. Before, the date of the
// watch's start stayed for good.
func TestFolderDateMovesOnPastMidnight(t *testing.T) {
	w := &Watcher{Fields: uploader.Fields{Folder: "shoots/{yyyy}/{mm}/{dd}"}}
	before := w.FieldsAt(time.Date(2026, 12, 31, 23, 59, 59, 0, time.Local)).Folder
	after := w.FieldsAt(time.Date(2027, 1, 1, 0, 0, 1, 0, time.Local)).Folder
	if before != "/shoots/2026/12/31/" && before != "/shoots/2026/12/31" || !bytes.Contains([]byte(after), []byte("2027/01/01")) {
		t.Fatalf("folders %q then %q", before, after)
	}
}
