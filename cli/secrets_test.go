package cli

import (
	"encoding/base64"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"imagekit-uploader/keystore"
	"imagekit-uploader/uploader/imagekittest"
)

// TestPrivateKeyStaysPut runs the CLI end to end (key set, upload,
// token-server) with its home and XDG directories in a temporary folder,
// against a server that scans every request for the private key. The key
// must appear in no output, no file, no byte on the wire; tokens must live
// minutes; and no command takes the key as an argument.
func TestPrivateKeyStaysPut(t *testing.T) {
	const pub, priv, bearer = "public_secret_test", "private_Zq8vN3xK_must_not_leak", "bearer-must-not-leak"
	home := t.TempDir()
	for _, v := range []string{"HOME", "XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_CACHE_HOME", "XDG_STATE_HOME"} {
		t.Setenv(v, filepath.Join(home, strings.ToLower(v)))
	}
	t.Setenv(keystore.EnvPrivateKey, "")
	srv := imagekittest.NewServer(imagekittest.WithKey(pub, priv), imagekittest.WithWatch(priv), imagekittest.WithWatch(bearer))
	defer srv.Close()
	var output strings.Builder
	record := func(code int, out, errs string) int {
		output.WriteString(out + errs)
		return code
	}

	if code := record(runCLI(t, "", "key", "set", "--public-key", pub, priv)); code != 2 {
		t.Fatalf("key set took the key as an argument (exit %d): it must come from stdin", code)
	}
	if code := record(runCLI(t, priv+"\n", "key", "set", "--public-key", pub)); code != 0 {
		t.Fatalf("key set: exit %d", code)
	}
	dir := filepath.Join(t.TempDir(), "batch")
	os.MkdirAll(dir, 0o755)
	for _, n := range []string{"a.jpg", "b.jpg", "c.jpg"} {
		os.WriteFile(filepath.Join(dir, n), []byte("bytes of "+n), 0o644)
	}
	if code := record(runCLI(t, "", "upload", "--json", "--endpoint", srv.UploadURL, "--public-key", pub, dir)); code != 0 {
		t.Fatalf("upload: exit %d\n%s", code, output.String())
	}
	// The team token endpoint, called through the engine's remote token source.
	t.Setenv(EnvTokenServerSecret, bearer)
	url, stop := startCommand(t, "listening on ", "token-server", "--listen", "127.0.0.1:0", "--public-key", pub)
	t.Setenv(EnvTokenEndpointSecret, bearer)
	if code := record(runCLI(t, "", "upload", "--json", "--endpoint", srv.UploadURL, "--public-key", pub,
		"--token-endpoint", strings.TrimSuffix(url, "/auth")+"/auth", filepath.Join(dir, "a.jpg"))); code != 0 {
		t.Fatalf("upload through the token endpoint: exit %d\n%s", code, output.String())
	}
	resp, err := http.Get(url) // a refused call is logged too
	if err == nil {
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
	}
	stop()

	if len(srv.Requests()) != 4 {
		t.Fatalf("%d uploads reached the server, want 4", len(srv.Requests()))
	}
	if n := srv.Leaks(); n != 0 {
		t.Fatalf("the private key or the bearer went over the wire in %d requests", n)
	}
	for _, r := range srv.Requests() {
		if life := r.Claims.Expires.Sub(r.Claims.IssuedAt); life > 10*time.Minute {
			t.Errorf("a token lives %v; tokens must live minutes", life)
		}
		if err := tokenCarries(r.Token, priv); err != nil {
			t.Error(err)
		}
	}
	if s := output.String(); strings.Contains(s, priv) || strings.Contains(s, bearer) {
		t.Fatalf("a secret was printed:\n%s", s)
	}
	filepath.Walk(home, func(p string, info os.FileInfo, err error) error {
		if err == nil && !info.IsDir() {
			if b, _ := os.ReadFile(p); strings.Contains(string(b), priv) {
				t.Errorf("the private key is in %s", p)
			}
		}
		return nil
	})
}

// tokenCarries reports a JWT that holds secret in its text or in its decoded
// header or claims, where base64url would hide it from a plain search.
func tokenCarries(token, secret string) error {
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		return fmt.Errorf("a token is not a JWT: %d parts", len(parts))
	}
	texts := map[string]string{"text": token}
	for i, name := range []string{"header", "claims"} {
		b, err := base64.RawURLEncoding.DecodeString(parts[i])
		if err != nil {
			return fmt.Errorf("a token's %s is not base64url: %v", name, err)
		}
		texts[name] = string(b)
	}
	for name, text := range texts {
		if strings.Contains(text, secret) {
			return fmt.Errorf("a token carries the key in its %s", name)
		}
	}
	return nil
}
