package cli

import (
	"bufio"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"imagekit-uploader/uploader/imagekittest"
)

// TestShardedMigrationSurvivesAKilledWorker: four worker processes share a
// list of 2,000 items (1,000 local files, 1,000 URLs of a local origin),
// each its shard. One is killed with SIGKILL mid-way and started again
// with an empty home (no journal, no index: another machine). Every item is
// stored exactly once, and report over all the workers' lines, the killed
// run's included, adds up to 2,000 with none failed.
func TestShardedMigrationSurvivesAKilledWorker(t *testing.T) {
	if testing.Short() {
		t.Skip("four processes, 2,000 uploads: seconds")
	}
	t.Setenv("IMAGEKIT_PRIVATE_KEY", "")
	body := func(name string) []byte { return []byte(strings.Repeat("origin bytes of "+name+" ", 40)) }
	origin := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "image/jpeg")
		w.Write(body(r.URL.Path))
	}))
	defer origin.Close()
	srv := imagekittest.NewServer(imagekittest.WithFetchAllow(strings.TrimPrefix(origin.URL, "http://")))
	defer srv.Close()

	dir := t.TempDir()
	want := map[string]bool{} // SHA-256 of every item's bytes
	var list strings.Builder
	for i := range 1000 {
		p := filepath.Join(dir, "files", fmt.Sprintf("local-%04d.jpg", i))
		os.MkdirAll(filepath.Dir(p), 0o755)
		b := []byte(strings.Repeat(fmt.Sprintf("local photo %04d ", i), 40))
		os.WriteFile(p, b, 0o644)
		want[shaHex(b)] = true
		fmt.Fprintln(&list, p)
		u := fmt.Sprintf("/bucket/remote-%04d.jpg", i)
		want[shaHex(body(u))] = true
		fmt.Fprintf(&list, "%s%s?X-Amz-Signature=%d\n", origin.URL, u, i)
	}
	listPath := filepath.Join(dir, "items.txt")
	os.WriteFile(listPath, []byte(list.String()), 0o644)

	start := func(i int, report string) *exec.Cmd {
		args := uploadArgs(srv, "--json", "--concurrency", "4", "--folder", "/migrated", "--from-list", listPath, "--shard", fmt.Sprintf("%d/4", i))
		raw, _ := json.Marshal(args)
		out, err := os.Create(report)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { out.Close() })
		c := exec.Command(os.Args[0], "-test.run=^TestCLIChild$")
		c.Env = append(os.Environ(), "IKU_CHILD_ARGS="+string(raw)) // each child's TestMain gives it a home of its own
		c.Stdout = out
		if err := c.Start(); err != nil {
			t.Fatal(err)
		}
		return c
	}
	reports := []string{}
	var workers []*exec.Cmd
	for i := range 4 {
		reports = append(reports, filepath.Join(dir, fmt.Sprintf("worker-%d.jsonl", i)))
		workers = append(workers, start(i, reports[i]))
	}
	deadline := time.Now().Add(60 * time.Second)
	for countLines(reports[1]) < 100 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	workers[1].Process.Kill() // SIGKILL, mid-way through its share
	workers[1].Wait()
	killedAt := countLines(reports[1])
	if killedAt < 100 || killedAt >= 450 {
		t.Fatalf("worker 1 was killed with %d lines reported: the test proves nothing", killedAt)
	}
	reports = append(reports, filepath.Join(dir, "worker-1-again.jsonl"))
	workers[1] = start(1, reports[4]) // another machine: an empty home
	for i, w := range workers {
		if err := w.Wait(); err != nil {
			t.Errorf("worker %d: %v", i, err)
		}
	}

	seen := map[string]int{}
	for _, f := range srv.Files() {
		if len(f.Versions) != 1 {
			t.Errorf("%s stored %d times", f.Path, len(f.Versions))
		}
		seen[f.Versions[0].SHA256]++
	}
	for sum := range want {
		if seen[sum] != 1 {
			t.Errorf("an item's bytes stored %d times", seen[sum])
		}
	}
	if n := len(srv.Files()); n != 2000 {
		t.Errorf("%d files stored, want 2000", n)
	}
	code, out, errs := runCLI(t, "", append([]string{"report", "--json", "--list", listPath}, reports...)...)
	var sums reportSums
	if err := json.Unmarshal([]byte(out), &sums); err != nil || code != 0 {
		t.Fatalf("report: exit %d: %s %s", code, out, errs)
	}
	if sums.Items != 2000 || sums.Uploaded+sums.Already != 2000 || sums.Failed+sums.MayBeUploaded+sums.NotReported != 0 {
		t.Errorf("report: %+v", sums)
	}
	t.Logf("worker 1 killed after %d lines; report: %d uploaded, %d already there", killedAt, sums.Uploaded, sums.Already)
}

func shaHex(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// countLines counts the whole lines of the file at p.
func countLines(p string) int {
	f, err := os.Open(p)
	if err != nil {
		return 0
	}
	defer f.Close()
	n := 0
	for sc := bufio.NewScanner(f); sc.Scan(); {
		n++
	}
	return n
}
