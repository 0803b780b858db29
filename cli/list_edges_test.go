package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path"
	"path/filepath"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"imagekit-uploader/uploader"
	"imagekit-uploader/uploader/imagekittest"
)

// runWithin is runCLI that fails the test, instead of hanging it, when the
// command does not end within d.
func runWithin(t *testing.T, d time.Duration, stdin io.Reader, args ...string) (int, string, string) {
	t.Helper()
	var out, errs syncBuffer
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan int, 1)
	go func() { done <- run(ctx, args, Stdio{In: stdin, Out: &out, Err: &errs}) }()
	select {
	case code := <-done:
		return code, out.String(), errs.String()
	case <-time.After(d):
		cancel()
		t.Fatalf("%v did not end within %s; stderr: %s", args, d, errs.String())
		return 0, "", ""
	}
}

// TestListFolderLargerThanTheWindow: a list's folder of more files than
// the queue holds at once goes up whole. Before, the run waited forever
// for room it could never have.
func TestListFolderLargerThanTheWindow(t *testing.T) {
	t.Setenv("IMAGEKIT_PRIVATE_KEY", "")
	srv := imagekittest.NewServer()
	defer srv.Close()
	dir := filepath.Join(t.TempDir(), "shoot")
	os.MkdirAll(dir, 0o755)
	for i := range 300 {
		os.WriteFile(filepath.Join(dir, fmt.Sprintf("%03d.jpg", i)), []byte(fmt.Sprint("photo ", i)), 0o644)
	}
	code, out, errs := runWithin(t, time.Minute, strings.NewReader(dir+"\n"), uploadArgs(srv, "--json", "--from-list", "-", "--concurrency", "16")...)
	if code != 0 || strings.Count(out, `"status":"uploaded"`) != 300 || len(srv.Files()) != 300 {
		t.Fatalf("exit %d, %d uploaded lines, %d stored: %s", code, strings.Count(out, `"status":"uploaded"`), len(srv.Files()), errs)
	}
}

// TestListSameFileToTwoPlaces: two items of one file, to two folders, are
// two uploads, whether they meet in the queue or the first has finished.
// Before, the second was dropped, or passed over as uploaded by the first.
func TestListSameFileToTwoPlaces(t *testing.T) {
	t.Setenv("IMAGEKIT_PRIVATE_KEY", "")
	srv := imagekittest.NewServer()
	defer srv.Close()
	p := filepath.Join(t.TempDir(), "dup.jpg")
	os.WriteFile(p, []byte("one photo"), 0o644)
	item := func(folder string) string { return fmt.Sprintf(`{"file": %q, "folder": %q}`, p, folder) }
	code, out, errs := runCLI(t, item("/a")+"\n"+item("/b")+"\n", uploadArgs(srv, "--json", "--from-list", "-", "--journal", filepath.Join(t.TempDir(), "j.db"))...)
	if code != 0 || strings.Count(out, `"status":"uploaded"`) != 2 {
		t.Fatalf("one batch: exit %d\n%s%s", code, out, errs)
	}
	// One after the other, in the same job: the second is not the first's.
	jpath := filepath.Join(t.TempDir(), "j.db")
	args := uploadArgs(srv, "--json", "--from-list", "-", "--journal", jpath)
	if code, out, errs := runCLI(t, item("/c")+"\n", args...); code != 0 {
		t.Fatalf("exit %d\n%s%s", code, out, errs)
	}
	code, out, errs = runCLI(t, item("/c")+"\n"+item("/d")+"\n", args...)
	if code != 0 || strings.Count(out, `"status":"uploaded"`) != 1 || strings.Count(out, "earlier run of this job") != 1 {
		t.Fatalf("exit %d: want /d uploaded and /c passed over\n%s%s", code, out, errs)
	}
	folders := map[string]bool{}
	for _, f := range srv.Files() {
		folders[path.Dir(f.Path)] = true // the library's, with / on every system
	}
	for _, want := range []string{"/a", "/b", "/c", "/d"} {
		if !folders[want] {
			t.Errorf("nothing stored in %s: %v", want, folders)
		}
	}
}

// TestListOnAPipeSendsWhatItHas: an item read from a pipe goes at once,
// not when 31 more have come.
func TestListOnAPipeSendsWhatItHas(t *testing.T) {
	t.Setenv("IMAGEKIT_PRIVATE_KEY", "")
	srv := imagekittest.NewServer()
	defer srv.Close()
	p := filepath.Join(t.TempDir(), "first.jpg")
	os.WriteFile(p, []byte("the first"), 0o644)
	pr, pw := io.Pipe()
	done := make(chan string, 1)
	go func() {
		_, out, _ := runWithin(t, time.Minute, pr, uploadArgs(srv, "--json", "--from-list", "-")...)
		done <- out
	}()
	fmt.Fprintln(pw, p)
	deadline := time.Now().Add(10 * time.Second)
	for len(srv.Files()) == 0 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if len(srv.Files()) == 0 {
		t.Error("the item read was not sent while the pipe waited for more")
	}
	pw.Close()
	if out := <-done; strings.Count(out, `"status":"uploaded"`) != 1 {
		t.Errorf("lines: %s", out)
	}
}

// TestListLineJustOverTheLimit: a line a little longer than the limit is
// refused as such, not cut to the limit and read as an item.
func TestListLineJustOverTheLimit(t *testing.T) {
	var lines []listItem
	long := "https://h/" + strings.Repeat("a", maxListLine) + ".jpg"
	err := readList(context.Background(), strings.NewReader(long+"\nhttps://h/b.jpg\n"), uploader.DefaultFields(), shard{}, func(it listItem) error {
		lines = append(lines, it)
		return nil
	}, nil)
	if err != nil || len(lines) != 2 {
		t.Fatalf("%d items, %v", len(lines), err)
	}
	if lines[0].err == nil || !strings.Contains(lines[0].err.Error(), "longer than") || lines[1].err != nil || lines[1].req.FileName != "b.jpg" {
		t.Errorf("items: %v / %v", lines[0].err, lines[1].err)
	}
	var b strings.Builder
	if json.NewEncoder(&b).Encode(lines[0].raw) != nil || len(lines[0].raw) > 64 {
		t.Errorf("the long line's item: %d bytes", len(lines[0].raw))
	}
}

// TestResumedItemPresignedAgain: an item an earlier run left unfinished,
// in a list presigned since, goes once, by its new URL. Before, the old
// URL (expired) went too, and the item had two lines.
func TestResumedItemPresignedAgain(t *testing.T) {
	t.Setenv("IMAGEKIT_PRIVATE_KEY", "")
	origin := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Get("X-Amz-Signature") != "new" && !strings.HasSuffix(r.URL.Path, "a.png") {
			http.Error(w, "expired", http.StatusForbidden)
			return
		}
		w.Write([]byte("png bytes of " + r.URL.Path))
	}))
	defer origin.Close()
	srv := imagekittest.NewServer(imagekittest.WithFetchAllow(strings.TrimPrefix(origin.URL, "http://")))
	defer srv.Close()
	jpath := filepath.Join(t.TempDir(), "job.db")
	args := uploadArgs(srv, "--json", "--folder", "/m", "--journal", jpath, "--from-list", "-")
	if code, out, errs := runCLI(t, origin.URL+"/a.png\n", args...); code != 0 {
		t.Fatalf("exit %d\n%s%s", code, out, errs)
	}
	// The job's key, from its done list; then a journal that left b.png
	// started under its old URL.
	d, err := openDoneList(jpath+".done", "", "", io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	var rec doneFile
	d.db.View(func(tx *bolt.Tx) error {
		_, v := tx.Bucket(bucketDone).Cursor().First()
		return json.Unmarshal(v, &rec)
	})
	d.close()
	fields := uploader.DefaultFields()
	fields.Folder = "/m"
	old := origin.URL + "/b.png?X-Amz-Signature=old"
	line, _ := json.Marshal(map[string]any{"op": "add", "path": old, "url": old, "fileName": "b.png", "fields": fields, "started": true, "tag": rec.Job})
	os.WriteFile(filepath.Join(filepath.Dir(jpath), "job.jsonl"), append(line, '\n'), 0o600)

	code, out, errs := runCLI(t, origin.URL+"/a.png\n"+origin.URL+"/b.png?X-Amz-Signature=new\n", args...)
	bLines := 0
	for _, l := range strings.Split(strings.TrimSpace(out), "\n") {
		if strings.Contains(l, "/b.png") {
			bLines++
		}
	}
	if code != 0 || strings.Count(out, "\n") != 2 || bLines != 1 {
		t.Fatalf("exit %d: want a line each for a.png and b.png\n%s%s", code, out, errs)
	}
	if left, _ := uploader.ReadJournal(jpath); len(left) != 0 {
		t.Errorf("left unfinished: %+v", left)
	}
}

// TestListURLSecretsStayOut: a list's URL with a password or a signature
// is never printed whole, whether the server is down, answers 404, or
// answers a web page. Before, both were printed.
func TestListURLSecretsStayOut(t *testing.T) {
	t.Setenv("IMAGEKIT_PRIVATE_KEY", "")
	srv := imagekittest.NewServer()
	defer srv.Close()
	web := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.Path, "/page") {
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			w.Write([]byte("<html><body>sign in</body></html>\n"))
			return
		}
		http.NotFound(w, r)
	}))
	defer web.Close()
	down := httptest.NewServer(http.NotFoundHandler())
	down.Close()
	for _, u := range []string{
		strings.Replace(down.URL, "http://", "http://user:s3cret@", 1) + "/list.txt?X-Amz-Signature=abc123",
		strings.Replace(web.URL, "http://", "HTTP://user:s3cret@", 1) + "/list.txt?X-Amz-Signature=abc123",
		web.URL + "/page?X-Amz-Signature=abc123",
	} {
		code, _, errs := runCLI(t, "", uploadArgs(srv, "--from-list", u)...)
		if code == 0 || strings.Contains(errs, "s3cret") || strings.Contains(errs, "abc123") || !strings.Contains(errs, "list") {
			t.Errorf("%s: exit %d: %s", u, code, errs)
		}
	}
}

// TestListTwiceAndTwoPlacesAddUp: an item listed twice has a line each
// time (the second: skipped, as it goes already), and report --list finds
// the one of a file's two places that no run reported. Before, the second
// line had no line of its own on a first run, and --list matched by file
// alone, so a place never sent went unnoticed.
func TestListTwiceAndTwoPlacesAddUp(t *testing.T) {
	t.Setenv("IMAGEKIT_PRIVATE_KEY", "")
	srv := imagekittest.NewServer()
	defer srv.Close()
	dir := t.TempDir()
	f3 := filepath.Join(dir, "f3.jpg")
	os.WriteFile(f3, []byte("f3"), 0o644)
	list := filepath.Join(dir, "list.txt")
	os.WriteFile(list, []byte(f3+"\n"+f3+"\n"+fmt.Sprintf(`{"file": %q, "folder": "/two1"}`+"\n"+`{"file": %q, "folder": "/two2"}`+"\n", f3, f3)), 0o644)
	code, out, errs := runCLI(t, "", uploadArgs(srv, "--json", "--journal", "none", "--from-list", list)...)
	if n := strings.Count(out, "\n"); code != 0 || n != 4 || strings.Count(out, `"status":"skipped"`) > 1 {
		t.Fatalf("exit %d, %d lines for 4 list lines\n%s%s", code, n, out, errs)
	}
	// Only the /two1 line of the report reached us: /two2 is not reported.
	var kept []string
	for _, l := range strings.Split(strings.TrimSpace(out), "\n") {
		if !strings.Contains(l, `"folder":"/two2"`) {
			kept = append(kept, l)
		}
	}
	r := filepath.Join(dir, "r.jsonl")
	os.WriteFile(r, []byte(strings.Join(kept, "\n")+"\n"), 0o644)
	code, out, _ = runCLI(t, "", "report", "--json", "--list", list, "--failed", filepath.Join(dir, "again.txt"), r)
	var sums reportSums
	json.Unmarshal([]byte(out), &sums)
	again, _ := os.ReadFile(filepath.Join(dir, "again.txt"))
	if code != 1 || sums.NotReported != 1 || !strings.Contains(string(again), "/two2") {
		t.Errorf("exit %d, %+v; to send again: %s", code, sums, again)
	}
}

// TestURLItemTextHidesItsSignature: a URL item's text line, and a message
// that quotes its URL, show it without its query; --json keeps it whole.
func TestURLItemTextHidesItsSignature(t *testing.T) {
	t.Setenv("IMAGEKIT_PRIVATE_KEY", "")
	origin := httptest.NewServer(http.NotFoundHandler())
	defer origin.Close()
	srv := imagekittest.NewServer(imagekittest.WithFetchAllow(strings.TrimPrefix(origin.URL, "http://")))
	defer srv.Close()
	u := origin.URL + "/missing.jpg?X-Amz-Signature=SECRETSIG"
	code, out, errs := runCLI(t, u+"\n", uploadArgs(srv, "--from-list", "-")...)
	if code != 1 || strings.Contains(out+errs, "SECRETSIG") || !strings.Contains(out, "/missing.jpg") {
		t.Errorf("exit %d:\n%s%s", code, out, errs)
	}
}
