package cli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"imagekit-uploader/uploader/imagekittest"
)

// TestVerify: after a folder went up, verify finds every file; one deleted
// from the library is missing and one changed here differs (fixed names),
// exit 1; uploaded again, exit 0. --extra lists what the library has that
// no file here matches.
func TestVerify(t *testing.T) {
	t.Setenv("IMAGEKIT_PRIVATE_KEY", "")
	srv := imagekittest.NewServer()
	defer srv.Close()
	shoot := filepath.Join(t.TempDir(), "shoot")
	os.MkdirAll(filepath.Join(shoot, "sub"), 0o755)
	for _, n := range []string{"a.jpg", "b.jpg", "sub/c.jpg", "sub/summer banner (1).jpg"} {
		os.WriteFile(filepath.Join(shoot, n), []byte("photo "+n), 0o644)
	}
	verify := func(folder string, extra ...string) (int, map[string]map[string]any, string) {
		args := append([]string{"verify", "--endpoint", srv.UploadURL, "--public-key", imagekittest.DemoPublicKey, "--folder", folder, "--json"}, extra...)
		code, out, errs := runCLI(t, "", append(args, shoot)...)
		lines := map[string]map[string]any{}
		for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
			var m map[string]any
			if json.Unmarshal([]byte(line), &m) != nil {
				continue
			}
			key, _ := m["path"].(string)
			if key == "" {
				key, _ = m["filePath"].(string)
			}
			lines[filepath.Base(key)] = m
		}
		return code, lines, errs + out
	}
	for _, unique := range []string{"--unique=true", "--unique=false"} {
		t.Run(unique, func(t *testing.T) {
			folder := "/job" + strings.TrimPrefix(unique, "--unique=")
			if code, _, errs := runCLI(t, "", uploadArgs(srv, "--journal", "none", "--folder", folder, unique, shoot)...); code != 0 {
				t.Fatalf("upload: exit %d\n%s", code, errs)
			}
			code, lines, errs := verify(folder, unique)
			if code != 0 || len(lines) != 4 || lines["c.jpg"]["status"] != "present" || lines["c.jpg"]["url"] == nil || lines["summer banner (1).jpg"]["status"] != "present" {
				t.Fatalf("after the upload: exit %d %v\n%s", code, lines, errs)
			}
		})
	}
	// Fixed names: b.jpg gone from the library, a.jpg changed here.
	if !srv.Remove("/jobfalse/shoot/b.jpg") {
		t.Fatal("nothing to remove")
	}
	os.WriteFile(filepath.Join(shoot, "a.jpg"), []byte("photo a.jpg, retouched"), 0o644)
	code, lines, errs := verify("/jobfalse", "--unique=false", "--extra")
	if code != 1 || lines["b.jpg"]["status"] != "missing" || lines["a.jpg"]["status"] != "differs" || lines["c.jpg"]["status"] != "present" ||
		!strings.Contains(errs, "2 present, 1 missing, 1 differ") {
		t.Fatalf("after a delete and a change: exit %d %v\n%s", code, lines, errs)
	}
	if code, _, errs := runCLI(t, "", uploadArgs(srv, "--journal", "none", "--folder", "/jobfalse", "--unique=false", "--skip-uploaded=false", shoot)...); code != 0 {
		t.Fatalf("upload again: exit %d\n%s", code, errs)
	}
	if code, lines, errs := verify("/jobfalse", "--unique=false"); code != 0 || lines["a.jpg"]["status"] != "present" || lines["b.jpg"]["status"] != "present" {
		t.Fatalf("after uploading again: exit %d %v\n%s", code, lines, errs)
	}
	// A wrong private key: refused, said once, exit 2.
	t.Setenv("IMAGEKIT_PRIVATE_KEY", "private_wrong")
	if code, _, errs := verify("/jobtrue"); code != 2 || !strings.Contains(errs, "refused the private key") {
		t.Fatalf("a wrong key: exit %d\n%s", code, errs)
	}
}
