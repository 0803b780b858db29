// Package uploader uploads files to ImageKit's upload API v2: a streaming
// request with an exact length and honest progress, retries that sign each
// attempt anew, and a queue with bounded concurrency. It never imports Fyne.
package uploader

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/httptrace"
	"net/url"
	"path"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"imagekit-uploader/signer"
)

// DefaultEndpoint is ImageKit's upload API v2.
const DefaultEndpoint = "https://upload.imagekit.io/api/v2/files/upload"

// Client uploads one file at a time, with retries. It is safe for concurrent use.
type Client struct {
	Endpoint string
	Tokens   TokenSource
	HTTP     *http.Client // NewHTTPClient when nil

	Retries      int           // attempts after the first, for network errors, 429 and 5xx (NewClient: DefaultRetries)
	BaseBackoff  time.Duration // the first retry waits about this long (jittered), doubling
	MaxBackoff   time.Duration
	StallTimeout time.Duration // abort an attempt when no byte moves this long

	// Notice, when set, is told things a person should know once, such as a
	// clock correction.
	Notice func(string)

	skewOnce sync.Once
	mu       sync.Mutex
	rate     float64 // bytes a second one upload moved, smoothed over recent large files; 0 until measured
}

// Defaults for a Client's zero fields.
const (
	DefaultRetries      = 5
	DefaultBaseBackoff  = 500 * time.Millisecond
	DefaultMaxBackoff   = 30 * time.Second
	DefaultStallTimeout = 60 * time.Second
	// maxSkew is how far the server's clock may be from ours before the
	// tokens' iat is corrected.
	maxSkew = 10 * time.Second
	// quickAnswer is how soon after the body an answer must come for its
	// Date to measure the server's clock.
	quickAnswer = 2 * time.Second
	// assumedRate is the speed token lifetimes assume until one was measured.
	assumedRate = 1 << 20
)

// NewClient returns a client with the default retries, backoff and transport.
func NewClient(endpoint string, tokens TokenSource) *Client {
	return &Client{Endpoint: endpoint, Tokens: tokens, Retries: DefaultRetries, HTTP: defaultHTTP}
}

// NewHTTPClient is the transport uploads use: large write buffers, enough
// idle connections for the largest queue, and time limits on every phase
// but the body itself, which the stall watchdog guards.
func NewHTTPClient() *http.Client {
	return &http.Client{Transport: &http.Transport{
		Proxy:                 http.ProxyFromEnvironment,
		DialContext:           dialNoLinger,
		TLSHandshakeTimeout:   15 * time.Second,
		ResponseHeaderTimeout: 2 * time.Minute,
		MaxIdleConnsPerHost:   MaxConcurrency,
		IdleConnTimeout:       90 * time.Second,
		WriteBufferSize:       64 << 10, // small: progress counts what left this buffer
		ForceAttemptHTTP2:     false,    // HTTP/1.1: one upload per connection, as curl does
	}}
}

// dialNoLinger dials with SO_LINGER 0: closing a connection resets it and
// drops what the kernel still holds unsent. A canceled upload then ends on
// the server too, instead of arriving whole (and being stored) from the
// socket buffer seconds after the person canceled it.
func dialNoLinger(ctx context.Context, network, addr string) (net.Conn, error) {
	c, err := (&net.Dialer{Timeout: 30 * time.Second, KeepAlive: 30 * time.Second}).DialContext(ctx, network, addr)
	if tc, ok := c.(*net.TCPConn); ok {
		tc.SetLinger(0)
	}
	return c, err
}

// CheckEndpoint refuses an endpoint that would send tokens in the clear to
// another machine: plain http is for loopback (a local server) only.
func CheckEndpoint(raw string) error {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return fmt.Errorf("endpoint %q is not a URL", raw)
	}
	switch u.Scheme {
	case "https":
		return nil
	case "http":
		if IsLoopback(u.Hostname()) {
			return nil
		}
		return fmt.Errorf("endpoint %s uses plain http to another machine; use https (plain http is allowed only to localhost)", u.Redacted())
	}
	return fmt.Errorf("endpoint %q must start with https://", raw)
}

// IsLoopback says whether host names this computer.
func IsLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// Request is one file to upload.
type Request struct {
	Path     string
	Rel      string // the file's directory under Fields.Folder, slash separated ("" for none)
	FileName string // the name to send; the file's own name by default
	Size     int64  // the file must still have this size when it is sent
	Fields   Fields
	// Resumed marks a file offered again after the app stopped mid-batch: its
	// upload may have finished on the server with the answer lost. Where the
	// path is fixed (no unique names), it is sent with overwriteFile=false, so
	// a file ImageKit already has is reported (AlreadyUploadedError) rather
	// than stored again as a new version.
	Resumed bool
}

// Result is ImageKit's answer to a successful upload.
type Result struct {
	FileID       string   `json:"fileId"`
	Name         string   `json:"name"`
	URL          string   `json:"url"`
	ThumbnailURL string   `json:"thumbnailUrl"`
	FilePath     string   `json:"filePath"`
	FileType     string   `json:"fileType"`
	Size         int64    `json:"size"`
	Height       int      `json:"height,omitempty"`
	Width        int      `json:"width,omitempty"`
	Tags         []string `json:"tags"`
	VersionInfo  *struct {
		ID   string `json:"id"`
		Name string `json:"name"`
	} `json:"versionInfo,omitempty"`
	IsPrivateFile *bool           `json:"isPrivateFile,omitempty"`
	RequestID     string          `json:"-"`
	Raw           json.RawMessage `json:"-"` // the whole answer
}

// Version is versionInfo's name ("Version 2"), or "".
func (r *Result) Version() string {
	if r.VersionInfo == nil {
		return ""
	}
	return r.VersionInfo.Name
}

// Attempt tells an upload's observer what is happening.
type Attempt struct {
	N     int           // 1 for the first try
	Acked int64         // file bytes of this attempt the server's side has acknowledged (see body.arrived)
	Wait  time.Duration // before a retry: how long until it starts
	Cause error         // before a retry: why
	Begin bool          // the attempt is about to send: no byte of it has left yet
}

// Upload sends one file, retrying what can succeed on another try. progress
// is called from a ticker (at most every progressEvery) and on every change of
// attempt; it must not block.
func (c *Client) Upload(ctx context.Context, r Request, progress func(Attempt)) (*Result, error) {
	if progress == nil {
		progress = func(Attempt) {}
	}
	retries := c.Retries
	if retries < 0 {
		retries = 0
	}
	lifetime, err := c.tokenLifetime(r.Size)
	if err != nil {
		return nil, err
	}
	skewRetried, tokenRetried := false, false
	sentWhole := false // an attempt sent the whole file and got no answer: it may be stored
	for n := 1; ; n++ {
		progress(Attempt{N: n, Begin: true})
		res, err := c.attempt(ctx, r, n, lifetime, progress)
		if err == nil {
			return res, nil
		}
		if ctx.Err() != nil {
			return nil, context.Cause(ctx)
		}
		var ne *NetworkError
		if errors.As(err, &ne) && ne.BodySent {
			// The whole file went out and no answer came back: the server
			// may have stored it. With a fixed path, the next attempt asks
			// it not to overwrite, and "already exists" means it is ours;
			// with unique names another attempt would store a second copy.
			if r.Fields.UseUniqueFileName {
				return nil, &MaybeUploadedError{Err: err}
			}
			r.Resumed, sentWhole = true, true
		}
		// Cured at once, and not counted as retries: a clock just corrected,
		// and a token the server had seen (it stored nothing).
		again := false
		if !skewRetried && c.clockJustCorrected(err) {
			again, skewRetried = true, true
		} else if !tokenRetried && tokenUsed(err) {
			again, tokenRetried = true, true
		}
		if !again && (!retryable(err) || n > retries) {
			if sentWhole && !errors.As(err, new(*AlreadyUploadedError)) {
				err = &MaybeUploadedError{Err: err} // whatever came after, an earlier attempt may have stored it
			}
			return nil, err
		}
		wait := c.backoff(n, err)
		if again {
			wait = 0
		}
		progress(Attempt{N: n, Wait: wait, Cause: err})
		select {
		case <-time.After(wait):
		case <-ctx.Done():
			return nil, context.Cause(ctx)
		}
	}
}

// backoff is exponential with full jitter, or what the server asked for.
func (c *Client) backoff(n int, err error) time.Duration {
	var ae *APIError
	if errors.As(err, &ae) && ae.Retry > 0 {
		return min(ae.Retry, 5*time.Minute)
	}
	base, maxb := c.BaseBackoff, c.MaxBackoff
	if base <= 0 {
		base = DefaultBaseBackoff
	}
	if maxb <= 0 {
		maxb = DefaultMaxBackoff
	}
	d := min(base<<min(n-1, 20), maxb)
	return d/2 + rand.N(d/2+1)
}

const progressEvery = 100 * time.Millisecond

// tokenLifetime sizes an upload's tokens for its file: twice the time it
// should take at the speed measured so far, plus a minute, at least the
// default and at most ImageKit's hour. A file that cannot arrive within the
// hour at the measured speed fails before it is sent.
func (c *Client) tokenLifetime(size int64) (time.Duration, error) {
	c.mu.Lock()
	rate := c.rate
	c.mu.Unlock()
	measured := rate > 0
	if !measured {
		rate = assumedRate
	}
	need := time.Duration(float64(size) / rate * float64(time.Second))
	if measured && need > signer.MaxLifetime-time.Minute {
		return 0, &CheckError{Field: "file", Reason: fmt.Sprintf(
			"at the speed measured so far (%s/s an upload), this %s file would take about %s, and ImageKit's upload tokens last at most an hour: upload it over a faster connection, or with fewer uploads at once",
			FormatSize(int64(rate)), FormatSize(size), aboutDuration(need))}
	}
	return min(max(signer.DefaultLifetime, 2*need+time.Minute), signer.MaxLifetime), nil
}

// measureRate folds one upload's speed into the client's; small files say
// more about latency than speed, so only large ones count.
func (c *Client) measureRate(size int64, took time.Duration) {
	if size < 1<<20 || took <= 0 {
		return
	}
	r := float64(size) / took.Seconds()
	c.mu.Lock()
	if c.rate == 0 {
		c.rate = r
	} else {
		c.rate = 0.5*c.rate + 0.5*r
	}
	c.mu.Unlock()
}

func (c *Client) attempt(ctx context.Context, r Request, n int, lifetime time.Duration, progress func(Attempt)) (*Result, error) {
	folder, err := destination(r.Fields.Folder, r.Rel)
	if err != nil {
		return nil, err
	}
	fields := r.Fields.form(r.FileName, folder)
	guard := r.Resumed && !r.Fields.UseUniqueFileName
	if guard {
		fields["overwriteFile"] = "false"
	}
	if c.Tokens == nil {
		return nil, &CheckError{Field: "account", Reason: "no key or token endpoint is set up: add your ImageKit keys first"}
	}
	token, err := c.Tokens.Token(ctx, fields, lifetime)
	if err != nil {
		return nil, err
	}
	b, err := newBody(r.Path, r.FileName, r.Size, fields, token)
	if err != nil {
		return nil, err
	}
	defer b.Close()
	actx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	req, err := http.NewRequestWithContext(actx, http.MethodPost, c.Endpoint, io.NopCloser(b))
	if err != nil {
		return nil, err
	}
	req.ContentLength = b.Len()
	req.Header.Set("Content-Type", b.contentType)
	req.Header.Set("User-Agent", "imagekit-uploader")

	var conn atomic.Pointer[net.Conn]
	req = req.WithContext(httptrace.WithClientTrace(actx, &httptrace.ClientTrace{
		GotConn: func(info httptrace.GotConnInfo) { conn.Store(&info.Conn) },
	}))
	// The watch reports progress until the answer's headers arrive; it has
	// stopped, and no report of it is under way, before this attempt goes on,
	// so no report of this attempt can follow its end.
	stop, watched := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(watched)
		c.watch(actx, stop, b, &conn, n, progress, cancel)
	}()
	hc := *defaultHTTP
	if c.HTTP != nil {
		hc = *c.HTTP
	}
	hc.CheckRedirect = refuseRedirect // an upload that moves elsewhere is a failure, never a GET that "succeeds"
	start := time.Now()
	resp, err := hc.Do(req)
	close(stop)
	<-watched
	if err != nil {
		if ctx.Err() != nil {
			return nil, context.Cause(ctx)
		}
		if errors.Is(err, ErrFileChanged) {
			return nil, &FileError{Path: r.Path, Reason: ErrFileChanged.Error(), Err: ErrFileChanged}
		}
		if cause := context.Cause(actx); errors.Is(cause, ErrStalled) {
			err = cause
		}
		return nil, &NetworkError{Err: err, BodySent: b.complete()}
	}
	defer resp.Body.Close()
	c.measureSkew(resp, start, b.doneAt())
	progress(Attempt{N: n, Acked: b.size})
	res, err := readAnswer(resp, c.stallTimeout(), cancel)
	if err == nil {
		c.measureRate(b.size, b.doneAt().Sub(start))
	}
	var ae *APIError
	if guard && errors.As(err, &ae) && alreadyExists(ae) {
		return nil, &AlreadyUploadedError{FilePath: path.Join(folder, r.FileName), Err: ae}
	}
	return res, err
}

// alreadyExists recognises ImageKit's refusal of a file that is already at
// its path, by what it means: 400 or 409, saying it exists.
func alreadyExists(ae *APIError) bool {
	return (ae.Status == http.StatusBadRequest || ae.Status == http.StatusConflict) &&
		strings.Contains(strings.ToLower(ae.Message), "already exists")
}

// tokenUsed recognises the refusal of a token the server has seen before:
// nothing was stored, and a new token cures it.
func tokenUsed(err error) bool {
	var ae *APIError
	if !errors.As(err, &ae) || ae.Status != http.StatusBadRequest {
		return false
	}
	m := strings.ToLower(ae.Message)
	return strings.Contains(m, "token") && (strings.Contains(m, "used") || strings.Contains(m, "reuse"))
}

// refuseRedirect makes an http.Client hand a redirect back instead of
// following it.
func refuseRedirect(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }

func isRedirect(status int) bool { return status >= 300 && status < 400 }

func (c *Client) stallTimeout() time.Duration {
	if c.StallTimeout > 0 {
		return c.StallTimeout
	}
	return DefaultStallTimeout
}

var defaultHTTP = NewHTTPClient()

// watch reports progress every progressEvery and aborts the attempt when no
// byte has moved for the stall timeout.
func (c *Client) watch(ctx context.Context, stop <-chan struct{}, b *body, connp *atomic.Pointer[net.Conn], n int, progress func(Attempt), abort context.CancelCauseFunc) {
	stall := c.stallTimeout()
	t := time.NewTicker(progressEvery)
	defer t.Stop()
	last, lastMove, lastShown := int64(-1), time.Now(), int64(-1)
	for {
		select {
		case <-ctx.Done():
			return
		case <-stop:
			return
		case <-t.C:
		}
		var conn net.Conn
		if p := connp.Load(); p != nil {
			conn = *p
		}
		if shown := b.arrived(conn); shown != lastShown {
			lastShown = shown
			progress(Attempt{N: n, Acked: shown})
		}
		// Stalled: nothing more was taken from the file for the stall timeout.
		if sent := b.total.Load(); sent != last {
			last, lastMove = sent, time.Now()
		} else if b.sent.Load() < b.size && time.Since(lastMove) > stall {
			abort(ErrStalled)
			return
		}
	}
}

// readAnswer turns the server's answer into a Result or an *APIError. The
// answer has a stall limit of its own: when no byte of it comes for stall,
// abort ends the request.
func readAnswer(resp *http.Response, stall time.Duration, abort context.CancelCauseFunc) (*Result, error) {
	reqID := resp.Header.Get("x-ik-requestId")
	if reqID == "" {
		reqID = resp.Header.Get("x-request-id")
	}
	watchdog := time.AfterFunc(stall, func() { abort(ErrStalled) })
	raw, err := io.ReadAll(&resetOnRead{r: io.LimitReader(resp.Body, 4<<20), t: watchdog, d: stall})
	watchdog.Stop()
	if err != nil {
		if resp.StatusCode == http.StatusOK {
			// The file is most likely stored; only its answer was lost.
			return nil, &NetworkError{Err: fmt.Errorf("the answer was cut off: %w", err), BodySent: true}
		}
		return nil, &NetworkError{Err: err}
	}
	if isRedirect(resp.StatusCode) {
		return nil, &APIError{Status: resp.StatusCode, RequestID: reqID,
			Message: "the upload server redirected the upload to " + strconv.Quote(resp.Header.Get("Location")) + "; an upload is never sent on to another address: check the upload endpoint"}
	}
	if resp.StatusCode == http.StatusOK {
		var res Result
		if err := json.Unmarshal(raw, &res); err != nil || res.FileID == "" || res.Name == "" || res.URL == "" {
			return nil, &APIError{Status: resp.StatusCode, RequestID: reqID, Message: "the server answered success but not with ImageKit's answer (fileId, name and url): " + describeNonJSON(resp, raw)}
		}
		res.Raw, res.RequestID = raw, reqID
		return &res, nil
	}
	ae := &APIError{Status: resp.StatusCode, RequestID: reqID, Retry: retryAfter(resp.Header)}
	var e struct{ Message, Help string }
	if json.Unmarshal(raw, &e) == nil && e.Message != "" {
		ae.Message, ae.Help = e.Message, e.Help
	} else {
		ae.Message = describeNonJSON(resp, raw)
	}
	return nil, ae
}

// resetOnRead pushes a stall timer back each time bytes arrive.
type resetOnRead struct {
	r io.Reader
	t *time.Timer
	d time.Duration
}

func (r *resetOnRead) Read(p []byte) (int, error) {
	n, err := r.r.Read(p)
	if n > 0 {
		r.t.Reset(r.d)
	}
	return n, err
}

var titleRE = regexp.MustCompile(`(?is)<title>\s*(.*?)\s*</title>|<h1>\s*(.*?)\s*</h1>`)

// describeNonJSON says what a non-JSON answer was, for a person.
func describeNonJSON(resp *http.Response, raw []byte) string {
	ct := resp.Header.Get("Content-Type")
	text := strings.TrimSpace(string(raw))
	if m := titleRE.FindStringSubmatch(text); m != nil {
		text = m[1] + m[2]
	}
	if len(text) > 120 {
		text = text[:120] + "…"
	}
	kind := "a non-JSON answer"
	if strings.Contains(ct, "html") {
		kind = "an HTML page (a proxy or gateway answered, not ImageKit)"
	}
	if text == "" {
		return kind + " with no text"
	}
	return fmt.Sprintf("%s: %q", kind, text)
}

// retryAfter reads Retry-After (seconds or a date) or X-RateLimit-Reset (ms).
func retryAfter(h http.Header) time.Duration {
	if v := h.Get("Retry-After"); v != "" {
		if s, err := strconv.Atoi(strings.TrimSpace(v)); err == nil && s >= 0 {
			return time.Duration(s) * time.Second
		}
		if t, err := http.ParseTime(v); err == nil {
			return max(time.Until(t), 0)
		}
	}
	if v := h.Get("X-RateLimit-Reset"); v != "" {
		if ms, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64); err == nil && ms > 0 {
			return time.Duration(ms) * time.Millisecond
		}
	}
	return 0
}

// measureSkew compares the server's Date with our clock. When they differ
// enough to break tokens, it corrects the token source's clock and says so once.
func (c *Client) measureSkew(resp *http.Response, start, bodyDone time.Time) {
	cc, ok := c.Tokens.(clockCorrectable)
	if !ok {
		return
	}
	date, err := http.ParseTime(resp.Header.Get("Date"))
	if err != nil {
		return
	}
	// The server stamped its Date between the body's end (or, for an early
	// answer, the request's start) and now. Only a quick answer pins that
	// moment down: after a long upload or a slow answer it could be minutes
	// off, so such an answer measures nothing.
	from := bodyDone
	if from.IsZero() {
		from = start
	}
	wait := time.Since(from)
	if wait > quickAnswer {
		return
	}
	local := from.Add(wait / 2)
	offset := date.Sub(local).Round(time.Second)
	if offset.Abs() < maxSkew {
		if cc.ClockOffset() != 0 && offset.Abs() < time.Second {
			cc.SetClockOffset(0)
		}
		return
	}
	if (offset - cc.ClockOffset()).Abs() < maxSkew {
		return
	}
	cc.SetClockOffset(offset)
	c.skewOnce.Do(func() {
		if c.Notice != nil {
			way := "behind"
			if offset < 0 {
				way = "ahead of"
			}
			c.Notice(fmt.Sprintf("This computer's clock is about %s %s the upload server's; tokens are corrected for it. Setting the clock automatically is better.", aboutDuration(offset.Abs()), way))
		}
	})
}

// clockJustCorrected says whether err is a token-time refusal that a clock
// correction made after it can cure.
func (c *Client) clockJustCorrected(err error) bool {
	var ae *APIError
	if !errors.As(err, &ae) || ae.Status != http.StatusBadRequest {
		return false
	}
	cc, ok := c.Tokens.(clockCorrectable)
	if !ok || cc.ClockOffset() == 0 {
		return false
	}
	m := strings.ToLower(ae.Message)
	return strings.Contains(m, "expired") || strings.Contains(m, "future") || strings.Contains(m, "iat") || strings.Contains(m, "clock")
}

// aboutDuration words a duration roughly: "40 seconds", "10 minutes", "3 hours".
func aboutDuration(d time.Duration) string {
	switch {
	case d < 90*time.Second:
		return fmt.Sprintf("%d seconds", int(d.Round(time.Second)/time.Second))
	case d < 90*time.Minute:
		return fmt.Sprintf("%d minutes", int(d.Round(time.Minute)/time.Minute))
	}
	return fmt.Sprintf("%d hours", int(d.Round(time.Hour)/time.Hour))
}

func describeNetErr(err error) string {
	var ne net.Error
	switch {
	case errors.Is(err, ErrStalled):
		return ErrStalled.Error()
	case errors.As(err, &ne) && ne.Timeout():
		return "the server did not answer in time (" + err.Error() + ")"
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return "the connection was closed before the server answered"
	}
	var opErr *net.OpError
	if errors.As(err, &opErr) && opErr.Op == "dial" {
		return "cannot connect to the upload server (" + opErr.Err.Error() + ")"
	}
	var urlErr *url.Error
	if errors.As(err, &urlErr) {
		return urlErr.Err.Error()
	}
	return err.Error()
}
