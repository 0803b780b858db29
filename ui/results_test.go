package ui

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"fyne.io/fyne/v2/test"

	"imagekit-uploader/uploader"
)

// TestHistoryRecordedWhileTheWindowIsBusy: a finished upload is in the
// history file as soon as the engine knows of it, even while the UI goroutine
// is held (a crash then loses no URL). Before, history was written from the
// UI tick, so nothing was recorded while the window was busy.
func TestHistoryRecordedWhileTheWindowIsBusy(t *testing.T) {
	u := newTestUI(t, Config{Demo: true, DemoThrottle: 50_000})
	dir := t.TempDir()
	var paths []string
	for i := range 5 {
		p := filepath.Join(dir, fmt.Sprintf("f%d.jpg", i))
		os.WriteFile(p, make([]byte, 20_000+i), 0o644)
		paths = append(paths, p)
	}
	drop(u, paths...)
	waitFor(t, "5 rows", func() bool { return len(u.rows) == 5 })
	onUI(func() { test.Tap(u.form.button) })
	waitUntil(t, "the uploads to start", func() bool { return u.queue.Totals().Count[uploader.Ready] == 0 })
	uiMu.Lock() // the window is busy from here on: no UI work runs
	deadline := time.Now().Add(20 * time.Second)
	for u.queue.Totals().Count[uploader.Done] < 5 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	lines := countLines(filepath.Join(u.cfg.StorageDir, "history.jsonl"))
	uiMu.Unlock()
	if lines != 5 {
		t.Fatalf("%d uploads in the history file while the window was busy, want 5", lines)
	}
}

// TestRowsEndInTheirFinalState: with the UI goroutine slow, every row still
// ends showing its job's final state, and the history holds each upload once.
func TestRowsEndInTheirFinalState(t *testing.T) {
	u := newTestUI(t, Config{Demo: true})
	dir := t.TempDir()
	var paths []string
	for i := range 200 {
		p := filepath.Join(dir, fmt.Sprintf("f%03d.jpg", i))
		os.WriteFile(p, []byte(fmt.Sprint("photo ", i)), 0o644)
		paths = append(paths, p)
	}
	drop(u, paths...)
	waitFor(t, "200 rows", func() bool { return len(u.rows) == 200 })
	// A slow window: every piece of UI work waits a while, at random.
	var slow sync.Mutex
	runOnUI = func(f func()) {
		slow.Lock()
		defer slow.Unlock()
		time.Sleep(time.Duration(rand.IntN(30)) * time.Millisecond)
		onUIDirect(f)
	}
	defer func() { runOnUI = onUIDirect }()
	onUI(func() { test.Tap(u.form.button) })
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	waitUntil(t, "the uploads to start", func() bool { return u.queue.Totals().Count[uploader.Ready] == 0 })
	if err := u.queue.Wait(ctx); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "every row to show its final state", func() bool { return allDone(u, 200) })
	onUI(func() {
		for _, id := range u.rows {
			if j := u.snaps[id]; j.State != uploader.Done || j.Result == nil {
				t.Errorf("%s shows %s", j.Request.FileName, j.State)
			}
		}
	})
	seen := map[string]int{}
	for _, e := range u.history.search("uploaded") {
		seen[e.File]++
	}
	if len(seen) != 200 {
		t.Errorf("history holds %d uploads, want 200", len(seen))
	}
	for f, n := range seen {
		if n != 1 {
			t.Errorf("%s is in the history %d times", filepath.Base(f), n)
		}
	}
}

// waitUntil polls cond, off the UI goroutine, until it holds.
func waitUntil(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// TestDeletingTheKeyDuringTheDemo: the demo signs with its own key, whatever
// happens to the account's; before, deleting the saved key while the demo
// ran left a nil signer, and Upload panicked.
func TestDeletingTheKeyDuringTheDemo(t *testing.T) {
	u := newTestUI(t, Config{Demo: true})
	var s *settingsDialog
	onUI(func() {
		u.showSettings(false)
		s = u.settings
		test.Type(s.publicKey, "public_x")
		s.onDelete()
	})
	waitFor(t, "the delete to finish", func() bool { return !s.deleteKey.Disabled() })
	onUI(func() { s.d.Hide() })
	drop(u, makeFiles(t, t.TempDir(), "after-delete.jpg")...)
	waitFor(t, "a row", func() bool { return len(u.rows) == 1 })
	onUI(func() { test.Tap(u.form.button) })
	waitFor(t, "the upload to the demo", func() bool { return allDone(u, 1) })
	onUI(func() {
		if j := u.snaps[u.rows[0]]; j.State != uploader.Done {
			t.Fatalf("%s: %v", j.State, j.Err)
		}
	})
}

// TestLeavingTheDemoMidQueue: saving a real account ends the demo; the
// files still queued for the demo server stop, with a notice, instead of
// failing one by one against a server that is gone.
func TestLeavingTheDemoMidQueue(t *testing.T) {
	u := newTestUI(t, Config{Demo: true, DemoThrottle: 20_000})
	dir := t.TempDir()
	var paths []string
	for i := range 6 {
		p := filepath.Join(dir, fmt.Sprintf("f%d.bin", i))
		os.WriteFile(p, make([]byte, 100_000), 0o644)
		paths = append(paths, p)
	}
	drop(u, paths...)
	waitFor(t, "6 rows", func() bool { return len(u.rows) == 6 })
	onUI(func() { test.Tap(u.form.button) })
	waitUntil(t, "the uploads to start", func() bool { return u.queue.Totals().Count[uploader.Uploading] > 0 })
	onUI(func() {
		u.applyAccount(Account{PublicKey: "public_real", Endpoint: uploader.DefaultEndpoint, Mode: SignLocally, Plan: uploader.PlanFree, Concurrency: 2}, false)
	})
	waitFor(t, "every row to end", func() bool { return allDone(u, 6) })
	onUI(func() {
		for _, id := range u.rows {
			if j := u.snaps[id]; j.State != uploader.Canceled {
				t.Errorf("%s: %s %v; want canceled with the demo", j.Request.FileName, j.State, j.Err)
			}
		}
		if !strings.Contains(u.notice.Text, "demo") {
			t.Errorf("notice %q", u.notice.Text)
		}
	})
}

// TestAddWhileTyping: adding files reads the form on the UI goroutine, so
// typing in it meanwhile is no data race (run with -race).
func TestAddWhileTyping(t *testing.T) {
	u := newTestUI(t, Config{Demo: true})
	dir := t.TempDir()
	for i := range 200 {
		os.WriteFile(filepath.Join(dir, fmt.Sprintf("f%03d.jpg", i)), []byte("x"), 0o644)
	}
	drop(u, dir)
	for i := range 50 {
		onUI(func() { u.form.folder.SetText(fmt.Sprintf("/typing/%d", i)) })
	}
	waitFor(t, "200 rows", func() bool { return len(u.rows) == 200 })
}
