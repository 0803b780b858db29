//go:build unix

package uploader

import (
	"context"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// TestPermissionDenied: an unreadable file and a folder that cannot be opened
// each fail with a clear reason, and a readable file beside them uploads.
// Root ignores permissions, so as root the test runs itself again as nobody.
func TestPermissionDenied(t *testing.T) {
	if dir := os.Getenv("IKU_PERMISSION_DIR"); dir != "" {
		permissionChecks(t, dir)
		return
	}
	dir, err := os.MkdirTemp("", "ik-perm-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	os.Chmod(dir, 0o755)
	os.WriteFile(filepath.Join(dir, "readable.jpg"), []byte("fine"), 0o644)
	os.WriteFile(filepath.Join(dir, "secret.jpg"), []byte("no"), 0o600)
	os.Mkdir(filepath.Join(dir, "private"), 0o700)
	os.WriteFile(filepath.Join(dir, "private", "inside.jpg"), []byte("no"), 0o644)
	if os.Getuid() != 0 {
		os.Chmod(filepath.Join(dir, "secret.jpg"), 0)
		os.Chmod(filepath.Join(dir, "private"), 0)
		t.Cleanup(func() { os.Chmod(filepath.Join(dir, "private"), 0o700) })
		permissionChecks(t, dir)
		return
	}
	bin := filepath.Join(dir, "uploader.test")
	if err := copyFile(os.Args[0], bin); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "-test.run=^TestPermissionDenied$", "-test.v", "-test.count=1")
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: 65534, Gid: 65534}}
	cmd.Env = append(os.Environ(), "IKU_PERMISSION_DIR="+dir, "HOME="+dir, "TMPDIR=/tmp")
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	if err != nil || !strings.Contains(string(out), "--- PASS: TestPermissionDenied") {
		t.Fatalf("as nobody: %v\n%s", err, out)
	}
}

func permissionChecks(t *testing.T, dir string) {
	srv := newTestServer(t)
	q := NewQueue(context.Background(), newClient(t, srv), 2, PlanFree)
	items, _ := Collect([]string{filepath.Join(dir, "readable.jpg"), filepath.Join(dir, "secret.jpg"), filepath.Join(dir, "private")})
	q.Add(items, DefaultFields())
	q.Start()
	runQueue(t, q)
	got := map[string]string{}
	for _, j := range q.Jobs() {
		if j.State == Done {
			got[filepath.Base(j.Request.Path)] = "done"
		} else {
			got[filepath.Base(j.Request.Path)] = j.Err.Error()
		}
	}
	want := map[string]string{
		"readable.jpg": "done",
		"secret.jpg":   "permission denied: this user cannot read the file",
		"private":      "cannot open this folder: permission denied",
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s: %q, want %q", k, got[k], v)
		}
	}
}

func copyFile(from, to string) error {
	in, err := os.Open(from)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(to, os.O_CREATE|os.O_WRONLY, 0o755)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}
