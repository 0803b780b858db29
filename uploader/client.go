// Package uploader uploads files to ImageKit's upload API v2: a streaming
// request with an exact length and honest progress, retries that sign each
// attempt anew, and a queue with bounded concurrency. It never imports Fyne.
package uploader

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
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

	Retries int // attempts after the first, for network errors, 429 and 5xx (NewClient: DefaultRetries)
	// Limit, when set, is the byte rate every upload of this client (and of
	// any other client given the same one) keeps to together.
	Limit *RateLimit
	// Gate, when set, makes a 429 or 503 with a time to come back hold every
	// upload that shares it, and fewer send at once for a while.
	Gate         *Gate
	BaseBackoff  time.Duration // the first retry waits about this long (jittered), doubling
	MaxBackoff   time.Duration
	StallTimeout time.Duration // abort an attempt when no byte moves this long
	// AnswerTimeout bounds reading an answer once its headers came, however
	// slowly it arrives (DefaultAnswerTimeout when 0).
	AnswerTimeout time.Duration

	// Notice, when set, is told things a person should know once, such as a
	// clock correction.
	Notice func(string)

	skewOnce sync.Once
	mu       sync.Mutex
	rate     float64                // bytes a second one upload moved, smoothed over recent large files; 0 until measured
	ahead    map[string]*prefetched // tokens asked for ahead of their uploads, by their fields
	sums     *sums                  // files' SHA-256, for unique names: see hashes
	answered atomic.Int64           // when an answer last came (Unix ns): its connection is kept for the next upload
}

// Defaults for a Client's zero fields.
const (
	DefaultRetries       = 5
	DefaultBaseBackoff   = 500 * time.Millisecond
	DefaultMaxBackoff    = 30 * time.Second
	DefaultStallTimeout  = 60 * time.Second
	DefaultAnswerTimeout = 2 * time.Minute
	// maxSkew is how far the server's clock may be from ours before the
	// tokens' iat is corrected.
	maxSkew = 10 * time.Second
	// quickAnswer is how soon after the body an answer must come for its
	// Date to measure the server's clock.
	quickAnswer = 2 * time.Second
	// assumedRate is the speed token lifetimes assume until one was measured.
	assumedRate = 1 << 20
)

// hashes is the client's record of files' SHA-256, shared with the client
// it took over from (see Session.Apply).
func (c *Client) hashes() *sums {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.sums == nil {
		c.sums = &sums{}
	}
	return c.sums
}

// takeOver gives c what prev learnt that stays true whatever the account:
// the files' SHA-256, and the speed measured (when the server is the same).
// Tokens fetched ahead are prev's account's: they stay behind.
func (c *Client) takeOver(prev *Client) {
	if prev == nil {
		return
	}
	sums := prev.hashes()
	prev.mu.Lock()
	rate, endpoint := prev.rate, prev.Endpoint
	prev.mu.Unlock()
	c.mu.Lock()
	defer c.mu.Unlock()
	c.sums = sums
	if endpoint == c.Endpoint {
		c.rate = rate
	}
}

// NewClient returns a client with the default retries, backoff and transport.
func NewClient(endpoint string, tokens TokenSource) *Client {
	return &Client{Endpoint: endpoint, Tokens: tokens, Retries: DefaultRetries, HTTP: defaultHTTP}
}

// Request is one file to upload.
type Request struct {
	Path string
	// URL, when set, is where ImageKit fetches the file itself (an item of
	// a list): nothing is read here, its size is not known, and Path names
	// the item (the URL too). Its unique name is made from the URL.
	URL      string
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
	// SentAt, for a resumed file, is when an earlier run began to send it:
	// a version ImageKit made since may be that upload.
	SentAt time.Time
	// UploadAgain sends the file even where the index of uploaded files
	// says its bytes are in that folder already.
	UploadAgain bool
	// StoredName, with unique names, is the name made here from the file's
	// content (see ContentName); set on the first attempt.
	StoredName string
	sum        string // the SHA-256 (hex) StoredName was made from: what is sent must have it
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
	if err := c.storedName(ctx, &r); err != nil {
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
			if mu := new(MaybeUploadedError); sentWhole || errors.As(err, &mu) {
				return nil, &MaybeUploadedError{Reason: "canceled after the whole file had been sent", Err: context.Cause(ctx)}
			}
			return nil, context.Cause(ctx)
		}
		var ne *NetworkError
		if errors.As(err, &ne) && ne.BodySent {
			// The whole file went out and no answer came back: the server
			// may have stored it. Where the path is fixed and nothing may be
			// overwritten, the next attempt asks ImageKit not to overwrite,
			// and "already exists" means it is ours. With unique names
			// another attempt would store a second copy, and where a new
			// version was asked for, "already exists" proves nothing: both
			// are for a person to decide.
			if r.StoredName == "" && (r.Fields.UseUniqueFileName || r.Fields.OverwriteFile) {
				return nil, sentNoAnswer(err)
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
				err = sentNoAnswer(err) // whatever came after, an earlier attempt may have stored it
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
			if sentWhole { // an earlier attempt may have stored it: say so, paused or canceled
				return nil, &MaybeUploadedError{Reason: "stopped after the whole file had been sent", Err: context.Cause(ctx)}
			}
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

// minValid is the shortest a token is asked to stay valid: a small file's
// upload takes seconds, and a short token is worth less if it leaks. A
// token endpoint is then asked for 3 minutes, 5 when fetched ahead: within
// a cautious --max-expire 300.
const minValid = 2 * time.Minute

// maxValid is the longest a token is asked to stay valid: a minute short of
// ImageKit's hour, as the token endpoint's iat may be a minute back.
const maxValid = signer.MaxLifetime - time.Minute

// tokenLifetime is how long an upload's tokens must stay valid: twice the
// time the file should take at the speed measured so far, plus a minute; at
// least the default, and at most a minute short of ImageKit's hour (the
// token sources promise at least this much from the moment they sign). A
// file that cannot arrive within that at the measured speed fails before it
// is sent.
func (c *Client) tokenLifetime(size int64) (time.Duration, error) {
	c.mu.Lock()
	rate := c.rate
	c.mu.Unlock()
	measured := rate > 0
	if !measured {
		rate = assumedRate
	}
	need := time.Duration(float64(size) / rate * float64(time.Second))
	longest := maxValid
	if measured && need > longest {
		return 0, &CheckError{Field: "file", Reason: fmt.Sprintf(
			"at the speed measured so far (%s/s an upload), this %s file would take about %s, and ImageKit's upload tokens last at most an hour: upload it over a faster connection, or with fewer uploads at once",
			FormatSize(int64(rate)), FormatSize(size), aboutDuration(need))}
	}
	return min(max(minValid, 2*need+time.Minute), longest), nil
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
