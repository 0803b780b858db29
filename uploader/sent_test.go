package uploader

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"imagekit-uploader/uploader/imagekittest"
)

// TestNameMadeFromTheBytesSent: a file rewritten with the same size after
// it was read for its name, while a retry waits, is not stored under the
// old bytes' name; and the index of uploads never maps the new bytes'
// SHA-256 to the old name. Before, B was stored as a_<sha(A)>.jpg, and a
// later upload of the real A was passed over as uploaded before.
func TestNameMadeFromTheBytesSent(t *testing.T) {
	srv := newTestServer(t)
	srv.Script(imagekittest.Fault{Status: 503, RetryAfter: time.Second})
	p := filepath.Join(t.TempDir(), "a.jpg")
	a, b := bytes.Repeat([]byte("A"), 100_000), bytes.Repeat([]byte("B"), 100_000)
	os.WriteFile(p, a, 0o644)
	c := newClient(t, srv)
	x, err := OpenUploadedIndex(filepath.Join(t.TempDir(), "uploaded.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer x.Close()
	q := NewQueue(context.Background(), c, 1, PlanFree)
	q.SetIndex(x)
	q.Add([]Item{{Path: p, Size: int64(len(a))}}, DefaultFields())
	q.Start()
	deadline := time.Now().Add(10 * time.Second)
	for len(srv.Requests()) == 0 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	// The 503 is in; the retry waits a second. Same size, other bytes, and
	// the time put back, as a copy that keeps times (cp -p) would leave it.
	info, _ := os.Stat(p)
	os.WriteFile(p, b, 0o644)
	os.Chtimes(p, info.ModTime(), info.ModTime())
	runQueue(t, q)

	j := q.Jobs()[0]
	var fe *FileError
	if j.State != Failed || !errors.As(j.Err, &fe) {
		t.Fatalf("job %v %v; want failed, the file changed", j.State, j.Err)
	}
	if files := srv.Files(); len(files) != 0 {
		t.Fatalf("stored %s: other bytes under the name of the first", files[0].Path)
	}
	// Sent again, it goes up under its own bytes' name.
	q2 := NewQueue(context.Background(), c, 1, PlanFree)
	q2.SetIndex(x)
	q2.Add([]Item{{Path: p, Size: int64(len(b))}}, DefaultFields())
	q2.Start()
	runQueue(t, q2)
	if j := q2.Jobs()[0]; j.State != Done || j.Result.Name != ContentName("a.jpg", sha(t, p)) {
		t.Fatalf("sent again: %v %v, name %q", j.State, j.Err, j.Result.Name)
	}
}
