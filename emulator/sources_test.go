package emulator

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// post sends fields (file among them, as a field) with an optional Basic
// user name, and returns the status and the answer.
func post(t *testing.T, s *Server, user string, fields map[string]string) (int, map[string]any) {
	t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for k, v := range fields {
		mw.WriteField(k, v)
	}
	mw.Close()
	req, _ := http.NewRequest(http.MethodPost, s.UploadURL, &buf)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	if user != "" {
		req.SetBasicAuth(user, "do_not_set") // the password ImageKit's Node SDK sends by default
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body map[string]any
	raw, _ := io.ReadAll(resp.Body)
	if err := json.Unmarshal(raw, &body); err != nil {
		t.Fatalf("answer %d is not JSON: %q", resp.StatusCode, raw)
	}
	return resp.StatusCode, body
}

// TestServerSideUploadsAndFileSources: with the private key as the Basic
// user name and no token (what ImageKit's SDKs send by default), a file
// may be a part, base64, a data: URI or a URL the server fetches. Before,
// each was refused: "does not contain a token", "does not fetch URLs".
func TestServerSideUploadsAndFileSources(t *testing.T) {
	img := pngBytes(t, 30, 20)
	elsewhere := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("a secret")) }))
	defer elsewhere.Close()
	origin := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/photos/red.png":
			w.Header().Set("Content-Type", "image/png")
			w.Write(img)
		case "/away":
			http.Redirect(w, r, elsewhere.URL+"/secret", http.StatusFound)
		case "/endless":
			for b := make([]byte, 64<<10); ; {
				if _, err := w.Write(b); err != nil {
					return
				}
			}
		default:
			http.NotFound(w, r)
		}
	}))
	defer origin.Close()
	host := strings.TrimPrefix(origin.URL, "http://")
	// The test's origin is on this machine: named, as an operator would.
	s, _ := newServer(t, WithFetchAllow(host), WithMaxFileSize(1<<20))
	b64 := base64.StdEncoding.EncodeToString(img)
	for _, c := range []struct {
		name, file string
	}{
		{"base64", b64},
		{"base64 wrapped at 76", wrap76(b64)},
		{"a data URI", "data:image/png;base64," + b64},
		{"a URL", origin.URL + "/photos/red.png"},
	} {
		t.Run(c.name, func(t *testing.T) {
			status, body := post(t, s, DemoPrivateKey, map[string]string{"file": c.file, "fileName": "red.png", "folder": "/server"})
			if status != 200 || body["size"] != float64(len(img)) || body["width"] != float64(30) {
				t.Fatalf("%d %v", status, body)
			}
			code, back := get(t, body["url"].(string))
			if code != 200 || !bytes.Equal(back, img) {
				t.Errorf("fetched back: %d, %d bytes", code, len(back))
			}
		})
	}
	for _, c := range []struct {
		name, user, file string
		status           int
		says             string
	}{
		{"no token and no key", "", b64, 400, "does not contain a token or a private key"},
		{"a wrong private key", "private_not_it", b64, 401, "private key given"},
		{"not base64", DemoPrivateKey, "this is not a file", 400, "nor base64"},
		{"a URL that is not there", DemoPrivateKey, origin.URL + "/gone.png", 400, "404 Not Found"},
		{"a URL that is not http", DemoPrivateKey, "https://", 400, "Invalid file URL"},
		{"a redirect off the allowed hosts", DemoPrivateKey, origin.URL + "/away", 400, "not in --fetch-allow"},
		{"a download past the size limit", DemoPrivateKey, origin.URL + "/endless", 413, "more than 1048576"},
		{"a URL with white space before it", DemoPrivateKey, "  " + origin.URL + "/photos/red.png", 200, ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			status, body := post(t, s, c.user, map[string]string{"file": c.file, "fileName": "x.png"})
			if msg, _ := body["message"].(string); status != c.status || !strings.Contains(msg, c.says) {
				t.Errorf("%d %v, want %d saying %q", status, body, c.status, c.says)
			}
		})
	}

	for _, r := range s.Requests() {
		if r.Fields["fileName"] == "red.png" && r.Status == 200 && (r.Size != int64(len(img)) || r.SHA256 == "") {
			t.Errorf("a downloaded file is recorded as %d bytes, sha %q", r.Size, r.SHA256)
		}
	}
	// White space alone, past any file's base64: refused as too large, and
	// read in a loop (it recursed once per KiB, and a long run crashed the
	// server).
	status, body := post(t, s, DemoPrivateKey, map[string]string{"file": strings.Repeat(" ", 4<<20), "fileName": "x.png"})
	if msg, _ := body["message"].(string); status != 413 || !strings.Contains(msg, "more than 1048576") {
		t.Errorf("4 MiB of white space: %d %v", status, body)
	}
	status, body = post(t, s, DemoPrivateKey, map[string]string{"file": "data:" + strings.Repeat("x", 1<<20), "fileName": "x.png"})
	if msg, _ := body["message"].(string); status != 400 || !strings.Contains(msg, "not a base64 one") {
		t.Errorf("a data: URI with no comma: %d %v", status, body)
	}

	// With no allow-list, addresses of this machine and its network are
	// never fetched: a web page may call the emulator.
	open := NewServer()
	defer open.Close()
	status, body = post(t, open, DemoPrivateKey, map[string]string{"file": origin.URL + "/photos/red.png", "fileName": "x.png"})
	if msg, _ := body["message"].(string); status != 400 || !strings.Contains(msg, "on this machine or its network") {
		t.Errorf("a loopback URL with no allow-list: %d %v", status, body)
	}
	if n := len(open.Requests()); n != 1 || open.Requests()[0].Result != nil {
		t.Errorf("stored: %+v", open.Requests())
	}

	only := NewServer(WithFetchAllow("images.example.com"))
	defer only.Close()
	status, body = post(t, only, DemoPrivateKey, map[string]string{"file": origin.URL + "/photos/red.png", "fileName": "x.png"})
	if msg, _ := body["message"].(string); status != 400 || !strings.Contains(msg, "--fetch-allow") {
		t.Errorf("a host not allowed: %d %v", status, body)
	}
}

func wrap76(s string) string {
	var b strings.Builder
	for len(s) > 76 {
		b.WriteString(s[:76] + "\r\n")
		s = s[76:]
	}
	return b.String() + s
}
