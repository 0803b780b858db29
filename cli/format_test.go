package cli

import (
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"

	"imagekit-uploader/keystore"
	"imagekit-uploader/results"
	"imagekit-uploader/uploader/imagekittest"
)

// TestUploadFormat: --format writes each line with a template over the
// --json fields, every field present on every line, and leaves out lines
// that come out empty.
func TestUploadFormat(t *testing.T) {
	t.Setenv(keystore.EnvPrivateKey, "")
	srv := imagekittest.NewServer()
	defer srv.Close()
	dir := t.TempDir()
	a, gone := filepath.Join(dir, "a.jpg"), filepath.Join(dir, "gone.jpg")
	os.WriteFile(a, []byte("aaaa"), 0o644)

	md := `{{if eq .status "uploaded"}}![{{.name}}]({{.url}}?tr=w-800) {{.size}} {{.versionInfo.name}}{{else}}{{.status}} {{.error.kind}}: {{.error.message}}{{end}}`
	code, out, errs := runCLI(t, "", uploadArgs(srv, "--unique=false", "--format", md, a, gone)...)
	if code != 1 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	if len(lines) != 2 || strings.Contains(errs, "--format") {
		t.Fatalf("want 2 lines and no template error:\n%s\n%s", out, errs)
	}
	if !strings.Contains(out, "![a.jpg](http") || !strings.Contains(out, "/a.jpg?tr=w-800) 4 Version 1\n") {
		t.Errorf("no Markdown line for a.jpg in:\n%s", out)
	}
	if !strings.Contains(out, "failed file: ") || !strings.Contains(out, "does not exist") {
		t.Errorf("the missing file's line:\n%s", out)
	}

	// Only the failures: the uploaded file prints nothing, not an empty line.
	code, out, _ = runCLI(t, "", uploadArgs(srv, "--format", `{{if eq .status "failed"}}{{.path}}{{end}}`, a, gone)...)
	if code != 1 || out != gone+"\n" {
		t.Errorf("exit %d, %q; want only %q", code, out, gone)
	}
}

// TestUploadFormatValues: numbers are numbers (compared, tested, printed
// with %d), a field left out is 0 or "" and false in an if, a template that
// fails on a real line says so with the line and exits 1, and a path that is
// not UTF-8 comes quoted with its bytes.
func TestUploadFormatValues(t *testing.T) {
	t.Setenv(keystore.EnvPrivateKey, "")
	srv := imagekittest.NewServer()
	defer srv.Close()
	dir := t.TempDir()
	a, gone := filepath.Join(dir, "a.jpg"), filepath.Join(dir, "gone\xff.jpg")
	if runtime.GOOS == "windows" { // no name that is not Unicode there
		gone = filepath.Join(dir, "gone.jpg")
	}
	os.WriteFile(a, []byte("aaaa"), 0o644)

	code, out, errs := runCLI(t, "", uploadArgs(srv, "--format", `{{.status}}:{{if .error.status}}status{{end}}:{{if gt .size 3}}big{{end}}:{{printf "%d" .size}}`, a, gone)...)
	if code != 1 || !strings.Contains(out, "uploaded::big:4\n") || !strings.Contains(out, "failed:::0\n") {
		t.Errorf("exit %d:\n%s%s", code, out, errs)
	}
	code, out, _ = runCLI(t, "", uploadArgs(srv, "--format", `{{.path}}`, gone)...)
	if want := results.Printable(gone) + "\n"; code != 1 || out != want || runtime.GOOS != "windows" && want != strconv.Quote(gone)+"\n" {
		t.Errorf("exit %d, %q; want the path quoted", code, out)
	}

	// Values a sample could not stand for are not refused up front: a real
	// file ID has 24 characters. (Another file: a's bytes are there already.)
	b := filepath.Join(dir, "b.jpg")
	os.WriteFile(b, []byte("bbbb"), 0o644)
	code, out, errs = runCLI(t, "", uploadArgs(srv, "--format", `{{if eq .status "uploaded"}}{{slice .fileId 0 8}}{{end}}`, b)...)
	if code != 0 || len(out) != 9 {
		t.Errorf("exit %d, %q %s; want 8 characters of the file ID", code, out, errs)
	}
	// One that fails on a real line: not on stdout, said with the line, exit 1.
	code, out, errs = runCLI(t, "", uploadArgs(srv, "--unique=false", "--skip-uploaded=false", "--format", `{{slice .name 0 10}}`, a)...)
	if code != 1 || out != "" || !strings.Contains(errs, "--format") || !strings.Contains(errs, "the line: uploaded  "+a) {
		t.Errorf("exit %d, %q %q", code, out, errs)
	}
}

// TestUploadFormatQuotesServerText: the values a template prints are made
// printable like the plain lines: a name with a newline and an escape
// sequence cannot forge a line or reach the terminal.
func TestUploadFormatQuotesServerText(t *testing.T) {
	skipWindowsNames(t)
	t.Setenv(keystore.EnvPrivateKey, "")
	srv := imagekittest.NewServer()
	defer srv.Close()
	dir := t.TempDir()
	touchFile(t, filepath.Join(dir, "evil\nfake\x1b[31m.jpg"))
	code, out, errs := runCLI(t, "", uploadArgs(srv, "--format", "{{.path}} {{.name}}", dir)...)
	if code != 0 || strings.Count(out, "\n") != 1 || strings.Contains(out, "\x1b") {
		t.Fatalf("exit %d, want one line without ESC: %q %s", code, out, errs)
	}
}

func TestUploadFormatUsageErrors(t *testing.T) {
	t.Setenv(keystore.EnvPrivateKey, "")
	a := filepath.Join(t.TempDir(), "a.jpg")
	os.WriteFile(a, []byte("a"), 0o644)
	for name, format := range map[string]string{
		"unclosed":          "{{.url",
		"a field of a text": "{{.url.host}}",
		"an unknown func":   "{{upper .url}}",
	} {
		code, _, errs := runCLI(t, "", "upload", "--endpoint", "http://127.0.0.1:1/api/v2/files/upload", "--public-key", imagekittest.DemoPublicKey, "--format", format, a)
		if code != 2 || !strings.Contains(errs, "--format") {
			t.Errorf("%s: exit %d, %q; want 2 and a message", name, code, errs)
		}
	}
	code, _, errs := runCLI(t, "", "upload", "--endpoint", "http://127.0.0.1:1/api/v2/files/upload", "--public-key", imagekittest.DemoPublicKey, "--json", "--format", "{{.url}}", a)
	if code != 2 || !strings.Contains(errs, "give one") {
		t.Errorf("--json with --format: exit %d, %q", code, errs)
	}
}
