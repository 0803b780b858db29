package cli

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"imagekit-uploader/uploader/imagekittest"
)

// TestCLIChild is the command line as a process of its own, for the tests
// that kill it: it runs the arguments in IKU_CHILD_ARGS and exits.
func TestCLIChild(t *testing.T) {
	raw := os.Getenv("IKU_CHILD_ARGS")
	if raw == "" {
		t.Skip("run by TestResumeAfterSIGKILL")
	}
	var args []string
	json.Unmarshal([]byte(raw), &args)
	os.Exit(Run(t.Context(), args, Stdio{In: os.Stdin, Out: os.Stdout, Err: os.Stderr}, App{}))
}

// TestResumeAfterSIGKILL: upload of 200 files killed with SIGKILL midway,
// then the same command again: every file stored exactly once, its bytes
// the file's, with unique names on and off. One file is stored just before
// the kill with its answer held back, so the process dies between the file
// being stored and its journal hearing of it. Before, a second run stored
// 300 versions (unique off) or 304 files (unique on).
func TestResumeAfterSIGKILL(t *testing.T) {
	if testing.Short() {
		t.Skip("kills a process midway: seconds")
	}
	for _, c := range []struct {
		name  string
		flags []string
		maybe bool // files reported "may already be uploaded": the held one and any stored as it died, where a new version was asked for
	}{
		{"unique names", []string{"--unique=true"}, false},
		{"fixed names, never overwrite", []string{"--unique=false", "--overwrite=false"}, false},
		// ImageKit has a file at the held one's path, but the command asked
		// for a new version: that file may be an earlier one, so it says so.
		{"fixed names, new versions", []string{"--unique=false", "--overwrite=true"}, true},
		// Reading the library settles them: the held one and those stored as
		// it died are found there, the others sent; none left in doubt.
		{"fixed names, new versions, reading the library", []string{"--unique=false", "--overwrite=true", "--read-library"}, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Setenv("IMAGEKIT_PRIVATE_KEY", "")
			srv := imagekittest.NewServer(imagekittest.WithReadRate(100_000))
			defer srv.Close()
			// The 31st request is stored and never answered.
			faults := make([]imagekittest.Fault, 31)
			faults[30].StoreThenHang = true
			srv.Script(faults...)
			dir := filepath.Join(t.TempDir(), "shoot")
			want := map[string]string{} // sha -> local path
			os.MkdirAll(dir, 0o755)
			for i := range 200 {
				p := filepath.Join(dir, fmt.Sprintf("img-%03d.jpg", i))
				b := []byte(strings.Repeat(fmt.Sprintf("photo %03d ", i), 500))
				os.WriteFile(p, b, 0o644)
				sum := sha256.Sum256(b)
				want[hex.EncodeToString(sum[:])] = p
			}
			args := append(uploadArgs(srv, append([]string{"--json", "--concurrency", "4", "--folder", "/job",
				"--journal", filepath.Join(t.TempDir(), "job.jsonl")}, c.flags...)...), dir)

			raw, _ := json.Marshal(args)
			child := exec.Command(os.Args[0], "-test.run=^TestCLIChild$")
			child.Env = append(os.Environ(), "IKU_CHILD_ARGS="+string(raw))
			if err := child.Start(); err != nil {
				t.Fatal(err)
			}
			deadline := time.Now().Add(30 * time.Second)
			for len(srv.Files()) < 60 && time.Now().Before(deadline) {
				time.Sleep(10 * time.Millisecond)
			}
			child.Process.Kill() // SIGKILL: no chance to write anything more
			child.Wait()
			killedAt := len(srv.Files())
			if killedAt < 60 || killedAt >= 200 {
				t.Fatalf("killed with %d of 200 stored: the test proves nothing", killedAt)
			}

			code, out, errs := runCLI(t, "", args...)
			wantCode := 0
			if c.maybe {
				wantCode = 1
			}
			if code != wantCode {
				t.Fatalf("the same command again: exit %d, want %d\n%s", code, wantCode, errs)
			}
			if !strings.Contains(errs, "resuming:") {
				t.Errorf("the second run did not say it resumed: %s", errs)
			}
			files := srv.Files()
			seen := map[string]int{}
			for _, f := range files {
				if len(f.Versions) != 1 {
					t.Errorf("%s stored %d times", f.Path, len(f.Versions))
				}
				seen[f.Versions[0].SHA256]++
			}
			for sum, p := range want {
				if seen[sum] != 1 {
					t.Errorf("%s stored %d times", filepath.Base(p), seen[sum])
				}
			}
			if len(files) != 200 {
				t.Errorf("%d files stored, want 200 (killed at %d)", len(files), killedAt)
			}
			lines := jsonLines(t, out)
			if len(lines) != 200 {
				t.Errorf("the second run reported %d files, want 200", len(lines))
			}
			maybe := 0
			for name, l := range lines {
				switch e, _ := l["error"].(map[string]any); {
				case l["status"] == "uploaded" || l["status"] == "already-uploaded":
				case l["status"] == "may-be-uploaded" && e != nil && e["mayBeUploaded"] == true:
					maybe++
				default:
					t.Errorf("%s: %v", name, l)
				}
			}
			if (maybe > 0) != c.maybe || maybe > 5 {
				t.Errorf("%d reported as may already be uploaded (want some: %v; at most the 5 under way when it died)", maybe, c.maybe)
			}
			t.Logf("killed at %d stored; the second run: %d requests in all", killedAt, len(srv.Requests()))
		})
	}
}

// TestSameCommandAgainSendsNothing: after a run that finished, the same
// command (its journal found by default, in the cache folder) sends
// nothing; a file changed since is sent again; without the journal, the
// index of uploaded files still passes them over, unless
// --skip-uploaded=false.
func TestSameCommandAgainSendsNothing(t *testing.T) {
	t.Setenv("IMAGEKIT_PRIVATE_KEY", "")
	srv := imagekittest.NewServer()
	defer srv.Close()
	dir := filepath.Join(t.TempDir(), "shoot")
	os.MkdirAll(dir, 0o755)
	for _, n := range []string{"a.jpg", "b.jpg", "c.jpg"} {
		os.WriteFile(filepath.Join(dir, n), []byte(n), 0o644)
	}
	args := uploadArgs(srv, "--json", "--unique=false", dir)
	if code, _, errs := runCLI(t, "", args...); code != 0 {
		t.Fatalf("first run: exit %d: %s", code, errs)
	}
	code, out, errs := runCLI(t, "", args...)
	if code != 0 || len(srv.Requests()) != 3 {
		t.Fatalf("second run: exit %d, %d requests in all: %s", code, len(srv.Requests()), errs)
	}
	for name, l := range jsonLines(t, out) {
		if l["status"] != "already-uploaded" || l["filePath"] != "/shoot/"+name {
			t.Errorf("%s: %v", name, l)
		}
	}
	os.WriteFile(filepath.Join(dir, "b.jpg"), []byte("b, edited"), 0o644) // changed
	if code, out, _ = runCLI(t, "", args...); code != 0 || jsonLines(t, out)["b.jpg"]["status"] != "uploaded" || len(srv.Requests()) != 4 {
		t.Errorf("a changed file: exit %d, %d requests: %s", code, len(srv.Requests()), out)
	}
	// Without the job's journal, the index of uploaded files still knows them.
	if code, out, _ = runCLI(t, "", append(args, "--journal", "none")...); code != 0 || len(srv.Requests()) != 4 || !strings.Contains(out, "uploaded before, on ") {
		t.Errorf("--journal none: exit %d, %d requests, want none sent: %s", code, len(srv.Requests()), out)
	}
	if code, _, _ = runCLI(t, "", append(args, "--journal", "none", "--skip-uploaded=false")...); code != 0 || len(srv.Requests()) != 7 {
		t.Errorf("--skip-uploaded=false: exit %d, %d requests, want all 3 sent again", code, len(srv.Requests()))
	}
}

// TestJobsDoNotShareTheirLists: a job is its command, paths, fields and
// --file-name; another job's journal or list of stored files (even in the
// same --journal file) does not make this one pass files over. Before, a
// rerun of --file-name crashed, and --file-name second.jpg after first.jpg
// stored nothing.
func TestJobsDoNotShareTheirLists(t *testing.T) {
	t.Setenv("IMAGEKIT_PRIVATE_KEY", "")
	srv := imagekittest.NewServer()
	defer srv.Close()
	p := filepath.Join(t.TempDir(), "y.jpg")
	os.WriteFile(p, []byte("y"), 0o644)
	for i, name := range []string{"first.jpg", "first.jpg", "second.jpg"} {
		flags := []string{"--json", "--unique=false", "--skip-uploaded=false", "--file-name", name, p}
		want := "uploaded"
		if i == 1 {
			want = "already-uploaded"          // the same job again
			flags = slices.Delete(flags, 2, 3) // --skip-uploaded=false would send it again
		}
		code, out, errs := runCLI(t, "", uploadArgs(srv, flags...)...)
		if l := jsonLines(t, out)["y.jpg"]; code != 0 || l["status"] != want {
			t.Fatalf("run %d (--file-name %s): exit %d, %v %s", i+1, name, code, l, errs)
		}
	}
	jf := filepath.Join(t.TempDir(), "job.jsonl")
	for _, folder := range []string{"/one", "/two"} {
		code, out, errs := runCLI(t, "", uploadArgs(srv, "--json", "--journal", jf, "--folder", folder, p)...)
		if l := jsonLines(t, out)["y.jpg"]; code != 0 || l["status"] != "uploaded" {
			t.Fatalf("--folder %s with the same --journal: exit %d, %v %s", folder, code, l, errs)
		}
	}
}
