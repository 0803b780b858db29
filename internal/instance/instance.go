// Package instance keeps one window per user. A second launch (Open with,
// Send to, a drag onto the launcher, `imagekit-uploader a.jpg`) hands its
// paths to the window already open and exits, instead of a second window
// fighting the first over the journal.
//
// The first window holds a lock file and listens on a Unix socket beside
// it, in a folder only this user can enter ($XDG_RUNTIME_DIR, else the
// user's config folder); the socket is the user's alone (0600), and on
// Linux a peer of another user is refused by its credentials. Nothing
// listens on the network.
package instance

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"sync"
	"time"

	"imagekit-uploader/internal/filelock"
)

// Dir is where the lock and the socket are kept.
func Dir() (string, error) {
	if d := os.Getenv("XDG_RUNTIME_DIR"); d != "" && filepath.IsAbs(d) {
		return filepath.Join(d, "imagekit-uploader"), nil
	}
	d, err := os.UserConfigDir()
	if err != nil {
		return "", err
	}
	return filepath.Join(d, "imagekit-uploader", "run"), nil
}

// message is what a second launch sends: the paths it was given, made
// absolute (none only brings the window forward).
type message struct {
	Paths []string `json:"paths"`
}

// maxMessage bounds a message: 100,000 long paths.
const maxMessage = 64 << 20

// Server is the first window's end.
type Server struct {
	ln   net.Listener
	lock *filelock.Lock
	sock string

	mu      sync.Mutex
	handle  func(paths []string)
	pending [][]string // what came before Handle
	closed  bool
}

// ErrNoAnswer means a window holds the lock but does not answer.
var ErrNoAnswer = errors.New("a window of this app is open but does not answer: close it (or end it in the task manager), then try again")

// Claim makes this process the one window, or hands paths to the one that
// is open: then handed is true, and this process should end.
func Claim(dir string, paths []string, wait time.Duration) (s *Server, handed bool, err error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, false, err
	}
	if err := ours(dir); err != nil {
		return nil, false, err
	}
	sock := filepath.Join(dir, "window.sock")
	deadline := time.Now().Add(wait)
	for {
		lock, err := filelock.TryLock(filepath.Join(dir, "window.lock"))
		if err == nil {
			os.Remove(sock) // a crashed window's
			ln, err := net.Listen("unix", sock)
			if err != nil {
				lock.Unlock()
				return nil, false, err
			}
			os.Chmod(sock, 0o600)
			s := &Server{ln: ln, lock: lock, sock: sock}
			go s.serve()
			return s, false, nil
		}
		if !errors.Is(err, filelock.ErrLocked) {
			return nil, false, err
		}
		// Another window: it may be starting (its socket not there yet),
		// or closing (then its lock goes, and this launch is the window).
		err = send(sock, paths, time.Until(deadline))
		if err == nil {
			return nil, true, nil
		}
		if time.Now().After(deadline) {
			return nil, false, fmt.Errorf("%w (%v)", ErrNoAnswer, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// ours says why dir is not a folder of this user's alone, or nil: a
// folder another user made (a shared XDG_RUNTIME_DIR) could hold their
// socket, to which this launch would hand its paths.
func ours(dir string) error {
	info, err := os.Lstat(dir)
	if err != nil {
		return err
	}
	if !info.IsDir() {
		return fmt.Errorf("%s is not a folder", dir)
	}
	if !ownedHere(info) {
		return fmt.Errorf("%s belongs to another user", dir)
	}
	return os.Chmod(dir, 0o700)
}

// send hands paths to the window at sock and waits for it to take them.
func send(sock string, paths []string, wait time.Duration) error {
	conn, err := net.DialTimeout("unix", sock, max(wait, time.Second))
	if err != nil {
		return err
	}
	defer conn.Close()
	if !samePerson(conn) {
		return errors.New("the window's socket is another user's")
	}
	conn.SetDeadline(time.Now().Add(max(wait, 5*time.Second)))
	if err := json.NewEncoder(conn).Encode(message{Paths: paths}); err != nil {
		return err
	}
	reply, err := bufio.NewReader(conn).ReadString('\n')
	if err != nil {
		return err
	}
	if reply != "ok\n" {
		return fmt.Errorf("the window answered %q", reply)
	}
	return nil
}

func (s *Server) serve() {
	for {
		conn, err := s.ln.Accept()
		if err != nil {
			return // closed
		}
		go s.take(conn)
	}
}

// take reads one launch's paths, hands them on, and says so.
func (s *Server) take(conn net.Conn) {
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(30 * time.Second))
	if !samePerson(conn) {
		return
	}
	var m message
	if err := json.NewDecoder(&limited{r: conn, n: maxMessage}).Decode(&m); err != nil {
		return
	}
	for _, p := range m.Paths {
		if !filepath.IsAbs(p) {
			return // the sender makes them absolute: this is no launch of this app
		}
	}
	s.mu.Lock()
	if s.closed { // the window is going: no "ok", so the launch opens its own
		s.mu.Unlock()
		return
	}
	h := s.handle
	if h == nil {
		s.pending = append(s.pending, m.Paths)
	}
	s.mu.Unlock()
	if h != nil {
		h(m.Paths)
	}
	conn.Write([]byte("ok\n"))
}

// Handle sets what takes a launch's paths (nil or empty: show the window),
// and gives it those that came before. It is called on a goroutine of its
// own for each launch.
func (s *Server) Handle(f func(paths []string)) {
	s.mu.Lock()
	s.handle = f
	pending := s.pending
	s.pending = nil
	s.mu.Unlock()
	for _, p := range pending {
		f(p)
	}
}

// Close stops listening and lets the next window be the one.
func (s *Server) Close() {
	s.mu.Lock()
	closed := s.closed
	s.closed = true
	s.mu.Unlock()
	if closed {
		return
	}
	s.ln.Close()
	os.Remove(s.sock)
	s.lock.Unlock()
}

// limited reads at most n bytes, then fails.
type limited struct {
	r interface{ Read([]byte) (int, error) }
	n int64
}

func (l *limited) Read(p []byte) (int, error) {
	if l.n <= 0 {
		return 0, errors.New("message too long")
	}
	if int64(len(p)) > l.n {
		p = p[:l.n]
	}
	n, err := l.r.Read(p)
	l.n -= int64(n)
	return n, err
}
