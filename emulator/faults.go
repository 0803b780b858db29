package emulator

import (
	"bytes"
	"cmp"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Fault is what the server does to one upload request instead of, or on top
// of, handling it. The zero Fault handles the request normally.
//
// A Status fault still reads the whole request, and so uses up its token, as a
// real server behind a failing proxy may.
type Fault struct {
	Status         int           // answer this status after reading the request
	Message        string        // the answer's message (a default per status when empty)
	RetryAfter     time.Duration // with Status: a Retry-After header, in whole seconds
	RateLimitReset time.Duration // with Status: an X-RateLimit-Reset header, in milliseconds
	HTML           bool          // with Status: answer an HTML page, as a proxy would
	CutAfter       int64         // close the connection after this many body bytes
	Latency        time.Duration // wait this long before reading the request
	BytesPerSecond int64         // read the body no faster than this
	Hang           bool          // read the request, then never answer; wait until the client gives up
	// StoreThenDrop handles the request in full (the file is stored), then
	// closes the connection without an answer: the upload happened, and the
	// client cannot know it.
	StoreThenDrop bool
	// StoreThenHang stores the file, then never answers, until the client
	// is gone: a client killed now dies between the file being stored and
	// its hearing of it.
	StoreThenHang bool
}

// Script makes the next requests meet these faults, one each, in order; the
// requests after them are handled normally. A Script call adds to what is
// left of the last one.
func (s *Server) Script(faults ...Fault) {
	s.mu.Lock()
	s.script = append(s.script, faults...)
	s.mu.Unlock()
}

// FaultMix draws a fault for every request at random, for soak tests and
// the emulator's --fail-rate. The fractions add up to at most 1.
type FaultMix struct {
	Seed       uint64
	Status5xx  float64       // 500, 502 (an HTML page), 503 or 504
	Status429  float64       // 429 with Retry-After
	Cut        float64       // the connection cut somewhere in the body
	Drop       float64       // the file stored, then the connection dropped without an answer
	MaxLatency time.Duration // a random wait before each request, up to this
	RetryAfter time.Duration // the Retry-After of a 429 (default 1s)
	// Statuses answers these statuses at these shares of requests: 409,
	// 413, a 429 (with Retry-After and X-RateLimit-Reset), any 4xx or 5xx.
	Statuses []StatusShare
}

// StatusShare is a status a FaultMix answers, and at what share of requests.
type StatusShare struct {
	Status int
	Share  float64
}

// ParseFaultMix reads a mix as the emulator's --fail takes it: shares of
// requests, comma-separated, such as "429:0.05,503:0.02,drop-after-store:0.01".
// Kinds: a status from 400 to 599, 5xx (500, 502 as an HTML page, 503 or
// 504), cut (the connection cut inside the body) and drop-after-store (the
// file stored, then no answer).
func ParseFaultMix(spec string) (FaultMix, error) {
	var m FaultMix
	total := 0.0
	for item := range strings.SplitSeq(spec, ",") {
		kind, share, ok := strings.Cut(strings.TrimSpace(item), ":")
		f, err := strconv.ParseFloat(share, 64)
		if !ok || err != nil || !(f >= 0 && f <= 1) { // NaN too
			return m, fmt.Errorf("%q: want KIND:SHARE, the share from 0 to 1, such as 503:0.02", item)
		}
		total += f
		switch kind {
		case "5xx":
			m.Status5xx += f
		case "cut":
			m.Cut += f
		case "drop-after-store":
			m.Drop += f
		default:
			code, err := strconv.Atoi(kind)
			if err != nil || code < 400 || code > 599 {
				return m, fmt.Errorf("%q: the kind is a status from 400 to 599, 5xx, cut or drop-after-store", item)
			}
			m.Statuses = append(m.Statuses, StatusShare{code, f})
		}
	}
	if total > 1+1e-9 { // shares that add up to 1 in decimal may not in binary
		return m, fmt.Errorf("the shares add up to %g, more than 1", total)
	}
	return m, nil
}

// WithFaultMix injects random faults into every request.
func WithFaultMix(m FaultMix) Option { return func(c *config) { c.mix = &m } }

type faultRand struct {
	mu sync.Mutex
	r  *rand.Rand
}

func newFaultRand(seed uint64) *faultRand {
	return &faultRand{r: rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))}
}

// nextFault takes the next scripted fault, or draws one from the mix.
func (s *Server) nextFault(contentLength int64) Fault {
	s.mu.Lock()
	if len(s.script) > 0 {
		f := s.script[0]
		s.script = s.script[1:]
		s.mu.Unlock()
		return f
	}
	s.mu.Unlock()
	if s.rnd == nil {
		return Fault{}
	}
	m := s.cfg.mix
	s.rnd.mu.Lock()
	defer s.rnd.mu.Unlock()
	var f Fault
	if m.MaxLatency > 0 {
		f.Latency = time.Duration(s.rnd.r.Int64N(int64(m.MaxLatency)))
	}
	switch x := s.rnd.r.Float64(); {
	case x < m.Status5xx:
		f.Status = []int{500, 502, 503, 504}[s.rnd.r.IntN(4)]
		f.HTML = f.Status == 502
	case x < m.Status5xx+m.Status429:
		f.Status, f.RetryAfter = http.StatusTooManyRequests, m.RetryAfter
		if f.RetryAfter <= 0 {
			f.RetryAfter = time.Second
		}
	case x < m.Status5xx+m.Status429+m.Cut && contentLength > 1:
		f.CutAfter = 1 + s.rnd.r.Int64N(contentLength-1)
	case x < m.Status5xx+m.Status429+m.Cut+m.Drop:
		f.StoreThenDrop = true
	default:
		at := m.Status5xx + m.Status429 + m.Cut + m.Drop
		for _, st := range m.Statuses {
			if at += st.Share; x < at {
				f.Status = st.Status
				if st.Status == http.StatusTooManyRequests {
					f.RetryAfter = cmp.Or(m.RetryAfter, time.Second)
					f.RateLimitReset = f.RetryAfter
				}
				break
			}
		}
	}
	return f
}

func (f Fault) String() string {
	var parts []string
	if f.Status != 0 {
		parts = append(parts, strconv.Itoa(f.Status))
	}
	if f.CutAfter > 0 {
		parts = append(parts, fmt.Sprintf("cut after %d bytes", f.CutAfter))
	}
	if f.Hang {
		parts = append(parts, "hang")
	}
	if f.StoreThenDrop {
		parts = append(parts, "stored, then dropped")
	}
	if f.BytesPerSecond > 0 {
		parts = append(parts, fmt.Sprintf("%d B/s", f.BytesPerSecond))
	}
	return strings.Join(parts, ", ")
}

func (f Fault) message() string {
	if f.Message != "" {
		return f.Message
	}
	switch {
	case f.Status == http.StatusTooManyRequests:
		return "Too many requests. Please slow down."
	case f.Status >= 500:
		return "We are experiencing an issue. Please try again later."
	default:
		// A 409 or 413 that claimed the file exists or is too large would
		// be believed: it says what it is.
		return http.StatusText(f.Status) + " (a fault the server was told to answer: --fail)"
	}
}

func (f Fault) answer(w http.ResponseWriter) {
	h := w.Header()
	if f.RetryAfter > 0 {
		h.Set("Retry-After", strconv.Itoa(int((f.RetryAfter+time.Second-1)/time.Second)))
	}
	if f.RateLimitReset > 0 {
		h.Set("X-RateLimit-Limit", "100")
		h.Set("X-RateLimit-Reset", strconv.FormatInt(f.RateLimitReset.Milliseconds(), 10))
		h.Set("X-RateLimit-Interval", "60000")
	}
	if f.HTML {
		h.Set("Content-Type", "text/html; charset=utf-8")
		w.WriteHeader(f.Status)
		fmt.Fprintf(w, "<html>\r\n<head><title>%d %s</title></head>\r\n<body>\r\n<center><h1>%d %s</h1></center>\r\n</body>\r\n</html>\r\n",
			f.Status, http.StatusText(f.Status), f.Status, http.StatusText(f.Status))
		return
	}
	h.Set("Content-Type", "application/json")
	w.WriteHeader(f.Status)
	json.NewEncoder(w).Encode(map[string]string{"message": f.message(), "help": "For support kindly contact us at support@imagekit.io ."})
}

// cutReader fails with errCut once left bytes have been read.
type cutReader struct {
	r    io.Reader
	left int64
}

func (c *cutReader) Read(p []byte) (int, error) {
	if c.left <= 0 {
		return 0, errCut
	}
	if int64(len(p)) > c.left {
		p = p[:c.left]
	}
	n, err := c.r.Read(p)
	c.left -= int64(n)
	return n, err
}

// slowReader reads at most rate bytes a second.
type slowReader struct {
	r     io.Reader
	rate  int64
	ctx   context.Context
	start time.Time
	n     int64
}

func (s *slowReader) Read(p []byte) (int, error) {
	if s.start.IsZero() {
		s.start = time.Now()
	}
	if max := s.rate / 10; int64(len(p)) > max && max > 0 {
		p = p[:max]
	}
	due := s.start.Add(time.Duration(float64(s.n) / float64(s.rate) * float64(time.Second)))
	if wait := time.Until(due); wait > 0 {
		select {
		case <-time.After(wait):
		case <-s.ctx.Done():
			return 0, s.ctx.Err()
		}
	}
	n, err := s.r.Read(p)
	s.n += int64(n)
	return n, err
}

// link is a rate shared by every request body: the time by which the
// bytes read so far would have crossed it.
type link struct {
	rate int64
	mu   sync.Mutex
	free time.Time
}

// take counts n bytes across the link and says when they are through.
func (l *link) take(n int) time.Time {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := time.Now()
	if l.free.Before(now) {
		l.free = now
	}
	l.free = l.free.Add(time.Duration(float64(n) / float64(l.rate) * float64(time.Second)))
	return l.free
}

// linkReader reads a body through a shared link: a chunk at a time (a tenth
// of a second's worth), each waiting for its turn.
type linkReader struct {
	r    io.Reader
	link *link
	ctx  context.Context
}

func (l *linkReader) Read(p []byte) (int, error) {
	if max := l.link.rate / 10; int64(len(p)) > max && max > 0 {
		p = p[:max]
	}
	n, err := l.r.Read(p)
	if n > 0 {
		select {
		case <-time.After(time.Until(l.link.take(n))):
		case <-l.ctx.Done():
			return n, l.ctx.Err()
		}
	}
	return n, err
}

// watchPatterns returns secret as it is and as it reads base64 encoded
// (URL and standard alphabets) inside a longer text, at each of the three
// offsets it may have from a 3-byte group: the encoding of its bytes from
// the first that starts a group to the last whole group, which depends on
// nothing around it (so up to two bytes at either end go unchecked).
// Encodings under 8 characters would match by chance.
func watchPatterns(secret string) [][]byte {
	out := [][]byte{[]byte(secret)}
	for skip := range 3 {
		b := []byte(secret)[min(skip, len(secret)):]
		b = b[:len(b)/3*3]
		for _, enc := range []*base64.Encoding{base64.URLEncoding, base64.StdEncoding} {
			if e := enc.EncodeToString(b); len(e) >= 8 {
				out = append(out, []byte(e))
			}
		}
	}
	return out
}

// watchReader looks for secrets in what passes through it, across read
// boundaries, without keeping more than the longest secret's length.
type watchReader struct {
	r       io.Reader
	secrets [][]byte
	tail    []byte
	found   bool
}

func (w *watchReader) Read(p []byte) (int, error) {
	n, err := w.r.Read(p)
	w.scan(p[:n])
	return n, err
}

func (w *watchReader) scan(b []byte) {
	if w.found || len(b) == 0 {
		return
	}
	window := append(w.tail, b...)
	longest := 0
	for _, s := range w.secrets {
		if bytes.Contains(window, s) {
			w.found = true
			return
		}
		longest = max(longest, len(s))
	}
	keep := min(len(window), longest-1)
	w.tail = append(w.tail[:0], window[len(window)-keep:]...)
}

// flushWindow forgets the carried-over bytes, between two separate streams.
func (w *watchReader) flushWindow() { w.tail = w.tail[:0] }
