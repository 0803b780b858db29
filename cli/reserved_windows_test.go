//go:build windows

package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"imagekit-uploader/uploader/imagekittest"
)

// TestReservedNamesAsJournal: Windows' device names given as --journal.
// nul in any case is "keep nothing", as NUL is; CON (or lpt1.jsonl) is a
// device, refused in words for that. Before, CON gave "CON.done cannot be
// read: Invalid handle".
func TestReservedNamesAsJournal(t *testing.T) {
	t.Setenv("IMAGEKIT_PRIVATE_KEY", "")
	srv := imagekittest.NewServer()
	defer srv.Close()
	dir := t.TempDir()
	t.Chdir(dir)
	photo := filepath.Join(dir, "a.jpg")
	os.WriteFile(photo, []byte("a photo"), 0o644)
	for _, none := range []string{"nul", "/dev/null"} { // the second as scripts write it
		os.WriteFile(photo, []byte("a photo for "+none), 0o644)
		if code, out, errs := runCLI(t, "", append(uploadArgs(srv, "--journal", none), photo)...); code != 0 {
			t.Errorf("--journal %s: exit %d\n%s%s", none, code, out, errs)
		}
	}
	os.WriteFile(photo, []byte("another photo"), 0o644)
	code, _, errs := runCLI(t, "", append(uploadArgs(srv, "--journal", "CON"), photo)...)
	if code != 2 || !strings.Contains(errs, "is a device, not a file") {
		t.Errorf("--journal CON: exit %d, %s", code, errs)
	}
	if code, _, errs := runCLI(t, "", append(uploadArgs(srv, "--journal", filepath.Join(dir, "lpt1.jsonl")), photo)...); code != 2 || !strings.Contains(errs, "is a device") {
		t.Errorf("--journal lpt1.jsonl: exit %d, %s", code, errs)
	}
	for _, dev := range []string{"conin$", "COM¹.jsonl", "nul:", `sub\Aux .jsonl`} {
		if code, _, errs := runCLI(t, "", append(uploadArgs(srv, "--journal", filepath.Join(dir, dev)), photo)...); code != 2 || !strings.Contains(errs, "is a device") {
			t.Errorf("--journal %s: exit %d, %s", dev, code, errs)
		}
	}
	if len(srv.Files()) != 2 {
		t.Errorf("%d files stored, want the two with no journal", len(srv.Files()))
	}
}
