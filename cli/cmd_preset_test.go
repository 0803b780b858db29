package cli

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"imagekit-uploader/keystore"
	"imagekit-uploader/preset"
	"imagekit-uploader/strip/striptest"
	"imagekit-uploader/uploader/imagekittest"
)

// TestPresetRoundTrip: a preset saved from flags is listed, shown as the
// same flags, applied by upload --preset (flags given override it, the
// folder's date placeholders filled), and deleted.
func TestPresetRoundTrip(t *testing.T) {
	t.Setenv(keystore.EnvPrivateKey, "")
	t.Setenv(preset.EnvFile, filepath.Join(t.TempDir(), "presets.json"))
	srv := imagekittest.NewServer()
	defer srv.Close()

	// None yet: said on stderr (before, nothing at all); stdout stays empty.
	if code, out, errs := runCLI(t, "", "preset", "list"); code != 0 || out != "" || !strings.Contains(errs, "preset save") {
		t.Fatalf("list of none: exit %d, %q %q", code, out, errs)
	}
	code, _, errs := runCLI(t, "", "preset", "save", "Summer shoot", "--folder", "/shoots/{yyyy}/{mm}",
		"--tags", "summer,dress", "--unique=false", "--strip", "gps", "--custom-metadata", `{"brand": "acme"}`, "--overwrite-tags=false")
	if code != 0 {
		t.Fatalf("save: exit %d: %s", code, errs)
	}
	code, out, _ := runCLI(t, "", "preset", "list")
	if code != 0 || !strings.HasPrefix(out, "Summer shoot\t") || !strings.Contains(out, "--tags=summer,dress") {
		t.Fatalf("list: exit %d: %q", code, out)
	}
	code, out, _ = runCLI(t, "", "preset", "show", "Summer shoot")
	want := "--folder='/shoots/{yyyy}/{mm}'\n--tags=summer,dress\n--unique=false\n--strip=gps\n--custom-metadata='{\"brand\": \"acme\"}'\n--overwrite-tags=false\n"
	if code != 0 || out != want {
		t.Fatalf("show: exit %d:\n%s\nwant:\n%s", code, out, want)
	}

	p := filepath.Join(t.TempDir(), "dress.jpg")
	os.WriteFile(p, striptest.PhoneJPEG(), 0o644)
	code, out, errs = runCLI(t, "", append(uploadArgs(srv, "--preset", "Summer shoot", "--tags", "sale", "--json"), p)...)
	if code != 0 {
		t.Fatalf("upload --preset: exit %d: %s", code, errs)
	}
	now := time.Now()
	line := jsonLines(t, out)["dress.jpg"]
	if wantPath := fmt.Sprintf("/shoots/%d/%02d/dress.jpg", now.Year(), now.Month()); line["filePath"] != wantPath {
		t.Errorf("stored at %v, want %s (unique off, the folder's date filled)", line["filePath"], wantPath)
	}
	f := srv.Requests()[0].Fields
	if f["tags"] != "sale" || f["customMetadata"] != `{"brand": "acme"}` || f["overwriteTags"] != "false" {
		t.Errorf("sent %v: want the preset with --tags overridden", f)
	}
	if left := striptest.Location(fetch(t, line["url"].(string))); left != "" {
		t.Errorf("the preset's --strip gps was not applied: %s was stored", left)
	}

	code, _, errs = runCLI(t, "", append(uploadArgs(srv, "--preset", "Winter"), p)...)
	if code != 2 || !strings.Contains(errs, `no preset "Winter"; there are "Summer shoot"`) {
		t.Errorf("unknown preset: exit %d: %s", code, errs)
	}
	if code, _, errs = runCLI(t, "", "preset", "delete", "Summer shoot"); code != 0 {
		t.Fatalf("delete: exit %d: %s", code, errs)
	}
	if code, out, _ = runCLI(t, "", "preset", "list"); code != 0 || out != "" {
		t.Fatalf("list after delete: %q", out)
	}
}

// TestPresetRefusals: bad settings, names and files are refused with exit
// 2 and a reason; nothing is written.
func TestPresetRefusals(t *testing.T) {
	path := filepath.Join(t.TempDir(), "presets.json")
	t.Setenv(preset.EnvFile, path)
	for _, c := range [][]string{
		{"preset", "save", "x", "--folder", "/{year}", "unknown placeholder {year}"},
		{"preset", "save", "x", "--extensions", "[1]", "--extensions: item 1 is a number"},
		{"preset", "save", "x", "y", "--tags", "a", "one name"},
		{"preset", "save", "x", "settings to save"},
		{"preset", "save", "x", "--endpoint", "http://x", "flag provided but not defined"},
		{"preset", "show", "nope", `no preset "nope": there are none yet`},
		{"preset", "frob", "unknown preset command"},
	} {
		code, _, errs := runCLI(t, "", c[:len(c)-1]...)
		if code != 2 || !strings.Contains(errs, c[len(c)-1]) {
			t.Errorf("%v: exit %d: %q", c[:len(c)-1], code, errs)
		}
	}
	if _, err := os.Stat(path); !os.IsNotExist(err) {
		t.Fatal("a presets file was written")
	}
	os.WriteFile(path, []byte("{not json"), 0o600)
	code, _, errs := runCLI(t, "", "preset", "save", "x", "--tags", "a")
	if code != 2 || !strings.Contains(errs, "damaged") {
		t.Errorf("damaged file: exit %d: %q", code, errs)
	}
	if b, _ := os.ReadFile(path); string(b) != "{not json" {
		t.Error("the damaged file was replaced")
	}
}

// TestPresetShowPastes: preset show's lines, pasted into a shell, give back
// each value exactly: newlines, tabs, quotes, $, emoji joiners. Before, any
// character Go did not call printable (a joiner, a no-break space) turned
// the value into a Go-quoted string, which the shell took literally.
func TestPresetShowPastes(t *testing.T) {
	if _, err := exec.LookPath("bash"); err != nil {
		t.Skip("no bash to paste into: preset show writes lines for POSIX shells")
	}
	t.Setenv(preset.EnvFile, filepath.Join(t.TempDir(), "presets.json"))
	for _, v := range []string{"a\nb\tc", `it's "$HOME" \n`, "Family 👨\u200d👩\u200d👧\u00a0x", "bell\a and \x1b[2J escape"} {
		if code, _, errs := runCLI(t, "", "preset", "save", "p", "--description", v); code != 0 {
			t.Fatalf("save %q: %s", v, errs)
		}
		_, out, _ := runCLI(t, "", "preset", "show", "p")
		line := strings.TrimSuffix(out, "\n")
		if strings.ContainsFunc(line, func(r rune) bool { return r == 0x1b || r == 7 }) {
			t.Errorf("%q: a control character reached the terminal: %q", v, line)
		}
		got, err := exec.Command("bash", "-c", "printf %s "+line).Output()
		if err != nil || string(got) != "--description="+v {
			t.Errorf("%q: pasted as %q (%v), from %q", v, got, err, line)
		}
	}
}
