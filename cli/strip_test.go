package cli

import (
	"crypto/sha256"
	"encoding/hex"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"imagekit-uploader/exif"
	"imagekit-uploader/strip/striptest"
	"imagekit-uploader/uploader/imagekittest"
)

// fetch is what the server has at url.
func fetch(t *testing.T, url string) []byte {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("%s: %d %v", url, resp.StatusCode, err)
	}
	return b
}

// TestUploadStripsLocation: with --strip gps, what the server stored has no
// location and keeps its orientation; its unique name is made from those
// bytes, so verify --strip gps finds it and a rerun stores nothing again.
// A HEIC is refused, not sent with its location.
func TestUploadStripsLocation(t *testing.T) {
	t.Setenv("IMAGEKIT_PRIVATE_KEY", "")
	srv := imagekittest.NewServer()
	defer srv.Close()
	dir := t.TempDir()
	photo := filepath.Join(dir, "beach.jpg")
	os.WriteFile(photo, striptest.PhoneJPEG(), 0o644)
	heic, _ := os.ReadFile(filepath.Join("..", "ui", "testdata", "red-64x32.heic"))
	os.WriteFile(filepath.Join(dir, "phone.heic"), heic, 0o644)

	for _, mode := range []string{"gps", "all"} {
		t.Run(mode, func(t *testing.T) {
			folder := "/strip-" + mode
			args := uploadArgs(srv, "--json", "--journal", "none", "--folder", folder, "--strip", mode, dir)
			code, out, errs := runCLI(t, "", args...)
			lines := jsonLines(t, out)
			b := lines["beach.jpg"]
			if code != 1 || b["status"] != "uploaded" {
				t.Fatalf("exit %d: %v\n%s", code, lines, errs)
			}
			e, _ := lines["phone.heic"]["error"].(map[string]any)
			if msg, _ := e["message"].(string); lines["phone.heic"]["status"] != "failed" || !strings.Contains(msg, "HEIC file without re-encoding") {
				t.Errorf("the HEIC: %v", lines["phone.heic"])
			}
			stored := fetch(t, b["url"].(string))
			if left := striptest.Location(stored); left != "" {
				t.Errorf("the server stored %s", left)
			}
			if i := strings.Index(string(stored), "Exif\x00\x00"); i < 0 || exif.Orientation(stored[i+6:]) != 6 {
				t.Error("the orientation was not kept")
			}
			sum := sha256.Sum256(stored)
			if name := b["name"].(string); name != "beach_"+hex.EncodeToString(sum[:])[:12]+".jpg" {
				t.Errorf("stored as %s: not named from the bytes sent", name)
			}
			if mode == "all" && strings.Contains(string(stored), "taken at home") {
				t.Error("all: the comment is still there")
			}

			code, out, _ = runCLI(t, "", uploadArgs(srv, "--json", "--journal", "none", "--folder", folder, "--strip", mode, dir)...)
			if again := jsonLines(t, out)["beach.jpg"]; code != 1 || again["status"] != "already-uploaded" {
				t.Errorf("again: exit %d %v", code, again)
			}
			kept := 0
			for _, f := range srv.Files() {
				if strings.HasPrefix(f.Path, folder+"/") {
					kept += len(f.Versions)
				}
			}
			if kept != 1 {
				t.Errorf("%d files or versions in %s, want 1", kept, folder)
			}
			code, out, errs = runCLI(t, "", "verify", "--endpoint", srv.UploadURL, "--public-key", imagekittest.DemoPublicKey, "--folder", folder, "--strip", mode, dir)
			if !strings.Contains(out, "present") || strings.Contains(out, "missing") || strings.Contains(out, "differs") {
				t.Errorf("verify --strip %s: exit %d %s%s", mode, code, out, errs)
			}
		})
	}
	// A URL is ImageKit's to fetch: nothing of it passes here to be stripped.
	code, out, _ := runCLI(t, "https://example.com/beach.jpg\n", uploadArgs(srv, "--json", "--strip", "gps", "--from-list", "-")...)
	if code != 1 || !strings.Contains(out, "cannot be removed here") {
		t.Errorf("a URL item with --strip gps: exit %d %s", code, out)
	}
	if code, _, errs := runCLI(t, "", uploadArgs(srv, "--strip", "exif", photo)...); code != 2 || !strings.Contains(errs, "use gps") {
		t.Errorf("--strip exif: exit %d %s", code, errs)
	}
}
