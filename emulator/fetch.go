package emulator

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"syscall"
	"time"
)

// ImageKit gives up on an origin that sends no answer's headers within 8
// seconds; this server does the same, and bounds the whole download too.
const (
	fetchHeaderTimeout = 8 * time.Second
	fetchTimeout       = 5 * time.Minute
)

// WithFetchAllow limits the hosts a file given as a URL may be fetched
// from (host or host:port, as in the URL), these ones only, whatever their
// address. Without it, any host whose address is public: never this
// machine, its network or link-local addresses, so that a web page (the
// emulator answers any origin) cannot make it read them.
func WithFetchAllow(hosts ...string) Option {
	return func(c *config) {
		for _, h := range hosts {
			if h = strings.TrimSpace(h); h != "" {
				c.fetchAllow = append(c.fetchAllow, h)
			}
		}
	}
}

// allowed says whether a URL's host may be fetched from by name.
func (s *Server) allowed(u *url.URL) bool {
	return len(s.cfg.fetchAllow) == 0 || slices.Contains(s.cfg.fetchAllow, u.Host) || slices.Contains(s.cfg.fetchAllow, u.Hostname())
}

var errPrivate = errors.New("it is on this machine or its network (name it with --fetch-allow to fetch from it)")

// fetchClient is the client for one server's downloads: every redirect is
// held to the same rules, and without an allow-list, every connection to a
// public address.
func (s *Server) fetchClient() *http.Client {
	dialer := &net.Dialer{Timeout: fetchHeaderTimeout}
	if len(s.cfg.fetchAllow) == 0 {
		dialer.Control = func(_, address string, _ syscall.RawConn) error {
			host, _, err := net.SplitHostPort(address)
			ip := net.ParseIP(host)
			if err != nil || ip == nil || ip.IsLoopback() || ip.IsPrivate() || ip.IsLinkLocalUnicast() ||
				ip.IsLinkLocalMulticast() || ip.IsUnspecified() || ip.IsMulticast() {
				return errPrivate
			}
			return nil
		}
	}
	return &http.Client{
		Timeout: fetchTimeout,
		Transport: &http.Transport{
			DialContext:           dialer.DialContext,
			ResponseHeaderTimeout: fetchHeaderTimeout,
			DisableKeepAlives:     true, // a client a download: none of its connections is kept idle
		},
		CheckRedirect: func(req *http.Request, via []*http.Request) error {
			switch {
			case len(via) >= 5:
				return errors.New("more than 5 redirects")
			case req.URL.Scheme != "http" && req.URL.Scheme != "https":
				return fmt.Errorf("a redirect to %s, which is not http(s)", req.URL.Scheme)
			case !s.allowed(req.URL):
				return fmt.Errorf("a redirect to %s, which is not in --fetch-allow", req.URL.Host)
			}
			return nil
		},
	}
}

// fetch downloads the file a request gave as a URL into a blob, as ImageKit
// does: an origin that cannot be reached or answers other than 2xx is a 400.
func (s *Server) fetch(ctx context.Context, in *incoming) error {
	u, err := url.Parse(in.fileURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return badRequest("Invalid file URL %q: it must be an http(s) URL.", in.fileURL)
	}
	if !s.allowed(u) {
		return badRequest("The file URL's host %s is not one this server fetches from (--fetch-allow %s).", u.Host, strings.Join(s.cfg.fetchAllow, ","))
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, in.fileURL, nil)
	if err != nil {
		return badRequest("Invalid file URL %q.", in.fileURL)
	}
	resp, err := s.fetchClient().Do(req)
	if err != nil {
		if errors.Is(err, errPrivate) {
			return badRequest("The file was not downloaded from %s: %v.", in.fileURL, errPrivate)
		}
		return badRequest("The file could not be downloaded from %s: %v.", in.fileURL, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		return badRequest("The file could not be downloaded from %s: it answered %s.", in.fileURL, resp.Status)
	}
	in.fileName, in.contentType = fileNameOf(u), resp.Header.Get("Content-Type")
	if resp.ContentLength > s.cfg.maxFileSize { // said at once: not downloaded
		in.size, in.tooBig = resp.ContentLength, true
		return nil
	}
	if err := s.receiveFile(resp.Body, in, false); err != nil {
		return badRequest("The file could not be downloaded from %s: %v.", in.fileURL, err)
	}
	return nil
}

// fileNameOf is a URL's last path segment.
func fileNameOf(u *url.URL) string {
	p := strings.TrimSuffix(u.Path, "/")
	return p[strings.LastIndexByte(p, '/')+1:]
}
