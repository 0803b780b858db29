// Package emulator is an ImageKit-compatible upload server (upload API v2):
// the emulator command, the app's demo, and (through uploader/imagekittest,
// in the manner of net/http/httptest) the tests. Listen starts it; URL and
// UploadURL say where, Requests tells what it received, and Script /
// WithFaultMix inject the faults a real network and a real ImageKit produce.
//
// It is as strict as ImageKit's public contract allows: every token once only,
// claims and form fields equal in both directions, unknown fields refused. The
// file part is streamed to disk, never held in memory.
//
// It bounds what a client controls, so that the emulator and the app's demo
// can run for days: connections that stall or idle are closed
// (WithStallTimeout, WithIdleTimeout), form fields are limited in number and
// size, used tokens are forgotten once expired, and Listen keeps a record of
// the last DefaultRequestLog requests only.
package emulator

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strings"
	"sync"
	"time"

	"golang.org/x/net/netutil"

	"imagekit-uploader/signer"
)

// UploadPath is where uploads go, as on upload.imagekit.io.
const UploadPath = "/api/v2/files/upload"

// The demo key pair, used when no key is given. It is public: it protects
// nothing and works only against this server.
const (
	DemoPublicKey  = "public_demo_imagekit_uploader"
	DemoPrivateKey = "private_demo_imagekit_uploader"
)

// DefaultMaxFileSize is the Free plan's limit for images.
const DefaultMaxFileSize = 25 << 20

// Option configures a Server.
type Option func(*config)

type config struct {
	keys        map[string]string
	dir         string
	maxFileSize int64
	skew        time.Duration
	clockOffset time.Duration
	mix         *FaultMix
	log         func(Request)
	watch       [][]byte
	readRate    int64
	link        *link
	stall, idle time.Duration
	requestLog  int
	sweepEvery  time.Duration
	libraryRate int // library API calls a second; 0 is no limit
	fetchAllow  []string
	corsOrigin  string // Access-Control-Allow-Origin for browsers; "" sends none
}

// maxConns is how many connections the server serves at once.
const maxConns = 256

// DefaultRequestLog is how many requests a server started with Listen keeps
// for Requests: the emulator and the app's demo run for hours, and each
// request's record can hold up to a megabyte of fields.
const DefaultRequestLog = 100

// Connection limits, unless an option sets others.
const (
	defaultStallTimeout = 30 * time.Second
	defaultIdleTimeout  = 60 * time.Second
	maxHeaderBytes      = 64 << 10
)

// WithStallTimeout sets how long a connection may make no progress: while
// its request headers come, between two reads of its body, between two
// writes of its answer (default 30 s). An upload may take as long as it needs
// while its bytes keep coming; one that stops is cut and its bytes dropped.
// Non-positive values keep the default.
func WithStallTimeout(d time.Duration) Option {
	return func(c *config) {
		if d > 0 {
			c.stall = d
		}
	}
}

// WithIdleTimeout sets how long a kept-alive connection may wait for its next
// request before the server closes it (default 60 s). Non-positive values
// keep the default.
func WithIdleTimeout(d time.Duration) Option {
	return func(c *config) {
		if d > 0 {
			c.idle = d
		}
	}
}

// WithRequestLog makes Requests hold the last n requests only; n < 0 keeps
// every one. NewServer (for tests) keeps every one; Listen keeps
// DefaultRequestLog.
func WithRequestLog(n int) Option { return func(c *config) { c.requestLog = n } }

// WithKey adds a key pair the server accepts. Without any, it accepts the demo pair.
func WithKey(public, private string) Option {
	return func(c *config) { c.keys[public] = private }
}

// WithDir keeps uploaded files in dir (kept on Close). By default a temporary
// directory is used and removed on Close.
func WithDir(dir string) Option { return func(c *config) { c.dir = dir } }

// WithMaxFileSize sets the largest file accepted, in bytes.
func WithMaxFileSize(n int64) Option { return func(c *config) { c.maxFileSize = n } }

// WithCORS lets browsers on origin ("*" for any) call the server: its
// preflights are answered and its answers readable, so a web app in
// development can use it as its local ImageKit. Without it, none.
func WithCORS(origin string) Option { return func(c *config) { c.corsOrigin = origin } }

// WithLinkRate makes the server read all request bodies together no faster
// than bytesPerSecond, as one network link would: four uploads at once share
// it. (WithReadRate bounds each upload by itself.)
func WithLinkRate(bytesPerSecond int64) Option {
	return func(c *config) { c.link = &link{rate: bytesPerSecond} }
}

// WithClockOffset makes the server's clock run ahead (or behind, negative) of
// this machine's, as a remote server's may. Its Date header follows it.
func WithClockOffset(d time.Duration) Option { return func(c *config) { c.clockOffset = d } }

// WithReadRate makes the server read every request body no faster than
// bytesPerSecond, like a slow network: for demos and progress tests.
func WithReadRate(bytesPerSecond int64) Option {
	return func(c *config) { c.readRate = bytesPerSecond }
}

// WithLog calls f once per finished upload request.
func WithLog(f func(Request)) Option { return func(c *config) { c.log = f } }

// WithWatch makes the server look for secret in every request's headers and
// body (across read boundaries), as it is and base64 encoded (inside a JWT's
// claims, a Basic header); Leaks counts the requests that carried it.
func WithWatch(secret string) Option {
	return func(c *config) {
		if secret != "" {
			c.watch = append(c.watch, watchPatterns(secret)...)
		}
	}
}

// Server is a running ImageKit-compatible upload server.
type Server struct {
	URL       string // base URL, e.g. http://127.0.0.1:40123
	UploadURL string // URL + UploadPath
	Dir       string // where uploaded bytes are kept

	cfg      config
	store    *store
	http     *http.Server
	ln       net.Listener
	done     chan struct{}
	tempDir  bool
	verifier *signer.Verifier

	mu        sync.Mutex
	seen      map[string]time.Time // tokens received that could still pass, until their exp
	nextSweep time.Time            // when to drop the expired ones from seen
	requests  []Request
	script    []Fault
	leaks     int
	rnd       *faultRand
	libWindow time.Time // the second the library API's calls are counted in
	libCalls  int
}

// NewServer starts a server on a random loopback port, keeping a record of
// every request. It panics if it cannot, as httptest.NewServer does.
func NewServer(opts ...Option) *Server {
	s, err := Listen("127.0.0.1:0", append([]Option{WithRequestLog(-1)}, opts...)...)
	if err != nil {
		panic("emulator: " + err.Error())
	}
	return s
}

// Listen starts a server on addr, keeping a record of the last
// DefaultRequestLog requests.
func Listen(addr string, opts ...Option) (*Server, error) {
	cfg := config{keys: map[string]string{}, maxFileSize: DefaultMaxFileSize, skew: 10 * time.Second,
		stall: defaultStallTimeout, idle: defaultIdleTimeout, requestLog: DefaultRequestLog, sweepEvery: time.Minute}
	for _, o := range opts {
		o(&cfg)
	}
	if len(cfg.keys) == 0 {
		cfg.keys[DemoPublicKey] = DemoPrivateKey
	}
	s := &Server{cfg: cfg, seen: map[string]time.Time{}, done: make(chan struct{})}
	if cfg.mix != nil {
		s.rnd = newFaultRand(cfg.mix.Seed)
	}
	s.Dir = cfg.dir
	if s.Dir == "" {
		d, err := os.MkdirTemp("", "imagekit-emulator-")
		if err != nil {
			return nil, err
		}
		s.Dir, s.tempDir = d, true
	}
	st, err := newStore(s.Dir)
	if err != nil {
		return nil, err
	}
	s.store = st
	s.verifier = &signer.Verifier{
		PrivateKey: func(pk string) (string, bool) { k, ok := s.cfg.keys[pk]; return k, ok },
		Skew:       cfg.skew,
		Now:        s.now,
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		st.close() // and its lock on the directory, for another server
		if s.tempDir {
			os.RemoveAll(s.Dir)
		}
		return nil, fmt.Errorf("cannot listen on %s: %w", addr, err)
	}
	// A bounded number of connections at once: a client that opens many and
	// sends nothing waits for one to close rather than growing the server.
	ln = netutil.LimitListener(ln, maxConns)
	s.ln = ln
	s.URL = "http://" + ln.Addr().String()
	s.UploadURL = s.URL + UploadPath
	// No ReadTimeout or WriteTimeout: they would bound a whole upload, which
	// may take long on a slow line. The handlers move a deadline forward
	// instead, as bytes go through (stallReader, stallWriter).
	s.http = &http.Server{Handler: s, ReadHeaderTimeout: cfg.stall, IdleTimeout: cfg.idle, MaxHeaderBytes: maxHeaderBytes}
	go func() {
		defer close(s.done)
		s.http.Serve(ln)
	}()
	return s, nil
}

// Port is the TCP port the server listens on.
func (s *Server) Port() int { return s.ln.Addr().(*net.TCPAddr).Port }

// Close stops the server, ends open connections and removes a temporary directory.
func (s *Server) Close() {
	s.http.Close()
	<-s.done
	s.store.close()
	if s.tempDir {
		os.RemoveAll(s.Dir)
	}
}

// Shutdown stops accepting requests and waits for those under way, until ctx ends.
func (s *Server) Shutdown(ctx context.Context) error {
	err := s.http.Shutdown(ctx)
	<-s.done
	s.store.close()
	if s.tempDir {
		os.RemoveAll(s.Dir)
	}
	return err
}

func (s *Server) now() time.Time { return time.Now().Add(s.cfg.clockOffset) }

// Requests returns what the server received, one entry per upload request, in
// the order they finished.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Request(nil), s.requests...)
}

// Files returns the files stored, with their versions.
func (s *Server) Files() []StoredFile { return s.store.files() }

// Remove deletes the file at path ("/folder/name.jpg") from the library, as
// a person in ImageKit's dashboard would, for tests and demos: the API
// itself never deletes. It says whether a file was there.
func (s *Server) Remove(path string) bool { return s.store.remove(path) }

// Leaks is the number of requests that carried a secret given to WithWatch.
func (s *Server) Leaks() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.leaks
}

// stallWriter cuts an answer that the client does not take: each write
// (the header's too) may wait up to stall.
type stallWriter struct {
	http.ResponseWriter
	rc    *http.ResponseController
	stall time.Duration
}

func (w *stallWriter) WriteHeader(code int) {
	w.rc.SetWriteDeadline(time.Now().Add(w.stall))
	w.ResponseWriter.WriteHeader(code)
}

func (w *stallWriter) Write(p []byte) (int, error) {
	w.rc.SetWriteDeadline(time.Now().Add(w.stall))
	return w.ResponseWriter.Write(p)
}

func (w *stallWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// stallReader cuts a request body that stops coming: each read may wait up
// to stall, however long the whole body takes.
type stallReader struct {
	r     io.Reader
	rc    *http.ResponseController
	stall time.Duration
}

func (s *stallReader) Read(p []byte) (int, error) {
	s.rc.SetReadDeadline(time.Now().Add(s.stall))
	return s.r.Read(p)
}

// Reset forgets what was received (not the tokens seen: they stay used).
func (s *Server) Reset() {
	s.mu.Lock()
	s.requests = nil
	s.mu.Unlock()
}

func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	w = &stallWriter{ResponseWriter: w, rc: http.NewResponseController(w), stall: s.cfg.stall}
	w.Header().Set("Date", s.now().UTC().Format(http.TimeFormat))
	if o := s.cfg.corsOrigin; o != "" {
		h := w.Header()
		h.Set("Access-Control-Allow-Origin", o)
		h.Set("Access-Control-Expose-Headers", "x-ik-requestId, X-RateLimit-Limit, X-RateLimit-Reset, X-RateLimit-Interval, Retry-After")
		if o != "*" {
			h.Add("Vary", "Origin")
		}
		if r.Method == http.MethodOptions { // a browser's preflight
			h.Set("Access-Control-Allow-Methods", "POST, GET, HEAD, OPTIONS")
			h.Set("Access-Control-Allow-Headers", "Authorization, Content-Type")
			if asked := r.Header.Get("Access-Control-Request-Headers"); asked != "" {
				h.Set("Access-Control-Allow-Headers", asked)
			}
			h.Set("Access-Control-Max-Age", "600")
			w.WriteHeader(http.StatusNoContent)
			return
		}
	}
	switch {
	case r.URL.Path == UploadPath && r.Method == http.MethodPost:
		s.upload(w, r)
	case r.URL.Path == UploadPath:
		w.Header().Set("Allow", http.MethodPost)
		writeError(w, http.StatusMethodNotAllowed, "Uploads are sent with POST.", "")
	case r.URL.Path == LibraryPath || strings.HasPrefix(r.URL.Path, LibraryPath+"/"):
		s.library(w, r)
	case r.Method == http.MethodGet || r.Method == http.MethodHead:
		s.serveFile(w, r)
	default:
		writeError(w, http.StatusNotFound, "Not found.", "")
	}
}
