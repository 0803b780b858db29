package cli

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"imagekit-uploader/uploader/imagekittest"
)

// TestWatchUploadsEachFileOnceComplete: files written slowly into a watched
// folder (and a subfolder made meanwhile) are each uploaded once, complete,
// keeping the subfolder; a file still named .part waits for its rename;
// --move-done takes each away once stored; and a restart sends nothing again.
func TestWatchUploadsEachFileOnceComplete(t *testing.T) {
	t.Setenv("IMAGEKIT_PRIVATE_KEY", "")
	srv := imagekittest.NewServer()
	defer srv.Close()
	root, moved := filepath.Join(t.TempDir(), "inbox"), filepath.Join(t.TempDir(), "done")
	os.MkdirAll(root, 0o755)
	ctx, cancel := context.WithCancel(context.Background())
	var out, errs syncBuffer
	exited := make(chan int)
	args := append(uploadArgs(srv, "--json", "--unique=false", "--folder", "/in", "--settle", "400ms", "--move-done", moved), root)
	args[0] = "watch"
	go func() { exited <- run(ctx, args, Stdio{In: strings.NewReader(""), Out: &out, Err: &errs}) }()

	want := map[string][]byte{} // server path -> bytes
	write := func(rel string, chunks int) {
		p := filepath.Join(root, rel)
		os.MkdirAll(filepath.Dir(p), 0o755)
		f, err := os.Create(p)
		if err != nil {
			t.Error(err)
			return
		}
		var all []byte
		for i := range chunks {
			b := bytes.Repeat([]byte{byte('a' + i)}, 10_000)
			f.Write(b)
			all = append(all, b...)
			time.Sleep(150 * time.Millisecond) // slower than nothing, faster than --settle
		}
		f.Close()
		want["/in/"+filepath.ToSlash(strings.TrimSuffix(rel, ".part"))] = all
	}
	time.Sleep(300 * time.Millisecond)
	write("slow.bin", 6)
	write("sub/deep.bin", 4)
	write("movie.mp4.part", 3)
	os.Rename(filepath.Join(root, "movie.mp4.part"), filepath.Join(root, "movie.mp4"))

	deadline := time.Now().Add(20 * time.Second)
	for len(srv.Files()) < 3 && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	time.Sleep(time.Second) // time for a second upload of any of them, were there one
	cancel()
	if code := <-exited; code != 0 {
		t.Fatalf("watch exited %d: %s", code, errs.String())
	}
	files := srv.Files()
	if len(files) != 3 {
		t.Fatalf("%d files stored, want 3: %+v\n%s", len(files), files, errs.String())
	}
	for _, f := range files {
		sum := sha256.Sum256(want[f.Path])
		if len(f.Versions) != 1 || f.Versions[0].SHA256 != hex.EncodeToString(sum[:]) {
			t.Errorf("%s: %d versions, bytes %s; want one, complete", f.Path, len(f.Versions), f.Versions[0].SHA256[:8])
		}
	}
	for _, rel := range []string{"slow.bin", "sub/deep.bin", "movie.mp4"} {
		if _, err := os.Stat(filepath.Join(moved, rel)); err != nil {
			t.Errorf("%s was not moved: %v", rel, err)
		}
	}
	if n := len(jsonLines(t, out.String())); n != 3 {
		t.Errorf("%d lines reported, want 3:\n%s", n, out.String())
	}
}

// TestWatchSendsAFileChangedWhileItWentUp: a file written to again while
// its upload runs fails that upload (its bytes changed), and is sent again,
// whole, once it settles. Before, it was never looked at again.
func TestWatchSendsAFileChangedWhileItWentUp(t *testing.T) {
	t.Setenv("IMAGEKIT_PRIVATE_KEY", "")
	srv := imagekittest.NewServer()
	defer srv.Close()
	root := filepath.Join(t.TempDir(), "inbox")
	os.MkdirAll(root, 0o755)
	p := filepath.Join(root, "grows.bin")
	os.WriteFile(p, bytes.Repeat([]byte("a"), 100_000), 0o644)
	ctx, cancel := context.WithCancel(context.Background())
	var out, errs syncBuffer
	exited := make(chan int)
	args := append(uploadArgs(srv, "--json", "--unique=false", "--folder", "/in", "--settle", "300ms", "--limit-rate", "40KB"), root)
	args[0] = "watch"
	go func() { exited <- run(ctx, args, Stdio{In: strings.NewReader(""), Out: &out, Err: &errs}) }()
	time.Sleep(1200 * time.Millisecond) // settled, and under way at 40 KB/s
	final := bytes.Repeat([]byte("b"), 100_000)
	os.WriteFile(p, final, 0o644)
	deadline := time.Now().Add(20 * time.Second)
	want := sha256.Sum256(final)
	for time.Now().Before(deadline) {
		if fs := srv.Files(); len(fs) == 1 && fs[0].Versions[len(fs[0].Versions)-1].SHA256 == hex.EncodeToString(want[:]) {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	cancel()
	<-exited
	fs := srv.Files()
	if len(fs) != 1 || fs[0].Versions[len(fs[0].Versions)-1].SHA256 != hex.EncodeToString(want[:]) {
		t.Fatalf("stored %+v; want the final bytes\n%s\n%s", fs, out.String(), errs.String())
	}
}
