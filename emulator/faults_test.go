package emulator

import (
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"slices"
	"strings"
	"sync"
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

// TestFaultMixIsSeededAndBounded: a seed gives one sequence of faults and
// another seed another; each kind comes at its rate, within its bounds; and
// the server does to requests what it drew.
func TestFaultMixIsSeededAndBounded(t *testing.T) {
	const n, size = 4000, 1000
	mix := FaultMix{Seed: 7, Status5xx: 0.3, Status429: 0.2, Cut: 0.2, MaxLatency: time.Second, RetryAfter: 3 * time.Second}
	draw := func(m FaultMix) []Fault {
		s, _ := newServer(t, WithFaultMix(m))
		faults := make([]Fault, n)
		for i := range faults {
			faults[i] = s.nextFault(size)
		}
		return faults
	}
	faults := draw(mix)
	if !slices.Equal(faults, draw(mix)) {
		t.Fatal("the same seed drew different faults")
	}
	other := mix
	other.Seed = 8
	if slices.Equal(faults, draw(other)) {
		t.Fatal("seeds 7 and 8 drew the same faults")
	}
	counts := map[string]int{}
	for _, f := range faults {
		if f.Latency < 0 || f.Latency >= mix.MaxLatency {
			t.Fatalf("latency %v outside [0, %v)", f.Latency, mix.MaxLatency)
		}
		switch {
		case f.Status == 429 && f.RetryAfter == mix.RetryAfter && f.CutAfter == 0:
			counts["429"]++
		case slices.Contains([]int{500, 502, 503, 504}, f.Status) && f.HTML == (f.Status == 502) && f.CutAfter == 0:
			counts["5xx"]++
		case f.Status == 0 && f.CutAfter >= 1 && f.CutAfter < size:
			counts["cut"]++
		case f.Status == 0 && f.CutAfter == 0:
			counts["ok"]++
		default:
			t.Fatalf("a fault out of bounds: %+v", f)
		}
	}
	for kind, rate := range map[string]float64{"5xx": 0.3, "429": 0.2, "cut": 0.2, "ok": 0.3} {
		if got := float64(counts[kind]) / n; got < rate-0.03 || got > rate+0.03 {
			t.Errorf("%s: %.3f of requests, want %.2f ± 0.03", kind, got, rate)
		}
	}

	// Through the server: each request meets the fault its seed draws next.
	mix.MaxLatency, mix.RetryAfter = 0, time.Second
	s, sg := newServer(t, WithFaultMix(mix))
	twin, _ := newServer(t, WithFaultMix(mix))
	for i := range 60 {
		body, ct := formBody(t, sg, map[string]string{"fileName": "a.txt"})
		f := twin.nextFault(int64(body.Len()))
		resp, err := http.Post(s.UploadURL, ct, body)
		if err == nil {
			resp.Body.Close()
		}
		switch {
		case f.CutAfter > 0 && err == nil:
			t.Fatalf("request %d: answered %d, want the connection cut", i, resp.StatusCode)
		case f.CutAfter == 0 && err != nil:
			t.Fatalf("request %d: %v, want %d", i, err, f.Status)
		case err == nil && resp.StatusCode != max(f.Status, 200):
			t.Fatalf("request %d: answered %d, want %d", i, resp.StatusCode, max(f.Status, 200))
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

// TestWatchSeesEncodedSecret: a secret travels base64 encoded (inside a
// JWT's claims, a Basic header) at any of three alignments; the watch sees
// it in each, in the URL and the standard alphabet.
func TestWatchSeesEncodedSecret(t *testing.T) {
	const secret = "private_w/a+t?c>h_me"
	var c config
	WithWatch(secret)(&c)
	for _, enc := range []*base64.Encoding{base64.RawURLEncoding, base64.StdEncoding} {
		for _, before := range []string{`{"a":"`, `{"ab":"`, `{"abc":"`} {
			data := "token=" + enc.EncodeToString([]byte(before+secret+`","exp":1}`)) + "&x=y"
			w := &watchReader{r: strings.NewReader(data), secrets: c.watch}
			buf := make([]byte, 5) // and across reads
			for {
				if _, err := w.Read(buf); err != nil {
					break
				}
			}
			if !w.found {
				t.Errorf("not found in %s", data)
			}
		}
	}
	clean := &watchReader{r: strings.NewReader(base64.RawURLEncoding.EncodeToString([]byte(`{"a":"private_w/a+T?c>h_me"}`))), secrets: c.watch}
	io.Copy(io.Discard, clean)
	if clean.found {
		t.Error("found a secret that is not there")
	}
}

// TestLeakInsideTokenClaim: a token that carries the watched key in a claim
// is counted as a leak, wherever the claim falls in the token.
func TestLeakInsideTokenClaim(t *testing.T) {
	const secret = "private_leaked_into_a_claim"
	s, sg := newServer(t, WithWatch(secret))
	send(t, s, sg, upload{fields: map[string]string{"fileName": "a.txt"}, file: []byte("x")})
	if n := s.Leaks(); n != 0 {
		t.Fatalf("%d leaks from a clean request", n)
	}
	for _, name := range []string{"a", "ab", "abc"} { // the claim at three alignments
		send(t, s, sg, upload{fields: map[string]string{"fileName": "a.txt"}, signed: map[string]string{"fileName": "a.txt", name: secret}, file: []byte("x")})
	}
	if n := s.Leaks(); n != 3 {
		t.Fatalf("%d leaks counted, want 3: the key went out in every token", n)
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

// TestLinkRateIsShared: with WithLinkRate, uploads at once share the rate,
// as on one network link; with WithReadRate each has it to itself.
func TestLinkRateIsShared(t *testing.T) {
	for _, c := range []struct {
		name    string
		opt     Option
		atLeast time.Duration // four uploads of 40 KB at once, at 80 KB/s
	}{
		{"the link's", WithLinkRate(80_000), 1800 * time.Millisecond},   // 160 KB through one link: 2 s
		{"each upload's", WithReadRate(80_000), 400 * time.Millisecond}, // 40 KB each: 0.5 s
	} {
		t.Run(c.name, func(t *testing.T) {
			s, sg := newServer(t, c.opt)
			start := time.Now()
			var wg sync.WaitGroup
			for i := range 4 {
				wg.Go(func() {
					a := send(t, s, sg, upload{fields: map[string]string{"fileName": fmt.Sprintf("f%d.bin", i)}, file: bytes.Repeat([]byte{byte(i)}, 40_000)})
					if a.status != 200 {
						t.Errorf("upload %d: %d %v", i, a.status, a.body)
					}
				})
			}
			wg.Wait()
			took := time.Since(start)
			if took < c.atLeast {
				t.Errorf("four uploads took %s, want at least %s", took, c.atLeast)
			}
		})
	}
}
