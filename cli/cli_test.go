package cli

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/zalando/go-keyring"

	"imagekit-uploader/keystore"
	"imagekit-uploader/signer"
)

func init() { keyring.MockInit() } // these tests never touch the real keyring

// syncBuffer is a bytes.Buffer safe to read while a command writes to it.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// run runs the command line as a build without a window would.
func run(ctx context.Context, args []string, std Stdio) int {
	return Run(ctx, args, std, App{Version: "test"})
}

func runCLI(t *testing.T, stdin string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb syncBuffer
	code = run(context.Background(), args, Stdio{In: strings.NewReader(stdin), Out: &out, Err: &errb})
	return code, out.String(), errb.String()
}

func TestUsageErrorsExit2(t *testing.T) {
	t.Setenv(keystore.EnvPublicKey, "")
	for _, args := range [][]string{
		{"key"},
		{"key", "set"},
		{"key", "frobnicate", "--public-key", "pk"},
		{"key", "status", "--public-key", "pk", "extra"},
		{"token-server", "--no-such-flag"},
		{"token-server"},
	} {
		if code, _, errs := runCLI(t, "", args...); code != 2 || !strings.Contains(errs, "imagekit-uploader:") {
			t.Errorf("%v: exit %d, stderr %q; want 2 and a message", args, code, errs)
		}
	}
}

// TestHelpExplainsEveryFlag: help that was asked for goes to stdout (so
// '--help | less' shows it; before, it went to stderr) and exits 0, and
// every help ends with the exit codes. Help after a usage error goes to
// stderr with exit 2.
func TestHelpExplainsEveryFlag(t *testing.T) {
	for _, c := range []struct {
		args []string
		want []string
	}{
		{[]string{"--help"}, []string{"upload", "token-server", keystore.EnvPrivateKey, EnvTokenServerSecret, EnvTokenEndpointSecret, "HTTPS_PROXY", "SSL_CERT_FILE"}},
		{[]string{"help"}, []string{"Commands:"}},
		{[]string{"key", "--help"}, []string{"key set", "key status", "key delete", "1 when none is, 2 when the keyring"}},
		{[]string{"token-server", "--help"}, []string{"-listen", "-public-key", "-allow-origin", EnvTokenServerSecret}},
		{[]string{"upload", "--help"}, []string{"-proxy", `"kind"`, "mayBeUploaded", "skipped"}},
		{[]string{"emulator", "--help"}, []string{"--key-file"}},
	} {
		code, out, errs := runCLI(t, "", c.args...)
		if code != 0 || errs != "" {
			t.Errorf("%v: exit %d, stderr %q", c.args, code, errs)
		}
		for _, w := range append(c.want, "Exit status:") {
			if !strings.Contains(out, w) {
				t.Errorf("%v: help on stdout lacks %q", c.args, w)
			}
		}
	}
	code, out, errs := runCLI(t, "", "key")
	if code != 2 || out != "" || !strings.Contains(errs, "key set") {
		t.Errorf("key with no command: exit %d, stdout %q", code, out)
	}
}

// TestUnknownCommand: a misspelt command is not taken for a path (before, it
// opened the window with a failed row, or panicked without a display).
func TestUnknownCommand(t *testing.T) {
	code, out, errs := runCLI(t, "", "uplaod", "extra.jpg")
	if code != 2 || out != "" || !strings.Contains(errs, `unknown command "uplaod" (did you mean "upload"?)`) {
		t.Fatalf("exit %d, %q", code, errs)
	}
	if code, _, errs := runCLI(t, "", "frobnicate"); code != 2 || !strings.Contains(errs, "neither a command nor a file") {
		t.Fatalf("exit %d, %q", code, errs)
	}
	// An existing path is a path: the window (none in this build) is asked for.
	if code, _, errs := runCLI(t, "", t.TempDir()); code != 2 || !strings.Contains(errs, "no window") {
		t.Fatalf("a folder: exit %d, %q", code, errs)
	}
}

func TestKeyCommands(t *testing.T) {
	t.Setenv(keystore.EnvPrivateKey, "")
	pk := "public_cli_" + t.Name()
	if code, out, _ := runCLI(t, "", "key", "status", "--public-key", pk); code != 1 || !strings.Contains(out, "No private key") {
		t.Fatalf("status before set: %d %q", code, out)
	}
	// Bad input is exit 2, as everywhere (before, these were 1).
	if code, _, errs := runCLI(t, "public_oops\n", "key", "set", "--public-key", pk); code != 2 || !strings.Contains(errs, "public key") {
		t.Fatalf("a public key pasted as private: %d %q", code, errs)
	}
	if code, _, errs := runCLI(t, "", "key", "set", "--public-key", pk); code != 2 || !strings.Contains(errs, "nothing saved") {
		t.Fatalf("empty stdin: %d %q", code, errs)
	}
	const priv = "private_cli_secret_value"
	code, out, errs := runCLI(t, priv+"\n", "key", "set", "--public-key", pk)
	if code != 0 || strings.Contains(out+errs, priv) {
		t.Fatalf("set: %d %q %q (the key must never be printed)", code, out, errs)
	}
	t.Setenv(keystore.EnvPublicKey, pk) // stands in for --public-key
	code, out, errs = runCLI(t, "", "key", "status")
	if code != 0 || !strings.Contains(out, "is saved") || strings.Contains(out+errs, priv) {
		t.Fatalf("status: %d %q %q", code, out, errs)
	}
	if code, out, _ := runCLI(t, "", "key", "delete"); code != 0 || !strings.Contains(out, "Deleted") {
		t.Fatalf("delete: %d %q", code, out)
	}
	if code, _, _ := runCLI(t, "", "key", "status"); code != 1 {
		t.Fatal("status after delete: still saved")
	}
}

func TestTokenServerCommand(t *testing.T) {
	t.Setenv(keystore.EnvPrivateKey, "private_ts")
	t.Setenv(EnvTokenServerSecret, "")
	if code, _, errs := runCLI(t, "", "token-server", "--public-key", "public_ts"); code != 2 || !strings.Contains(errs, EnvTokenServerSecret) {
		t.Fatalf("without a secret: %d %q", code, errs)
	}
	t.Setenv(EnvTokenServerSecret, "s3cret")
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	done := make(chan int)
	go func() {
		done <- run(ctx, []string{"token-server", "--listen", "127.0.0.1:0", "--public-key", "public_ts"}, Stdio{In: os.Stdin, Out: io.Discard, Err: pw})
		pw.Close()
	}()
	lines := bufio.NewScanner(pr)
	var url string
	for lines.Scan() {
		if _, after, ok := strings.Cut(lines.Text(), "listening on "); ok {
			url = strings.Fields(after)[0]
			break
		}
	}
	go io.Copy(io.Discard, pr)
	if url == "" {
		t.Fatal("token-server did not say where it listens")
	}
	req, _ := http.NewRequest("POST", url, strings.NewReader(`{"uploadPayload":{"fileName":"a.jpg"},"expire":60,"publicKey":"public_ts"}`))
	req.Header.Set("Authorization", "Bearer s3cret")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]string
	json.NewDecoder(resp.Body).Decode(&m)
	resp.Body.Close()
	v := signer.Verifier{PrivateKey: func(string) (string, bool) { return "private_ts", true }}
	if c, err := v.Verify(m["token"]); resp.StatusCode != 200 || err != nil || c.Expires.Sub(c.IssuedAt) != time.Minute {
		t.Fatalf("status %d, token check %v", resp.StatusCode, err)
	}
	cancel()
	select {
	case code := <-done:
		if code != 0 {
			t.Fatalf("exit %d after a clean shutdown", code)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("token-server did not stop when its context ended")
	}
}

func TestFitLines(t *testing.T) {
	got := fitLines("short\n"+strings.Repeat("é", 30)+"\nlast\n", 10)
	if got != "short\n"+strings.Repeat("é", 10)+"\nlast\n" {
		t.Fatalf("%q", got)
	}
}

// TestKeyUnknownCommandIsNotEchoed: "key SOMETHING" may be someone pasting
// the private key where the command goes; it must not be printed back.
func TestKeyUnknownCommandIsNotEchoed(t *testing.T) {
	t.Setenv(keystore.EnvPublicKey, "")
	const secret = "private_pasted_by_mistake_Zx9"
	for _, args := range [][]string{
		{"key", secret},
		{"key", secret, "--public-key", "pk"},
		{"key", secret, "--help"},
		{"key", secret, "extra"},
	} {
		code, out, errs := runCLI(t, "", args...)
		if code != 2 || strings.Contains(out+errs, secret) || !strings.Contains(errs, "unknown key command") {
			t.Errorf("%v: exit %d, stdout %q, stderr %q; want 2 and the argument not repeated", args[2:], code, out, errs)
		}
	}
}

// TestWindowWithoutDisplay: with no X11 or Wayland display the window
// command says what to do instead of panicking inside the toolkit.
func TestWindowWithoutDisplay(t *testing.T) {
	switch runtime.GOOS {
	case "linux", "freebsd", "openbsd", "netbsd":
	default:
		t.Skip("only X11 and Wayland systems need DISPLAY")
	}
	t.Setenv("DISPLAY", "")
	t.Setenv("WAYLAND_DISPLAY", "")
	var out, errs strings.Builder
	code := Run(context.Background(), []string{"--demo"}, Stdio{In: strings.NewReader(""), Out: &out, Err: &errs}, App{
		OpenWindow: func(context.Context, Window) error { t.Fatal("the window was opened without a display"); return nil },
	})
	if code != 2 || !strings.Contains(errs.String(), "no display") || !strings.Contains(errs.String(), "imagekit-uploader upload") {
		t.Fatalf("exit %d, stdout %q, stderr %q", code, out.String(), errs.String())
	}
}

// TestBuildWithoutAWindow: a -tags nogui build says so when asked for the
// window, and every command still works (the rest of this package's tests).
func TestBuildWithoutAWindow(t *testing.T) {
	code, _, errs := runCLI(t, "", "--demo")
	if code != 2 || !strings.Contains(errs, "no window") {
		t.Fatalf("exit %d, %q", code, errs)
	}
}

func TestParseInterleaved(t *testing.T) {
	for _, c := range []struct {
		args    []string
		paths   string
		tags    string
		private bool
	}{
		{[]string{"a", "--private", "b", "--tags", "t"}, "a b", "t", true},
		{[]string{"--", "-x", "--private"}, "-x --private", "", false},
		{[]string{"a", "--tags", "--", "b", "--private"}, "a b", "--", true}, // "--" as a value ends nothing
		{[]string{"--tags", "--private", "--", "--", "-"}, "-- -", "--private", false},
		{[]string{"-", "--private"}, "-", "", true},
	} {
		fs := newFlags(Stdio{Err: io.Discard}, "t", "t", "")
		tags, private := fs.String("tags", "", ""), fs.Bool("private", false, "")
		paths, err := fs.parseInterleaved(c.args)
		if err != nil || strings.Join(paths, " ") != c.paths || *tags != c.tags || *private != c.private {
			t.Errorf("%q: paths %q, tags %q, private %v, err %v", c.args, paths, *tags, *private, err)
		}
	}
}

// TestPrivateKeyAsPublicKeyRefused: a private key given as --public-key
// would be sent as every token's kid; nothing is sent, exit 2.
func TestPrivateKeyAsPublicKeyRefused(t *testing.T) {
	t.Setenv(keystore.EnvPrivateKey, "private_x")
	for _, args := range [][]string{
		{"upload", "--public-key", "private_oops", "--endpoint", "http://127.0.0.1:1/", os.Args[0]},
		{"key", "status", "--public-key", "private_oops"},
		{"token-server", "--public-key", "private_oops"},
	} {
		code, out, errs := runCLI(t, "", args...)
		if code != 2 || !strings.Contains(errs, "private key") || strings.Contains(out+errs, "private_oops") {
			t.Errorf("%v: exit %d, %q %q", args, code, out, errs)
		}
	}
}

// TestWindowFlags: the window's flags parse like every command's: with a
// space or an =, before or after the paths. Before, "--demo-throttle 2MB"
// was an unknown flag.
func TestWindowFlags(t *testing.T) {
	t.Setenv("DISPLAY", ":99")
	t.Chdir(t.TempDir()) // the paths exist: a first word that is no path is an unknown command
	os.WriteFile("a.jpg", []byte("a"), 0o644)
	os.Mkdir("b", 0o755)
	for _, c := range []struct {
		args []string
		want Window
	}{
		{[]string{"--demo-throttle", "2MB", "a.jpg"}, Window{Demo: true, DemoThrottle: 2 << 20, Paths: []string{"a.jpg"}}},
		{[]string{"a.jpg", "--demo-throttle=1KB", "b/"}, Window{Demo: true, DemoThrottle: 1 << 10, Paths: []string{"a.jpg", "b/"}}},
		{[]string{"--demo", "--", "-odd.jpg"}, Window{Demo: true, Paths: []string{"-odd.jpg"}}},
		{[]string{"b/"}, Window{Paths: []string{"b/"}}},
	} {
		var got Window
		code := Run(context.Background(), c.args, Stdio{In: strings.NewReader(""), Out: io.Discard, Err: io.Discard}, App{
			OpenWindow: func(_ context.Context, w Window) error { got = w; return nil },
		})
		if code != 0 || fmt.Sprint(got) != fmt.Sprint(c.want) {
			t.Errorf("%q: exit %d, %+v; want %+v", c.args, code, got, c.want)
		}
	}
	if code, _, errs := runCLI(t, "", "--demo-throttle", "fast"); code != 2 || !strings.Contains(errs, "--demo-throttle") {
		t.Errorf("a bad rate: exit %d, %q", code, errs)
	}
}

// skipWindowsNames skips a test of names Windows cannot have: its file
// names hold no control characters and are always Unicode (UTF-16), so
// there is nothing of that kind to quote or keep.
func skipWindowsNames(t *testing.T) {
	t.Helper()
	if runtime.GOOS == "windows" {
		t.Skip("Windows file names hold no control characters and are always Unicode")
	}
}
