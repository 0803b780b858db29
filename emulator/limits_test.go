package emulator

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"mime/multipart"
	"net"
	"net/http"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// poll waits until cond holds, failing the test after a generous deadline.
func poll(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func dial(t *testing.T, s *Server) net.Conn {
	t.Helper()
	conn, err := net.Dial("tcp", strings.TrimPrefix(s.URL, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	return conn
}

// incomingBlobs lists the uploads being received: their temp files.
func incomingBlobs(t *testing.T, s *Server) []string {
	t.Helper()
	m, err := filepath.Glob(filepath.Join(s.Dir, "blobs", "incoming-*"))
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// hungUp reads conn to its end and says whether the server closed it before
// the client's own (long) deadline.
func hungUp(conn net.Conn) bool {
	conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	_, err := io.Copy(io.Discard, conn)
	var ne net.Error
	return !errors.As(err, &ne) || !ne.Timeout()
}

func TestStalledUploadIsCutAndItsFileRemoved(t *testing.T) {
	s, sg := newServer(t, WithStallTimeout(200*time.Millisecond))
	tok, err := sg.Sign(map[string]string{"fileName": "a.bin"})
	if err != nil {
		t.Fatal(err)
	}
	var head bytes.Buffer
	mw := multipart.NewWriter(&head)
	mw.WriteField("fileName", "a.bin")
	mw.WriteField("token", tok)
	fw, _ := mw.CreateFormFile("file", "a.bin")
	half := bytes.Repeat([]byte("x"), 64<<10)
	fw.Write(half)
	// The body announced holds the other half and the closing boundary too.
	length := head.Len() + len(half) + len("\r\n--"+mw.Boundary()+"--\r\n")
	conn := dial(t, s)
	fmt.Fprintf(conn, "POST %s HTTP/1.1\r\nHost: test\r\nContent-Type: %s\r\nContent-Length: %d\r\n\r\n",
		UploadPath, mw.FormDataContentType(), length)
	conn.Write(head.Bytes())
	poll(t, "the server to start storing the file", func() bool { return len(incomingBlobs(t, s)) == 1 })
	if !hungUp(conn) {
		t.Fatal("a stalled upload was still connected 10 s after a 200 ms stall limit")
	}
	poll(t, "the stalled upload's temp file to be removed", func() bool { return len(incomingBlobs(t, s)) == 0 })
	if r := waitRequests(t, s, 1); len(r) != 1 || r[0].Status == 200 || len(s.Files()) != 0 {
		t.Fatalf("recorded %+v, %d files; want one failed request, nothing stored", r, len(s.Files()))
	}
}

func TestIdleConnectionIsClosed(t *testing.T) {
	s, _ := newServer(t, WithIdleTimeout(200*time.Millisecond))
	conn := dial(t, s)
	fmt.Fprintf(conn, "GET /files/nothing HTTP/1.1\r\nHost: test\r\n\r\n")
	br := bufio.NewReader(conn)
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.Close {
		t.Fatal("the server closed the connection after one answer; want keep-alive, then the idle limit")
	}
	conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	if _, err := br.ReadByte(); !errors.Is(err, io.EOF) {
		t.Fatalf("an idle keep-alive connection: %v after 10 s; want it closed after the 200 ms idle limit", err)
	}
}

func TestFieldLimits(t *testing.T) {
	s, _ := newServer(t)
	many := map[string]string{}
	for i := range 65 {
		many[fmt.Sprint("f", i)] = "x"
	}
	big := map[string]string{"fileName": strings.Repeat("a", 600<<10), "description": strings.Repeat("d", 600<<10)}
	for name, c := range map[string]struct {
		fields map[string]string
		want   string
	}{
		"65 fields":      {many, "at most 64"},
		"1.2 MiB in all": {big, "1 MiB in all"},
	} {
		a := send(t, s, nil, upload{fields: c.fields, noToken: true, file: []byte("x")})
		msg, _ := a.body["message"].(string)
		if a.status != 400 || !strings.Contains(msg, c.want) {
			t.Errorf("%s: %d %q; want 400 and a message with %q", name, a.status, msg, c.want)
		}
	}
}

func TestRequestLogIsBounded(t *testing.T) {
	s, sg := newServer(t, WithRequestLog(5))
	var ids []string
	for range 8 {
		a := send(t, s, sg, upload{fields: map[string]string{"fileName": "a.txt"}, file: []byte("x")})
		ids = append(ids, a.requestID)
	}
	got := waitRequests(t, s, 5)
	if len(got) != 5 || got[0].ID != ids[3] || got[4].ID != ids[7] {
		t.Fatalf("%d requests kept; want the last 5 of 8", len(got))
	}
}

// Listen (the emulator, the app's demo) keeps a bounded log; NewServer (tests) keeps all.
func TestRequestLogDefaults(t *testing.T) {
	l, err := Listen("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(l.Close)
	n, _ := newServer(t)
	for _, s := range []*Server{l, n} {
		for range DefaultRequestLog + 1 {
			send(t, s, nil, upload{fields: map[string]string{"fileName": "a.txt"}, noToken: true, file: []byte("x")})
		}
	}
	if got := len(l.Requests()); got != DefaultRequestLog {
		t.Errorf("Listen kept %d requests, want the last %d", got, DefaultRequestLog)
	}
	if got := len(n.Requests()); got != DefaultRequestLog+1 {
		t.Errorf("NewServer kept %d requests, want all %d", got, DefaultRequestLog+1)
	}
}

func (s *Server) remembers(token string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	_, ok := s.seen[token]
	return ok
}

// withSweepEvery makes the server forget expired tokens as often as d.
func withSweepEvery(d time.Duration) Option { return func(c *config) { c.sweepEvery = d } }

func TestSeenTokensAreForgottenAfterTheirExp(t *testing.T) {
	s, sg := newServer(t, withSweepEvery(0))
	f := map[string]string{"fileName": "a.txt"}
	now := time.Now()
	short := handToken(t, jwt.MapClaims{"fileName": "a.txt", "iat": now.Unix(), "exp": now.Unix() + 2})
	if a := send(t, s, sg, upload{fields: f, token: short, file: []byte("x")}); a.status != 200 {
		t.Fatalf("short-lived token: %d %v", a.status, a.body)
	}
	if !s.remembers(short) {
		t.Fatal("a used token is not remembered")
	}
	poll(t, "the expired token to be forgotten", func() bool {
		send(t, s, sg, upload{fields: f, file: []byte("x")})
		return !s.remembers(short)
	})
	if a := send(t, s, sg, upload{fields: f, token: short, file: []byte("x")}); a.status != 400 || !strings.Contains(a.body["message"].(string), "expired") {
		t.Fatalf("the forgotten token again: %d %v; want 400 expired", a.status, a.body)
	}
	// A token no key of this server signed can never be accepted: it is not kept.
	forged := short[:strings.LastIndexByte(short, '.')+1] + "AAAA"
	send(t, s, sg, upload{fields: f, token: forged, file: []byte("x")})
	if s.remembers(forged) {
		t.Fatal("a token with a forged signature is remembered")
	}
}

// fileName "." or ".." must not name the folder or its parent.
func TestDotNamesDoNotReachFolders(t *testing.T) {
	s, sg := newServer(t)
	put := func(folder, name string) answer {
		return send(t, s, sg, upload{fields: map[string]string{"fileName": name, "folder": folder, "useUniqueFileName": "false"}, file: []byte(name)})
	}
	if a := put("/victim", "b"); a.status != 200 {
		t.Fatalf("setup: %d %v", a.status, a.body)
	}
	for _, name := range []string{"..", "."} {
		a := put("/victim/b/sub", name)
		msg, _ := a.body["message"].(string)
		if a.status != 400 || !strings.Contains(msg, "fileName") {
			t.Errorf("fileName %q: %d %v; want 400 about the fileName", name, a.status, a.body)
		}
	}
	for _, f := range s.Files() {
		if f.Path != "/victim/b" || len(f.Versions) != 1 {
			t.Errorf("stored %s with %d versions; want only /victim/b, once", f.Path, len(f.Versions))
		}
	}
}

func TestServedFilesAreExactAndInert(t *testing.T) {
	s, sg := newServer(t)
	page := []byte("<!doctype html><script>alert(document.cookie)</script>\n")
	a := send(t, s, sg, upload{fields: map[string]string{"fileName": "index.html", "useUniqueFileName": "false"}, file: page, fileName: "index.html"})
	if a.status != 200 {
		t.Fatalf("upload: %d %v", a.status, a.body)
	}
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.Get(a.body["url"].(string))
	if err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !bytes.Equal(got, page) {
		t.Fatalf("GET index.html: %d %q; want 200 and the bytes uploaded", resp.StatusCode, got)
	}
	if h := resp.Header; h.Get("X-Content-Type-Options") != "nosniff" || h.Get("Content-Security-Policy") != "sandbox" {
		t.Fatalf("headers %v; want nosniff and CSP sandbox", h)
	}
}

// TestConnectionsAreBounded: a client that opens many connections and sends
// nothing holds at most maxConns of the server's; the rest wait in the
// kernel's backlog. Before, 1,000 half-sent requests held 1,000 goroutines.
func TestConnectionsAreBounded(t *testing.T) {
	s, err := Listen("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	before := runtime.NumGoroutine()
	var conns []net.Conn
	for range maxConns + 100 {
		c, err := net.DialTimeout("tcp", s.ln.Addr().String(), time.Second)
		if err != nil {
			break
		}
		io.WriteString(c, "POST /api/v2/files/upload HTTP/1.1\r\nHost: x\r\n")
		conns = append(conns, c)
	}
	defer func() {
		for _, c := range conns {
			c.Close()
		}
	}()
	deadline := time.Now().Add(5 * time.Second)
	for runtime.NumGoroutine()-before < maxConns && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if grew := runtime.NumGoroutine() - before; grew > maxConns+20 {
		t.Fatalf("%d goroutines for %d connections, want at most about %d", grew, len(conns), maxConns)
	}
}
