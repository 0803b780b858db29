package uploader

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"imagekit-uploader/signer"
	"imagekit-uploader/uploader/imagekittest"
)

func uploadOne(t *testing.T, c *Client, fields Fields) (*Result, error) {
	t.Helper()
	p := writeFiles(t, t.TempDir(), 1, 5000)[0]
	return c.Upload(context.Background(), Request{Path: p, FileName: "a.jpg", Size: 5000, Fields: fields}, nil)
}

func plainClient(url string) *Client {
	s, _ := signer.New("public_x", "private_x")
	c := NewClient(url, LocalTokens{s})
	c.BaseBackoff, c.MaxBackoff = time.Millisecond, 5*time.Millisecond
	return c
}

// TestRedirectIsNotAnUpload: an upload never follows a redirect; before,
// a 302 to another host was followed as a GET and its JSON taken as success.
func TestRedirectIsNotAnUpload(t *testing.T) {
	var elsewhere atomic.Int32
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		elsewhere.Add(1)
		io.WriteString(w, `{"fileId":"x","name":"a.jpg","url":"https://evil.example/a.jpg","filePath":"/a.jpg"}`)
	}))
	defer other.Close()
	for _, status := range []int{301, 302, 303, 307, 308} {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			io.Copy(io.Discard, r.Body)
			http.Redirect(w, r, other.URL+"/upload", status)
		}))
		_, err := uploadOne(t, plainClient(srv.URL), DefaultFields())
		srv.Close()
		var ae *APIError
		if !errors.As(err, &ae) || ae.Status != status || !strings.Contains(ae.Message, other.URL) {
			t.Errorf("%d: got %v, want a failure naming the redirect's Location", status, err)
		}
	}
	if n := elsewhere.Load(); n != 0 {
		t.Fatalf("the redirect was followed %d times", n)
	}
}

// TestTokenEndpointRedirectKeepsTheBearer: the token endpoint's bearer is
// never sent on to another place.
func TestTokenEndpointRedirectKeepsTheBearer(t *testing.T) {
	var leaked atomic.Int32
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "" {
			leaked.Add(1)
		}
		io.WriteString(w, `{"token":"x"}`)
	}))
	defer other.Close()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, other.URL+"/auth", http.StatusTemporaryRedirect)
	}))
	defer srv.Close()
	rt := RemoteTokens{URL: srv.URL, Secret: "bearer-secret", PublicKey: "public_x"}
	_, err := rt.Token(context.Background(), map[string]string{"fileName": "a.jpg"}, time.Minute)
	if err == nil || leaked.Load() != 0 {
		t.Fatalf("token endpoint redirect: err %v, bearer sent on %d times", err, leaked.Load())
	}
}

// TestSuccessNeedsARealAnswer: a 200 without the fields every ImageKit
// answer has is not an upload. The server did say it stored something, so
// the file may be there: where a new version was asked for, it is not
// retried into a second one.
func TestSuccessNeedsARealAnswer(t *testing.T) {
	for _, body := range []string{`{"fileId":"x"}`, `{"fileId":"x","name":"a.jpg"}`, `{"name":"a.jpg","url":"https://x/a.jpg"}`, `{}`,
		`{"fileId":"x","name":"a.jpg","url":"https://x/a.jpg"}` + "\n<!-- a proxy's comment -->",
		`{"fileId":"x","name":"a.jpg","url":"https://x/a.jpg","description":"` + strings.Repeat("a", 5<<20) + `"}`,
	} {
		var requests atomic.Int32
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			requests.Add(1)
			io.Copy(io.Discard, r.Body)
			io.WriteString(w, body)
		}))
		f := DefaultFields()
		f.UseUniqueFileName = false // a new version
		_, err := uploadOne(t, plainClient(srv.URL), f)
		srv.Close()
		var mu *MaybeUploadedError
		if !errors.As(err, &mu) || requests.Load() != 1 {
			t.Errorf("%.60s: got %v after %d requests, want one request and 'may already be uploaded'", body, err, requests.Load())
		}
	}
}

// TestDribblingAnswerEnds: an answer that comes a byte at a time resets the
// stall limit forever; reading it has a limit of its own.
func TestDribblingAnswerEnds(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		w.WriteHeader(200)
		for {
			select {
			case <-r.Context().Done():
				return
			case <-time.After(50 * time.Millisecond):
			}
			io.WriteString(w, " ")
			w.(http.Flusher).Flush()
		}
	}))
	defer srv.Close()
	c := plainClient(srv.URL)
	c.StallTimeout, c.AnswerTimeout = 300*time.Millisecond, 500*time.Millisecond
	done := make(chan error, 1)
	go func() { _, err := uploadOne(t, c, DefaultFields()); done <- err }()
	select {
	case err := <-done:
		if !errors.As(err, new(*MaybeUploadedError)) {
			t.Fatalf("got %v, want 'may already be uploaded'", err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("still reading a dribbling answer")
	}
}

// TestNewVersionLostIsNotAlreadyUploaded: the person asked for a new version
// of a file ImageKit has. The first attempt is sent whole and never
// answered; ImageKit has a file at the path, but it may be the old one. It
// is reported as may be uploaded, not as uploaded earlier, and not sent
// again on its own. (Before, the retry went out with overwriteFile=false,
// met the old file and called it ours.)
func TestNewVersionLostIsNotAlreadyUploaded(t *testing.T) {
	srv := newTestServer(t)
	c := newClient(t, srv)
	c.HTTP = NewHTTPClient()
	c.HTTP.Transport.(*http.Transport).ResponseHeaderTimeout = 300 * time.Millisecond
	p := writeFiles(t, t.TempDir(), 1, 5000)[0]
	fields := DefaultFields()
	fields.UseUniqueFileName, fields.OverwriteFile = false, true
	req := Request{Path: p, FileName: "photo.jpg", Size: 5000, Fields: fields}
	if _, err := c.Upload(context.Background(), req, nil); err != nil {
		t.Fatal(err)
	}
	srv.Script(imagekittest.Fault{Hang: true}) // read whole, never answered, nothing stored
	_, err := c.Upload(context.Background(), req, nil)
	var mu *MaybeUploadedError
	if !errors.As(err, &mu) || errors.As(err, new(*AlreadyUploadedError)) {
		t.Fatalf("got %v, want 'may already be uploaded'", err)
	}
	// After a crash, the same: resumed, refused as existing, still in doubt.
	req.Resumed = true
	_, err = c.Upload(context.Background(), req, nil)
	if !errors.As(err, &mu) || !strings.Contains(mu.Reason, "earlier version") {
		t.Fatalf("resumed: got %v, want 'may be the earlier version'", err)
	}
	if n := len(srv.Files()[0].Versions); n != 1 {
		t.Fatalf("%d versions stored, want the one", n)
	}
}

// TestCancelAfterTheFileArrived: canceled once the whole file had reached
// the server, the upload may be stored; the job says so, and the window asks
// before uploading it again.
func TestCancelAfterTheFileArrived(t *testing.T) {
	var arrived atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		arrived.Add(1)
		<-r.Context().Done() // slow to answer
	}))
	defer srv.Close()
	q := NewQueue(context.Background(), plainClient(srv.URL), 1, PlanFree)
	items, _ := Collect(writeFiles(t, t.TempDir(), 1, 5000))
	ids, _ := q.Add(items, DefaultFields())
	q.Start()
	waitFor(t, "the file to arrive, as the engine sees it", func() bool {
		j, _ := q.Job(ids[0])
		return arrived.Load() == 1 && j.Acked == j.Request.Size
	})
	q.Cancel(ids[0])
	runQueue(t, q)
	j, _ := q.Job(ids[0])
	if j.State != Canceled || !errors.As(j.Err, new(*MaybeUploadedError)) {
		t.Fatalf("%s, %v; want canceled, may already be uploaded", j.State, j.Err)
	}
}

// TestStalledAnswerFails: headers, then a body that never comes: the
// answer has a stall limit of its own (before, the client waited forever).
func TestStalledAnswerFails(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		w.WriteHeader(http.StatusOK)
		io.WriteString(w, `{"fileId":`)
		w.(http.Flusher).Flush()
		<-r.Context().Done()
	}))
	defer srv.Close()
	c := plainClient(srv.URL)
	c.StallTimeout = 300 * time.Millisecond
	done := make(chan error, 1)
	go func() { _, err := uploadOne(t, c, DefaultFields()); done <- err }()
	select {
	case err := <-done:
		if err == nil || !strings.Contains(err.Error(), "may") {
			t.Fatalf("a stalled answer: %v; want a failure that says the file may be stored", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the client still waits for a stalled answer")
	}
}

// TestAlreadyExistsRecognisedByMeaning: a resumed file refused because it
// exists (ImageKit may answer 400 or 409, worded its own way) is reported
// as already uploaded, not as a failure.
func TestAlreadyExistsRecognisedByMeaning(t *testing.T) {
	for _, status := range []int{400, 409} {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			io.Copy(io.Discard, r.Body)
			w.WriteHeader(status)
			io.WriteString(w, `{"message":"A file with the same name already exists at the exact location.","help":""}`)
		}))
		p := writeFiles(t, t.TempDir(), 1, 100)[0]
		f := DefaultFields()
		f.UseUniqueFileName, f.OverwriteFile = false, false
		_, err := plainClient(srv.URL).Upload(context.Background(), Request{Path: p, FileName: "a.jpg", Size: 100, Fields: f, Resumed: true}, nil)
		srv.Close()
		var au *AlreadyUploadedError
		if !errors.As(err, &au) || au.FilePath != "/a.jpg" {
			t.Errorf("%d: got %v, want AlreadyUploadedError", status, err)
		}
	}
}

// TestUsedTokenIsSignedAnew: a "token already used" refusal stored nothing,
// so the attempt is signed anew and tried again, once.
func TestUsedTokenIsSignedAnew(t *testing.T) {
	srv := newTestServer(t)
	s, _ := signer.New(imagekittest.DemoPublicKey, imagekittest.DemoPrivateKey)
	paths := writeFiles(t, t.TempDir(), 2, 100)
	fields := DefaultFields()
	ts := &replayTokens{inner: LocalTokens{s}}
	c := NewClient(srv.UploadURL, ts)
	c.Retries = 0 // the replay is not a retry: it happens even with none
	for _, p := range paths {
		ts.replay = true // the second upload's first token is the first upload's
		if _, err := c.Upload(context.Background(), Request{Path: p, FileName: "a.jpg", Size: 100, Fields: fields}, nil); err != nil {
			t.Fatal(err)
		}
	}
	if n := len(srv.Files()); n != 2 {
		t.Fatalf("%d files stored, want 2", n)
	}
}

// replayTokens hands out its last token once more when replay is set.
type replayTokens struct {
	inner  TokenSource
	last   string
	replay bool
}

func (r *replayTokens) Token(ctx context.Context, fields map[string]string, d time.Duration) (string, error) {
	if r.replay && r.last != "" {
		r.replay = false
		return r.last, nil
	}
	r.replay = false
	tok, err := r.inner.Token(ctx, fields, d)
	r.last = tok
	return tok, err
}

// TestStoredThenDroppedIsNotDoubled: the server stores the file, then drops
// the connection. With a fixed path the retry asks ImageKit not to overwrite
// and takes "already exists" as the upload having happened: one version.
// With unique names, made here from the content, the same holds: the
// retry is refused as "already exists", and that file is this one. Before,
// unique names were ImageKit's (random), a retry would have stored a second
// copy, and the file was only reported as possibly uploaded.
func TestStoredThenDroppedIsNotDoubled(t *testing.T) {
	t.Run("fixed path", func(t *testing.T) {
		srv := newTestServer(t)
		srv.Script(imagekittest.Fault{StoreThenDrop: true})
		f := DefaultFields()
		f.UseUniqueFileName, f.OverwriteFile = false, false // new files: never overwrite
		_, err := uploadOne(t, newClient(t, srv), f)
		var au *AlreadyUploadedError
		if !errors.As(err, &au) {
			t.Fatalf("got %v, want AlreadyUploadedError", err)
		}
		files := srv.Files()
		if len(files) != 1 || len(files[0].Versions) != 1 {
			t.Fatalf("stored: %+v", files)
		}
	})
	t.Run("unique names", func(t *testing.T) {
		srv := newTestServer(t)
		srv.Script(imagekittest.Fault{StoreThenDrop: true})
		_, err := uploadOne(t, newClient(t, srv), DefaultFields())
		var au *AlreadyUploadedError
		if !errors.As(err, &au) {
			t.Fatalf("got %v, want AlreadyUploadedError", err)
		}
		if files := srv.Files(); len(files) != 1 || files[0].Path != au.FilePath {
			t.Fatalf("stored %+v; reported %s", files, au.FilePath)
		}
	})
}

// TestTokenLivesAsLongAsTheUpload: at the speed measured so far, a large
// file's token outlives its upload (before, every token lived 5 minutes,
// and a long upload ended "token has expired"); a file that cannot arrive
// within ImageKit's hour fails before it is sent.
func TestTokenLivesAsLongAsTheUpload(t *testing.T) {
	srv := newTestServer(t)
	c := newClient(t, srv)
	c.rate = 10_000 // bytes a second, as measured on a slow uplink
	p := writeFiles(t, t.TempDir(), 1, 5_000_000)[0]
	if _, err := c.Upload(context.Background(), Request{Path: p, FileName: "v.mp4", Size: 5_000_000, Fields: DefaultFields()}, nil); err != nil {
		t.Fatal(err)
	}
	claims := srv.Requests()[0].Claims
	if left := time.Until(claims.Expires); left < 1000*time.Second {
		t.Fatalf("token valid for %s more for a 5 MB file at 10 kB/s; want twice the 500 s it takes", left)
	}
	// 50 minutes at the measured speed: the token must last them, however
	// the signer spreads iat and exp. (Before, one could end after 44.)
	c.rate = 1 << 20
	valid, err := c.tokenLifetime(50 * 60 << 20)
	if err != nil {
		t.Fatal(err)
	}
	s, _ := signer.New("public_x", "private_x")
	for range 500 {
		tok, err := s.SignFor(map[string]string{"fileName": "a.mp4"}, valid)
		if err != nil {
			t.Fatal(err)
		}
		c, _ := (&signer.Verifier{PrivateKey: func(string) (string, bool) { return "private_x", true }}).Verify(tok)
		if left := time.Until(c.Expires); left < 50*time.Minute {
			t.Fatalf("a token for a 50-minute upload is valid for %s", left.Round(time.Second))
		}
	}
	c.rate = 1000
	_, err = c.Upload(context.Background(), Request{Path: p, FileName: "v.mp4", Size: 5_000_000, Fields: DefaultFields()}, nil)
	var ce *CheckError
	if !errors.As(err, &ce) || !strings.Contains(ce.Reason, "hour") {
		t.Fatalf("a file that takes 83 minutes: %v", err)
	}
	if n := len(srv.Requests()); n != 1 {
		t.Fatalf("%d requests; the too-slow file must not be sent", n)
	}
}

// TestSlowAnswerDoesNotMoveTheClock: after a four-minute upload the server's
// Date says nothing about when the request started. Before, the middle of
// the whole request was taken as the Date's moment, and a 4-minute upload
// "found" the clock 2 minutes ahead.
func TestSlowAnswerDoesNotMoveTheClock(t *testing.T) {
	s, _ := signer.New("public_x", "private_x")
	var notices []string
	c := NewClient("http://127.0.0.1:1/", LocalTokens{s})
	c.Notice = func(n string) { notices = append(notices, n) }
	now := time.Now()
	resp := &http.Response{Header: http.Header{"Date": {now.UTC().Format(http.TimeFormat)}}}
	c.measureSkew(resp, now.Add(-4*time.Minute), now.Add(-50*time.Millisecond))
	if off := s.ClockOffset(); off != 0 || len(notices) != 0 {
		t.Fatalf("clock moved by %s after a long upload with a quick answer (%v)", off, notices)
	}
	// A slow answer measures nothing, whatever it says.
	resp.Header.Set("Date", now.Add(5*time.Minute).UTC().Format(http.TimeFormat))
	c.measureSkew(resp, now.Add(-4*time.Minute), now.Add(-30*time.Second))
	if off := s.ClockOffset(); off != 0 {
		t.Fatalf("clock moved by %s on a slow answer", off)
	}
	// A quick one that disagrees is believed.
	c.measureSkew(resp, now.Add(-time.Second), now.Add(-20*time.Millisecond))
	if off := s.ClockOffset(); off < 4*time.Minute {
		t.Fatalf("clock offset %s, want about 5 minutes", off)
	}
}

// TestDroppedOnTheLastAttemptIsNotAFailure: a fixed-path file whose last
// attempt was stored and dropped may be on the server; it is reported so,
// not as a plain network failure (the soak found this).
func TestDroppedOnTheLastAttemptIsNotAFailure(t *testing.T) {
	srv := newTestServer(t)
	srv.Script(imagekittest.Fault{Status: 503}, imagekittest.Fault{StoreThenDrop: true})
	c := newClient(t, srv)
	c.Retries = 1
	f := DefaultFields()
	f.UseUniqueFileName, f.OverwriteFile = false, false
	_, err := uploadOne(t, c, f)
	var mu *MaybeUploadedError
	if !errors.As(err, &mu) || len(srv.Files()) != 1 {
		t.Fatalf("got %v with %d stored; want MaybeUploadedError", err, len(srv.Files()))
	}
}

// TestTokenEndpointRateLimitIsWaitedFor: the token endpoint's 429 says how
// long to wait; the client waits that long instead of spending its retries
// at once (before, uploads failed at the README's own --rate). A refusal by
// its policy is worded as one, not as a wrong public key.
func TestTokenEndpointRateLimitIsWaitedFor(t *testing.T) {
	s, _ := signer.New(imagekittest.DemoPublicKey, imagekittest.DemoPrivateKey)
	var first atomic.Int64
	var refused atomic.Bool
	ep := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		first.CompareAndSwap(0, time.Now().UnixNano())
		if refused.Load() {
			w.WriteHeader(http.StatusForbidden)
			io.WriteString(w, `{"message":"folder must be /web or a folder inside it (policy: folder-prefix)"}`)
			return
		}
		if time.Since(time.Unix(0, first.Load())) < time.Second {
			w.Header().Set("Retry-After", "1")
			w.WriteHeader(http.StatusTooManyRequests)
			io.WriteString(w, `{"message":"slow down"}`)
			return
		}
		answerToken(w, r, s)
	}))
	defer ep.Close()
	srv := newTestServer(t)
	c := NewClient(srv.UploadURL, RemoteTokens{URL: ep.URL, Secret: "s", PublicKey: imagekittest.DemoPublicKey})
	c.Retries, c.BaseBackoff, c.MaxBackoff = 2, time.Millisecond, 5*time.Millisecond
	if _, err := uploadOne(t, c, DefaultFields()); err != nil {
		t.Fatalf("through a rate limit that says wait a second: %v", err)
	}
	refused.Store(true)
	_, err := uploadOne(t, c, DefaultFields())
	if err == nil || !strings.Contains(err.Error(), "refused to sign this upload") || strings.Contains(err.Error(), "public key") {
		t.Fatalf("a policy refusal: %v", err)
	}
}

// TestUntrustedCertificateFailsAtOnce: a certificate this computer does not
// trust (a company proxy that inspects HTTPS) will not fix itself; before,
// it was retried for 12 s as a network error and shown in x509's words.
func TestUntrustedCertificateFailsAtOnce(t *testing.T) {
	var requests atomic.Int32
	srv := httptest.NewTLSServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { requests.Add(1) }))
	defer srv.Close()
	c := plainClient(srv.URL)
	c.Retries = 5
	_, err := uploadOne(t, c, DefaultFields())
	var se *SetupError
	if !errors.As(err, &se) || !strings.Contains(se.Reason, "SSL_CERT_FILE") || retryable(err) {
		t.Fatalf("got %v (retryable %v), want a setup error that says what to do", err, retryable(err))
	}
	ep := RemoteTokens{URL: srv.URL, Secret: "s", PublicKey: "public_x"}
	if _, err := ep.Token(context.Background(), map[string]string{"fileName": "a"}, time.Minute); !errors.As(err, &se) {
		t.Fatalf("the token endpoint: %v, want a setup error", err)
	}
}

// TestProxies: a proxy setting is none, the environment's, or a URL; a
// proxy that wants a password says so, and is not retried.
func TestProxies(t *testing.T) {
	for _, bad := range []string{"proxy.example:3128", "ftp://proxy.example", "http://"} {
		if _, err := ProxyFunc(bad); err == nil {
			t.Errorf("%q accepted as a proxy", bad)
		}
	}
	var through atomic.Int32
	proxy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		through.Add(1)
		io.Copy(io.Discard, r.Body)
		w.Header().Set("Proxy-Authenticate", `Basic realm="corp"`)
		w.WriteHeader(http.StatusProxyAuthRequired)
	}))
	defer proxy.Close()
	c := plainClient("http://upload.example/api/v2/files/upload")
	if err := c.UseProxy(proxy.URL); err != nil {
		t.Fatal(err)
	}
	_, err := uploadOne(t, c, DefaultFields())
	var se *SetupError
	if !errors.As(err, &se) || !strings.Contains(se.Reason, "user name and password") || through.Load() != 1 {
		t.Fatalf("through a proxy that wants a password: %v after %d requests", err, through.Load())
	}
}

// TestTokensAreFetchedAhead: with a token endpoint, the tokens of the files
// next in line are asked for while earlier uploads are under way (held here
// at the server), so the endpoint's round trip overlaps them; none is
// wasted, and every upload goes through with its own token.
func TestTokensAreFetchedAhead(t *testing.T) {
	s, _ := signer.New(imagekittest.DemoPublicKey, imagekittest.DemoPrivateKey)
	var asked atomic.Int32
	ep := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		asked.Add(1)
		answerToken(w, r, s)
	}))
	defer ep.Close()
	srv := newTestServer(t)
	srv.Script(imagekittest.Fault{Latency: time.Second}, imagekittest.Fault{Latency: time.Second}) // the first two are slow to go through
	c := NewClient(srv.UploadURL, RemoteTokens{URL: ep.URL, Secret: "s", PublicKey: imagekittest.DemoPublicKey})
	q := NewQueue(context.Background(), c, 2, PlanFree)
	items, _ := Collect(writeFiles(t, t.TempDir(), 6, 1000))
	q.Add(items, DefaultFields())
	q.Start()
	waitFor(t, "the next files' tokens, while the first two upload", func() bool { return asked.Load() >= 4 })
	if n := len(srv.Requests()); n != 0 {
		t.Fatalf("%d uploads finished already: the test proves nothing", n)
	}
	runQueue(t, q)
	for _, j := range q.Jobs() {
		if j.State != Done {
			t.Errorf("%s: %s %v", j.Request.FileName, j.State, j.Err)
		}
	}
	if n := asked.Load(); n != 6 {
		t.Errorf("%d tokens asked for 6 files", n)
	}
}

// TestNoTokenAheadOnceTheUploadBegan: a file with a unique name has its
// content read before its token is asked for ahead; when its upload begins
// meanwhile (it then asks for its own), none is asked for ahead. Before, one
// was asked for and wasted whenever the read came back after the upload
// began: "8 tokens asked for 6 files" in TestTokensAreFetchedAhead, once in
// 40 runs on a busy machine.
func TestNoTokenAheadOnceTheUploadBegan(t *testing.T) {
	s, _ := signer.New(imagekittest.DemoPublicKey, imagekittest.DemoPrivateKey)
	var asked atomic.Int32
	ep := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		asked.Add(1)
		answerToken(w, r, s)
	}))
	defer ep.Close()
	c := NewClient("http://upload.example/api/v2/files/upload", RemoteTokens{URL: ep.URL, Secret: "s", PublicKey: imagekittest.DemoPublicKey})
	items, _ := Collect(writeFiles(t, t.TempDir(), 2, 1000))
	for i, it := range items {
		r := Request{Path: it.Path, FileName: filepath.Base(it.Path), Size: it.Size, Fields: DefaultFields()}
		var checks atomic.Int32
		began := make(chan struct{})
		c.prefetch(r, func() bool {
			if checks.Add(1) == 1 {
				return true // when asked: still in line
			}
			<-began // by the time its content was read, its upload began
			return i == 1
		})
		close(began)
		waitFor(t, "the content read and the token decided", func() bool { return checks.Load() >= 2 })
		c.mu.Lock() // decided and, if asked for, recorded under it
		ahead := len(c.ahead)
		c.mu.Unlock()
		if ahead != i {
			t.Fatalf("file %d: %d tokens asked for ahead, want %d", i+1, ahead, i)
		}
	}
	waitFor(t, "the one token asked for ahead", func() bool { return asked.Load() == 1 })
}

// TestUploadConnectionOpensWhileTheTokenComes: a token from an endpoint is a
// round trip away; the upload's connection is opened meanwhile, so the two
// overlap (the first uploads of a batch paid both, one after the other).
func TestUploadConnectionOpensWhileTheTokenComes(t *testing.T) {
	s, _ := signer.New("public_x", "private_x")
	tokenSent := make(chan time.Time, 1)
	ep := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		time.Sleep(300 * time.Millisecond) // far away
		tok, _ := s.Sign(map[string]string{"fileName": "a.jpg"})
		tokenSent <- time.Now()
		io.WriteString(w, `{"token":"`+tok+`"}`)
	}))
	defer ep.Close()
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		io.WriteString(w, `{"fileId":"f","name":"a.jpg","url":"https://ik.example/a.jpg"}`)
	}))
	accepted := make(chan time.Time, 8)
	srv.Listener = &noteAccepts{Listener: srv.Listener, at: accepted}
	srv.Start()
	defer srv.Close()
	c := NewClient(srv.URL, RemoteTokens{URL: ep.URL, Secret: "s", PublicKey: "public_x"})
	if _, err := uploadOne(t, c, DefaultFields()); err != nil {
		t.Fatal(err)
	}
	if opened, got := <-accepted, <-tokenSent; !opened.Before(got) {
		t.Fatalf("the upload's connection opened %s after the token came", opened.Sub(got))
	}
}

type noteAccepts struct {
	net.Listener
	at chan time.Time
}

func (l *noteAccepts) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err == nil {
		select {
		case l.at <- time.Now():
		default:
		}
	}
	return c, err
}

// answerToken answers a token endpoint's request as the contract says:
// signed for the payload, exp - iat = expire.
func answerToken(w http.ResponseWriter, r *http.Request, s *signer.Signer) {
	var req struct {
		UploadPayload map[string]string `json:"uploadPayload"`
		Expire        int               `json:"expire"`
	}
	json.NewDecoder(r.Body).Decode(&req)
	tok, _ := s.SignExact(req.UploadPayload, time.Duration(req.Expire)*time.Second)
	io.WriteString(w, `{"token":"`+tok+`"}`)
}

// TestWarmConnectionsStayFewAndAlive: a connection opened ahead that the
// server has closed meanwhile is not used (before, the upload failed on it,
// every retry too), and connections are opened ahead only when none is kept
// from a recent answer (before, about one unused connection per upload).
func TestWarmConnectionsStayFewAndAlive(t *testing.T) {
	s, _ := signer.New("public_x", "private_x")
	slow := atomic.Int64{}
	ep := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		time.Sleep(time.Duration(slow.Load()))
		answerToken(w, r, s)
	}))
	defer ep.Close()
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		io.WriteString(w, `{"fileId":"f","name":"a.jpg","url":"https://ik.example/a.jpg"}`)
	}))
	srv.Config.ReadHeaderTimeout = 300 * time.Millisecond // it closes a connection that carries no request soon
	accepted := make(chan time.Time, 1000)
	srv.Listener = &noteAccepts{Listener: srv.Listener, at: accepted}
	srv.Start()
	defer srv.Close()
	c := NewClient(srv.URL, RemoteTokens{URL: ep.URL, Secret: "s", PublicKey: "public_x"})
	c.Retries = 0
	slow.Store(int64(time.Second)) // the token comes after the server closed the warm connection
	if _, err := uploadOne(t, c, DefaultFields()); err != nil {
		t.Fatalf("with the warm connection closed by the server: %v", err)
	}
	slow.Store(int64(20 * time.Millisecond))
	for range 30 {
		if _, err := uploadOne(t, c, DefaultFields()); err != nil {
			t.Fatal(err)
		}
	}
	if n := len(accepted); n > 4 {
		t.Fatalf("%d connections opened for 31 uploads one after another", n)
	}
}

// TestTokenEndpointWithAShortMaxExpire: an endpoint that allows shorter
// tokens than the client first asks for (--max-expire) is not a wall: the
// client asks within its limit from then on. (Before, with --max-expire 300
// every upload was refused.)
func TestTokenEndpointWithAShortMaxExpire(t *testing.T) {
	s, _ := signer.New(imagekittest.DemoPublicKey, imagekittest.DemoPrivateKey)
	var refused atomic.Int32
	ep := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var req struct {
			Expire int `json:"expire"`
		}
		b, _ := io.ReadAll(r.Body)
		json.Unmarshal(b, &req)
		if req.Expire > 200 {
			refused.Add(1)
			w.WriteHeader(http.StatusForbidden)
			io.WriteString(w, `{"message":"expire may be at most 200 seconds here (policy: max-expire)"}`)
			return
		}
		r.Body = io.NopCloser(bytes.NewReader(b))
		answerToken(w, r, s)
	}))
	defer ep.Close()
	srv := newTestServer(t)
	c := NewClient(srv.UploadURL, RemoteTokens{URL: ep.URL, Secret: "s", PublicKey: imagekittest.DemoPublicKey})
	q := NewQueue(context.Background(), c, 2, PlanFree)
	items, _ := Collect(writeFiles(t, t.TempDir(), 6, 1000))
	q.Add(items, DefaultFields())
	q.Start()
	runQueue(t, q)
	for _, j := range q.Jobs() {
		if j.State != Done {
			t.Fatalf("%s: %s %v", j.Request.FileName, j.State, j.Err)
		}
	}
	if n := refused.Load(); n > 4 {
		t.Fatalf("%d tokens refused for 6 files: the limit was not learned", n)
	}
}

// TestOddTypesInAnAnswerStillMeanStored: a success answer with a value of
// an odd type in a field that does not say where the file is ("tags":
// ["a", 1], "versionInfo": "v2") is an upload; before, it was "may already
// be uploaded".
func TestOddTypesInAnAnswerStillMeanStored(t *testing.T) {
	for _, body := range []string{
		`{"fileId":"x","name":"a.jpg","url":"https://x/a.jpg","tags":["a",1]}`,
		`{"fileId":"x","name":"a.jpg","url":"https://x/a.jpg","versionInfo":"v2","size":"big"}`,
	} {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			io.Copy(io.Discard, r.Body)
			io.WriteString(w, body)
		}))
		res, err := uploadOne(t, plainClient(srv.URL), DefaultFields())
		srv.Close()
		if err != nil || res == nil || res.URL != "https://x/a.jpg" {
			t.Errorf("%s: %v, %v", body, res, err)
		}
	}
}

// TestNamesThatAreNotUTF8: a file whose name is not valid UTF-8 goes up,
// its stray bytes sent as '_' in the form and the token alike; before, the
// token's JSON turned them into U+FFFD and the server refused the
// mismatch ("fileName differs").
func TestNamesThatAreNotUTF8(t *testing.T) {
	srv := newTestServer(t)
	p := filepath.Join(t.TempDir(), "caf\xe9.jpg")
	if err := os.WriteFile(p, []byte("photo"), 0o644); err != nil {
		t.Skip("this file system takes no such names")
	}
	for _, unique := range []bool{false, true} {
		f := DefaultFields()
		f.UseUniqueFileName = unique
		res, err := newClient(t, srv).Upload(context.Background(), Request{Path: p, FileName: filepath.Base(p), Size: 5, Fields: f, UploadAgain: true}, nil)
		if err != nil || !strings.HasPrefix(res.Name, "caf_") {
			t.Errorf("unique %v: %v, %v", unique, res, err)
		}
	}
}

// TestProxyThatCannotBeReached: a proxy set up that refuses connections (or
// does not exist) is a setup error at once, not a network error retried for
// seconds: no retry finds it.
func TestProxyThatCannotBeReached(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close() // nothing listens there now
	c := plainClient("http://upload.example/api/v2/files/upload")
	if err := c.UseProxy("http://" + addr); err != nil {
		t.Fatal(err)
	}
	attempts := 0
	_, err = c.Upload(context.Background(), Request{Path: writeFiles(t, t.TempDir(), 1, 100)[0], FileName: "a.jpg", Size: 100, Fields: DefaultFields()},
		func(a Attempt) {
			if a.Begin {
				attempts++
			}
		})
	var se *SetupError
	if !errors.As(err, &se) || !strings.Contains(se.Reason, "the proxy cannot be reached") || Explain(err).Refused != RefusedSetup || attempts > 1 {
		t.Fatalf("through a proxy nobody answers: %v (%d attempts)", err, attempts)
	}
}

// TestFailedChecksAreACheck: an upload whose checks the server refuses is
// a "check" failure, the server's words and status kept, and not retried.
// Before, it was a plain server error.
func TestFailedChecksAreACheck(t *testing.T) {
	srv := newTestServer(t)
	c := newClient(t, srv)
	_, err := uploadOne(t, c, Fields{Options: Options{Checks: `"file.size" < "10"`}})
	x := Explain(err)
	if x.Kind != "check" || x.Status != 400 || !strings.Contains(x.Message, "did not pass the upload checks") {
		t.Errorf("%+v", x)
	}
	if n := len(srv.Requests()); n != 1 {
		t.Errorf("%d requests: a refusal by checks was sent again", n)
	}
	if len(srv.Files()) != 0 {
		t.Error("stored though the checks refused it")
	}
	// A gateway's own "security checks" refuse an upload that sent none:
	// that is the server's answer, not a check.
	waf := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		w.WriteHeader(http.StatusBadRequest)
		w.Write([]byte(`{"message":"Request blocked by the gateway's security checks (WAF rule 942100)."}`))
	}))
	defer waf.Close()
	_, err = uploadOne(t, plainClient(waf.URL), DefaultFields())
	if x := Explain(err); x.Kind != "server" || x.Status != 400 {
		t.Errorf("a gateway's refusal: %+v", x)
	}
}
