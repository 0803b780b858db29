package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"imagekit-uploader/internal/winetest"
	"imagekit-uploader/signer"
	"imagekit-uploader/tokenserver"
	"imagekit-uploader/uploader"
	"imagekit-uploader/uploader/imagekittest"
)

// TestJournalNeverDestroysTheFileGiven: --journal FILE names the person's
// file until it is proven to be a journal. Before, a text file of notes was
// renamed over at open and deleted at the end, and a device node with it.
func TestJournalNeverDestroysTheFileGiven(t *testing.T) {
	t.Setenv("IMAGEKIT_PRIVATE_KEY", "")
	srv := imagekittest.NewServer()
	defer srv.Close()
	dir := t.TempDir()
	photo := filepath.Join(dir, "a.jpg")
	os.WriteFile(photo, []byte("a photo"), 0o644)

	notes := filepath.Join(dir, "notes.txt")
	os.WriteFile(notes, []byte("call the printer on monday\n"), 0o644)
	given := []string{notes}
	fifo := filepath.Join(dir, "pipe")
	hasFifo := mkfifo(fifo) == nil // Windows has no named pipes in the file system
	if hasFifo {
		given = append(given, fifo)
	}
	link := filepath.Join(dir, "link.jsonl")
	linkErr := winetest.Symlink(notes, link)
	if linkErr == nil {
		given = append(given, link)
	} else {
		t.Logf("no link tried: %v", linkErr)
	}
	for _, p := range given {
		code, _, errs := runCLI(t, "", append(uploadArgs(srv, "--journal", p), photo)...)
		if code != 2 || !strings.Contains(errs, "not a journal") {
			t.Errorf("--journal %s: exit %d, stderr %q; want 2 and why", filepath.Base(p), code, errs)
		}
	}
	if b, _ := os.ReadFile(notes); string(b) != "call the printer on monday\n" {
		t.Fatalf("the notes are now %q", b)
	}
	if info, err := os.Lstat(fifo); hasFifo && (err != nil || info.Mode()&os.ModeNamedPipe == 0) {
		t.Fatalf("the pipe is gone or changed: %v %v", info, err)
	}
	if info, err := os.Lstat(link); linkErr == nil && (err != nil || info.Mode()&os.ModeSymlink == 0) {
		t.Fatalf("the link is gone or changed: %v %v", info, err)
	}
	for _, p := range []string{notes + ".lock", notes + ".done", fifo + ".lock", link + ".done"} {
		if _, err := os.Lstat(p); err == nil {
			t.Errorf("%s was left behind", filepath.Base(p))
		}
	}
	if len(srv.Files()) != 0 {
		t.Fatalf("%d files stored with a journal refused", len(srv.Files()))
	}

	// JSON lines of the person's own whose first line looks like a record
	// (a JSON Patch: op "add", a path), or a line without its newline.
	patch := filepath.Join(dir, "patch.jsonl")
	os.WriteFile(patch, []byte(`{"op":"add","path":"/a","value":1}`+"\n"+`{"op":"replace","path":"/c","value":"precious"}`+"\n"), 0o644)
	oneLine := filepath.Join(dir, "note")
	os.WriteFile(oneLine, []byte("no newline at the end"), 0o644)
	for _, p := range []string{patch, oneLine} {
		before, _ := os.ReadFile(p)
		if code, _, errs := runCLI(t, "", append(uploadArgs(srv, "--journal", p), photo)...); code != 2 || !strings.Contains(errs, "not a journal") {
			t.Errorf("--journal %s: exit %d, stderr %q", filepath.Base(p), code, errs)
		}
		if after, _ := os.ReadFile(p); !bytes.Equal(before, after) {
			t.Errorf("%s is now %q", filepath.Base(p), after)
		}
	}

	// A file beside the journal, of the same name as its done list, is the
	// person's too.
	mine := filepath.Join(dir, "job.jsonl")
	os.WriteFile(mine+".done", []byte("not a list of uploads\n"), 0o644)
	if code, _, errs := runCLI(t, "", append(uploadArgs(srv, "--journal", mine), photo)...); code != 2 || !strings.Contains(errs, "not a list") {
		t.Errorf("a foreign .done: exit %d, stderr %q", code, errs)
	}
	if b, _ := os.ReadFile(mine + ".done"); string(b) != "not a list of uploads\n" {
		t.Fatalf("the .done file is now %q", b)
	}

	// /dev/null is the usual "keep nothing": no journal, and it stays.
	code, out, errs := runCLI(t, "", append(uploadArgs(srv, "--journal", os.DevNull), photo)...)
	if code != 0 {
		t.Fatalf("--journal %s: exit %d\n%s%s", os.DevNull, code, out, errs)
	}
	if info, err := os.Stat(os.DevNull); err != nil || info.Mode().IsRegular() {
		t.Fatalf("%s is no longer a device: %v %v", os.DevNull, info, err)
	}
	// (On Windows NUL.done is the NUL device itself: a reserved name is
	// one with any extension, so no such file can be made there.)
	if _, err := os.Lstat(os.DevNull + ".done"); err == nil && runtime.GOOS != "windows" {
		t.Fatal("/dev/null.done was made")
	}
}

// TestOneFileRefusedByTheEndpointIsThatFilesFailure: a token endpoint that
// will not sign one file (too large for its --max-expire) refuses that file,
// and the others go up; every path has a line. Before, the one refusal
// stopped the run: exit 2, one line, the small files never sent nor
// mentioned. The endpoint's --require-unique signs the tool's own names made
// from the content (before, it refused them).
func TestOneFileRefusedByTheEndpointIsThatFilesFailure(t *testing.T) {
	srv := imagekittest.NewServer()
	defer srv.Close()
	s, _ := signer.New(imagekittest.DemoPublicKey, imagekittest.DemoPrivateKey)
	ep := httptest.NewServer(&tokenserver.TokenHandler{Signer: s, Clients: tokenserver.Clients{"team": "secret"},
		Policy: tokenserver.Policy{RequireUnique: true, MaxExpire: 200 * time.Second}})
	defer ep.Close()
	t.Setenv(EnvTokenEndpointSecret, "secret")
	dir := filepath.Join(t.TempDir(), "batch")
	os.MkdirAll(dir, 0o755)
	big, err := os.Create(filepath.Join(dir, "big.mov"))
	if err != nil {
		t.Fatal(err)
	}
	big.Truncate(45 << 20)
	big.Close()
	for i := range 5 {
		os.WriteFile(filepath.Join(dir, fmt.Sprintf("small-%d.jpg", i)), []byte(fmt.Sprintf("small photo %d", i)), 0o644)
	}
	code, out, errs := runCLI(t, "", "upload", "--json", "--plan", "pro", "--journal", "none", "--endpoint", srv.UploadURL,
		"--token-endpoint", ep.URL, "--public-key", imagekittest.DemoPublicKey, dir)
	lines := jsonLines(t, out)
	if code != 1 || len(lines) != 6 {
		t.Fatalf("exit %d, %d lines; want 1 and 6\n%s%s", code, len(lines), out, errs)
	}
	for name, l := range lines {
		want := "uploaded"
		if name == "big.mov" {
			want = "failed"
		}
		if l["status"] != want {
			t.Errorf("%s: %v, want %s", name, l, want)
		}
	}
	if n := len(srv.Files()); n != 5 {
		t.Errorf("%d files stored, want the 5 small ones", n)
	}
}

// TestSkipUploadedFalseSendsAgain: --skip-uploaded=false sends a file
// again even where this very job stored it before. Before, the job's own
// list of stored files passed it over; only --journal none sent it.
func TestSkipUploadedFalseSendsAgain(t *testing.T) {
	t.Setenv("IMAGEKIT_PRIVATE_KEY", "")
	srv := imagekittest.NewServer()
	defer srv.Close()
	p := filepath.Join(t.TempDir(), "a.jpg")
	os.WriteFile(p, []byte("a photo"), 0o644)
	args := uploadArgs(srv, "--json", "--unique=false", "--folder", "/again", "--journal", filepath.Join(t.TempDir(), "job.jsonl"), p)
	if code, out, errs := runCLI(t, "", args...); code != 0 {
		t.Fatalf("first: exit %d\n%s%s", code, out, errs)
	}
	code, out, errs := runCLI(t, "", append(args, "--skip-uploaded=false")...)
	if code != 0 || jsonLines(t, out)["a.jpg"]["status"] != "uploaded" {
		t.Fatalf("again: exit %d\n%s%s", code, out, errs)
	}
	if f := srv.Files(); len(f) != 1 || len(f[0].Versions) != 2 {
		t.Fatalf("stored %+v; want one file in two versions", f)
	}
}

// TestWrongKeyWithAFileUploadedBefore: a file found in the index of
// uploads proves nothing of the key, so a refused key still stops the run
// at once, exit 2. Before, the file found made the run go on: every file
// sent and refused, exit 1.
func TestWrongKeyWithAFileUploadedBefore(t *testing.T) {
	t.Setenv("IMAGEKIT_PRIVATE_KEY", "")
	srv := imagekittest.NewServer()
	defer srv.Close()
	dir := filepath.Join(t.TempDir(), "batch")
	os.MkdirAll(dir, 0o755)
	os.WriteFile(filepath.Join(dir, "a-first.jpg"), []byte("uploaded before"), 0o644)
	if code, out, errs := runCLI(t, "", uploadArgs(srv, "--journal", "none", "--folder", "/wk", dir)...); code != 0 {
		t.Fatalf("first: exit %d\n%s%s", code, out, errs)
	}
	for i := range 11 {
		os.WriteFile(filepath.Join(dir, fmt.Sprintf("b-%02d.jpg", i)), []byte(fmt.Sprintf("new %d", i)), 0o644)
	}
	t.Setenv("IMAGEKIT_PRIVATE_KEY", "private_wrong") // the right public key, the wrong private one
	before := len(srv.Requests())
	code, out, errs := runCLI(t, "", uploadArgs(srv, "--json", "--journal", "none", "--folder", "/wk", "--concurrency", "1", dir)...)
	if code != 2 {
		t.Errorf("exit %d, want 2\n%s%s", code, out, errs)
	}
	if n := len(srv.Requests()) - before; n > 2 {
		t.Errorf("%d refused requests sent, want the first (and one under way)", n)
	}
	if n := len(jsonLines(t, out)); n != 12 {
		t.Errorf("%d lines for 12 paths\n%s", n, out)
	}
}

// TestResumeReportsEachFileOnce: a file on the job's list of stored files
// and still unfinished in its journal (the process died between the two
// notes) is reported once; a journal's file that is gone since has its line.
// Before, the first was reported twice, and the second had no line at all
// while the summary counted it failed.
func TestResumeReportsEachFileOnce(t *testing.T) {
	t.Setenv("IMAGEKIT_PRIVATE_KEY", "")
	srv := imagekittest.NewServer()
	defer srv.Close()
	dir := filepath.Join(t.TempDir(), "shoot")
	os.MkdirAll(dir, 0o755)
	a, gone := filepath.Join(dir, "a.jpg"), filepath.Join(dir, "gone.jpg")
	os.WriteFile(a, []byte("a photo"), 0o644)
	jpath := filepath.Join(t.TempDir(), "job.jsonl")
	args := uploadArgs(srv, "--json", "--folder", "/resume", "--journal", jpath, dir)
	if code, out, errs := runCLI(t, "", args...); code != 0 {
		t.Fatalf("first: exit %d\n%s%s", code, out, errs)
	}
	leaveJournal(t, jpath, "/resume/", "shoot", true, a, gone)

	code, out, errs := runCLI(t, "", args...)
	if strings.Count(out, "a.jpg") != 1 || strings.Count(out, "gone.jpg") != 1 {
		t.Fatalf("exit %d; want a line each for a.jpg and gone.jpg\n%s%s", code, out, errs)
	}
	if !strings.Contains(errs, "1 already uploaded, 1 failed") {
		t.Errorf("summary: %s", errs)
	}
}

// TestWatchResumedFileReportedOnce: a file a watch was sending when it
// stopped is sent on restart and reported once, though the restart's first
// listing of the folder finds it too. Before, it was reported twice: the
// list of stored files was never updated while the watch ran.
func TestWatchResumedFileReportedOnce(t *testing.T) {
	t.Setenv("IMAGEKIT_PRIVATE_KEY", "")
	srv := imagekittest.NewServer()
	defer srv.Close()
	root := filepath.Join(t.TempDir(), "inbox")
	os.MkdirAll(root, 0o755)
	os.WriteFile(filepath.Join(root, "a.jpg"), []byte("a photo"), 0o644)
	jpath := filepath.Join(t.TempDir(), "watch.jsonl")
	args := uploadArgs(srv, "--json", "--folder", "/w", "--settle", "100ms", "--journal", jpath, root)
	args[0] = "watch"
	watch := func(until func(out string) bool) string {
		ctx, cancel := context.WithCancel(context.Background())
		var out, errs syncBuffer
		exited := make(chan int)
		go func() { exited <- run(ctx, args, Stdio{In: strings.NewReader(""), Out: &out, Err: &errs}) }()
		deadline := time.Now().Add(15 * time.Second)
		for !until(out.String()) && time.Now().Before(deadline) {
			time.Sleep(20 * time.Millisecond)
		}
		cancel()
		if code := <-exited; code != 0 {
			t.Fatalf("watch exited %d: %s", code, errs.String())
		}
		return out.String()
	}
	watch(func(out string) bool { return strings.Contains(out, "a.jpg") })

	// b.jpg was queued when the watch stopped: its journal says so.
	b := filepath.Join(root, "b.jpg")
	os.WriteFile(b, []byte("b photo"), 0o644)
	leaveJournal(t, jpath, "/w/", "", false, b)

	var reported time.Time
	out := watch(func(out string) bool {
		if reported.IsZero() && strings.Contains(out, "b.jpg") {
			reported = time.Now()
		}
		// Time for several listings of the folder after it ended.
		return !reported.IsZero() && time.Since(reported) > 2*time.Second
	})
	if n := strings.Count(out, "b.jpg"); n != 1 {
		t.Fatalf("b.jpg reported %d times:\n%s", n, out)
	}
	if strings.Contains(out, "a.jpg") {
		t.Fatalf("a.jpg reported again:\n%s", out)
	}
}

// TestRerunAfterMidnightFinishesWhereItStarted: a job whose folder has
// date placeholders, run again on the next day, is the same job: what it
// stored is not sent again, and what it left unfinished goes to the folder
// of the day it started. Before, the date was part of the job's identity:
// the second day uploaded everything again, to its own folder.
func TestRerunAfterMidnightFinishesWhereItStarted(t *testing.T) {
	t.Setenv("IMAGEKIT_PRIVATE_KEY", "")
	defer func(saved func() time.Time) { clock = saved }(clock)
	srv := imagekittest.NewServer()
	defer srv.Close()
	dir := filepath.Join(t.TempDir(), "shoot")
	os.MkdirAll(dir, 0o755)
	for _, n := range []string{"a.jpg", "b.jpg"} {
		os.WriteFile(filepath.Join(dir, n), []byte("photo "+n), 0o644)
	}
	jpath := filepath.Join(t.TempDir(), "job.jsonl")
	args := uploadArgs(srv, "--json", "--folder", "/d/{yyyy}{mm}{dd}", "--journal", jpath, dir)
	clock = func() time.Time { return time.Date(2026, 12, 4, 23, 59, 0, 0, time.Local) }
	if code, out, errs := runCLI(t, "", args...); code != 0 {
		t.Fatalf("first: exit %d\n%s%s", code, out, errs)
	}
	// The run was killed as it was about to send c.jpg: its journal says so.
	c := filepath.Join(dir, "c.jpg")
	os.WriteFile(c, []byte("photo c.jpg"), 0o644)
	leaveJournal(t, jpath, "/d/20261204/", "shoot", false, c)

	clock = func() time.Time { return time.Date(2026, 12, 5, 0, 1, 0, 0, time.Local) }
	code, out, errs := runCLI(t, "", args...)
	if code != 0 {
		t.Fatalf("the next day: exit %d\n%s%s", code, out, errs)
	}
	var paths []string
	for _, f := range srv.Files() {
		paths = append(paths, f.Path)
	}
	if len(paths) != 3 || strings.Contains(strings.Join(paths, " "), "20261205") {
		t.Fatalf("stored %v; want a, b and c, each once, all in the first day's folder\n%s%s", paths, out, errs)
	}
}

// TestNewVersionInDoubtStaysInDoubt: with new versions asked for, a file
// whose answer was lost stays "may already be uploaded" run after run,
// never stored a second time, until the person says to send it
// (--send-doubtful). Before, the first rerun reported the doubt, closed the
// job and removed its journal, and the second stored Version 2.
func TestNewVersionInDoubtStaysInDoubt(t *testing.T) {
	t.Setenv("IMAGEKIT_PRIVATE_KEY", "")
	srv := imagekittest.NewServer()
	defer srv.Close()
	srv.Script(imagekittest.Fault{StoreThenDrop: true})
	p := filepath.Join(t.TempDir(), "logo.png")
	os.WriteFile(p, []byte("the new logo"), 0o644)
	args := uploadArgs(srv, "--json", "--unique=false", "--folder", "/brand", "--journal", filepath.Join(t.TempDir(), "job.jsonl"), p)
	for run := 1; run <= 3; run++ {
		code, out, errs := runCLI(t, "", args...)
		l := jsonLines(t, out)["logo.png"]
		if e, _ := l["error"].(map[string]any); code != 1 || e["mayBeUploaded"] != true {
			t.Fatalf("run %d: exit %d, %v\n%s", run, code, l, errs)
		}
		if run > 1 && !strings.Contains(errs, "--send-doubtful") {
			t.Errorf("run %d does not say how to settle the doubt: %s", run, errs)
		}
		if f := srv.Files(); len(f) != 1 || len(f[0].Versions) != 1 {
			t.Fatalf("after run %d: %+v; want one version", run, f)
		}
	}
	code, out, errs := runCLI(t, "", append(args, "--send-doubtful")...)
	if l := jsonLines(t, out)["logo.png"]; code != 0 || l["status"] != "uploaded" {
		t.Fatalf("--send-doubtful: exit %d, %v\n%s", code, l, errs)
	}
	if f := srv.Files(); len(f[0].Versions) != 2 {
		t.Fatalf("--send-doubtful: %d versions, want 2", len(f[0].Versions))
	}
	// Settled: the same command now passes it over as stored.
	if code, out, _ := runCLI(t, "", args...); code != 0 || jsonLines(t, out)["logo.png"]["status"] != "already-uploaded" {
		t.Fatalf("after it was settled: exit %d\n%s", code, out)
	}
}

// TestSameBytesWithOtherSettingsAreNotDone: the same bytes sent again to
// the same folder as a private file, or with other tags, are not the upload
// asked for: the command says what it did not do, exit 1, with or without
// --skip-uploaded=false. Before, they were "already-uploaded", exit 0,
// and the file stayed public.
func TestSameBytesWithOtherSettingsAreNotDone(t *testing.T) {
	t.Setenv("IMAGEKIT_PRIVATE_KEY", "")
	srv := imagekittest.NewServer()
	defer srv.Close()
	p := filepath.Join(t.TempDir(), "plan.pdf")
	os.WriteFile(p, []byte("the floor plan "+t.Name()), 0o644)
	base := []string{"--json", "--journal", "none", "--folder", "/docs"}
	if code, out, errs := runCLI(t, "", uploadArgs(srv, append(base, p)...)...); code != 0 {
		t.Fatalf("first: exit %d\n%s%s", code, out, errs)
	}
	for _, extra := range [][]string{{"--private"}, {"--tags", "confidential"}, {"--private", "--skip-uploaded=false"}} {
		code, out, errs := runCLI(t, "", uploadArgs(srv, append(append(base, extra...), p)...)...)
		l := jsonLines(t, out)["plan.pdf"]
		e, _ := l["error"].(map[string]any)
		if code != 1 || l["status"] != "failed" || !strings.Contains(fmt.Sprint(e["message"]), "not applied") {
			t.Errorf("%v: exit %d, %v\n%s", extra, code, l, errs)
		}
	}
	if f := srv.Files(); len(f) != 1 || f[0].Private || len(f[0].Tags) != 0 {
		t.Fatalf("the library: %+v", f)
	}
	// The same settings again: uploaded before, exit 0; so are settings
	// that mean the same, written otherwise.
	tagged := filepath.Join(t.TempDir(), "tagged.pdf")
	os.WriteFile(tagged, []byte("tagged "+t.Name()), 0o644)
	meta := []string{"--tags", "a,b", "--custom-metadata", `{"x":1,"y":"z"}`}
	if code, out, errs := runCLI(t, "", uploadArgs(srv, append(append(base, meta...), tagged)...)...); code != 0 {
		t.Fatalf("tagged: exit %d\n%s%s", code, out, errs)
	}
	for _, again := range [][]string{
		{p},
		{"--tags", "b,a,a", "--custom-metadata", `{ "y": "z", "x": 1 }`, tagged},
	} {
		code, out, _ := runCLI(t, "", uploadArgs(srv, append(base, again...)...)...)
		if l := jsonLines(t, out)[filepath.Base(again[len(again)-1])]; code != 0 || l["status"] != "already-uploaded" {
			t.Fatalf("%v: exit %d\n%s", again, code, out)
		}
	}
}

// TestSharedJournalKeepsAnotherJobsDoubt: a --journal FILE shared by two
// jobs is removed only when nothing in it is left unfinished. Before, the
// second job's clean end removed it with the first job's file in doubt, and
// the first job's rerun stored Version 2.
func TestSharedJournalKeepsAnotherJobsDoubt(t *testing.T) {
	t.Setenv("IMAGEKIT_PRIVATE_KEY", "")
	srv := imagekittest.NewServer()
	defer srv.Close()
	srv.Script(imagekittest.Fault{StoreThenDrop: true})
	dir := t.TempDir()
	logo, other := filepath.Join(dir, "logo.png"), filepath.Join(dir, "other.png")
	os.WriteFile(logo, []byte("the logo"), 0o644)
	os.WriteFile(other, []byte("another file"), 0o644)
	jpath := filepath.Join(t.TempDir(), "shared.jsonl")
	a := uploadArgs(srv, "--json", "--unique=false", "--folder", "/brand", "--journal", jpath, logo)
	if code, _, errs := runCLI(t, "", a...); code != 1 {
		t.Fatalf("A: exit %d: %s", code, errs)
	}
	if code, _, errs := runCLI(t, "", uploadArgs(srv, "--folder", "/x", "--journal", jpath, other)...); code != 0 {
		t.Fatalf("B: exit %d: %s", code, errs)
	}
	code, out, _ := runCLI(t, "", a...)
	if e, _ := jsonLines(t, out)["logo.png"]["error"].(map[string]any); code != 1 || e["mayBeUploaded"] != true {
		t.Fatalf("A again: exit %d\n%s", code, out)
	}
	for _, f := range srv.Files() {
		if len(f.Versions) != 1 {
			t.Fatalf("%s stored %d times", f.Path, len(f.Versions))
		}
	}
}

// TestPlaceholderFolderIsNotALiteralOne: a job whose folder has date
// placeholders is not the job of a folder that happens to read like a
// filled-in date. Before, /0001/01/01 and /{yyyy}/{mm}/{dd} were one job,
// and the second passed every file over.
func TestPlaceholderFolderIsNotALiteralOne(t *testing.T) {
	t.Setenv("IMAGEKIT_PRIVATE_KEY", "")
	srv := imagekittest.NewServer()
	defer srv.Close()
	p := filepath.Join(t.TempDir(), "a.jpg")
	os.WriteFile(p, []byte("a photo "+t.Name()), 0o644)
	for _, folder := range []string{"/0001/01/01", "/{yyyy}/{mm}/{dd}"} {
		if code, out, errs := runCLI(t, "", uploadArgs(srv, "--json", "--folder", folder, p)...); code != 0 || jsonLines(t, out)["a.jpg"]["status"] != "uploaded" {
			t.Fatalf("--folder %s: exit %d\n%s%s", folder, code, out, errs)
		}
	}
}

// TestBytesReplacedAtTheirPathGoAgain: bytes uploaded to a path that a
// later upload gave other bytes are no longer there, so sending them again
// is not passed over. Before, the index still said "already uploaded" and
// ImageKit kept serving the later bytes.
func TestBytesReplacedAtTheirPathGoAgain(t *testing.T) {
	t.Setenv("IMAGEKIT_PRIVATE_KEY", "")
	srv := imagekittest.NewServer()
	defer srv.Close()
	p := filepath.Join(t.TempDir(), "logo.png")
	args := uploadArgs(srv, "--json", "--unique=false", "--journal", "none", "--folder", "/brand-"+strings.ToLower(t.Name()), p)
	for i, content := range []string{"logo version A", "logo version B!", "logo version A"} {
		os.WriteFile(p, []byte(content), 0o644)
		if code, out, errs := runCLI(t, "", args...); code != 0 || jsonLines(t, out)["logo.png"]["status"] != "uploaded" {
			t.Fatalf("upload %d: exit %d\n%s%s", i+1, code, out, errs)
		}
	}
	if f := srv.Files(); len(f) != 1 || len(f[0].Versions) != 3 {
		t.Fatalf("%+v; want one file in three versions", f)
	}
}

// TestTokenEndpointTooShortForAnyUploadStopsTheRun: a token endpoint whose
// --max-expire is below what any upload is given refuses every file: that
// is its setup, said once, exit 2, and each file has a line. Before, each
// file failed on its own, exit 1, without saying what to change.
func TestTokenEndpointTooShortForAnyUploadStopsTheRun(t *testing.T) {
	srv := imagekittest.NewServer()
	defer srv.Close()
	s, _ := signer.New(imagekittest.DemoPublicKey, imagekittest.DemoPrivateKey)
	ep := httptest.NewServer(&tokenserver.TokenHandler{Signer: s, Clients: tokenserver.Clients{"team": "secret"},
		Policy: tokenserver.Policy{MaxExpire: 60 * time.Second}})
	defer ep.Close()
	t.Setenv(EnvTokenEndpointSecret, "secret")
	dir := filepath.Join(t.TempDir(), "batch")
	os.MkdirAll(dir, 0o755)
	for i := range 4 {
		os.WriteFile(filepath.Join(dir, fmt.Sprintf("p%d.jpg", i)), []byte(fmt.Sprintf("photo %d", i)), 0o644)
	}
	code, out, errs := runCLI(t, "", "upload", "--json", "--concurrency", "1", "--journal", "none", "--endpoint", srv.UploadURL,
		"--token-endpoint", ep.URL, "--public-key", imagekittest.DemoPublicKey, dir)
	if code != 2 || !strings.Contains(errs, "--max-expire to 180") || len(jsonLines(t, out)) != 4 {
		t.Fatalf("exit %d\n%s%s", code, out, errs)
	}
}

// leaveJournal writes, at jpath, the journal a run killed mid-way would
// leave: an "add" record for each path (to folder, under rel; begun to send
// or not), of the job whose list of stored files is beside it.
func leaveJournal(t *testing.T, jpath, folder, rel string, started bool, paths ...string) {
	t.Helper()
	var rec struct{ Job string }
	d, err := openDoneList(jpath+".done", "", "", io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	d.db.View(func(tx *bolt.Tx) error {
		_, v := tx.Bucket(bucketDone).Cursor().First()
		return json.Unmarshal(v, &rec)
	})
	d.close()
	if rec.Job == "" {
		t.Fatal("no job in the list of stored files")
	}
	fields := uploader.DefaultFields()
	fields.Folder = folder
	var journal []byte
	for _, p := range paths {
		line, _ := json.Marshal(map[string]any{"op": "add", "path": p, "rel": rel, "fileName": filepath.Base(p), "fields": fields, "started": started, "tag": rec.Job})
		journal = append(append(journal, line...), '\n')
	}
	os.WriteFile(jpath, journal, 0o600)
}

// TestAdviceNamesTheFlag: the engine says what to do in words; the command
// line's failed line adds the flag that does it.
func TestAdviceNamesTheFlag(t *testing.T) {
	for unique, want := range map[bool]string{true: "--unique=false", false: "--skip-uploaded=false"} {
		err := fmt.Errorf("job: %w", &uploader.NotAppliedError{FilePath: "/docs/plan.pdf", Differ: []string{"isPrivateFile"}, Unique: unique})
		if got := advice(err); !strings.Contains(got, want) || strings.Contains(err.Error(), "--") {
			t.Errorf("unique %v: %q after %q", unique, got, err)
		}
	}
	if got := advice(errors.New("network: EOF")); got != "" {
		t.Errorf("advice for a network error: %q", got)
	}
}

// TestReadLibrarySettlesALostAnswer: with --read-library, a new version
// whose answer was lost is found in the library: uploaded, with its
// version and URL, exit 0, stored once.
func TestReadLibrarySettlesALostAnswer(t *testing.T) {
	t.Setenv("IMAGEKIT_PRIVATE_KEY", "")
	srv := imagekittest.NewServer()
	defer srv.Close()
	p := filepath.Join(t.TempDir(), "logo.png")
	os.WriteFile(p, []byte("the logo "+t.Name()), 0o644)
	srv.Script(imagekittest.Fault{StoreThenDrop: true})
	code, out, errs := runCLI(t, "", uploadArgs(srv, "--json", "--read-library", "--unique=false", "--journal", "none", "--folder", "/brand", p)...)
	l := jsonLines(t, out)["logo.png"]
	if code != 0 || l["status"] != "uploaded" || l["foundInLibrary"] != true || l["url"] == nil {
		t.Fatalf("exit %d, %v\n%s", code, l, errs)
	}
	if f := srv.Files(); len(f) != 1 || len(f[0].Versions) != 1 {
		t.Fatalf("the library: %+v", f)
	}
}
