package ui

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"imagekit-uploader/keystore"
	"imagekit-uploader/results"

	"fyne.io/fyne/v2/test"

	"imagekit-uploader/uploader"
)

// TestHistoryRecordedWhileTheWindowIsBusy: a finished upload is in the
// history file as soon as the engine knows of it, even while the UI goroutine
// is held (a crash then loses no URL). Before, history was written from the
// UI tick, so nothing was recorded while the window was busy.
func TestHistoryRecordedWhileTheWindowIsBusy(t *testing.T) {
	u := newTestUI(t, Config{Demo: true, DemoThrottle: 50_000})
	dropSized(t, u, 5, 20_000)
	onUI(func() { test.Tap(u.form.button) })
	waitUntil(t, "the uploads to start", func() bool { return u.queue.Totals().Count[uploader.Ready] == 0 })
	uiMu.Lock() // the window is busy from here on: no UI work runs
	// A job counts as done a moment before its ending is handed over (and
	// written): wait for the file, the window still busy.
	deadline := time.Now().Add(20 * time.Second)
	lines := 0
	for lines < 5 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
		lines = countLines(filepath.Join(u.cfg.StorageDir, "history.jsonl"))
	}
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

// sizedFiles makes n files of size bytes each and returns their paths.
func sizedFiles(t *testing.T, n, size int) []string {
	t.Helper()
	dir := t.TempDir()
	paths := make([]string, n)
	for i := range paths {
		paths[i] = filepath.Join(dir, fmt.Sprintf("f%03d.bin", i))
		if err := os.WriteFile(paths[i], make([]byte, size), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return paths
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
	drop(u, sizedFiles(t, 6, 100_000)...)
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

// TestDemoLeftoversNeverReachTheAccount: files left unfinished in a demo are
// not offered to the real account at the next start (before, "Add them"
// sent them there), and the account's leftovers wait while a demo runs.
func TestDemoLeftoversNeverReachTheAccount(t *testing.T) {
	storageDir := t.TempDir()
	u := newTestUI(t, Config{Demo: true, DemoThrottle: 50_000, StorageDir: storageDir})
	p := filepath.Join(t.TempDir(), "private-test-photo.bin")
	os.WriteFile(p, make([]byte, 400_000), 0o644)
	drop(u, p)
	waitFor(t, "a row", func() bool { return len(u.rows) == 1 })
	onUI(func() { test.Tap(u.form.button) })
	waitUntil(t, "uploading to the demo", func() bool { return u.queue.Totals().Count[uploader.Uploading] == 1 })
	u.Close() // quit mid-upload
	if left := offered(t, u); len(left) != 1 || left[0].Tag != demoTag {
		t.Fatalf("journal after the demo: %+v", left)
	}

	saveCrashKey(t)
	a := test.NewTempApp(t)
	crashAccount("https://upload.imagekit.io/api/v2/files/upload").save(a.Preferences())
	var again *UI
	onUI(func() { again = New(a, Config{StorageDir: storageDir, Secrets: keystore.DefaultKeyStore}) })
	t.Cleanup(again.Close)
	waitFor(t, "the notice", func() bool { return strings.Contains(again.notice.Text, "left from the demo") })
	onUI(func() {
		if again.dialog != nil {
			t.Error("the demo's files were offered to the account")
		}
	})
	waitUntil(t, "the demo's files forgotten", func() bool { return len(offered(t, again)) == 0 })
}

// TestClosingTheOfferKeepsTheFiles: Esc (or closing) on "Unfinished
// uploads" leaves them for next time; only "Forget them" forgets. Before,
// closing the question forgot them.
func TestClosingTheOfferKeepsTheFiles(t *testing.T) {
	storageDir := t.TempDir()
	p := filepath.Join(t.TempDir(), "a.jpg")
	os.WriteFile(p, []byte("x"), 0o644)
	os.WriteFile(filepath.Join(storageDir, "journal.jsonl"), []byte(`{"op":"add","path":"`+p+`","fileName":"a.jpg","fields":{"Folder":"/"},"tag":"demo"}`+"\n"), 0o600)
	u := newTestUI(t, Config{Demo: true, StorageDir: storageDir})
	waitFor(t, "the offer", func() bool { return u.dialog != nil })
	onUI(func() { u.dialog.Hide() }) // what Esc does
	if left := offered(t, u); len(left) != 1 {
		t.Fatalf("after closing the offer: %d unfinished, want the file kept", len(left))
	}
	onUI(func() { u.askPending(offered(t, u)) })
	onUI(func() { test.Tap(buttonIn(t, u, "Forget them")) })
	waitUntil(t, "the file forgotten", func() bool { return len(offered(t, u)) == 0 })
}

// TestASecondWindowKeepsItsHandsOff: a second window on the same storage
// does not offer the first's uploads as unfinished, and says it keeps no
// list of its own.
func TestASecondWindowKeepsItsHandsOff(t *testing.T) {
	storageDir := t.TempDir()
	first := newTestUI(t, Config{Demo: true, StorageDir: storageDir})
	waitUntil(t, "the first's journal", func() bool { return first.journal() != nil })
	second := newTestUI(t, Config{Demo: true, StorageDir: storageDir})
	waitFor(t, "the notice", func() bool { return strings.Contains(second.notice.Text, "Another ImageKit Uploader window is open") })
	if second.journal() != nil {
		t.Fatal("two windows hold the journal")
	}
}

// TestHistorySurvivesALongLine: one entry with a huge message (a server's,
// say) does not hide every later entry after a restart (before, the loader
// stopped at the first line over 1 MiB).
func TestHistorySurvivesALongLine(t *testing.T) {
	dir := t.TempDir()
	h := newHistory(dir)
	h.load()
	huge := errors.New(strings.Repeat("x", 2<<20))
	h.add(entryOf(uploader.Job{State: uploader.Failed, Err: huge, Ended: time.Now(), Request: uploader.Request{Path: "/a.jpg"}}, false))
	f, _ := os.OpenFile(filepath.Join(dir, "history.jsonl"), os.O_APPEND|os.O_WRONLY, 0)
	f.Write(append(bytes.Repeat([]byte("y"), 3<<20), '\n')) // and a damaged line beyond any limit
	f.Close()
	h.add(Entry{Time: time.Now(), File: "/b.jpg", Status: "uploaded", URL: "https://ik.imagekit.io/x/b.jpg", FilePath: "/b.jpg"})
	again := newHistory(dir)
	if err := again.load(); err != nil || len(again.search("uploaded")) != 1 || len(again.all) != 2 {
		t.Fatalf("after a restart: %d entries, %v", len(again.all), err)
	}
}

// TestHistorySaysWhatJSONSays: the history's status words are the
// command line's --json words, for histories written before too (they said
// "already uploaded" where --json said "already-uploaded").
func TestHistorySaysWhatJSONSays(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "history.jsonl"), []byte(`{"time":"2026-01-02T03:04:05Z","file":"/old.jpg","status":"already uploaded"}`+"\n"), 0o600)
	h := newHistory(dir)
	if err := h.load(); err != nil || len(h.all) != 1 || h.all[0].Status != "already-uploaded" {
		t.Fatalf("an old line: %+v, %v", h.all, err)
	}
	for _, j := range []uploader.Job{
		{State: uploader.Done, Result: &uploader.Result{Name: "a.jpg", URL: "https://ik.imagekit.io/x/a.jpg"}},
		{State: uploader.AlreadyUploaded, Err: &uploader.AlreadyUploadedError{FilePath: "/a.jpg", SameContent: true}},
		{State: uploader.Failed, Err: &uploader.APIError{Status: 500, Message: "busy", RequestID: "r1"}},
		{State: uploader.Canceled},
	} {
		e, l := entryOf(j, false), results.FromJob(j)
		if e.Status != l.Status {
			t.Errorf("%s: history %q, --json %q", j.State, e.Status, l.Status)
		}
		if l.Error != nil && e.RequestID != l.Error.RequestID {
			t.Errorf("%s: request id %q in the history, %q in --json", j.State, e.RequestID, l.Error.RequestID)
		}
	}
}

// buttonIn finds the button labelled text in the dialog on top of u's window.
func buttonIn(t *testing.T, u *UI, text string) *button {
	t.Helper()
	for _, o := range test.LaidOutObjects(u.win.Canvas().Overlays().Top()) {
		if b, ok := o.(*button); ok && b.Text == text {
			return b
		}
	}
	t.Fatalf("no %q button", text)
	return nil
}

// dropSized drops n files of about size bytes (each its own: size+i), and
// waits for their rows.
func dropSized(t *testing.T, u *UI, n, size int) {
	t.Helper()
	dir := t.TempDir()
	var paths []string
	for i := range n {
		p := filepath.Join(dir, fmt.Sprintf("f%d.jpg", i))
		os.WriteFile(p, make([]byte, size+i), 0o644)
		paths = append(paths, p)
	}
	drop(u, paths...)
	waitFor(t, fmt.Sprintf("%d rows", n), func() bool { return len(u.rows) == n })
}

// TestHistoryKeepsTheRequestIDOfADoubt: a file left "may already be
// uploaded" after the server answered an error keeps that answer's request
// id in the history (support asks for it).
func TestHistoryKeepsTheRequestIDOfADoubt(t *testing.T) {
	err := &uploader.MaybeUploadedError{Reason: "the whole file was sent, but no answer came back", Err: &uploader.APIError{Status: 500, Message: "internal", RequestID: "req-1"}}
	if e := entryOf(uploader.Job{State: uploader.Failed, Err: err}, false); e.RequestID != "req-1" || e.Status != "may-be-uploaded" {
		t.Fatalf("history entry: status %q, request id %q", e.Status, e.RequestID)
	}
}

// TestHistoryChecksAgainstImageKit: History › Check against ImageKit marks
// each upload listed present, or missing once deleted from the library.
func TestHistoryChecksAgainstImageKit(t *testing.T) {
	u := newTestUI(t, Config{Demo: true})
	drop(u, makeFiles(t, t.TempDir(), "keep.jpg", "gone.jpg")...)
	waitFor(t, "2 rows", func() bool { return len(u.rows) == 2 })
	onUI(func() { test.Tap(u.form.button) })
	waitFor(t, "both uploaded", func() bool { return u.queue.Totals().Count[uploader.Done] == 2 })
	waitFor(t, "both in the History", func() bool { return len(u.history.search("")) == 2 })
	var gone string
	for _, e := range u.history.search("gone") {
		gone = e.FilePath
	}
	if !u.shared.demo.Remove(gone) {
		t.Fatalf("nothing at %q to remove", gone)
	}
	onUI(func() {
		u.histView.reload()
		test.Tap(u.histView.check)
	})
	waitFor(t, "the check", func() bool { return len(u.histView.checked) == 2 })
	for _, e := range u.history.search("") {
		want := "present"
		if e.FilePath == gone {
			want = "missing"
		}
		if got := u.histView.checked[keyOf(e)]; got != want {
			t.Errorf("%s: %q, want %q", e.FilePath, got, want)
		}
	}
	if !strings.Contains(u.notice.Text, "1 present, 1 missing") {
		t.Errorf("the notice: %q", u.notice.Text)
	}
}

// TestDemoURLsOpenAfterARestart: the demo comes back on its port with its
// library, so the URLs History shows still open the files. Before, each
// start took a new port and an empty library.
func TestDemoURLsOpenAfterARestart(t *testing.T) {
	storage := t.TempDir()
	u := newTestUI(t, Config{Demo: true, StorageDir: storage})
	drop(u, makeFiles(t, t.TempDir(), "a.jpg")...)
	waitFor(t, "a row", func() bool { return len(u.rows) == 1 })
	onUI(func() { test.Tap(u.form.button) })
	waitFor(t, "done", func() bool { return allDone(u, 1) })
	var url string
	onUI(func() { url = u.snaps[u.rows[0]].Result.URL })
	u.Close()

	again := newTestUI(t, Config{Demo: true, StorageDir: storage})
	var now string
	onUI(func() { now = again.shared.demo.URL })
	if !strings.HasPrefix(url, now+"/") {
		t.Fatalf("the demo came back at %s; the URL was %s", now, url)
	}
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("%s after a restart: %s", url, resp.Status)
	}
}
