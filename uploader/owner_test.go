package uploader

import (
	"context"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"imagekit-uploader/signer"
)

// TestSlowReorderingConsumerSeesFinalStates: a consumer that handles change
// notices late and out of order still ends with every job in its final state,
// because it reads the queue's own state; and OnFinish sees every job end
// exactly once. (On the old push model, where the consumer kept whichever
// snapshot arrived last, 194 of 300 jobs ended on a non-final report.)
func TestSlowReorderingConsumerSeesFinalStates(t *testing.T) {
	srv := newTestServer(t)
	dir := t.TempDir()
	writeFiles(t, dir, 300, 2048)
	q := NewQueue(context.Background(), newClient(t, srv), 8, PlanFree)
	var mu sync.Mutex
	last := map[JobID]Job{}
	finished := map[JobID]int{}
	var wg sync.WaitGroup
	q.OnChange = func(id JobID) {
		wg.Add(1)
		go func() { // a consumer on another goroutine: notices reach it in any order
			defer wg.Done()
			time.Sleep(time.Duration(rand.IntN(30)) * time.Millisecond)
			mu.Lock() // a read and its keeping are one step, as on a UI goroutine
			j, _ := q.Job(id)
			last[id] = j
			mu.Unlock()
		}()
	}
	q.OnFinish = func(j Job) {
		mu.Lock()
		finished[j.ID]++
		mu.Unlock()
	}
	items, _ := Collect([]string{dir})
	q.Add(items, DefaultFields())
	q.Start()
	runQueue(t, q)
	mu.Lock()
	if len(finished) != 300 {
		t.Errorf("OnFinish saw %d jobs end by the time Wait returned, want 300", len(finished))
	}
	for id, n := range finished {
		if n != 1 {
			t.Errorf("job %d ended %d times", id, n)
		}
	}
	mu.Unlock()
	wg.Wait()
	bad := 0
	for _, j := range last {
		if j.State != Done {
			bad++
		}
	}
	if bad > 0 || len(last) != 300 {
		t.Fatalf("%d of %d jobs ended on a non-final state", bad, len(last))
	}
}

// TestNoProgressAfterUploadReturns: the progress ticker has stopped, and no
// report is under way, when Upload returns.
func TestNoProgressAfterUploadReturns(t *testing.T) {
	inside := make(chan struct{})
	var first atomic.Bool
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		select { // answer only once a ticker report is being delivered
		case <-inside:
		case <-time.After(5 * time.Second):
		}
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"fileId":"f1","name":"a.bin","url":"https://ik.example/a.bin","filePath":"/a.bin"}`)
	}))
	defer srv.Close()
	s, _ := signer.New("public_x", "private_x")
	c := NewClient(srv.URL, LocalTokens{s})
	p := writeFiles(t, t.TempDir(), 1, 1000)[0]
	var running, after atomic.Int32
	var returned atomic.Bool
	progress := func(a Attempt) {
		if returned.Load() {
			after.Add(1)
		}
		if a.Acked > 0 && a.Acked < 1000+1 {
			running.Add(1)
			if first.CompareAndSwap(false, true) {
				close(inside)
				time.Sleep(100 * time.Millisecond)
			}
			running.Add(-1)
		}
	}
	if _, err := c.Upload(context.Background(), Request{Path: p, FileName: "a.bin", Size: 1000, Fields: DefaultFields()}, progress); err != nil {
		t.Fatal(err)
	}
	returned.Store(true)
	if n := running.Load(); n != 0 {
		t.Fatalf("%d progress reports still running after Upload returned", n)
	}
	time.Sleep(3 * progressEvery) // a stray ticker would report within a tick or two
	if n := after.Load(); n != 0 {
		t.Fatalf("%d progress reports after Upload returned", n)
	}
}

// TestStartLeavesPreChecksToTheQueue: Start, Retry and SetConcurrency return
// at once, whatever the pre-checks cost (a stat and an open per file: 5,000
// of them froze the window when they ran on its goroutine).
func TestStartLeavesPreChecksToTheQueue(t *testing.T) {
	release := make(chan struct{})
	precheck = func(r Request, p Limit) (int64, error) {
		<-release // a disk that does not answer
		return Check(r, p)
	}
	defer func() { precheck = Check }()
	srv := newTestServer(t)
	q := NewQueue(context.Background(), newClient(t, srv), 2, PlanFree)
	items, _ := Collect(writeFiles(t, t.TempDir(), 3, 100))
	ids, _ := q.Add(items, DefaultFields())
	returned := make(chan struct{})
	go func() {
		q.Start(ids[0], ids[1])
		q.SetConcurrency(3)
		q.Start(ids[2])
		close(returned)
	}()
	select {
	case <-returned:
	case <-time.After(10 * time.Second):
		close(release)
		t.Fatal("Start waited for the pre-checks")
	}
	close(release)
	runQueue(t, q)
	for _, j := range q.Jobs() {
		if j.State != Done {
			t.Fatalf("%s: %s %v", j.Request.FileName, j.State, j.Err)
		}
	}
}
