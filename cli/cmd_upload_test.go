package cli

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/zalando/go-keyring"

	"imagekit-uploader/keystore"
	"imagekit-uploader/signer"
	"imagekit-uploader/uploader"
	"imagekit-uploader/uploader/imagekittest"
)

func uploadArgs(srv *imagekittest.Server, extra ...string) []string {
	return append([]string{"upload", "--endpoint", srv.UploadURL, "--public-key", imagekittest.DemoPublicKey}, extra...)
}

func jsonLines(t *testing.T, out string) map[string]map[string]any {
	t.Helper()
	byPath := map[string]map[string]any{}
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		var m map[string]any
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			t.Fatalf("not a JSON line: %q", line)
		}
		byPath[filepath.Base(m["path"].(string))] = m
	}
	return byPath
}

func TestUploadCommand(t *testing.T) {
	t.Setenv(keystore.EnvPrivateKey, "")
	srv := imagekittest.NewServer()
	defer srv.Close()
	dir := filepath.Join(t.TempDir(), "summer")
	os.MkdirAll(filepath.Join(dir, "dresses"), 0o755)
	os.WriteFile(filepath.Join(dir, "dresses", "a.jpg"), []byte("aaaa"), 0o644)
	os.WriteFile(filepath.Join(dir, "b.jpg"), []byte("bbbb"), 0o644)
	os.WriteFile(filepath.Join(dir, ".hidden"), []byte("x"), 0o644)

	code, out, errs := runCLI(t, "", uploadArgs(srv, "--json", "--folder", "/shop", "--tags", "summer, dress", "--unique=false", dir)...)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	lines := jsonLines(t, out)
	if a := lines["a.jpg"]; a["status"] != "uploaded" || a["filePath"] != "/shop/summer/dresses/a.jpg" || a["size"] != float64(4) {
		t.Errorf("a.jpg: %v", a)
	}
	if vi, _ := lines["b.jpg"]["versionInfo"].(map[string]any); vi["name"] != "Version 1" || lines["b.jpg"]["url"] == "" {
		t.Errorf("b.jpg: %v", lines["b.jpg"])
	}
	if h := lines[".hidden"]; h["status"] != "skipped" || h["reason"] != "hidden" {
		t.Errorf(".hidden: %v", h)
	}
	for _, r := range srv.Requests() {
		if r.Claims.Fields["tags"] != "summer,dress" {
			t.Errorf("tags sent %q", r.Claims.Fields["tags"])
		}
	}
	if !strings.Contains(errs, "2 uploaded, 0 failed, 1 skipped") {
		t.Errorf("summary: %q", errs)
	}

	// Again, as a new version (the same bytes: --skip-uploaded=false), with a
	// missing file beside it: exit 1, and the good file still uploads.
	code, out, _ = runCLI(t, "", uploadArgs(srv, "--json", "--unique=false", "--skip-uploaded=false", "--folder", "/shop/summer", filepath.Join(dir, "b.jpg"), filepath.Join(dir, "gone.jpg"))...)
	lines = jsonLines(t, out)
	if code != 1 || lines["b.jpg"]["status"] != "uploaded" || lines["gone.jpg"]["status"] != "failed" {
		t.Fatalf("exit %d: %v", code, lines)
	}
	if vi, _ := lines["b.jpg"]["versionInfo"].(map[string]any); vi["name"] != "Version 2" {
		t.Errorf("second upload of b.jpg: %v", lines["b.jpg"])
	}
	if e, _ := lines["gone.jpg"]["error"].(map[string]any); !strings.Contains(e["message"].(string), "does not exist") {
		t.Errorf("gone.jpg: %v", lines["gone.jpg"])
	}

	// --file-name renames the one file; overwrite=false refuses an existing path.
	code, out, _ = runCLI(t, "", uploadArgs(srv, "--json", "--unique=false", "--overwrite=false", "--file-name", "b.jpg", "--folder", "/shop/summer", filepath.Join(dir, "dresses", "a.jpg"))...)
	lines = jsonLines(t, out)
	if e, _ := lines["a.jpg"]["error"].(map[string]any); code != 1 || e["status"] != float64(400) || !strings.Contains(e["message"].(string), "already exists") || e["requestId"] == "" {
		t.Fatalf("exit %d: %v", code, lines)
	}
}

func TestUploadWrongKey(t *testing.T) {
	srv := imagekittest.NewServer()
	defer srv.Close()
	p := filepath.Join(t.TempDir(), "a.jpg")
	os.WriteFile(p, []byte("a"), 0o644)
	t.Setenv(keystore.EnvPrivateKey, "private_wrong")
	// Refused on the first request, nothing can succeed: it stops and says
	// so once, exit 2 (before: every file failed one by one, exit 1). The
	// key came from IMAGEKIT_PRIVATE_KEY: that is what to check, not the
	// keyring's 'key status' (before, it said the latter).
	code, out, errs := runCLI(t, "", uploadArgs(srv, p)...)
	if code != 2 || strings.Count(out, "\n") > 1 || !strings.Contains(errs, "ImageKit refused") || !strings.Contains(errs, "check IMAGEKIT_PRIVATE_KEY") || strings.Contains(errs, "key status") {
		t.Fatalf("exit %d: %q %q", code, out, errs)
	}
}

func TestUploadUsageErrors(t *testing.T) {
	t.Setenv(keystore.EnvPrivateKey, "")
	t.Setenv(keystore.EnvPublicKey, "")
	dir := t.TempDir()
	a, b := filepath.Join(dir, "a.jpg"), filepath.Join(dir, "b.jpg")
	os.WriteFile(a, []byte("a"), 0o644)
	os.WriteFile(b, []byte("b"), 0o644)
	local := "http://127.0.0.1:1/api/v2/files/upload"
	pk := imagekittest.DemoPublicKey
	for name, args := range map[string][]string{
		"no paths":             {"upload", "--endpoint", local, "--public-key", pk},
		"no public key":        {"upload", "--endpoint", local, a},
		"file-name, 2 files":   {"upload", "--endpoint", local, "--public-key", pk, "--file-name", "x.jpg", a, b},
		"tags with %":          {"upload", "--endpoint", local, "--public-key", pk, "--tags", "50%", a},
		"folder with a space":  {"upload", "--endpoint", local, "--public-key", pk, "--folder", "/my photos", a},
		"http to another host": {"upload", "--endpoint", "http://upload.imagekit.io/api/v2/files/upload", "--public-key", pk, a},
		"concurrency 17":       {"upload", "--endpoint", local, "--public-key", pk, "--concurrency", "17", a},
		"plan gold":            {"upload", "--endpoint", local, "--public-key", pk, "--plan", "gold", a},
		"no key saved":         {"upload", "--endpoint", local, "--public-key", "public_nobody", a},
		"demo key, real API":   {"upload", "--public-key", pk, a},
	} {
		if code, _, errs := runCLI(t, "", args...); code != 2 || errs == "" {
			t.Errorf("%s: exit %d, %q; want 2 and a message", name, code, errs)
		}
	}
}

// TestUploadKeyringUnavailable: a keyring that cannot be used is a
// configuration error (exit 2) that says what to do, and nothing is sent.
func TestUploadKeyringUnavailable(t *testing.T) {
	t.Setenv(keystore.EnvPrivateKey, "")
	srv := imagekittest.NewServer()
	defer srv.Close()
	p := filepath.Join(t.TempDir(), "a.jpg")
	os.WriteFile(p, []byte("a"), 0o644)
	keyring.MockInitWithError(errors.New("The name org.freedesktop.secrets was not provided by any .service files"))
	defer keyring.MockInit()
	code, _, errs := runCLI(t, "", "upload", "--endpoint", srv.UploadURL, "--public-key", "public_someone", p)
	if code != 2 || !strings.Contains(errs, "install gnome-keyring") || !strings.Contains(errs, keystore.EnvPrivateKey) || len(srv.Requests()) != 0 {
		t.Fatalf("exit %d: %q", code, errs)
	}
}

// TestUploadFlagsAfterPaths: flags count wherever they stand among the
// paths; after "--" every argument is a path, even one named "-x".
func TestUploadFlagsAfterPaths(t *testing.T) {
	t.Setenv(keystore.EnvPrivateKey, "")
	srv := imagekittest.NewServer()
	defer srv.Close()
	t.Chdir(t.TempDir())
	os.WriteFile("a.jpg", []byte("a"), 0o644)
	os.WriteFile("-x", []byte("x"), 0o644)
	code, out, errs := runCLI(t, "", uploadArgs(srv, "--json", "a.jpg", "--private", "--tags", "secret", "--", "-x")...)
	if code != 0 {
		t.Fatalf("exit %d: %s%s", code, out, errs)
	}
	reqs := waitRequests(t, srv, 2)
	if len(reqs) != 2 {
		t.Fatalf("%d uploads, want a.jpg and -x", len(reqs))
	}
	for _, r := range reqs {
		if r.Fields["isPrivateFile"] != "true" || r.Fields["tags"] != "secret" {
			t.Errorf("%s sent with %v; want it private and tagged", r.FileName, r.Fields)
		}
	}
}

// TestUploadCanceledWhileListing: a command stopped while it lists the
// files (a folder far bigger than meant) uploads nothing and says so.
func TestUploadCanceledWhileListing(t *testing.T) {
	t.Setenv(keystore.EnvPrivateKey, "")
	srv := imagekittest.NewServer()
	defer srv.Close()
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "a.jpg"), []byte("a"), 0o644)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	var out, errs syncBuffer
	code := run(ctx, uploadArgs(srv, dir), Stdio{In: strings.NewReader(""), Out: &out, Err: &errs})
	if code != 1 || out.String() != "" || !strings.Contains(errs.String(), "nothing was uploaded") || len(srv.Requests()) != 0 {
		t.Fatalf("exit %d, stdout %q, stderr %q, %d requests", code, out.String(), errs.String(), len(srv.Requests()))
	}
}

// TestUploadPlainOutputQuotesNames: a name with a newline or an escape
// sequence cannot forge a line or reach the terminal; plain names stay plain.
func TestUploadPlainOutputQuotesNames(t *testing.T) {
	skipWindowsNames(t)
	t.Setenv(keystore.EnvPrivateKey, "")
	srv := imagekittest.NewServer()
	defer srv.Close()
	dir := filepath.Join(t.TempDir(), "in")
	evil := "evil\nuploaded  fake.jpg\x1b[31m.jpg"
	for _, n := range []string{evil, ".hid\nden\x1b[2J", "plain name.jpg"} {
		os.MkdirAll(dir, 0o755)
		os.WriteFile(filepath.Join(dir, n), []byte(n), 0o644) // each its own bytes: the same twice is one upload
	}
	gone := filepath.Join(dir, "gone\n\x1b[31m.jpg")
	code, out, errs := runCLI(t, "", uploadArgs(srv, dir, gone)...)
	if code != 1 {
		t.Fatalf("exit %d: %s%s", code, out, errs)
	}
	lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	if len(lines) != 4 || strings.Contains(out+errs, "\x1b") {
		t.Fatalf("want 4 lines (2 uploaded, 1 skipped, 1 failed), no ESC:\n%s", out)
	}
	if !strings.Contains(out, "uploaded  "+filepath.Join(dir, "plain name.jpg")+" -> ") || !strings.Contains(out, strconv.Quote(filepath.Join(dir, evil))) {
		t.Fatalf("names not as expected:\n%s", out)
	}
}

// TestUploadNothingUploadedExits1: paths that lead to nothing to upload
// (a device, an empty folder) are a failure, not a success.
func TestUploadNothingUploadedExits1(t *testing.T) {
	t.Setenv(keystore.EnvPrivateKey, "")
	srv := imagekittest.NewServer()
	defer srv.Close()
	for _, paths := range [][]string{{"/dev/zero"}, {t.TempDir()}} {
		if code, out, errs := runCLI(t, "", uploadArgs(srv, paths...)...); code != 1 {
			t.Errorf("%v: exit %d, %q %q; want 1", paths, code, out, errs)
		}
	}
}

// waitRequests waits until srv has recorded n requests: it records each as
// its handler returns, which can be just after the client has the answer.
func waitRequests(t *testing.T, srv *imagekittest.Server, n int) []imagekittest.Request {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); len(srv.Requests()) < n && time.Now().Before(deadline); {
		time.Sleep(5 * time.Millisecond)
	}
	return srv.Requests()
}

func touchFile(t *testing.T, p string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestProgressBarsQuoteNames: the bars on a terminal show a file's name
// quoted when it holds a newline or an escape sequence.
func TestProgressBarsQuoteNames(t *testing.T) {
	skipWindowsNames(t)
	srv := imagekittest.NewServer(imagekittest.WithReadRate(10_000))
	defer srv.Close()
	p := filepath.Join(t.TempDir(), "evil\n\x1b[2J.jpg")
	os.WriteFile(p, make([]byte, 1_000_000), 0o644)
	s, _ := signer.New(imagekittest.DemoPublicKey, imagekittest.DemoPrivateKey)
	ctx, cancel := context.WithCancel(context.Background())
	q := uploader.NewQueue(ctx, uploader.NewClient(srv.UploadURL, uploader.LocalTokens{Signer: s}), 1, uploader.PlanFree)
	defer q.Wait(context.Background())
	defer cancel()
	items, _ := uploader.Collect([]string{p})
	q.Add(items, uploader.DefaultFields())
	q.Start()
	for deadline := time.Now().Add(10 * time.Second); q.Jobs()[0].State != uploader.Uploading; time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("the upload did not start: %s", q.Jobs()[0].State)
		}
	}
	var buf strings.Builder
	(&progressBars{w: &buf, q: q}).draw()
	if strings.Count(buf.String(), "\n") != 2 || strings.Contains(buf.String(), "\x1b") {
		t.Fatalf("want a bar and a total, no ESC:\n%s", buf.String())
	}
}
