package cli

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"imagekit-uploader/keystore"
	"imagekit-uploader/uploader/imagekittest"
)

func TestReportAddsUpAcrossRuns(t *testing.T) {
	t.Setenv(keystore.EnvPrivateKey, "")
	srv := imagekittest.NewServer()
	defer srv.Close()
	dir := t.TempDir()
	var lines []string
	for i := range 10 {
		p := filepath.Join(dir, fmt.Sprintf("f%d.jpg", i))
		if i >= 8 {
			lines = append(lines, fmt.Sprintf(`{"file": %q, "tags": ["late"]}`, p)) // not there yet: fails
			continue
		}
		os.WriteFile(p, []byte(p), 0o644)
		lines = append(lines, p)
	}
	work := t.TempDir() // the lists and reports, beside the files
	list := filepath.Join(work, "list.txt")
	os.WriteFile(list, []byte(strings.Join(lines, "\n")+"\n"), 0o644)
	code, out1, errs := runCLI(t, "", uploadArgs(srv, "--json", "--from-list", list)...)
	if code != 1 {
		t.Fatalf("first run: exit %d: %s", code, errs)
	}
	r1 := filepath.Join(work, "run1.jsonl")
	os.WriteFile(r1, []byte(out1), 0o644)

	failed := filepath.Join(work, "failed.txt")
	code, out, errs := runCLI(t, "", "report", "--json", "--failed", failed, r1)
	var sums reportSums
	if err := json.Unmarshal([]byte(out), &sums); err != nil || code != 1 {
		t.Fatalf("exit %d, %q: %v %s", code, out, err, errs)
	}
	if sums.Items != 10 || sums.Uploaded != 8 || sums.Failed != 2 || sums.FailedByKind["file"] != 2 {
		t.Errorf("sums of the first run: %+v", sums)
	}
	// Given the list, report also counts what no run reported: here a
	// line added to the list since (a worker that never ran, say).
	withNew := filepath.Join(work, "list-more.txt")
	other := filepath.Join(t.TempDir(), "other")
	os.MkdirAll(other, 0o755)
	os.WriteFile(filepath.Join(other, "x.jpg"), []byte("x"), 0o644)
	os.WriteFile(withNew, []byte(strings.Join(lines, "\n")+"\n"+filepath.Join(work, "new.jpg")+"\n"+dir+"\n"+other+"\n"), 0o644)
	code, out, _ = runCLI(t, "", "report", "--json", "--list", withNew, "--failed", filepath.Join(work, "again.txt"), r1)
	sums = reportSums{}
	if err := json.Unmarshal([]byte(out), &sums); err != nil || code != 1 || sums.NotReported != 2 || sums.Items != 10 {
		t.Errorf("with --list: exit %d, %+v (%v); want 2 not reported: new.jpg and the other folder's file, the reported folder passed over", code, sums, err)
	}
	if b, _ := os.ReadFile(filepath.Join(work, "again.txt")); !strings.Contains(string(b), other+"\n") || strings.Contains(string(b), dir+"\n") {
		t.Errorf("the list to send again:\n%s", b)
	}
	b, _ := os.ReadFile(failed)
	if n := strings.Count(string(b), "\n"); n != 2 || !strings.Contains(string(b), `"tags":["late"]`) {
		t.Fatalf("the failed list: %s", b)
	}

	// The files come; the failed list goes again, with each item's tags.
	for i := 8; i < 10; i++ {
		p := filepath.Join(dir, fmt.Sprintf("f%d.jpg", i))
		os.WriteFile(p, []byte(p), 0o644)
	}
	code, out2, errs := runCLI(t, "", uploadArgs(srv, "--json", "--from-list", failed)...)
	if code != 0 || strings.Count(out2, `"status":"uploaded"`) != 2 {
		t.Fatalf("the failed list: exit %d: %s %s", code, out2, errs)
	}
	for _, r := range srv.Requests() {
		if strings.HasPrefix(r.Claims.Fields["fileName"], "f8") && r.Claims.Fields["tags"] != "late" {
			t.Errorf("f8 sent again with tags %q", r.Claims.Fields["tags"])
		}
	}
	r2 := filepath.Join(work, "run2.jsonl")
	os.WriteFile(r2, []byte(out2), 0o644)

	// The rerun's report first: the last word is by time, not by order.
	code, out, errs = runCLI(t, "", "report", r2, r1)
	if code != 0 {
		t.Fatalf("exit %d: %s %s", code, out, errs)
	}
	for _, want := range []string{"items                    10", "uploaded                 10", "failed                    0"} {
		if !strings.Contains(out, want) {
			t.Errorf("report lacks %q:\n%s", want, out)
		}
	}
	// Lines that are not results are counted as such, and said.
	os.WriteFile(r2, []byte(out2+"not json\n{\"a\":1}\n"), 0o644)
	if code, _, errs := runCLI(t, "", "report", r2, r1); code != 0 || !strings.Contains(errs, "1 of 13 lines were not upload results") {
		t.Errorf("exit %d: %s", code, errs)
	}
}

// TestReportHostileInput: lines of other programs are not failures; many
// odd words do not crash it; a killed run's "uploaded" stays an upload
// after its rerun says "already"; a path that is not UTF-8 goes to the
// failed list as its bytes. Before: a panic at 255 words, {"status":"ok"}
// counted failed with {"file":""} to send again, 293 uploads counted 200.
func TestReportHostileInput(t *testing.T) {
	dir := t.TempDir()
	var b strings.Builder
	for i := range 300 {
		fmt.Fprintf(&b, `{"path":"p%d","status":"s%d"}`+"\n", i, i)
	}
	b.WriteString(`{"path":"/healthz","status":"ok"}` + "\n")
	b.WriteString(`{"path":"/a.jpg","status":"uploaded","at":"2026-01-01T00:00:01Z"}` + "\n")
	b.WriteString(`{"path":"/a.jpg","status":"already-uploaded","at":"2026-01-01T00:00:02Z"}` + "\n")
	b.WriteString(`{"path":"/b.jpg","status":"already-uploaded","at":"2026-01-01T00:00:02Z"}` + "\n")
	odd := "/photos/caf\xe9.jpg"
	line, _ := json.Marshal(map[string]any{"path": strings.ToValidUTF8(odd, "\uFFFD"), "pathBytes": []byte(odd), "status": "failed", "error": map[string]any{"kind": "network", "message": "cut"}})
	b.Write(append(line, '\n'))
	r := filepath.Join(dir, "r.jsonl")
	os.WriteFile(r, []byte(b.String()), 0o644)
	failed := filepath.Join(dir, "again.txt")
	code, out, errs := runCLI(t, "", "report", "--json", "--failed", failed, r)
	var sums reportSums
	if err := json.Unmarshal([]byte(out), &sums); err != nil || code != 1 {
		t.Fatalf("exit %d: %s %s", code, out, errs)
	}
	if sums.Items != 3 || sums.Uploaded != 1 || sums.Already != 1 || sums.Failed != 1 || sums.FailedByKind["network"] != 1 || sums.UnreadLines != 301 {
		t.Errorf("%+v", sums)
	}
	if got, _ := os.ReadFile(failed); string(got) != odd+"\n" {
		t.Errorf("the failed list: %q, want the path's own bytes", got)
	}
}
