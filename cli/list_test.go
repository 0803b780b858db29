package cli

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"imagekit-uploader/keystore"
	"imagekit-uploader/uploader/imagekittest"
)

// originServer serves n.png for any n, each with bytes of its own,
// counting the fetches.
func originServer(t *testing.T) (*httptest.Server, *atomic.Int64) {
	t.Helper()
	var n atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !strings.HasSuffix(r.URL.Path, ".png") {
			http.NotFound(w, r)
			return
		}
		n.Add(1)
		w.Header().Set("Content-Type", "image/png")
		fmt.Fprintf(w, "\x89PNG bytes of %s", r.URL.Path)
	}))
	t.Cleanup(srv.Close)
	return srv, &n
}

// listLines reads --json lines by their item's file (or path).
func listLines(t *testing.T, out string) map[string]map[string]any {
	t.Helper()
	by := map[string]map[string]any{}
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		if line == "" {
			continue
		}
		var m map[string]any
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			t.Fatalf("not a JSON line: %q", line)
		}
		if m["at"] == nil || m["item"] == nil {
			t.Errorf("a list's line without at or item: %s", line)
		}
		by[m["path"].(string)] = m
	}
	return by
}

func TestUploadFromList(t *testing.T) {
	t.Setenv(keystore.EnvPrivateKey, "")
	from, fetched := originServer(t)
	srv := imagekittest.NewServer(imagekittest.WithFetchAllow(strings.TrimPrefix(from.URL, "http://")))
	defer srv.Close()
	dir := t.TempDir()
	a := filepath.Join(dir, "a.jpg")
	os.WriteFile(a, []byte("aaaa"), 0o644)
	os.MkdirAll(filepath.Join(dir, "shoot", "day1"), 0o755)
	os.WriteFile(filepath.Join(dir, "shoot", "day1", "c.jpg"), []byte("cccc"), 0o644)
	list := filepath.Join(dir, "list.txt")
	lines := []string{
		"# the shoot",
		a,
		"",
		from.URL + "/img/b.png?X-Amz-Signature=s1",
		fmt.Sprintf(`{"file": %q, "fileName": "cover.png", "folder": "/covers", "tags": ["x", "y"], "customMetadata": {"k": 1}}`, from.URL+"/img/raw.png"),
		filepath.Join(dir, "shoot"),
		from.URL + "/",
		`{"file": "x.jpg", "colour": "red"}`,
		"ftp://old-host/d.png",
	}
	os.WriteFile(list, []byte(strings.Join(lines, "\n")), 0o644)

	code, out, errs := runCLI(t, "", uploadArgs(srv, "--json", "--folder", "/migrated", "--from-list", list)...)
	if code != 1 {
		t.Fatalf("exit %d, want 1 (three bad lines): %s", code, errs)
	}
	by := listLines(t, out)
	if l := by[a]; l["status"] != "uploaded" || !strings.HasPrefix(l["filePath"].(string), "/migrated/a_") {
		t.Errorf("a.jpg: %v", l)
	}
	b := by[from.URL+"/img/b.png?X-Amz-Signature=s1"]
	if b["status"] != "uploaded" || !strings.HasPrefix(b["filePath"].(string), "/migrated/b_") {
		t.Errorf("b.png: %v", b)
	}
	cover := by[from.URL+"/img/raw.png"]
	if cover["status"] != "uploaded" || !strings.HasPrefix(cover["filePath"].(string), "/covers/cover_") {
		t.Errorf("cover: %v", cover)
	}
	if c := by[filepath.Join(dir, "shoot", "day1", "c.jpg")]; c["status"] != "uploaded" || !strings.HasPrefix(c["filePath"].(string), "/migrated/shoot/day1/c_") {
		t.Errorf("c.jpg from the folder: %v", c)
	}
	for _, n := range []string{from.URL + "/", "x.jpg", "ftp://old-host/d.png"} {
		if l := by[n]; l["status"] != "failed" {
			t.Errorf("%s: %v", n, l)
		}
	}
	var tagged bool
	for _, r := range srv.Requests() {
		if r.Claims.Fields["fileName"] != "" && strings.HasPrefix(r.Claims.Fields["fileName"], "cover_") {
			tagged = r.Claims.Fields["tags"] == "x,y" && r.Claims.Fields["customMetadata"] == `{"k": 1}`
		}
	}
	if !tagged {
		t.Error("the item's own tags and metadata were not sent")
	}
	if got := fetched.Load(); got != 2 {
		t.Errorf("the origin served %d fetches, want 2", got)
	}
	if !strings.Contains(errs, "4 uploaded, 3 failed") {
		t.Errorf("summary: %s", errs)
	}

	// The same list again: the job's list of stored items passes them
	// over, with no request at all.
	sent := len(srv.Requests())
	code, out, errs = runCLI(t, "", uploadArgs(srv, "--json", "--folder", "/migrated", "--from-list", list)...)
	by = listLines(t, out)
	if code != 1 || len(srv.Requests()) != sent || by[a]["status"] != "already-uploaded" || by[from.URL+"/img/raw.png"]["status"] != "already-uploaded" {
		t.Fatalf("again: exit %d, %d requests more: %s%s", code, len(srv.Requests())-sent, out, errs)
	}

	// And on a machine that has no journal (another home): nothing is
	// stored twice.
	for _, v := range []string{"XDG_CACHE_HOME", "XDG_CONFIG_HOME", "LocalAppData", "AppData", "HOME"} {
		t.Setenv(v, t.TempDir()) // the cache and config folders of every system
	}
	stored := len(srv.Files())
	code, out, errs = runCLI(t, "", uploadArgs(srv, "--json", "--folder", "/migrated", "--from-list", list)...)
	by = listLines(t, out)
	if code != 1 || len(srv.Files()) != stored {
		t.Fatalf("exit %d, %d files stored (want %d): %s", code, len(srv.Files()), stored, errs)
	}
	for _, p := range []string{a, from.URL + "/img/b.png?X-Amz-Signature=s1", from.URL + "/img/raw.png"} {
		if by[p]["status"] != "already-uploaded" {
			t.Errorf("%s again: %v", p, by[p])
		}
	}
	if r, _ := by[from.URL+"/img/raw.png"]["reason"].(string); !strings.Contains(r, "same URL") {
		t.Errorf("the reason a URL item is there: %q", r)
	}
}

func TestUploadFromListShards(t *testing.T) {
	t.Setenv(keystore.EnvPrivateKey, "")
	srv := imagekittest.NewServer()
	defer srv.Close()
	dir := t.TempDir()
	var list []string
	for i := range 60 {
		p := filepath.Join(dir, fmt.Sprintf("f%02d.jpg", i))
		os.WriteFile(p, []byte(p), 0o644)
		list = append(list, p)
	}
	seen := map[string]int{}
	for i := range 3 {
		code, out, errs := runCLI(t, strings.Join(list, "\n")+"\n", uploadArgs(srv, "--json", "--journal", "none", "--from-list", "-", "--shard", fmt.Sprintf("%d/3", i))...)
		if code != 0 {
			t.Fatalf("shard %d: exit %d: %s", i, code, errs)
		}
		n := 0
		for p, l := range listLines(t, out) {
			seen[p]++
			n++
			if l["status"] != "uploaded" {
				t.Errorf("%s: %v", p, l)
			}
		}
		if n < 5 || n > 40 {
			t.Errorf("shard %d has %d of 60 items", i, n)
		}
	}
	for _, p := range list {
		if seen[p] != 1 {
			t.Errorf("%s in %d shards", filepath.Base(p), seen[p])
		}
	}
	if len(srv.Files()) != 60 {
		t.Errorf("%d files stored, want 60", len(srv.Files()))
	}
	t.Setenv("JOB_COMPLETION_INDEX", "3")
	if code, _, errs := runCLI(t, "", uploadArgs(srv, "--from-list", "-", "--shards", "3")...); code != 2 || !strings.Contains(errs, "from 0 to 2") {
		t.Errorf("index 3 of 3: exit %d: %s", code, errs)
	}
	for _, args := range [][]string{{"--shard", "1/2", dir}, {"--from-list", "-", "--shard", "2"}, {"--from-list", "-", dir}} {
		if code, _, errs := runCLI(t, "", uploadArgs(srv, args...)...); code != 2 {
			t.Errorf("%v: exit %d: %s", args, code, errs)
		}
	}
}

func TestUploadFromListDryRun(t *testing.T) {
	t.Setenv(keystore.EnvPrivateKey, "")
	t.Setenv(keystore.EnvPublicKey, "")
	srv := imagekittest.NewServer()
	defer srv.Close()
	dir := t.TempDir()
	a := filepath.Join(dir, "a.jpg")
	os.WriteFile(a, []byte("aaaa"), 0o644)
	list := strings.Join([]string{a, "https://cdn.example/x/b.png", `{"file": "https://cdn.example/c", "fileName": "c.webp", "folder": "/c"}`, dir, filepath.Join(dir, "gone.jpg"), `{"file": "https://cdn.example/d.png", "tags": "a%b"}`}, "\n")
	code, out, errs := runCLI(t, list, "upload", "--endpoint", srv.UploadURL, "--json", "--dry-run", "--from-list", "-", "--folder", "/m")
	if code != 1 {
		t.Fatalf("exit %d, want 1 (two items fail their checks): %s", code, errs)
	}
	by := listLines(t, out)
	if l := by["https://cdn.example/c"]; l["status"] != "planned" || !strings.HasPrefix(l["filePath"].(string), "/c/c.webp") {
		t.Errorf("c: %v", l)
	}
	if l := by[a]; l["status"] != "planned" || !strings.Contains(l["filePath"].(string), "/m/a.jpg") {
		t.Errorf("a: %v", l)
	}
	if by[dir]["status"] != "planned" || by[filepath.Join(dir, "gone.jpg")]["status"] != "failed" || by["https://cdn.example/d.png"]["status"] != "failed" || by[filepath.Join(dir, "gone.jpg")]["error"].(map[string]any)["kind"] != "file" {
		t.Errorf("folder, missing file, bad tags: %v", by)
	}
	if len(srv.Requests()) != 0 || !strings.Contains(errs, "4 planned, 2 failed the checks") {
		t.Errorf("%d requests; %s", len(srv.Requests()), errs)
	}
}
