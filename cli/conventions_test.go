package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/zalando/go-keyring"

	"imagekit-uploader/keystore"
	"imagekit-uploader/signer"
	"imagekit-uploader/tokenserver"
	"imagekit-uploader/uploader/imagekittest"
)

// TestTokenEndpointRefusalsExit2: a wrong bearer, or a public key the
// endpoint does not sign for, refuses the first request: the command stops
// and says what to check, exit 2. Before, every file failed (exit 1) with
// "check it in Settings", which means nothing here. Either name of the
// secret works.
func TestTokenEndpointRefusalsExit2(t *testing.T) {
	srv := imagekittest.NewServer()
	defer srv.Close()
	s, _ := signer.New(imagekittest.DemoPublicKey, imagekittest.DemoPrivateKey)
	ep := httptest.NewServer(&tokenserver.TokenHandler{Signer: s, Clients: tokenserver.Clients{"team": "right-secret"}})
	defer ep.Close()
	dir := t.TempDir()
	for _, n := range []string{"a.jpg", "b.jpg", "c.jpg"} {
		os.WriteFile(filepath.Join(dir, n), []byte(n), 0o644)
	}
	run := func(pk string) (int, string, string) {
		return runCLI(t, "", "upload", "--json", "--endpoint", srv.UploadURL, "--token-endpoint", ep.URL, "--public-key", pk, dir)
	}
	t.Setenv(EnvTokenServerSecret, "")
	t.Setenv(EnvTokenEndpointSecret, "wrong-secret")
	// The files already under way (all three here) are reported each; none
	// is started after the refusal.
	code, out, errs := run(imagekittest.DemoPublicKey)
	if code != 2 || strings.Contains(out, `"uploaded"`) || !strings.Contains(errs, EnvTokenEndpointSecret) || strings.Contains(errs, "Settings") {
		t.Errorf("a wrong bearer: exit %d, %q %q", code, out, errs)
	}
	t.Setenv(EnvTokenEndpointSecret, "")
	t.Setenv(EnvTokenServerSecret, "right-secret") // the other name of the same secret
	if code, out, errs := run("public_other"); code != 2 || strings.Contains(out, `"uploaded"`) || !strings.Contains(errs, "--public-key") {
		t.Errorf("a public key it does not sign for: exit %d, %q %q", code, out, errs)
	}
	if code, out, errs := run(imagekittest.DemoPublicKey); code != 0 || strings.Count(out, `"uploaded"`) != 3 {
		t.Errorf("with the secret under its other name: exit %d, %q %q", code, out, errs)
	}
	if n := len(srv.Requests()); n != 3 {
		t.Errorf("%d uploads reached the server, want only the 3 good ones", n)
	}
}

// TestKeyStatusExitCodes: 0 saved, 1 not saved, 2 the keyring cannot be
// reached (before: 1, as for a key not saved).
func TestKeyStatusExitCodes(t *testing.T) {
	t.Setenv(keystore.EnvPrivateKey, "")
	keyring.MockInit()
	if code, _, _ := runCLI(t, "", "key", "status", "--public-key", "public_status"); code != 1 {
		t.Errorf("none saved: exit %d", code)
	}
	runCLI(t, "private_status\n", "key", "set", "--public-key", "public_status")
	if code, _, _ := runCLI(t, "", "key", "status", "--public-key", "public_status"); code != 0 {
		t.Errorf("saved: exit %d", code)
	}
	keyring.MockInitWithError(errors.New("The name org.freedesktop.secrets was not provided by any .service files"))
	defer keyring.MockInit()
	for _, args := range [][]string{{"status"}, {"set"}, {"delete"}} {
		if code, _, errs := runCLI(t, "private_status\n", append([]string{"key"}, append(args, "--public-key", "public_status")...)...); code != 2 || !strings.Contains(errs, keystore.EnvPrivateKey) {
			t.Errorf("key %s, keyring unreachable: exit %d, %q", args[0], code, errs)
		}
	}
}

// TestJSONFailuresHaveAKind: every failure line says what kind of failure it
// is, local or the server's, in one shape.
func TestJSONFailuresHaveAKind(t *testing.T) {
	srv := imagekittest.NewServer()
	defer srv.Close()
	t.Setenv(keystore.EnvPrivateKey, "")
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "empty.jpg"), nil, 0o644)
	os.WriteFile(filepath.Join(dir, "refused.jpg"), []byte("x"), 0o644)
	os.WriteFile(filepath.Join(dir, ".hidden.jpg"), []byte("x"), 0o644)
	srv.Script(imagekittest.Fault{Status: 400, Message: "Your request contains invalid parameters."})
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	var out, errs syncBuffer
	run(ctx, uploadArgs(srv, "--json", "--concurrency", "1", dir, filepath.Join(dir, "missing.jpg")), Stdio{In: strings.NewReader(""), Out: &out, Err: &errs})
	lines := jsonLines(t, out.String())
	for name, kind := range map[string]string{"empty.jpg": "check", "missing.jpg": "file", "refused.jpg": "server"} {
		l := lines[name]
		e, _ := l["error"].(map[string]any)
		if l["status"] != "failed" || e["kind"] != kind || e["message"] == "" {
			t.Errorf("%s: %v; want a failure of kind %s", name, l, kind)
		}
	}
	if l := lines[".hidden.jpg"]; l["status"] != "skipped" || l["reason"] == "" {
		t.Errorf("hidden file: %v", l)
	}
}

// TestRefusalLetsUploadsUnderWayFinish: a refusal (a quota 403 here) while
// another file is already going up stops only what waits. The file under
// way is stored and reported, and as something went up the exit is 1, with
// the refusal said once; each file not sent has its line saying why.
// (Before, the run was canceled and the stored file's line was never
// printed; later, the files not sent had no line.)
func TestRefusalLetsUploadsUnderWayFinish(t *testing.T) {
	t.Setenv(keystore.EnvPrivateKey, "")
	var stored atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r.ParseMultipartForm(1 << 20)
		if strings.HasPrefix(r.FormValue("fileName"), "b_") { // unique names come from the content: b_<sum>.jpg
			time.Sleep(100 * time.Millisecond)
			w.WriteHeader(http.StatusForbidden)
			io.WriteString(w, `{"message":"Your account has exceeded its upload quota."}`)
			return
		}
		time.Sleep(500 * time.Millisecond)
		stored.Add(1)
		io.WriteString(w, `{"fileId":"f","name":"`+r.FormValue("fileName")+`","url":"http://127.0.0.1/x","filePath":"/x"}`)
	}))
	defer srv.Close()
	dir := t.TempDir()
	for _, n := range []string{"a.jpg", "b.jpg", "c.jpg", "d.jpg"} {
		os.WriteFile(filepath.Join(dir, n), []byte(n), 0o644)
	}
	code, out, errs := runCLI(t, "", "upload", "--json", "--concurrency", "2", "--endpoint", srv.URL, "--public-key", imagekittest.DemoPublicKey,
		filepath.Join(dir, "a.jpg"), filepath.Join(dir, "b.jpg"), filepath.Join(dir, "c.jpg"), filepath.Join(dir, "d.jpg"))
	lines := jsonLines(t, out)
	if code != 1 || lines["a.jpg"]["status"] != "uploaded" || lines["b.jpg"]["status"] != "failed" || !strings.Contains(errs, "quota") {
		t.Fatalf("exit %d, %q %q", code, out, errs)
	}
	if stored.Load() != 1 {
		t.Fatalf("%d stored; the waiting files were started after the refusal: %v", stored.Load(), lines)
	}
	for _, n := range []string{"c.jpg", "d.jpg"} {
		if e, _ := lines[n]["error"].(map[string]any); lines[n]["status"] != "failed" || !strings.HasPrefix(fmt.Sprint(e["message"]), "not sent: ") {
			t.Errorf("%s: %v; want a line saying it was not sent", n, lines[n])
		}
	}
}

// TestJSONKeepsOddPaths: a path that is not UTF-8 comes back byte for byte
// in pathBytes (before, JSON turned its bad bytes into U+FFFD, a path no
// script can open).
func TestJSONKeepsOddPaths(t *testing.T) {
	skipWindowsNames(t)
	srv := imagekittest.NewServer()
	defer srv.Close()
	t.Setenv(keystore.EnvPrivateKey, "")
	p := filepath.Join(t.TempDir(), "bad\xff.jpg")
	os.WriteFile(p, []byte("x"), 0o644)
	_, out, _ := runCLI(t, "", uploadArgs(srv, "--json", p)...)
	var line struct {
		PathBytes []byte `json:"pathBytes"`
	}
	if err := json.Unmarshal([]byte(out), &line); err != nil || string(line.PathBytes) != p {
		t.Fatalf("%q: %v", out, err)
	}
}
