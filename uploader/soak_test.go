package uploader

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"testing"
	"time"

	"imagekit-uploader/uploader/imagekittest"
)

// TestSoak uploads many files through a server that answers 10% 5xx, 5% 429
// with Retry-After, cuts 5% of connections mid-body, stores 5% and then drops
// the connection without an answer, and adds random latency.
//
// With fixed paths, every file must end uploaded exactly once with its bytes
// intact (or found already there after a dropped answer), or failed with a
// reason after the retry limit. With unique names no file may be stored
// twice, and every file the server holds but the client did not see stored
// must be reported as "may already be uploaded": none silent. No token may be
// sent twice, and the engine's goroutines and heap must come back to where
// they started. SOAK_FILES sets the size (CI runs the default;
// docs/RELIABILITY.md has 2,000).
func TestSoak(t *testing.T) {
	t.Run("fixed paths", func(t *testing.T) { soak(t, false) })
	t.Run("unique names", func(t *testing.T) { soak(t, true) })
}

func soak(t *testing.T, unique bool) {
	n := 300
	if v, err := strconv.Atoi(os.Getenv("SOAK_FILES")); err == nil && v > 0 {
		n = v
	}
	srv := newTestServer(t, imagekittest.WithFaultMix(imagekittest.FaultMix{
		Seed: 2026, Status5xx: 0.10, Status429: 0.05, Cut: 0.05, Drop: 0.05,
		MaxLatency: 20 * time.Millisecond, RetryAfter: time.Second,
	}), imagekittest.WithWatch(imagekittest.DemoPrivateKey))
	dir := filepath.Join(t.TempDir(), "soak")
	os.Mkdir(dir, 0o755)
	paths := writeFiles(t, dir, n, 8192)
	want := map[string]string{}
	for _, p := range paths {
		want["/soak/"+filepath.Base(p)] = sha(t, p)
	}

	runtime.GC()
	goroutinesBefore := runtime.NumGoroutine()
	var memBefore runtime.MemStats
	runtime.ReadMemStats(&memBefore)
	start := time.Now()

	c := newClient(t, srv)
	c.HTTP = NewHTTPClient()
	c.BaseBackoff, c.MaxBackoff = 50*time.Millisecond, 2*time.Second
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	q := NewQueue(ctx, c, 16, PlanFree)
	items, _ := Collect([]string{dir})
	fields := DefaultFields()
	fields.UseUniqueFileName, fields.OverwriteFile = unique, false // fixed paths: new files that must not overwrite
	q.Add(items, fields)
	q.Start()
	if err := q.Wait(ctx); err != nil {
		t.Fatal("the soak did not finish in time:", err)
	}
	elapsed := time.Since(start)

	done, already, maybe, failed := 0, 0, 0, 0
	for _, j := range q.Jobs() {
		switch j.State {
		case Done:
			done++
		case AlreadyUploaded:
			already++
		case Failed:
			if errors.As(j.Err, new(*MaybeUploadedError)) {
				maybe++
				continue
			}
			failed++
			var ae *APIError
			var ne *NetworkError
			if !errors.As(j.Err, &ae) && !errors.As(j.Err, &ne) {
				t.Errorf("%s failed without a server or network reason: %v", j.Request.FileName, j.Err)
			}
			if j.Attempt <= c.Retries {
				t.Errorf("%s failed after %d attempts, before the retry limit: %v", j.Request.FileName, j.Attempt, j.Err)
			}
		default:
			t.Errorf("%s ended %s", j.Request.FileName, j.State)
		}
	}
	files := srv.Files()
	stored := map[string]int{} // by content: each local file at most once
	for _, f := range files {
		if len(f.Versions) != 1 {
			t.Errorf("%s stored %d times", f.Path, len(f.Versions))
		}
		stored[f.Versions[0].SHA256]++
		if !unique && want[f.Path] != f.Versions[0].SHA256 {
			t.Errorf("%s: bytes differ", f.Path)
		}
	}
	for _, n := range stored {
		if n != 1 {
			t.Errorf("a file was stored %d times", n)
		}
	}
	if unique {
		// Unique names are made here from the content: a file stored
		// without its answer is found already there on the retry. Only one
		// whose retries all failed after it was sent whole stays "may be
		// uploaded" (a handful at most: before, 250 of 2,000).
		if len(files) < done+already || len(files) > done+already+maybe || maybe > len(files)/20 {
			t.Errorf("%d files stored, %d reported done, %d already there and %d may be uploaded", len(files), done, already, maybe)
		}
	} else if len(files) < done+already || len(files) > done+already+maybe {
		t.Errorf("%d files stored, %d reported done, %d already there, %d may be", len(files), done, already, maybe)
	}
	seen := map[string]bool{}
	counts := map[string]int{}
	requests := srv.Requests()
	for _, r := range requests {
		if r.Token != "" && seen[r.Token] {
			t.Fatalf("token sent twice (request %s)", r.ID)
		}
		seen[r.Token] = true
		switch {
		case r.Cut:
			counts["cut"]++
		case r.Status == 429:
			counts["429"]++
		case r.Status >= 500:
			counts["5xx"]++
		case r.Status == 200:
			counts["200"]++
		case r.Status == 0 && r.Claims != nil:
			counts["dropped"]++
		default:
			counts[strconv.Itoa(r.Status)]++
		}
		// A small file's token must stay valid 5 minutes; the signer may
		// spread iat and exp by a minute and a quarter more, never further.
		if r.Claims != nil && r.Claims.Expires.Sub(r.Claims.IssuedAt) > 5*time.Minute+75*time.Second+time.Minute {
			t.Errorf("a token lives %v", r.Claims.Expires.Sub(r.Claims.IssuedAt))
		}
	}
	if srv.Leaks() != 0 {
		t.Fatalf("the private key went over the wire in %d requests", srv.Leaks())
	}

	c.HTTP.CloseIdleConnections()
	srv.Reset() // the test server's own log of every request lives in this process too
	var goroutinesAfter int
	for range 50 { // give finished connections' goroutines a moment to exit
		runtime.GC()
		if goroutinesAfter = runtime.NumGoroutine(); goroutinesAfter <= goroutinesBefore {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	var memAfter runtime.MemStats
	runtime.ReadMemStats(&memAfter)
	if goroutinesAfter > goroutinesBefore {
		t.Errorf("goroutines: %d before, %d after", goroutinesBefore, goroutinesAfter)
	}
	grew := int64(memAfter.HeapInuse) - int64(memBefore.HeapInuse)
	if grew > 8<<20 {
		t.Errorf("heap in use grew by %d KiB", grew>>10)
	}
	names := "fixed paths"
	if unique {
		names = "unique names"
	}
	report := fmt.Sprintf("soak (%s): %d files in %v: %d uploaded, %d found already there, %d may already be uploaded, %d failed after %d retries; "+
		"%d stored; %d requests (%d ok, %d 5xx, %d 429, %d cut, %d stored then dropped, other %v); goroutines %d -> %d; heap in use %+d KiB",
		names, n, elapsed.Round(10*time.Millisecond), done, already, maybe, failed, c.Retries, len(files), len(requests), counts["200"], counts["5xx"], counts["429"], counts["cut"],
		counts["dropped"], otherCounts(counts), goroutinesBefore, goroutinesAfter, grew>>10)
	t.Log(report)
	if out := os.Getenv("SOAK_REPORT"); out != "" {
		f, err := os.OpenFile(out, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
		if err == nil {
			fmt.Fprintln(f, report)
			f.Close()
		}
	}
}

func otherCounts(c map[string]int) map[string]int {
	o := map[string]int{}
	for k, v := range c {
		if k != "200" && k != "5xx" && k != "429" && k != "cut" && k != "dropped" {
			o[k] = v
		}
	}
	return o
}
