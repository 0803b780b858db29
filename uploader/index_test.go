package uploader

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"

	"imagekit-uploader/strip"
	"imagekit-uploader/uploader/imagekittest"
)

// TestIndexSkipsWhatWentUpBefore: bytes uploaded to a folder before (in
// another run: the index is read anew) are not sent there again, wherever
// the file now lies and whatever its name; another folder, or UploadAgain,
// sends them.
func TestIndexSkipsWhatWentUpBefore(t *testing.T) {
	srv := newTestServer(t)
	indexPath := filepath.Join(t.TempDir(), "uploaded.db")
	run := func(path, folder string, again bool) Job {
		x, err := OpenUploadedIndex(indexPath)
		if err != nil {
			t.Fatal(err)
		}
		defer x.Close()
		q := NewQueue(context.Background(), newClient(t, srv), 1, PlanFree)
		q.SetIndex(x)
		items, _ := Collect([]string{path})
		f := DefaultFields()
		f.Folder = folder
		ids, _ := q.Add(items, f)
		q.Update(ids[0], func(r *Request) { r.UploadAgain = again })
		q.Start()
		runQueue(t, q)
		return q.Jobs()[0]
	}
	a := writeFiles(t, t.TempDir(), 1, 4096)[0]
	if j := run(a, "/x", false); j.State != Done {
		t.Fatalf("first upload: %s %v", j.State, j.Err)
	}
	copyOf := filepath.Join(t.TempDir(), "renamed.bin")
	b, _ := os.ReadFile(a)
	os.WriteFile(copyOf, b, 0o644)
	before := len(srv.Requests())
	j := run(copyOf, "/x", false)
	var au *AlreadyUploadedError
	if j.State != AlreadyUploaded || !errors.As(j.Err, &au) || au.Earlier.IsZero() || au.URL == "" || len(srv.Requests()) != before {
		t.Fatalf("the same bytes again: %s %v, %d requests", j.State, j.Err, len(srv.Requests())-before)
	}
	if j := run(copyOf, "/y", false); j.State != Done {
		t.Errorf("another folder: %s %v", j.State, j.Err)
	}
	if j := run(copyOf, "/x", true); j.State != Done || len(srv.Requests()) != before+2 {
		t.Errorf("UploadAgain: %s %v, %d requests", j.State, j.Err, len(srv.Requests())-before)
	}
}

// TestFilesAreReadAhead: the files waiting in line are read for their
// SHA-256 while the first uploads, and say how far the reading has got.
func TestFilesAreReadAhead(t *testing.T) {
	srv := newTestServer(t, imagekittest.WithReadRate(200_000))
	items, _ := Collect(writeFiles(t, t.TempDir(), 3, 400_000))
	q := NewQueue(context.Background(), newClient(t, srv), 1, PlanFree)
	q.Add(items, DefaultFields()) // unique names: made from the content
	q.Start()
	waitFor(t, "the others read while the first goes up", func() bool {
		jobs := q.Jobs()
		return jobs[0].State == Uploading && jobs[1].State == Queued && jobs[1].Read == 400_000 && jobs[2].Read == 400_000
	})
	runQueue(t, q)
}

// TestIndexAfterATornLineAndAnotherWriter: an index of JSON lines (before
// 0.3), torn by a crash, is read into the store once, torn line passed
// over, and set aside; and what another process adds is seen by an index
// already open.
func TestIndexAfterATornLineAndAnotherWriter(t *testing.T) {
	dir := t.TempDir()
	legacy := filepath.Join(dir, "uploaded.jsonl")
	os.WriteFile(legacy, []byte(`{"sha256":"aaa","account":"a","folder":"/","filePath":"/x.jpg","url":"u1"}`+"\n"+`{"sha256":"bb`), 0o600)
	path := filepath.Join(dir, "uploaded.db")
	x, err := OpenUploadedIndex(path)
	if err != nil {
		t.Fatal(err)
	}
	defer x.Close()
	if _, err := os.Stat(legacy + ".migrated"); err != nil {
		t.Errorf("the JSON lines were not set aside: %v", err)
	}
	x.add(Uploaded{SHA256: "ccc", Account: "a", Folder: "/"})
	other, _ := OpenUploadedIndex(path) // another process, say
	defer other.Close()
	other.add(Uploaded{SHA256: "ddd", Account: "a", Folder: "/"})
	again, _ := OpenUploadedIndex(path)
	defer again.Close()
	for _, sum := range []string{"aaa", "ccc", "ddd"} {
		if _, ok := again.Find("a", "/", sum); !ok {
			t.Errorf("%s lost on reopening", sum)
		}
	}
	if _, ok := x.Find("a", "/", "ddd"); !ok {
		t.Error("the open index does not see what another wrote")
	}
	if u, ok := x.At("a", "/x.jpg"); !ok || u.URL != "u1" {
		t.Errorf("the path of a migrated upload: %+v %v", u, ok)
	}
	// A new version at /x.jpg: the old bytes are no longer there.
	x.add(Uploaded{SHA256: "eee", Account: "a", Folder: "/", FilePath: "/x.jpg"})
	if _, ok := again.Find("a", "/", "aaa"); ok {
		t.Error("bytes replaced at their path are still found")
	}
}

// TestAlreadyThereHasItsURL: a file ImageKit already has at its path (a
// resumed upload refused with overwriteFile=false) carries the URL that
// this computer recorded for that path. Before, only the window's history
// knew it, and --json had none.
func TestAlreadyThereHasItsURL(t *testing.T) {
	srv := newTestServer(t)
	x, err := OpenUploadedIndex(filepath.Join(t.TempDir(), "uploaded.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer x.Close()
	q := NewQueue(context.Background(), newClient(t, srv), 1, PlanFree)
	q.SetIndex(x)
	f := DefaultFields()
	f.Folder, f.UseUniqueFileName = "/brand", false
	dir := t.TempDir()
	logo := filepath.Join(dir, "logo.png")
	os.WriteFile(logo, []byte("the first logo"), 0o644)
	items, _ := Collect([]string{logo})
	ids, _ := q.Add(items, f)
	q.Start(ids...)
	runQueue(t, q)
	first, _ := q.Job(ids[0])
	if first.State != Done {
		t.Fatalf("first: %s %v", first.State, first.Err)
	}
	// Another logo.png, left started by a crash: ImageKit has one there.
	other := filepath.Join(t.TempDir(), "logo.png")
	os.WriteFile(other, []byte("another logo"), 0o644)
	keep := f
	keep.OverwriteFile = false // never a new version: a file there is the one
	ids = q.Restore([]Unfinished{{Path: other, FileName: "logo.png", Fields: keep, Started: true}})
	q.Start(ids...)
	runQueue(t, q)
	j, _ := q.Job(ids[0])
	var au *AlreadyUploadedError
	if j.State != AlreadyUploaded || !errors.As(j.Err, &au) || au.URL != first.Result.URL {
		t.Fatalf("resumed: %s %v (%T), want the URL %q", j.State, j.Err, j.Err, first.Result.URL)
	}
}

// TestSendingAgainKeepsTheURL: the same bytes sent again (UploadAgain, the
// window's "Upload them anyway") and found there keep the URL the index
// knew; the next run still shows it. Before, the new record without a URL
// replaced the old one, and the URL was lost for good.
func TestSendingAgainKeepsTheURL(t *testing.T) {
	srv := newTestServer(t)
	indexPath := filepath.Join(t.TempDir(), "uploaded.db")
	a := writeFiles(t, t.TempDir(), 1, 4096)[0]
	run := func(again bool) Job {
		x, err := OpenUploadedIndex(indexPath)
		if err != nil {
			t.Fatal(err)
		}
		defer x.Close()
		q := NewQueue(context.Background(), newClient(t, srv), 1, PlanFree)
		q.SetIndex(x)
		items, _ := Collect([]string{a})
		ids, _ := q.Add(items, DefaultFields())
		q.Update(ids[0], func(r *Request) { r.UploadAgain = again })
		q.Start()
		runQueue(t, q)
		return q.Jobs()[0]
	}
	first := run(false)
	if first.State != Done {
		t.Fatalf("first: %s %v", first.State, first.Err)
	}
	for i, again := range []bool{true, false} {
		j := run(again)
		var au *AlreadyUploadedError
		if !errors.As(j.Err, &au) || au.URL != first.Result.URL {
			t.Fatalf("run %d: %s %v, want the URL %q", i+2, j.State, j.Err, first.Result.URL)
		}
	}
}

// TestIndexSizesSpareTheRead: with fixed names, a file is read for its
// SHA-256 before it is sent only where the index has an upload of its size
// in that folder; bytes of another size cannot be there. Before, every
// file was read whole once more than it was sent (512 MiB: 0.46 s of
// SHA-256 here).
func TestIndexSizesSpareTheRead(t *testing.T) {
	srv := newTestServer(t)
	x, err := OpenUploadedIndex(filepath.Join(t.TempDir(), "uploaded.db"))
	if err != nil {
		t.Fatal(err)
	}
	var reads atomic.Int32
	hashFile = func(ctx context.Context, p string, mode strip.Mode, read func(int64)) (string, int64, error) {
		reads.Add(1)
		return readSHA256(ctx, p, mode, read)
	}
	defer func() { hashFile = readSHA256 }()
	f := DefaultFields()
	f.Folder, f.UseUniqueFileName = "/sizes", false
	upload := func(name string, size int) Job {
		p := filepath.Join(t.TempDir(), name)
		os.WriteFile(p, bytes.Repeat([]byte(name[:1]), size), 0o644)
		q := NewQueue(context.Background(), newClient(t, srv), 1, PlanFree)
		q.SetIndex(x)
		items, _ := Collect([]string{p})
		q.Add(items, f)
		q.Start()
		runQueue(t, q)
		return q.Jobs()[0]
	}
	if j := upload("a.bin", 4096); j.State != Done || reads.Load() != 0 {
		t.Fatalf("first upload: %s, %d reads for the index; want done, 0", j.State, reads.Load())
	}
	if j := upload("b.bin", 5000); j.State != Done || reads.Load() != 0 {
		t.Fatalf("another size: %s, %d reads; want done, 0", j.State, reads.Load())
	}
	if j := upload("c.bin", 4096); j.State != Done || reads.Load() != 1 {
		t.Fatalf("the size of a.bin: %s, %d reads; want done, 1", j.State, reads.Load())
	}
	if j := upload("a.bin", 4096); j.State != AlreadyUploaded || reads.Load() != 2 {
		t.Fatalf("a.bin again: %s, %d reads; want already uploaded, 2", j.State, reads.Load())
	}
}
