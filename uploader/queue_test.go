package uploader

import (
	"context"
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"imagekit-uploader/uploader/imagekittest"
)

// TestManyFilesThroughFaults uploads 200 files while the server answers 503s,
// 429s, HTML 502s and cuts connections: every file must end uploaded exactly
// once with its bytes intact, and no token may be sent twice.
func TestManyFilesThroughFaults(t *testing.T) {
	srv := newTestServer(t, imagekittest.WithFaultMix(imagekittest.FaultMix{
		Seed: 42, Status5xx: 0.15, Status429: 0.03, Cut: 0.1, RetryAfter: time.Second,
	}))
	dir := t.TempDir()
	paths := writeFiles(t, dir, 200, 4096)
	c := newClient(t, srv)
	c.Retries = 12
	q := NewQueue(context.Background(), c, 8, PlanFree)
	var ev events
	q.OnChange = ev.follow(q)
	items, skipped := Collect([]string{dir})
	if len(items) != 200 || len(skipped) != 0 {
		t.Fatalf("collected %d items, %d skipped", len(items), len(skipped))
	}
	fields := DefaultFields()
	fields.UseUniqueFileName, fields.OverwriteFile = false, false
	fields.Folder = "/soak"
	q.Add(items, fields)
	q.Start()
	runQueue(t, q)

	want := map[string]string{} // server path -> sha
	for _, p := range paths {
		want["/soak/"+filepath.Base(dir)+"/"+filepath.Base(p)] = sha(t, p)
	}
	for _, j := range q.Jobs() {
		if j.State != Done {
			t.Fatalf("%s: %s (%v)", j.Request.Path, j.State, j.Err)
		}
	}
	files := srv.Files()
	if len(files) != 200 {
		t.Fatalf("server holds %d files, want 200", len(files))
	}
	for _, f := range files {
		if len(f.Versions) != 1 {
			t.Errorf("%s stored %d times", f.Path, len(f.Versions))
		}
		if want[f.Path] != f.Versions[0].SHA256 {
			t.Errorf("%s: bytes differ", f.Path)
		}
	}
	tokens := map[string]bool{}
	faults := 0
	for _, r := range srv.Requests() {
		if r.Token == "" {
			continue
		}
		if tokens[r.Token] {
			t.Fatalf("a token was sent twice (request %s)", r.ID)
		}
		tokens[r.Token] = true
		if r.Fault != "" {
			faults++
		}
	}
	if faults < 20 {
		t.Fatalf("only %d faults were injected; the test proves little", faults)
	}
	for _, j := range q.Jobs() {
		for _, e := range ev.of(j.ID) {
			if e.Acked > e.Request.Size || e.Acked < 0 {
				t.Fatalf("%s reported %d of %d bytes", j.Request.FileName, e.Acked, e.Request.Size)
			}
		}
	}
	t.Logf("%d requests, %d faults, %d files", len(srv.Requests()), faults, len(files))
}

// TestProgressRestartsOnRetry: after a cut connection the job goes Retrying
// with no bytes, then counts from zero again. (A fixed path: loopback's
// buffers take the whole body before the cut, and a body sent whole under a
// unique name is not retried.)
func TestProgressRestartsOnRetry(t *testing.T) {
	srv := newTestServer(t)
	srv.Script(imagekittest.Fault{CutAfter: 300_000, BytesPerSecond: 600_000})
	p := writeFiles(t, t.TempDir(), 1, 600_000)[0]
	q := NewQueue(context.Background(), newClient(t, srv), 1, PlanFree)
	var ev events
	q.OnChange = ev.follow(q)
	items, _ := Collect([]string{p})
	fixed := DefaultFields()
	fixed.UseUniqueFileName, fixed.OverwriteFile = false, false
	ids, _ := q.Add(items, fixed)
	q.Start()
	runQueue(t, q)
	seq := ev.of(ids[0])
	var sawPartial, sawRetry, restarted bool
	for _, e := range seq {
		switch {
		case e.State == Uploading && e.Attempt == 1 && e.Acked > 0:
			sawPartial = true
		case e.State == Retrying:
			sawRetry = sawPartial
			if e.Acked != 0 || e.Err == nil {
				t.Fatalf("retrying with %d bytes shown, cause %v", e.Acked, e.Err)
			}
		case e.State == Uploading && e.Attempt == 2 && e.Acked == 0:
			restarted = sawRetry
		}
	}
	last := seq[len(seq)-1]
	if !sawPartial || !sawRetry || !restarted || last.State != Done || last.Acked != last.Request.Size {
		t.Fatalf("partial %v, retry %v, restart %v, last %s %d/%d %v", sawPartial, sawRetry, restarted, last.State, last.Acked, last.Request.Size, last.Err)
	}
}

func TestNeverRetries4xx(t *testing.T) {
	srv := newTestServer(t)
	srv.Script(imagekittest.Fault{Status: 400, Message: "Your request contains invalid parameters."})
	p := writeFiles(t, t.TempDir(), 1, 100)[0]
	_, err := newClient(t, srv).Upload(context.Background(), Request{Path: p, FileName: "a.bin", Size: 100, Fields: DefaultFields()}, nil)
	var ae *APIError
	if !errors.As(err, &ae) || ae.Status != 400 || ae.Message != "Your request contains invalid parameters." || ae.RequestID == "" {
		t.Fatalf("err %v", err)
	}
	if n := len(srv.Requests()); n != 1 {
		t.Fatalf("%d requests for a 400, want 1", n)
	}
}

func TestRetryLimit(t *testing.T) {
	srv := newTestServer(t)
	for range 5 {
		srv.Script(imagekittest.Fault{Status: 503})
	}
	p := writeFiles(t, t.TempDir(), 1, 100)[0]
	c := newClient(t, srv)
	c.Retries = 2
	_, err := c.Upload(context.Background(), Request{Path: p, FileName: "a.bin", Size: 100, Fields: DefaultFields()}, nil)
	var ae *APIError
	if !errors.As(err, &ae) || ae.Status != 503 {
		t.Fatalf("err %v, want the last 503", err)
	}
	if n := len(srv.Requests()); n != 3 {
		t.Fatalf("%d requests, want 1 + 2 retries", n)
	}
}

func TestHTMLErrorIsReadable(t *testing.T) {
	srv := newTestServer(t)
	srv.Script(imagekittest.Fault{Status: 502, HTML: true}, imagekittest.Fault{Status: 502, HTML: true})
	p := writeFiles(t, t.TempDir(), 1, 100)[0]
	c := newClient(t, srv)
	c.Retries = 1
	_, err := c.Upload(context.Background(), Request{Path: p, FileName: "a.bin", Size: 100, Fields: DefaultFields()}, nil)
	if err == nil || !strings.Contains(err.Error(), "HTML page") || !strings.Contains(err.Error(), "502 Bad Gateway") {
		t.Fatalf("err %v, want a readable description of the HTML page", err)
	}
}

// TestRetryAfterHonoured: after a 429 with Retry-After: 1 the retry reaches
// the server no sooner than a second later, though the client's own backoff
// is milliseconds.
func TestRetryAfterHonoured(t *testing.T) {
	srv := newTestServer(t)
	srv.Script(imagekittest.Fault{Status: 429, RetryAfter: time.Second})
	p := writeFiles(t, t.TempDir(), 1, 100)[0]
	if _, err := newClient(t, srv).Upload(context.Background(), Request{Path: p, FileName: "a.bin", Size: 100, Fields: DefaultFields()}, nil); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the server to record both requests", func() bool { return len(srv.Requests()) >= 2 })
	reqs := srv.Requests()
	if len(reqs) != 2 || reqs[0].Status != 429 {
		t.Fatalf("%d requests, want a 429 and its retry", len(reqs))
	}
	if gap := reqs[1].At.Sub(reqs[0].At); gap < time.Second {
		t.Fatalf("the retry came %v after the 429's request, want at least the 1s of Retry-After", gap)
	}

	h := http.Header{}
	h.Set("Retry-After", "2")
	if d := retryAfter(h); d != 2*time.Second {
		t.Errorf("Retry-After 2: %v", d)
	}
	h = http.Header{}
	h.Set("X-RateLimit-Reset", "1500")
	if d := retryAfter(h); d != 1500*time.Millisecond {
		t.Errorf("X-RateLimit-Reset 1500: %v", d)
	}
	c := &Client{}
	if d := c.backoff(1, &APIError{Status: 429, Retry: 3 * time.Second}); d != 3*time.Second {
		t.Errorf("backoff with Retry-After 3s: %v", d)
	}
	for n := 1; n < 30; n++ {
		if d := c.backoff(n, &APIError{Status: 503}); d < 0 || d > DefaultMaxBackoff {
			t.Fatalf("backoff %d: %v outside [0, %v]", n, d, DefaultMaxBackoff)
		}
	}
}

// TestCancelMidFile cancels an upload while its bytes flow: the job ends
// Canceled with no result, and the server stores nothing.
func TestCancelMidFile(t *testing.T) {
	srv := newTestServer(t)
	srv.Script(imagekittest.Fault{BytesPerSecond: 200_000})
	// Larger than any socket buffer: Windows takes 2 MB into its buffers
	// at once, and the cancel then came after the whole file was "sent".
	p := writeFiles(t, t.TempDir(), 1, 16_000_000)[0]
	q := NewQueue(context.Background(), newClient(t, srv), 1, PlanFree)
	moving := make(chan JobID, 1)
	q.OnChange = func(id JobID) {
		if j, _ := q.Job(id); j.State == Uploading && j.Acked > 0 {
			select {
			case moving <- j.ID:
			default:
			}
		}
	}
	items, _ := Collect([]string{p})
	q.Add(items, DefaultFields())
	q.Start()
	select {
	case id := <-moving:
		q.Cancel(id)
	case <-time.After(30 * time.Second):
		t.Fatal("no progress")
	}
	runQueue(t, q)
	j := q.Jobs()[0]
	if j.State != Canceled || j.Result != nil || j.Err != nil {
		t.Fatalf("after cancel: %s, result %v, err %v", j.State, j.Result, j.Err)
	}
	waitFor(t, "the server to end the aborted request", func() bool { return len(srv.Requests()) == 1 })
	if n := len(srv.Files()); n != 0 {
		t.Fatalf("the server stored %d files from a canceled upload", n)
	}
}

// TestClockSkewCorrected: the server's clock is 10 minutes ahead, so the
// first token looks expired; the client measures the Date header, corrects,
// says so once, and the upload succeeds.
func TestClockSkewCorrected(t *testing.T) {
	srv := newTestServer(t, imagekittest.WithClockOffset(10*time.Minute))
	dir := t.TempDir()
	writeFiles(t, dir, 3, 100)
	c := newClient(t, srv)
	c.Retries = 0 // the correction must not depend on ordinary retries
	var notices []string
	c.Notice = func(s string) { notices = append(notices, s) }
	q := NewQueue(context.Background(), c, 1, PlanFree)
	items, _ := Collect([]string{dir})
	q.Add(items, DefaultFields())
	q.Start()
	runQueue(t, q)
	for _, j := range q.Jobs() {
		if j.State != Done {
			t.Fatalf("%s: %v", j.State, j.Err)
		}
	}
	if len(notices) != 1 || !strings.Contains(notices[0], "about 10 minutes behind") {
		t.Fatalf("notices %q, want one that names the offset", notices)
	}
}

// TestPreChecks: files the server would refuse fail before sending, each
// with its reason, and the others upload.
func TestPreChecks(t *testing.T) {
	srv := newTestServer(t, imagekittest.WithMaxFileSize(1<<30))
	dir := t.TempDir()
	good := writeFiles(t, dir, 1, 100)[0]
	empty := filepath.Join(dir, "empty.jpg")
	os.WriteFile(empty, nil, 0o644)
	big := filepath.Join(dir, "big.jpg")
	f, _ := os.Create(big)
	f.Truncate(26 << 20) // sparse: over the Free plan's 25 MB
	f.Close()
	bigVideo := filepath.Join(dir, "clip.mp4")
	f, _ = os.Create(bigVideo)
	f.Truncate(26 << 20) // fine: videos may be 100 MB on Free
	f.Close()
	q := NewQueue(context.Background(), newClient(t, srv), 4, PlanFree)
	items, _ := Collect([]string{good, empty, big, bigVideo, filepath.Join(dir, "missing.jpg")})
	q.Add(items, DefaultFields())
	q.Start()
	runQueue(t, q)
	want := map[string]string{"file-0000.bin": "", "clip.mp4": "", "empty.jpg": "empty", "big.jpg": "free plan accepts up to 25.0 MB", "missing.jpg": "does not exist"}
	for _, j := range q.Jobs() {
		w := want[j.Request.FileName]
		if w == "" && j.State != Done || w != "" && (j.State != Failed || !strings.Contains(j.Err.Error(), w)) {
			t.Errorf("%s: %s %v; want %q", j.Request.FileName, j.State, j.Err, w)
		}
	}
	if n := len(srv.Requests()); n != 2 {
		t.Fatalf("%d requests reached the server, want only the 2 good files", n)
	}
	// Tags and folder are checked per batch, before anything is sent.
	srv.Reset()
	bad := DefaultFields()
	bad.Tags = []string{"100%"}
	q2 := NewQueue(context.Background(), newClient(t, srv), 4, PlanFree)
	items, _ = Collect([]string{good})
	q2.Add(items, bad)
	q2.Start()
	runQueue(t, q2)
	var ce *CheckError
	if j := q2.Jobs()[0]; j.State != Failed || !errors.As(j.Err, &ce) || ce.Field != "tags" || len(srv.Requests()) != 0 {
		t.Fatalf("tags with %%: %s %v, %d requests", j.State, j.Err, len(srv.Requests()))
	}
}

func TestCheckEndpoint(t *testing.T) {
	for u, ok := range map[string]bool{
		DefaultEndpoint: true, "http://127.0.0.1:8087/api/v2/files/upload": true, "http://localhost/x": true,
		"http://[::1]:80/x": true, "http://upload.imagekit.io/api": false, "http://10.0.0.5/x": false,
		"ftp://x/y": false, "not a url": false,
	} {
		if err := CheckEndpoint(u); (err == nil) != ok {
			t.Errorf("%s: %v", u, err)
		}
	}
}

// TestWaitReturnsAfterEveryFinalReport: a command that exits after Wait must
// have seen every file's end, even with a slow OnFinish.
func TestWaitReturnsAfterEveryFinalReport(t *testing.T) {
	srv := newTestServer(t)
	dir := t.TempDir()
	writeFiles(t, dir, 50, 100)
	q := NewQueue(context.Background(), newClient(t, srv), 8, PlanFree)
	var mu sync.Mutex
	finals := 0
	q.OnFinish = func(j Job) {
		if j.State.Finished() {
			time.Sleep(2 * time.Millisecond) // a slow terminal
			mu.Lock()
			finals++
			mu.Unlock()
		}
	}
	items, _ := Collect([]string{dir, filepath.Join(dir, "missing")})
	ids, _ := q.Add(items, DefaultFields())
	q.Start()
	q.Cancel(ids[len(ids)-2]) // one canceled while queued
	runQueue(t, q)
	for _, j := range q.Jobs() {
		if !j.State.Finished() {
			t.Fatalf("Wait returned while %s was %s", j.Request.FileName, j.State)
		}
	}
	mu.Lock()
	defer mu.Unlock()
	if finals != 51 {
		t.Fatalf("%d final reports when Wait returned, want 51", finals)
	}
}
