package localendpoint

import (
	"context"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"testing"
)

// TestAnotherUserIsRefused: another user of this computer, connecting over
// loopback, may not upload this user's files (before, nobody could post a
// path of root's own and get its URL).
func TestAnotherUserIsRefused(t *testing.T) {
	if runtime.GOOS != "linux" || os.Getuid() != 0 {
		t.Skip("needs Linux and root, to connect as another user")
	}
	curl, err := exec.LookPath("curl")
	if err != nil {
		t.Skip("no curl")
	}
	var mu sync.Mutex
	var uploaded []string
	count := func() int { mu.Lock(); defer mu.Unlock(); return len(uploaded) }
	h := &Handler{Upload: func(_ context.Context, paths []string) []Result {
		mu.Lock()
		defer mu.Unlock()
		uploaded = append(uploaded, paths...)
		return []Result{{URL: "https://ik.imagekit.io/demo/passport.jpg"}}
	}}
	srv := httptest.NewServer(h)
	defer srv.Close()
	p := filepath.Join(t.TempDir(), "passport.jpg")
	os.WriteFile(p, []byte("scan"), 0o600)
	post := func(uid uint32) string {
		cmd := exec.Command(curl, "-s", "-H", "Content-Type: application/json", "-d", `{"list":["`+p+`"]}`, srv.URL+"/upload")
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: uid, Gid: uid}}
		out, _ := cmd.Output()
		return string(out)
	}
	if out := post(65534); !strings.Contains(out, "another user") || count() != 0 {
		t.Errorf("as nobody: %s; %d uploaded", out, count())
	}
	if out := post(0); !strings.Contains(out, `"success":true`) || count() != 1 {
		t.Errorf("as this user: %s", out)
	}
}
