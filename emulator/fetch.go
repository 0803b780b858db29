package emulator

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"
)

// ImageKit gives up on an origin that sends no answer's headers within 8
// seconds; this server does the same, and bounds the whole download too.
const (
	fetchHeaderTimeout = 8 * time.Second
	fetchTimeout       = 5 * time.Minute
)

// WithFetchAllow limits the hosts a file given as a URL may be fetched
// from (host or host:port, as in the URL); none given: any host.
func WithFetchAllow(hosts ...string) Option {
	return func(c *config) { c.fetchAllow = hosts }
}

var fetchClient = &http.Client{
	Timeout: fetchTimeout,
	Transport: &http.Transport{
		Proxy:                 http.ProxyFromEnvironment,
		ResponseHeaderTimeout: fetchHeaderTimeout,
	},
	CheckRedirect: func(req *http.Request, via []*http.Request) error {
		if len(via) >= 5 {
			return fmt.Errorf("more than 5 redirects")
		}
		return nil
	},
}

// fetch downloads the file a request gave as a URL into a blob, as ImageKit
// does: an origin that cannot be reached or answers other than 2xx is a 400.
func (s *Server) fetch(ctx context.Context, in *incoming) error {
	u, err := url.Parse(in.fileURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return badRequest("Invalid file URL %q: it must be an http(s) URL.", in.fileURL)
	}
	if len(s.cfg.fetchAllow) > 0 && !slices.Contains(s.cfg.fetchAllow, u.Host) && !slices.Contains(s.cfg.fetchAllow, u.Hostname()) {
		return badRequest("The file URL's host %s is not one this server fetches from (--fetch-allow %s).", u.Host, strings.Join(s.cfg.fetchAllow, ","))
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, in.fileURL, nil)
	if err != nil {
		return badRequest("Invalid file URL %q.", in.fileURL)
	}
	resp, err := fetchClient.Do(req)
	if err != nil {
		return badRequest("The file could not be downloaded from %s: %v.", in.fileURL, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		return badRequest("The file could not be downloaded from %s: it answered %s.", in.fileURL, resp.Status)
	}
	in.fileName, in.contentType = fileNameOf(u), resp.Header.Get("Content-Type")
	if err := s.receiveFile(resp.Body, in); err != nil {
		return badRequest("The file could not be downloaded from %s: %v.", in.fileURL, err)
	}
	return nil
}

// fileNameOf is a URL's last path segment.
func fileNameOf(u *url.URL) string {
	p := strings.TrimSuffix(u.Path, "/")
	return p[strings.LastIndexByte(p, '/')+1:]
}
