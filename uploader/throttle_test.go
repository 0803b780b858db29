package uploader

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"os"

	"sync"
	"testing"
	"time"

	"imagekit-uploader/uploader/imagekittest"
)

// TestOneGateFor429: a 429 with Retry-After: 1 holds every worker, not
// only the one it answered: eight workers, and no request reaches the
// server in the second it asked for. Before, the other seven went on.
func TestOneGateFor429(t *testing.T) {
	// Slow enough that, without one gate, the other workers would send
	// dozens of requests during that second.
	srv := newTestServer(t, imagekittest.WithReadRate(40_000))
	srv.Script(imagekittest.Fault{Status: http.StatusTooManyRequests, RetryAfter: time.Second})
	paths := writeFiles(t, t.TempDir(), 120, 4096)
	c := newClient(t, srv)
	c.Gate = NewGate()
	q := NewQueue(context.Background(), c, 8, PlanFree)
	var items []Item
	for _, p := range paths {
		items = append(items, Item{Path: p})
	}
	q.Add(items, DefaultFields())
	q.Start()
	runQueue(t, q)
	for _, j := range q.Jobs() {
		if j.State != Done {
			t.Fatalf("%s: %s %v", j.Request.Path, j.State, j.Err)
		}
	}
	reqs := srv.Requests()
	n429 := 0
	for _, r := range reqs {
		if r.Status == http.StatusTooManyRequests {
			n429++
		}
	}
	// The gate closed when the 429 was read, for the second it asked.
	_, until := c.Gate.Allowed()
	if n429 != 1 || until.IsZero() {
		t.Fatalf("%d 429s answered, the gate closed until %v", n429, until)
	}
	closed := until.Add(-time.Second)
	var inside []time.Duration
	for _, r := range reqs {
		// A request let through just before the gate closed may arrive a
		// moment after.
		if d := r.At.Sub(closed); d > 20*time.Millisecond && r.At.Before(until) {
			inside = append(inside, d)
		}
	}
	if len(inside) > 0 {
		t.Fatalf("%d requests arrived inside the second the server asked for: %v after the 429 was read", len(inside), inside)
	}
}

// TestGateHalvesThenClimbs: after a 429, half as many may send at once;
// each success lets one more.
func TestGateHalvesThenClimbs(t *testing.T) {
	g := NewGate()
	ctx := context.Background()
	for range 8 {
		if err := g.enter(ctx); err != nil {
			t.Fatal(err)
		}
	}
	g.leave(&APIError{Status: 429, Retry: time.Millisecond})
	if n, _ := g.Allowed(); n != 4 {
		t.Fatalf("after a 429 with 8 sending: %d allowed, want 4", n)
	}
	for range 7 {
		g.leave(nil) // the others succeed
	}
	if n, _ := g.Allowed(); n != 11 {
		t.Fatalf("after 7 successes: %d allowed, want 11", n)
	}
	for range 6 {
		g.enter(ctx)
		g.leave(nil)
	}
	if n, _ := g.Allowed(); n != 0 {
		t.Fatalf("past MaxConcurrency: %d allowed, want no cap (0)", n)
	}
}

// TestRateLimitIsShared: uploads running at once keep to one rate
// together.
func TestRateLimitIsShared(t *testing.T) {
	l := NewRateLimit(400 << 10) // 400 KB/s
	ctx := context.Background()
	start := time.Now()
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			for range 10 {
				l.wait(ctx, 16<<10)
			}
		})
	}
	wg.Wait()
	// 640 KB at 400 KB/s: 1.6 s, less the first burst (40 KB).
	if took := time.Since(start); took < 1400*time.Millisecond {
		t.Fatalf("640 KB in %v at 400 KB/s", took)
	}
	l.Set(0)
	start = time.Now()
	l.wait(ctx, 100<<20)
	if took := time.Since(start); took > 100*time.Millisecond {
		t.Fatalf("no limit, yet waited %v", took)
	}
}

// TestPauseAndPauseNow: Pause starts nothing more and lets what runs
// finish; Pause(true) also stops the uploads under way and queues them again,
// first; Resume sends the rest, each file stored once.
func TestPauseAndPauseNow(t *testing.T) {
	srv := newTestServer(t, imagekittest.WithReadRate(50_000))
	items, _ := Collect(writeFiles(t, t.TempDir(), 6, 20_000))
	q := NewQueue(context.Background(), newClient(t, srv), 2, PlanFree)
	q.Add(items, DefaultFields())
	q.Start()
	waitFor(t, "two uploads under way", func() bool { return q.Totals().Count[Uploading] == 2 })
	q.Pause(true)
	waitFor(t, "both back in line", func() bool { return q.Totals().Count[Queued] == 6 })
	before := len(srv.Requests())
	time.Sleep(300 * time.Millisecond)
	if n := q.Totals().Count[Uploading]; n != 0 || len(srv.Requests()) > before+2 {
		t.Fatalf("paused, yet %d uploading and %d requests more", n, len(srv.Requests())-before)
	}
	if !q.Paused() {
		t.Fatal("not paused")
	}
	q.Resume()
	runQueue(t, q)
	for _, j := range q.Jobs() {
		if j.State != Done {
			t.Errorf("%s: %s %v", j.Request.FileName, j.State, j.Err)
		}
	}
	if n := len(srv.Files()); n != 6 {
		t.Fatalf("%d files stored, want 6", n)
	}
}

// TestGateHalvesOncePerBurst: eight sending, all answered 429: half may
// send, not one. Before, each answer of the burst halved it again.
func TestGateHalvesOncePerBurst(t *testing.T) {
	g := NewGate()
	for range 8 {
		g.enter(context.Background())
	}
	for range 8 {
		g.leave(&APIError{Status: 429, Retry: 50 * time.Millisecond})
	}
	if n, _ := g.Allowed(); n != 4 {
		t.Fatalf("%d allowed after a burst of 8 429s, want 4", n)
	}
}

// TestHugeRetryAfterIsCapped: a Retry-After too large for a Duration is an
// hour (the gate then holds at most 5 minutes), not a wrapped-around
// negative or small wait.
func TestHugeRetryAfterIsCapped(t *testing.T) {
	for _, v := range []string{"18446744074", "9223372037", "99999999999999999"} {
		h := http.Header{"Retry-After": {v}}
		if d := retryAfter(h); d != time.Hour {
			t.Errorf("Retry-After %s: %v", v, d)
		}
	}
}

// TestPauseNowInARetryWait: a file sent whole without an answer, paused
// while it waits to retry, is resumed knowing it may be stored: it ends
// AlreadyUploaded, not failed on "already exists".
func TestPauseNowInARetryWait(t *testing.T) {
	srv := newTestServer(t)
	srv.Script(imagekittest.Fault{StoreThenDrop: true})
	items, _ := Collect(writeFiles(t, t.TempDir(), 1, 2000))
	c := newClient(t, srv)
	c.BaseBackoff, c.MaxBackoff = 5*time.Second, 5*time.Second
	q := NewQueue(context.Background(), c, 1, PlanFree)
	f := DefaultFields()
	f.UseUniqueFileName, f.OverwriteFile = false, false
	q.Add(items, f)
	q.Start()
	waitFor(t, "the retry wait", func() bool { return q.Totals().Count[Retrying] == 1 })
	q.Pause(true)
	waitFor(t, "back in line", func() bool { return q.Totals().Count[Queued] == 1 })
	q.Resume()
	runQueue(t, q)
	if j := q.Jobs()[0]; j.State != AlreadyUploaded {
		t.Fatalf("%s %v, want AlreadyUploaded", j.State, j.Err)
	}
	if n := len(srv.Files()); n != 1 {
		t.Fatalf("%d files stored", n)
	}
}

// TestRewrittenWhileSentIsNotASuccess: a file rewritten in place (the same
// size) while it is sent is not reported uploaded, nor recorded as such.
// Before, it was stored part old, part new under the old bytes' name and
// counted as done.
func TestRewrittenWhileSentIsNotASuccess(t *testing.T) {
	srv := newTestServer(t, imagekittest.WithReadRate(100_000))
	p := writeFiles(t, t.TempDir(), 1, 200_000)[0]
	items, _ := Collect([]string{p})
	q := NewQueue(context.Background(), newClient(t, srv), 1, PlanFree)
	q.Add(items, DefaultFields())
	q.Start()
	waitFor(t, "the upload under way", func() bool { return q.Totals().Count[Uploading] == 1 })
	time.Sleep(300 * time.Millisecond)
	f, _ := os.OpenFile(p, os.O_WRONLY, 0)
	f.WriteAt(bytes.Repeat([]byte("B"), 200_000), 0)
	f.Close()
	runQueue(t, q)
	j := q.Jobs()[0]
	if j.State != Failed || !errors.Is(j.Err, ErrFileChanged) {
		t.Fatalf("%s %v, want failed: the file changed", j.State, j.Err)
	}
}
