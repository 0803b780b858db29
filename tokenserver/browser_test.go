package tokenserver_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"regexp"
	"runtime"
	"strings"
	"testing"
	"time"

	"imagekit-uploader/emulator"
	"imagekit-uploader/signer"
	"imagekit-uploader/tokenserver"
	"imagekit-uploader/uploader/imagekittest"
)

// TestBrowserUploadsToTheEmulator: a real browser (headless Chromium) opens
// examples/browser/index.html, gets a token from token-server and uploads
// to the emulator, as a web app in development would; with the emulator's
// CORS off, the browser refuses to let the page read the answer. Before,
// the emulator answered the browser's preflight with a 405.
func TestBrowserUploadsToTheEmulator(t *testing.T) {
	browser := ""
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			browser = p
			break
		}
	}
	if browser == "" {
		if os.Getenv("CI") != "" && runtime.GOOS == "linux" {
			t.Fatal("no Chromium: scripts/deps.sh test installs it")
		}
		t.Skip("no Chromium (scripts/deps.sh test installs it)")
	}
	page := httptest.NewServer(http.FileServer(http.Dir("../examples/browser")))
	defer page.Close()
	s, _ := signer.New(imagekittest.DemoPublicKey, imagekittest.DemoPrivateKey)
	auth := httptest.NewServer(&tokenserver.TokenHandler{Signer: s, Clients: tokenserver.Clients{"web": "web-secret"}, AllowOrigin: page.URL})
	defer auth.Close()

	open := func(emu *emulator.Server) string {
		q := url.Values{"upload": {emu.UploadURL}, "auth": {auth.URL + "/auth"}, "bearer": {"web-secret"},
			"publicKey": {imagekittest.DemoPublicKey}, "auto": {"1"}}
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		cmd := exec.CommandContext(ctx, browser, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
			"--user-data-dir="+t.TempDir(), "--virtual-time-budget=15000", "--dump-dom", page.URL+"/index.html?"+q.Encode())
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("%s: %v", browser, err)
		}
		m := regexp.MustCompile(`(?s)<div id="result"[^>]*>(.*?)</div>`).FindStringSubmatch(string(out))
		if m == nil {
			t.Fatalf("no result in the page:\n%s", out)
		}
		return m[1]
	}

	emu := emulator.NewServer(emulator.WithCORS("*"))
	defer emu.Close()
	got := open(emu)
	if !strings.HasPrefix(got, "Uploaded: "+emu.URL+"/files/browser/from-the-browser_") {
		t.Fatalf("with CORS: %q", got)
	}
	files := emu.Files()
	if len(files) != 1 || files[0].Versions[0].Size == 0 || !strings.HasPrefix(files[0].Path, "/browser/from-the-browser_") {
		t.Errorf("stored: %+v", files)
	}

	closed := emulator.NewServer()
	defer closed.Close()
	if got := open(closed); got != "Failed: Failed to fetch" { // what Chromium says when CORS refuses
		t.Errorf("without CORS the page read the answer: %q", got)
	}
}
