package cli

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"imagekit-uploader/uploader/imagekittest"
)

// TestJournalNeverDestroysTheFileGiven: --journal FILE names the person's
// file until it is proven to be a journal. Before, a text file of notes was
// renamed over at open and deleted at the end, and a device node with it.
func TestJournalNeverDestroysTheFileGiven(t *testing.T) {
	t.Setenv("IMAGEKIT_PRIVATE_KEY", "")
	srv := imagekittest.NewServer()
	defer srv.Close()
	dir := t.TempDir()
	photo := filepath.Join(dir, "a.jpg")
	os.WriteFile(photo, []byte("a photo"), 0o644)

	notes := filepath.Join(dir, "notes.txt")
	os.WriteFile(notes, []byte("call the printer on monday\n"), 0o644)
	fifo := filepath.Join(dir, "pipe")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(dir, "link.jsonl")
	os.Symlink(notes, link)
	for _, p := range []string{notes, fifo, link} {
		code, _, errs := runCLI(t, "", append(uploadArgs(srv, "--journal", p), photo)...)
		if code != 2 || !strings.Contains(errs, "not a journal") {
			t.Errorf("--journal %s: exit %d, stderr %q; want 2 and why", filepath.Base(p), code, errs)
		}
	}
	if b, _ := os.ReadFile(notes); string(b) != "call the printer on monday\n" {
		t.Fatalf("the notes are now %q", b)
	}
	if info, err := os.Lstat(fifo); err != nil || info.Mode()&os.ModeNamedPipe == 0 {
		t.Fatalf("the pipe is gone or changed: %v %v", info, err)
	}
	if info, err := os.Lstat(link); err != nil || info.Mode()&os.ModeSymlink == 0 {
		t.Fatalf("the link is gone or changed: %v %v", info, err)
	}
	for _, p := range []string{notes + ".lock", notes + ".done", fifo + ".lock", link + ".done"} {
		if _, err := os.Lstat(p); err == nil {
			t.Errorf("%s was left behind", filepath.Base(p))
		}
	}
	if len(srv.Files()) != 0 {
		t.Fatalf("%d files stored with a journal refused", len(srv.Files()))
	}

	// A file beside the journal, of the same name as its done list, is the
	// person's too.
	mine := filepath.Join(dir, "job.jsonl")
	os.WriteFile(mine+".done", []byte("not a list of uploads\n"), 0o644)
	if code, _, errs := runCLI(t, "", append(uploadArgs(srv, "--journal", mine), photo)...); code != 2 || !strings.Contains(errs, "not a list") {
		t.Errorf("a foreign .done: exit %d, stderr %q", code, errs)
	}
	if b, _ := os.ReadFile(mine + ".done"); string(b) != "not a list of uploads\n" {
		t.Fatalf("the .done file is now %q", b)
	}

	// /dev/null is the usual "keep nothing": no journal, and it stays.
	code, out, errs := runCLI(t, "", append(uploadArgs(srv, "--journal", os.DevNull), photo)...)
	if code != 0 {
		t.Fatalf("--journal /dev/null: exit %d\n%s%s", code, out, errs)
	}
	if info, err := os.Lstat(os.DevNull); err != nil || info.Mode()&os.ModeCharDevice == 0 {
		t.Fatalf("/dev/null is no longer a device: %v %v", info, err)
	}
	if _, err := os.Lstat(os.DevNull + ".done"); err == nil {
		t.Fatal("/dev/null.done was made")
	}
}
