package uploader

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"
)

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
