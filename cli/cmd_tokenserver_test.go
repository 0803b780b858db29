package cli

import (
	"bufio"
	"context"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"imagekit-uploader/keystore"
)

// startTokenServer runs token-server with args until the test ends and
// returns its /auth URL.
func startTokenServer(t *testing.T, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	done := make(chan int, 1)
	go func() {
		done <- run(ctx, append([]string{"token-server", "--listen", "127.0.0.1:0", "--public-key", "public_ts"}, args...), Stdio{In: os.Stdin, Out: io.Discard, Err: pw})
		pw.Close()
	}()
	t.Cleanup(func() {
		cancel()
		<-done
	})
	lines := bufio.NewScanner(pr)
	for lines.Scan() {
		if _, after, ok := strings.Cut(lines.Text(), "listening on "); ok {
			go io.Copy(io.Discard, pr)
			return strings.Fields(after)[0]
		}
	}
	t.Fatal("token-server did not say where it listens")
	return ""
}

func askToken(t *testing.T, url, secret, payload string) int {
	t.Helper()
	req, _ := http.NewRequest("POST", url, strings.NewReader(`{"uploadPayload":`+payload+`,"expire":60,"publicKey":"public_ts"}`))
	req.Header.Set("Authorization", "bearer "+secret)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

// TestTokenServerPolicyFlags: clients from a file, a folder prefix, unique
// names only, a rate, and an audit log.
func TestTokenServerPolicyFlags(t *testing.T) {
	t.Setenv(keystore.EnvPrivateKey, "private_ts")
	t.Setenv(EnvTokenServerSecret, "")
	dir := t.TempDir()
	secrets, audit := filepath.Join(dir, "clients"), filepath.Join(dir, "audit.log")
	os.WriteFile(secrets, []byte("# web and app\nweb web-secret-1\napp app-secret-2\n"), 0o600)
	url := startTokenServer(t, "--secrets-file", secrets, "--folder-prefix", "/web", "--require-unique", "--rate", "2", "--audit-log", audit)
	ok := `{"fileName":"a.jpg","folder":"/web/summer/"}`
	for _, c := range []struct {
		secret, payload string
		want            int
	}{
		{"web-secret-1", ok, 200},
		{"app-secret-2", ok, 200},
		{"web-secret-1", `{"fileName":"a.jpg","folder":"/other/"}`, 403},
		{"web-secret-1", `{"fileName":"a.jpg","folder":"/web/","useUniqueFileName":"false"}`, 403},
		{"web-secret-1", `{"fileName":"a.jpg","folder":"/web/","webhookUrl":"https://x.example/"}`, 403},
		{"wrong", ok, 401},
		{"web-secret-1", ok, 200},
		{"web-secret-1", ok, 429}, // the third token this minute
	} {
		if got := askToken(t, url, c.secret, c.payload); got != c.want {
			t.Errorf("%s %s: %d, want %d", c.secret, c.payload, got, c.want)
		}
	}
	b, _ := os.ReadFile(audit)
	if n := strings.Count(string(b), "\n"); n != 3 || !strings.Contains(string(b), `"client":"app"`) || strings.Contains(string(b), "secret") {
		t.Fatalf("audit log (%d lines):\n%s", n, b)
	}
}

// TestTokenServerLetsGoOfSlowClients: a caller that stalls mid-body, or idles
// on a kept-alive connection, is cut off. Before, both were held for good.
func TestTokenServerLetsGoOfSlowClients(t *testing.T) {
	t.Setenv(keystore.EnvPrivateKey, "private_ts")
	t.Setenv(EnvTokenServerSecret, "s3cret")
	saved := tokenServerLimits
	tokenServerLimits.read, tokenServerLimits.idle, tokenServerLimits.header = 300*time.Millisecond, 300*time.Millisecond, 300*time.Millisecond
	defer func() { tokenServerLimits = saved }()
	url := startTokenServer(t)
	addr := strings.TrimPrefix(strings.TrimSuffix(url, "/auth"), "http://")

	stalled, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer stalled.Close()
	io.WriteString(stalled, "POST /auth HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer s3cret\r\nContent-Length: 1000\r\n\r\n{\"upload")
	idle, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer idle.Close()
	for name, c := range map[string]net.Conn{"a stalled body": stalled, "an idle connection": idle} {
		c.SetReadDeadline(time.Now().Add(10 * time.Second))
		io.Copy(io.Discard, c) // returns when the server closes it
		if err := c.SetReadDeadline(time.Time{}); err != nil {
			t.Fatal(err)
		}
		var one [1]byte
		c.SetReadDeadline(time.Now().Add(50 * time.Millisecond))
		if _, err := c.Read(one[:]); err == nil || isTimeout(err) {
			t.Errorf("%s is still open", name)
		}
	}
}

func isTimeout(err error) bool {
	ne, ok := err.(net.Error)
	return ok && ne.Timeout()
}
