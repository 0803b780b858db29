package uploader

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"imagekit-uploader/signer"
	"imagekit-uploader/uploader/imagekittest"
)

// writeFiles makes n files with distinct contents under dir and returns their paths.
func writeFiles(t testing.TB, dir string, n, size int) []string {
	t.Helper()
	r := rand.New(rand.NewPCG(uint64(n), uint64(size)))
	paths := make([]string, n)
	for i := range n {
		b := make([]byte, size)
		for j := range b {
			b[j] = byte(r.UintN(256))
		}
		paths[i] = filepath.Join(dir, fmt.Sprintf("file-%04d.bin", i))
		if err := os.WriteFile(paths[i], b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return paths
}

func sha(t testing.TB, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// newClient returns a client signing with the demo key for srv, with short backoffs.
func newClient(t testing.TB, srv *imagekittest.Server) *Client {
	t.Helper()
	s, err := signer.New(imagekittest.DemoPublicKey, imagekittest.DemoPrivateKey)
	if err != nil {
		t.Fatal(err)
	}
	c := NewClient(srv.UploadURL, LocalTokens{s})
	c.BaseBackoff, c.MaxBackoff = time.Millisecond, 20*time.Millisecond
	return c
}

func newTestServer(t testing.TB, opts ...imagekittest.Option) *imagekittest.Server {
	t.Helper()
	srv := imagekittest.NewServer(opts...)
	t.Cleanup(srv.Close)
	return srv
}

// events records every job change a queue reports.
type events struct {
	mu  sync.Mutex
	all []Job
}

func (e *events) add(j Job) {
	e.mu.Lock()
	e.all = append(e.all, j)
	e.mu.Unlock()
}

// follow is an OnChange that records q's snapshot of each changed job.
func (e *events) follow(q *Queue) func(JobID) {
	return func(id JobID) {
		if j, ok := q.Job(id); ok {
			e.add(j)
		}
	}
}

func (e *events) of(id JobID) []Job {
	e.mu.Lock()
	defer e.mu.Unlock()
	var out []Job
	for _, j := range e.all {
		if j.ID == id {
			out = append(out, j)
		}
	}
	return out
}

func runQueue(t testing.TB, q *Queue) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	if err := q.Wait(ctx); err != nil {
		t.Fatal("queue did not finish:", err)
	}
}
