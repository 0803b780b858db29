package cli

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"mime/multipart"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"imagekit-uploader/keystore"
	"imagekit-uploader/signer"
	"imagekit-uploader/uploader/imagekittest"
)

// startCommand runs a long-lived command in-process and returns the first
// word after marker in its output, and a stop function that waits for its exit code.
func startCommand(t *testing.T, marker string, args ...string) (string, func() int) {
	t.Helper()
	return startCommandIn(t, os.Stdin, marker, args...)
}

// startCommandIn is startCommand with the command's standard input.
func startCommandIn(t *testing.T, stdin io.Reader, marker string, args ...string) (string, func() int) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	done := make(chan int, 1)
	go func() {
		done <- run(ctx, args, Stdio{In: stdin, Out: pw, Err: pw})
		pw.Close()
	}()
	sc := bufio.NewScanner(pr)
	var found string
	for found == "" && sc.Scan() {
		if _, after, ok := strings.Cut(sc.Text(), marker); ok {
			found = strings.Fields(after)[0]
		}
	}
	go io.Copy(io.Discard, pr)
	if found == "" {
		cancel()
		t.Fatalf("%v never printed %q", args, marker)
	}
	return found, func() int {
		cancel()
		select {
		case code := <-done:
			return code
		case <-time.After(10 * time.Second):
			t.Fatal("the command did not stop when its context ended")
			return -1
		}
	}
}

func TestEmulatorCommand(t *testing.T) {
	t.Setenv(keystore.EnvPrivateKey, "")
	for _, bad := range [][]string{
		{"emulator", "--fail-rate", "2"},
		{"emulator", "--key", "nokey"},
		{"emulator", "--max-file-size", "lots"},
	} {
		if code, _, _ := runCLI(t, "", bad...); code != 2 {
			t.Errorf("%v: exit %d, want 2", bad, code)
		}
	}
	url, stop := startCommand(t, "upload URL:", "emulator", "--listen", "127.0.0.1:0", "--dir", t.TempDir())
	if !strings.HasSuffix(url, "/api/v2/files/upload") {
		t.Fatalf("upload URL %q", url)
	}
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusMethodNotAllowed {
		t.Fatalf("GET on the upload URL: %d, want 405", resp.StatusCode)
	}
	if code := stop(); code != 0 {
		t.Fatalf("exit %d", code)
	}
}

func TestParseSize(t *testing.T) {
	for in, want := range map[string]int64{"1048576": 1 << 20, "25MB": 25 << 20, "1.5gb": 3 << 29, "2 KB": 2048} {
		if got, err := parseSize(in); err != nil || got != want {
			t.Errorf("parseSize(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	for _, bad := range []string{"", "-1MB", "MB", "ten"} {
		if _, err := parseSize(bad); err == nil {
			t.Errorf("parseSize(%q) accepted", bad)
		}
	}
}

// runStopped runs a command whose context has already ended: a long-lived
// command starts, then stops at once.
func runStopped(t *testing.T, stdin string, args ...string) (code int, stderr string) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	var out, errb syncBuffer
	code = run(ctx, args, Stdio{In: strings.NewReader(stdin), Out: &out, Err: &errb})
	return code, errb.String()
}

// uploadTo sends one small upload signed with the key pair and returns the status.
func uploadTo(t *testing.T, url, public, private string) int {
	t.Helper()
	return postTo(t, url, public, private).StatusCode
}

// postTo sends one small upload signed with the key pair and returns the
// answer, its body read.
func postTo(t *testing.T, url, public, private string) *http.Response {
	t.Helper()
	sg, err := signer.New(public, private)
	if err != nil {
		t.Fatal(err)
	}
	fields := map[string]string{"fileName": "a.txt"}
	tok, err := sg.Sign(fields)
	if err != nil {
		t.Fatal(err)
	}
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	mw.WriteField("fileName", "a.txt")
	mw.WriteField("token", tok)
	fw, _ := mw.CreateFormFile("file", "a.txt")
	fw.Write([]byte("hello"))
	mw.Close()
	resp, err := http.Post(url, mw.FormDataContentType(), &body)
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp
}

// A private key never goes on the command line but the public demo one.
func TestEmulatorKeyNotOnCommandLine(t *testing.T) {
	const secret = "private_Zq8vN3xK_must_not_show="
	t.Setenv(keystore.EnvPrivateKey, "")
	badFile := filepath.Join(t.TempDir(), "keys")
	os.WriteFile(badFile, []byte("# keys\npublic_only\n"+secret+"\n"), 0o600)
	for name, c := range map[string]struct {
		args []string
		want []string
	}{
		"private key as an argument": {[]string{"--key", "public_live=" + secret}, []string{keystore.EnvPrivateKey, "--key-file"}},
		"public key, no variable":    {[]string{"--key", "public_live="}, []string{keystore.EnvPrivateKey}},
		"a bad key file line":        {[]string{"--key-file", badFile}, []string{"line 2"}},
		"a missing key file":         {[]string{"--key-file", badFile + ".missing"}, []string{"--key-file"}},
		"an empty key file":          {[]string{"--key-file", "-"}, []string{"no key pair"}},
	} {
		code, errs := runStopped(t, "", append([]string{"emulator", "--listen", "127.0.0.1:0"}, c.args...)...)
		if code != 2 {
			t.Errorf("%s: exit %d, %q; want 2", name, code, errs)
		}
		for _, w := range c.want {
			if !strings.Contains(errs, w) {
				t.Errorf("%s: %q does not say %q", name, errs, w)
			}
		}
		if strings.Contains(errs, secret) || strings.Contains(errs, "private_Zq8") {
			t.Errorf("%s: the private key is in the message %q", name, errs)
		}
	}
	demo := imagekittest.DemoPublicKey + "=" + imagekittest.DemoPrivateKey
	if code, errs := runStopped(t, "", "emulator", "--listen", "127.0.0.1:0", "--key", demo); code != 0 {
		t.Errorf("the demo pair on the command line: exit %d, %q", code, errs)
	}
	code, out, _ := runCLI(t, "", "emulator", "--help")
	for _, w := range []string{"--key-file", keystore.EnvPrivateKey, "stdin"} {
		if code != 0 || !strings.Contains(out, w) {
			t.Errorf("emulator --help (exit %d) does not say %q:\n%s", code, w, out)
		}
	}
}

func TestEmulatorKeysFromEnvironmentAndFile(t *testing.T) {
	dir := t.TempDir()
	t.Setenv(keystore.EnvPrivateKey, "private_env=")
	url, stop := startCommand(t, "upload URL:", "emulator", "--listen", "127.0.0.1:0", "--dir", dir, "--key", "public_env=")
	if got := uploadTo(t, url, "public_env=", "private_env="); got != 200 {
		t.Errorf("--key PUBLIC with %s: upload %d, want 200", keystore.EnvPrivateKey, got)
	}
	if got := uploadTo(t, url, imagekittest.DemoPublicKey, imagekittest.DemoPrivateKey); got != 401 {
		t.Errorf("the demo key beside --key: upload %d, want 401", got)
	}
	stop()

	t.Setenv(keystore.EnvPrivateKey, "")
	keys := filepath.Join(dir, "keys")
	os.WriteFile(keys, []byte("# two accounts\npublic_a= private_a=\n\n  public_b==private_b\n"), 0o600)
	url, stop = startCommand(t, "upload URL:", "emulator", "--listen", "127.0.0.1:0", "--dir", dir, "--key-file", keys)
	for pub, priv := range map[string]string{"public_a=": "private_a=", "public_b=": "private_b"} {
		if got := uploadTo(t, url, pub, priv); got != 200 {
			t.Errorf("--key-file, %s: upload %d, want 200", pub, got)
		}
	}
	stop()

	url, stop = startCommandIn(t, strings.NewReader("\ufeffpublic_c private_c\r\n"), "upload URL:", // as Notepad saves it
		"emulator", "--listen", "127.0.0.1:0", "--dir", dir, "--key-file", "-")
	if got := uploadTo(t, url, "public_c", "private_c"); got != 200 {
		t.Errorf("--key-file - (stdin): upload %d, want 200", got)
	}
	stop()
}

// TestEmulatorFailAndCORS: --fail answers the statuses asked for (a 409, a
// 429 with its Retry-After) so clients can be tried by hand, and browsers
// may call the emulator unless --cors-origin none. Before, only --fail-rate
// (5xx) existed, and a preflight got a 405.
func TestEmulatorFailAndCORS(t *testing.T) {
	t.Setenv(keystore.EnvPrivateKey, "")
	for _, bad := range [][]string{
		{"emulator", "--fail", "418"},
		{"emulator", "--fail", "429:0.6,503:0.6"},
		{"emulator", "--fail", "bounce:0.1"},
		{"emulator", "--fail", "409:0.1", "--fail-rate", "0.1"},
		{"emulator", "--fail", "429:NaN,503:0.5"},
		{"emulator", "--fail", "429:0.1", "--retry-after", "-3s"},
	} {
		if code, _, errs := runCLI(t, "", bad...); code != 2 || !strings.Contains(errs, "--fail") && !strings.Contains(errs, "--retry-after") {
			t.Errorf("%v: exit %d, %s", bad, code, errs)
		}
	}
	url, stop := startCommand(t, "upload URL:", "emulator", "--listen", "127.0.0.1:0", "--fail", "429:1", "--retry-after", "3s")
	p := filepath.Join(t.TempDir(), "a.jpg")
	os.WriteFile(p, []byte("some bytes"), 0o644)
	resp := postTo(t, url, imagekittest.DemoPublicKey, imagekittest.DemoPrivateKey)
	if resp.StatusCode != 429 || resp.Header.Get("Retry-After") != "3" || resp.Header.Get("X-RateLimit-Reset") != "3000" {
		t.Errorf("--fail 429:1: %d %v", resp.StatusCode, resp.Header)
	}
	req, _ := http.NewRequest(http.MethodOptions, url, nil)
	req.Header.Set("Origin", "http://localhost:3000")
	req.Header.Set("Access-Control-Request-Method", "POST")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 204 || resp.Header.Get("Access-Control-Allow-Origin") != "*" {
		t.Errorf("preflight: %d %v", resp.StatusCode, resp.Header)
	}
	stop()

	// An injected 409 says what it is: the uploader must not take it for
	// "already uploaded" (it did, and exited 0 with nothing stored).
	url, stop = startCommand(t, "upload URL:", "emulator", "--listen", "127.0.0.1:0", "--fail", "409:1")
	code, out, errs := runCLI(t, "", "upload", "--endpoint", url, "--public-key", imagekittest.DemoPublicKey, "--journal", "none",
		"--skip-uploaded=false", "--json", p)
	if code != 1 || !strings.Contains(out, `"status":"failed"`) || strings.Contains(out+errs, "already") {
		t.Errorf("--fail 409:1: exit %d\n%s\n%s", code, out, errs)
	}
	stop()

	url, stop = startCommand(t, "upload URL:", "emulator", "--listen", "127.0.0.1:0", "--cors-origin", "none")
	defer stop()
	req, _ = http.NewRequest(http.MethodOptions, url, nil)
	req.Header.Set("Origin", "http://localhost:3000")
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode == 204 || resp.Header.Get("Access-Control-Allow-Origin") != "" {
		t.Errorf("--cors-origin none: %d %v", resp.StatusCode, resp.Header)
	}
}
