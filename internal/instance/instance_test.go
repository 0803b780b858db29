package instance

import (
	"bufio"
	"net"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"sync"
	"testing"
	"time"
)

// shortDir is a folder whose socket path fits a Unix socket's 104 bytes.
func shortDir(t *testing.T) string {
	d, err := os.MkdirTemp("", "iku")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(d) })
	return filepath.Join(d, "run")
}

func claim(t *testing.T, dir string, paths ...string) (*Server, bool) {
	t.Helper()
	s, handed, err := Claim(dir, paths, 5*time.Second)
	if err != nil {
		t.Skipf("no Unix socket here: %v", err) // wine
	}
	if s != nil {
		t.Cleanup(s.Close)
	}
	return s, handed
}

// TestSecondLaunchHandsItsPaths: the first launch is the window; launches
// after it hand their paths over (those that came before the window was
// ready too) and are told to end; once the window closes, the next launch
// is the window.
func TestSecondLaunchHandsItsPaths(t *testing.T) {
	dir := shortDir(t)
	first, handed := claim(t, dir)
	if first == nil || handed {
		t.Fatal("the first launch is not the window")
	}
	a, b := filepath.Join(dir, "a.jpg"), filepath.Join(dir, "b c.jpg")
	if s, handed := claim(t, dir, a, b); s != nil || !handed {
		t.Fatal("the second launch did not hand its paths over")
	}
	got := make(chan []string, 10)
	first.Handle(func(p []string) { got <- p })
	if p := <-got; !slices.Equal(p, []string{a, b}) {
		t.Errorf("the window got %q", p)
	}
	if s, handed := claim(t, dir); s != nil || !handed {
		t.Fatal("a launch with no paths")
	}
	if p := <-got; len(p) != 0 {
		t.Errorf("a launch with no paths gave %q", p)
	}
	if runtime.GOOS != "windows" {
		for _, c := range []struct {
			p    string
			mode os.FileMode
		}{{dir, 0o700}, {filepath.Join(dir, "window.sock"), 0o600}} {
			if info, err := os.Stat(c.p); err != nil || info.Mode().Perm() != c.mode {
				t.Errorf("%s: %v %v, want %v", filepath.Base(c.p), info.Mode().Perm(), err, c.mode)
			}
		}
	}
	first.Close()
	if s, handed := claim(t, dir); s == nil || handed {
		t.Fatal("after the window closed, the next launch is not the window")
	}
}

// TestLaunchesAtOnce: of launches at the same moment, one is the window
// and every other's paths reach it.
func TestLaunchesAtOnce(t *testing.T) {
	dir := shortDir(t)
	if ln, err := net.Listen("unix", filepath.Join(filepath.Dir(dir), "probe.sock")); err != nil {
		t.Skipf("no Unix socket here: %v", err) // wine
	} else {
		ln.Close()
	}
	var mu sync.Mutex
	var servers []*Server
	got := make(chan []string, 10)
	var wg sync.WaitGroup
	for i := range 6 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s, handed, err := Claim(dir, []string{filepath.Join(dir, string(rune('a'+i)))}, 10*time.Second)
			if err != nil {
				t.Error(err)
				return
			}
			if s != nil {
				s.Handle(func(p []string) { got <- p })
				mu.Lock()
				servers = append(servers, s)
				mu.Unlock()
			} else if !handed {
				t.Error("neither the window nor handed over")
			}
		}()
	}
	wg.Wait()
	if len(servers) != 1 {
		t.Fatalf("%d windows", len(servers))
	}
	defer servers[0].Close()
	for range 5 {
		select {
		case <-got:
		case <-time.After(5 * time.Second):
			t.Fatal("a launch's paths did not arrive")
		}
	}
}

// TestACrashedWindowsSocket: a socket left by a window that crashed (its
// lock is gone with it) is taken over.
func TestACrashedWindowsSocket(t *testing.T) {
	dir := shortDir(t)
	os.MkdirAll(dir, 0o700)
	ln, err := net.Listen("unix", filepath.Join(dir, "window.sock"))
	if err != nil {
		t.Skipf("no Unix socket here: %v", err)
	}
	if l, ok := ln.(*net.UnixListener); ok {
		l.SetUnlinkOnClose(false)
	}
	ln.Close() // the file stays, and nobody answers it
	if s, handed := claim(t, dir); s == nil || handed {
		t.Fatal("a crashed window's socket kept the next launch from being the window")
	}
}

// TestNotALaunch: relative paths, or what is not a message, are not taken.
func TestNotALaunch(t *testing.T) {
	dir := shortDir(t)
	s, _ := claim(t, dir)
	got := make(chan []string, 1)
	s.Handle(func(p []string) { got <- p })
	for _, msg := range []string{`{"paths":["a.jpg"]}` + "\n", "GET / HTTP/1.1\r\nHost: x\r\n\r\n"} {
		conn, err := net.Dial("unix", filepath.Join(dir, "window.sock"))
		if err != nil {
			t.Fatal(err)
		}
		conn.Write([]byte(msg))
		conn.SetReadDeadline(time.Now().Add(2 * time.Second))
		if reply, _ := bufio.NewReader(conn).ReadString('\n'); reply != "" {
			t.Errorf("%q answered %q", msg, reply)
		}
		conn.Close()
	}
	select {
	case p := <-got:
		t.Errorf("taken: %q", p)
	default:
	}
}

// TestAnotherUsersFolder: a folder of another user's (a shared
// XDG_RUNTIME_DIR, where they listen and answer ok) is not used: before,
// the launch handed its paths to their socket and no window opened.
func TestAnotherUsersFolder(t *testing.T) {
	if runtime.GOOS == "windows" || os.Getuid() != 0 {
		t.Skip("needs root, to give the folder away")
	}
	dir := shortDir(t)
	os.MkdirAll(dir, 0o777)
	if err := os.Chown(dir, 65534, 65534); err != nil {
		t.Skip(err)
	}
	if s, handed, err := Claim(dir, []string{"/tmp/secret.png"}, time.Second); err == nil || handed || s != nil {
		t.Fatalf("another user's folder was used: %v %v", handed, err)
	}
}
