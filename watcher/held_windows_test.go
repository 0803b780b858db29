//go:build windows

package watcher

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"golang.org/x/sys/windows"

	"imagekit-uploader/uploader"
)

// TestHeldFileIsLookedAtAgain: a file whose upload failed because another
// program held it open is watched again, not given up on. Before, watch
// printed the failure once and never sent the file.
func TestHeldFileIsLookedAtAgain(t *testing.T) {
	p := filepath.Join(t.TempDir(), "new.jpg")
	os.WriteFile(p, []byte("a photo"), 0o644)
	w := &Watcher{Root: filepath.Dir(p), seen: map[string]*seenFile{p: {queued: true, since: time.Now().Add(-time.Hour)}}}
	held := &uploader.FileError{Path: p, Reason: "held", Err: fmt.Errorf("open %s: %w", p, windows.ERROR_SHARING_VIOLATION)}
	w.Ended(uploader.Job{State: uploader.Failed, Err: held, Request: uploader.Request{Path: p}})
	if s := w.seen[p]; s.queued || time.Since(s.since) > time.Minute {
		t.Errorf("after a failure of a held file: %+v", *s)
	}
	w.seen[p].queued = true
	w.Ended(uploader.Job{State: uploader.Failed, Err: &uploader.FileError{Path: p, Reason: "gone", Err: os.ErrNotExist}, Request: uploader.Request{Path: p}})
	if !w.seen[p].queued {
		t.Error("another failure is looked at again too")
	}
}
