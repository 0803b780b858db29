package uploader

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"
)

// NewHTTPClient is the transport uploads use: large write buffers, enough
// idle connections for the largest queue, and time limits on every phase
// but the body itself, which the stall watchdog guards.
func NewHTTPClient() *http.Client {
	return &http.Client{Transport: &http.Transport{
		Proxy:                 http.ProxyFromEnvironment,
		DialContext:           warm.dial,
		TLSHandshakeTimeout:   15 * time.Second,
		ResponseHeaderTimeout: 2 * time.Minute,
		MaxIdleConnsPerHost:   MaxConcurrency,
		IdleConnTimeout:       90 * time.Second,
		WriteBufferSize:       64 << 10, // small: progress counts what left this buffer
		ForceAttemptHTTP2:     false,    // HTTP/1.1: one upload per connection, as curl does
	}}
}

// Proxy settings: ProxyFromEnvironment (HTTPS_PROXY, NO_PROXY) unless told
// otherwise, as a person's Settings or --proxy say.
const (
	ProxyEnvironment = ""     // HTTPS_PROXY and NO_PROXY, as Go reads them
	ProxyNone        = "none" // straight to the server
)

// ProxyFunc turns a proxy setting (ProxyEnvironment, ProxyNone or a URL,
// e.g. http://user:password@proxy.example:3128) into what http.Transport
// takes.
func ProxyFunc(setting string) (func(*http.Request) (*url.URL, error), error) {
	switch setting {
	case ProxyEnvironment:
		return http.ProxyFromEnvironment, nil
	case ProxyNone:
		return nil, nil
	}
	u, err := url.Parse(setting)
	if err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https" && u.Scheme != "socks5") {
		return nil, fmt.Errorf("proxy %q is not a proxy URL: give http://host:port (with user:password@ if it asks), or none", setting)
	}
	return http.ProxyURL(u), nil
}

// UseProxy makes the client's uploads, and a token endpoint it asks, go
// through the proxy setting (see ProxyFunc).
func (c *Client) UseProxy(setting string) error {
	proxy, err := ProxyFunc(setting)
	if err != nil {
		return err
	}
	hc := NewHTTPClient()
	hc.Transport.(*http.Transport).Proxy = proxy
	c.HTTP = hc
	if rt, ok := c.Tokens.(RemoteTokens); ok {
		rt.HTTP = &http.Client{Transport: hc.Transport, Timeout: 30 * time.Second}
		c.Tokens = rt
	}
	return nil
}

// SetupError is a problem with this computer's setup, not the network's
// luck or the server's: a certificate it does not trust, a proxy that wants
// a password. No retry cures it; a person must.
type SetupError struct {
	Reason string
	Err    error
}

func (e *SetupError) Error() string { return e.Reason }
func (e *SetupError) Unwrap() error { return e.Err }

// setupProblem recognises, in a failed exchange, what only the setup can fix.
func setupProblem(err error, what string) error {
	var unknown x509.UnknownAuthorityError
	var invalid x509.CertificateInvalidError
	var host x509.HostnameError
	var verify *tls.CertificateVerificationError
	switch {
	case errors.As(err, &unknown), errors.As(err, &verify) && errors.As(verify.Err, &unknown):
		return &SetupError{Err: err, Reason: what + "'s certificate is signed by an authority this computer does not trust. " +
			"A company proxy or an antivirus that inspects HTTPS does this: add its CA certificate to the system's certificates, " +
			"or point SSL_CERT_FILE at it (" + err.Error() + ")"}
	case errors.As(err, &invalid), errors.As(err, &host), errors.As(err, &verify):
		return &SetupError{Err: err, Reason: what + "'s certificate is not valid for it: check the address, and the computer's clock (" + err.Error() + ")"}
	case strings.Contains(err.Error(), "Proxy Authentication Required"):
		return proxyWantsPassword(err)
	}
	var op *net.OpError
	if errors.As(err, &op) && op.Op == "proxyconnect" {
		// The proxy itself cannot be reached (refused, no such host, no
		// route): no retry finds it; the setting must change.
		return &SetupError{Err: err, Reason: "the proxy cannot be reached (" + op.Err.Error() + "): check the proxy's address in Settings, --proxy or HTTPS_PROXY, or that it runs"}
	}
	return nil
}

// proxyWantsPassword is a proxy's 407, as the transport or the answer gave it.
func proxyWantsPassword(err error) *SetupError {
	return &SetupError{Err: err, Reason: "the proxy asks for a user name and password: give them in the proxy's URL (http://user:password@proxy:port), in Settings, --proxy or HTTPS_PROXY"}
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

var defaultHTTP = NewHTTPClient()

// refuseRedirect makes an http.Client hand a redirect back instead of
// following it.
func refuseRedirect(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }

func isRedirect(status int) bool { return status >= 300 && status < 400 }

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

// warmDialer opens upload connections ahead: while an upload waits for its
// token from an endpoint, the connection it will use is dialed, so the two
// round trips overlap. The transport takes a warm connection when it has no
// idle one; a warm connection left unused for warmFor is closed.
type warmDialer struct {
	mu     sync.Mutex
	parked map[string][]warmConn
}

type warmConn struct {
	net.Conn
	at time.Time
}

// warmFor is how long a warm connection waits for its upload, which comes
// a token's round trip after it was opened; a server may close a connection
// that carries no request soon after.
const warmFor = 5 * time.Second

// warmMost is how many warm connections wait for one address at most.
const warmMost = MaxConcurrency

var warm = &warmDialer{parked: map[string][]warmConn{}}

// dial is the transport's DialContext: a warm connection to addr, or a new one.
func (w *warmDialer) dial(ctx context.Context, network, addr string) (net.Conn, error) {
	w.mu.Lock()
	for n := len(w.parked[addr]); n > 0; n = len(w.parked[addr]) {
		c := w.parked[addr][n-1] // the newest first
		w.parked[addr] = w.parked[addr][:n-1]
		if time.Since(c.at) < warmFor && alive(c.Conn) {
			w.mu.Unlock()
			return c.Conn, nil
		}
		c.Close()
	}
	w.mu.Unlock()
	return dialNoLinger(ctx, network, addr)
}

// alive says whether the server has not closed c: a read that would block
// means open (the server sends nothing before a request).
func alive(c net.Conn) bool {
	c.SetReadDeadline(time.Now().Add(time.Millisecond))
	var one [1]byte
	_, err := c.Read(one[:])
	c.SetReadDeadline(time.Time{})
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// open dials endpoint's host in the background and parks the connection.
func (w *warmDialer) open(endpoint string) {
	u, err := url.Parse(endpoint)
	if err != nil || u.Host == "" {
		return
	}
	addr := u.Host
	if u.Port() == "" {
		addr = net.JoinHostPort(u.Hostname(), map[string]string{"https": "443", "http": "80"}[u.Scheme])
	}
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		c, err := dialNoLinger(ctx, "tcp", addr)
		if err != nil {
			return
		}
		w.mu.Lock()
		if len(w.parked[addr]) >= warmMost {
			w.mu.Unlock()
			c.Close()
			return
		}
		w.parked[addr] = append(w.parked[addr], warmConn{c, time.Now()})
		w.mu.Unlock()
		time.AfterFunc(warmFor, func() { // not taken by then: closed
			w.mu.Lock()
			defer w.mu.Unlock()
			for i, p := range w.parked[addr] {
				if p.Conn == c {
					w.parked[addr] = append(w.parked[addr][:i], w.parked[addr][i+1:]...)
					c.Close()
					return
				}
			}
		})
	}()
}
