package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"imagekit-uploader/keystore"
	"imagekit-uploader/uploader/imagekittest"
)

// --file-name takes a name: "." , ".." or a path is a usage error, and nothing is sent.
func TestUploadFileNameMustBeAName(t *testing.T) {
	t.Setenv(keystore.EnvPrivateKey, "")
	srv := imagekittest.NewServer()
	defer srv.Close()
	a := filepath.Join(t.TempDir(), "a.jpg")
	os.WriteFile(a, []byte("a"), 0o644)
	for _, name := range []string{"..", ".", "sub/a.jpg", " "} {
		code, _, errs := runCLI(t, "", uploadArgs(srv, "--unique=false", "--retries", "0", "--file-name", name, a)...)
		if code != 2 || !strings.Contains(errs, "--file-name") {
			t.Errorf("--file-name %q: exit %d, %q; want 2 and a message about --file-name", name, code, errs)
		}
	}
	if n := len(srv.Requests()); n != 0 {
		t.Fatalf("%d requests reached the server, want none", n)
	}
}
