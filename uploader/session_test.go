package uploader

import (
	"context"
	"path/filepath"
	"sync/atomic"
	"testing"

	"imagekit-uploader/signer"
	"imagekit-uploader/strip"
	"imagekit-uploader/uploader/imagekittest"
)

func demoSettings(t *testing.T, srv *imagekittest.Server) Settings {
	t.Helper()
	s, err := signer.New(imagekittest.DemoPublicKey, imagekittest.DemoPrivateKey)
	if err != nil {
		t.Fatal(err)
	}
	return Settings{Endpoint: srv.UploadURL, Tokens: LocalTokens{s}, Proxy: "none", Retries: 0, Concurrency: 2, Limit: Limit{Plan: PlanFree}}
}

// TestSessionKeepsWhatItLearnt: the same settings applied again keep the
// client (its tokens fetched ahead, its speed, its files' SHA-256); new
// credentials make a new client that keeps the files' SHA-256, so a retry
// of a file that failed is not read again for its name. Before, the window
// made a new client for every Upload and Retry.
func TestSessionKeepsWhatItLearnt(t *testing.T) {
	srv := newTestServer(t)
	set := demoSettings(t, srv)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	s, err := NewSession(ctx, set)
	if err != nil {
		t.Fatal(err)
	}
	x, err := OpenUploadedIndex(filepath.Join(t.TempDir(), "uploaded.db"))
	if err != nil {
		t.Fatal(err)
	}
	s.UseIndex(x) // as in the window: what went up before is looked up by the bytes' SHA-256
	var finished []Job
	s.OnFinish(func(j Job) { finished = append(finished, j) })
	first := s.Client()
	if err := s.Apply(set); err != nil || s.Client() != first {
		t.Fatalf("the same settings made another client (%v)", err)
	}

	srv.Script(imagekittest.Fault{Status: 400, Message: "refused"})
	items, _ := Collect(writeFiles(t, t.TempDir(), 1, 4<<20))
	ids, _ := s.Queue.Add(items, DefaultFields())
	s.Queue.Start(ids...)
	runQueue(t, s.Queue)
	if j, _ := s.Queue.Job(ids[0]); j.State != Failed || len(finished) != 1 {
		t.Fatalf("first: %s %v, %d told", j.State, j.Err, len(finished))
	}
	sums := first.hashes()
	sums.mu.Lock()
	known := len(sums.by)
	sums.mu.Unlock()
	if known != 1 {
		t.Fatalf("%d files' SHA-256 known after the first attempt", known)
	}

	again := set
	key, _ := signer.New(imagekittest.DemoPublicKey, imagekittest.DemoPrivateKey)
	again.Tokens = LocalTokens{key} // the key saved again in Settings
	if err := s.Apply(again); err != nil || s.Client() == first {
		t.Fatalf("new credentials kept the old client (%v)", err)
	}
	if s.Client().hashes() != sums {
		t.Fatal("the new client forgot the files' SHA-256: a retry reads each file again")
	}
	var reread atomic.Int32 // the times the file is read again for its SHA-256
	hashFile = func(ctx context.Context, p string, mode strip.Mode, read func(int64)) (string, int64, error) {
		reread.Add(1)
		return readSHA256(ctx, p, mode, read)
	}
	defer func() { hashFile = readSHA256 }()
	s.Queue.Retry(ids[0])
	runQueue(t, s.Queue)
	if j, _ := s.Queue.Job(ids[0]); j.State != Done || len(finished) != 2 {
		t.Fatalf("retry: %s %v", j.State, j.Err)
	}
	if n := reread.Load(); n > 0 {
		t.Fatalf("the retry read the file again %d times for its SHA-256", n)
	}
	if err := s.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
}
