package imagekittest

import (
	"bytes"
	"context"
	"io"
	"mime/multipart"
	"net/http"
	"strings"
	"testing"
	"time"
)

func TestScriptedStatuses(t *testing.T) {
	s, sg := newServer(t)
	s.Script(
		Fault{Status: 429, RetryAfter: 2 * time.Second, RateLimitReset: 1500 * time.Millisecond},
		Fault{Status: 502, HTML: true},
	)
	f := map[string]string{"fileName": "a.txt"}
	body, ct := formBody(t, sg, f)
	resp, err := http.Post(s.UploadURL, ct, body)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 429 || resp.Header.Get("Retry-After") != "2" || resp.Header.Get("X-RateLimit-Reset") != "1500" {
		t.Fatalf("429: %d %v", resp.StatusCode, resp.Header)
	}
	body, ct = formBody(t, sg, f)
	resp, err = http.Post(s.UploadURL, ct, body)
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 502 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") || !bytes.Contains(page, []byte("<h1>502 Bad Gateway</h1>")) {
		t.Fatalf("502: %d %s %q", resp.StatusCode, resp.Header.Get("Content-Type"), page)
	}
	if a := send(t, s, sg, upload{fields: f, file: []byte("x")}); a.status != 200 {
		t.Fatalf("after the script: %d", a.status)
	}
	if got := s.Requests(); len(got) != 3 || got[0].Status != 429 || got[1].Status != 502 || got[2].Status != 200 {
		t.Fatalf("recorded %+v", got)
	}
}

func formBody(t *testing.T, sg interface {
	Sign(map[string]string) (string, error)
}, fields map[string]string) (*bytes.Buffer, string) {
	t.Helper()
	tok, err := sg.Sign(fields)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for k, v := range fields {
		mw.WriteField(k, v)
	}
	mw.WriteField("token", tok)
	fw, _ := mw.CreateFormFile("file", "a.bin")
	fw.Write(bytes.Repeat([]byte("0123456789"), 10_000))
	mw.Close()
	return &buf, mw.FormDataContentType()
}

func TestCutConnection(t *testing.T) {
	s, sg := newServer(t)
	s.Script(Fault{CutAfter: 5000})
	body, ct := formBody(t, sg, map[string]string{"fileName": "a.txt"})
	resp, err := http.Post(s.UploadURL, ct, body)
	if err == nil {
		resp.Body.Close()
		t.Fatalf("a cut connection answered %d", resp.StatusCode)
	}
	got := waitRequests(t, s, 1)
	if len(got) != 1 || !got[0].Cut || got[0].Status != 0 || len(s.Files()) != 0 {
		t.Fatalf("recorded %+v, files %d; want one cut request and nothing stored", got, len(s.Files()))
	}
}

func TestContentLengthRequired(t *testing.T) {
	s, sg := newServer(t)
	body, ct := formBody(t, sg, map[string]string{"fileName": "a.txt"})
	req, _ := http.NewRequest(http.MethodPost, s.UploadURL, io.NopCloser(body)) // unknown length: chunked
	req.Header.Set("Content-Type", ct)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusLengthRequired {
		t.Fatalf("chunked upload: %d, want 411", resp.StatusCode)
	}
}

func TestHangAndSlowRead(t *testing.T) {
	s, sg := newServer(t)
	s.Script(Fault{Hang: true}, Fault{BytesPerSecond: 400_000})
	body, ct := formBody(t, sg, map[string]string{"fileName": "a.txt"})
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, s.UploadURL, body)
	req.Header.Set("Content-Type", ct)
	if resp, err := http.DefaultClient.Do(req); err == nil {
		resp.Body.Close()
		t.Fatalf("a hanging server answered %d", resp.StatusCode)
	}
	// 100 kB at 400 kB/s: the server takes at least ~0.2 s to read it.
	body, ct = formBody(t, sg, map[string]string{"fileName": "a.txt"})
	start := time.Now()
	resp, err := http.Post(s.UploadURL, ct, body)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 || time.Since(start) < 150*time.Millisecond {
		t.Fatalf("slow read: %d after %v", resp.StatusCode, time.Since(start))
	}
}

func TestFaultMixIsSeededAndBounded(t *testing.T) {
	s, sg := newServer(t, WithFaultMix(FaultMix{Seed: 7, Status5xx: 0.3, Status429: 0.2, Cut: 0.2}))
	counts := map[string]int{}
	for range 100 {
		body, ct := formBody(t, sg, map[string]string{"fileName": "a.txt"})
		resp, err := http.Post(s.UploadURL, ct, body)
		switch {
		case err != nil:
			counts["cut"]++
		case resp.StatusCode == 200:
			counts["ok"]++
		case resp.StatusCode == 429:
			counts["429"]++
		default:
			counts["5xx"]++
		}
		if err == nil {
			resp.Body.Close()
		}
	}
	// With these fractions each kind shows up; ok ~30%.
	for _, k := range []string{"ok", "429", "5xx", "cut"} {
		if counts[k] == 0 {
			t.Errorf("no %s in 100 requests: %v", k, counts)
		}
	}
}

func TestWatchFindsSecretAcrossReads(t *testing.T) {
	w := &watchReader{r: strings.NewReader(strings.Repeat("x", 1000) + "SECRET" + "y"), secrets: [][]byte{[]byte("SECRET")}}
	buf := make([]byte, 3) // the secret straddles reads
	for {
		if _, err := w.Read(buf); err != nil {
			break
		}
	}
	if !w.found {
		t.Fatal("the secret was not found across read boundaries")
	}
	clean := &watchReader{r: strings.NewReader("SECRE T"), secrets: [][]byte{[]byte("SECRET")}}
	io.Copy(io.Discard, clean)
	if clean.found {
		t.Fatal("found a secret that is not there")
	}
}

// waitRequests waits until the server has recorded n requests: it records one
// when its handler returns, which can be just after the client saw the end.
func waitRequests(t *testing.T, s *Server, n int) []Request {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for len(s.Requests()) < n && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	return s.Requests()
}
