package ui

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2/test"

	"imagekit-uploader/keystore"
	"imagekit-uploader/uploader"
	"imagekit-uploader/uploader/imagekittest"
)

const crashPub, crashPriv = "public_crash_test", "private_crash_test"

// TestKilledMidBatchThenResumed kills the app (SIGKILL) in the middle of a
// 100-file upload, starts it again on the same storage, and resumes: the
// unfinished files are offered, the finished ones are in the history, and no
// file is stored twice. A file whose upload finished on the server as the
// app died is reported as already there, not uploaded again.
func TestKilledMidBatchThenResumed(t *testing.T) {
	if os.Getenv("IKU_CRASH_CHILD") != "" {
		crashChild(t)
		return
	}
	srv := imagekittest.NewServer(imagekittest.WithKey(crashPub, crashPriv), imagekittest.WithReadRate(150_000))
	defer srv.Close()
	storage, files := t.TempDir(), filepath.Join(t.TempDir(), "shoot")
	os.MkdirAll(files, 0o755)
	for i := range 100 {
		os.WriteFile(filepath.Join(files, fmt.Sprintf("f%03d.jpg", i)), bytes.Repeat([]byte{byte(i)}, 48<<10), 0o644)
	}
	child := exec.Command(os.Args[0], "-test.run=^TestKilledMidBatchThenResumed$", "-test.count=1")
	child.Env = append(os.Environ(), "IKU_CRASH_CHILD=1", "IKU_CRASH_STORAGE="+storage, "IKU_CRASH_FILES="+files, "IKU_CRASH_ENDPOINT="+srv.UploadURL)
	var childOut bytes.Buffer
	child.Stdout, child.Stderr = &childOut, &childOut
	if err := child.Start(); err != nil {
		t.Fatal(err)
	}
	// Kill it once a good part of the batch is in its history.
	history := filepath.Join(storage, "history.jsonl")
	deadline := time.Now().Add(60 * time.Second)
	lastLog := time.Now()
	for countLines(history) < 25 {
		if os.Getenv("IKU_CRASH_DEBUG") != "" && time.Since(lastLog) > 500*time.Millisecond {
			t.Logf("history %d, stored %d", countLines(history), len(srv.Files()))
			lastLog = time.Now()
		}
		if time.Now().After(deadline) {
			child.Process.Kill()
			t.Fatalf("the child never got going:\n%s", childOut.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
	child.Process.Kill()
	child.Wait()
	if os.Getenv("IKU_CRASH_DEBUG") != "" {
		os.WriteFile("/tmp/child.log", childOut.Bytes(), 0o644)
	}
	finishedBefore := countLines(history)
	storedBefore := len(srv.Files())
	// Each upload is in the history as soon as its answer arrives: only the
	// answers in flight at the kill (at most one per slot) can be missing.
	if storedBefore-finishedBefore > crashAccount("").Concurrency {
		t.Errorf("killed with %d stored but only %d in the history", storedBefore, finishedBefore)
	}

	saveCrashKey(t)
	u := newTestUI(t, Config{StorageDir: storage})
	onUI(func() { u.applyAccount(crashAccount(srv.UploadURL), false) })
	waitFor(t, "the history to load and the unfinished files to be offered", func() bool {
		return len(u.history.search("uploaded")) == finishedBefore && u.dialog != nil
	})
	pending := offered(t, u)
	if len(pending) == 0 {
		t.Fatalf("nothing offered again (history %d, stored %d)", finishedBefore, storedBefore)
	}
	onUI(func() {
		u.dialog.Hide()
		u.restorePending(pending)
	})
	waitFor(t, "the unfinished files in the list", func() bool { return len(u.rows) == len(pending) })
	onUI(func() { test.Tap(u.form.button) })
	waitFor(t, "the resumed uploads to end", func() bool { return allDone(u, len(pending)) })

	already := 0
	onUI(func() {
		for _, id := range u.rows {
			j := u.snaps[id]
			switch j.State {
			case uploader.Done:
			case uploader.AlreadyUploaded: // neutral, not a failure
				already++
			default:
				t.Errorf("%s: %s %v", j.Request.FileName, j.State, j.Err)
			}
		}
		if strings.Contains(u.footer.Text, "failed") {
			t.Errorf("footer: %q", u.footer.Text)
		}
	})
	// Every file is in the history: uploaded, or found already there.
	recorded := map[string]bool{}
	for _, e := range u.history.search("") {
		if e.Status == "uploaded" || e.Status == "already-uploaded" {
			recorded[filepath.Base(e.File)] = true
		}
	}
	if len(recorded) != 100 {
		t.Errorf("%d of 100 files in the history after the resume", len(recorded))
	}
	stored := srv.Files()
	if len(stored) != 100 {
		t.Errorf("%d files stored, want all 100", len(stored))
	}
	for _, f := range stored {
		if len(f.Versions) != 1 {
			t.Errorf("%s stored %d times", f.Path, len(f.Versions))
		}
	}
	t.Logf("killed with %d in the history and %d stored; %d offered again, %d of them already stored and reported",
		finishedBefore, storedBefore, len(pending), already)
}

func crashAccount(endpoint string) Account {
	return Account{PublicKey: crashPub, Endpoint: endpoint, Mode: SignLocally, Plan: uploader.PlanFree, Concurrency: 4}
}

func saveCrashKey(t *testing.T) {
	t.Helper()
	if err := keystore.DefaultKeyStore.Save(context.Background(), crashPub, crashPriv); err != nil {
		t.Fatal(err)
	}
}

// crashChild is the app that gets killed: it queues the files and uploads
// them with unique names and overwriting off, until the parent kills it.
func crashChild(t *testing.T) {
	saveCrashKey(t)
	u := newTestUI(t, Config{StorageDir: os.Getenv("IKU_CRASH_STORAGE")})
	onUI(func() {
		if u.dialog != nil {
			u.dialog.Hide()
		}
		u.applyAccount(crashAccount(os.Getenv("IKU_CRASH_ENDPOINT")), false)
		u.form.unique.SetChecked(false)
		u.form.overwrite.SetChecked(false) // new photos: never replace one
	})
	u.AddPaths([]string{os.Getenv("IKU_CRASH_FILES")})
	waitFor(t, "100 rows", func() bool { return len(u.rows) == 100 })
	onUI(func() { test.Tap(u.form.button) })
	time.Sleep(time.Minute) // killed long before
}

func countLines(path string) int {
	f, err := os.Open(path)
	if err != nil {
		return 0
	}
	defer f.Close()
	n := 0
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if strings.Contains(sc.Text(), `"uploaded"`) {
			n++
		}
	}
	return n
}
