package uploader

import (
	"context"
	"maps"
	"net/http"
	"slices"
	"strings"
	"time"
)

// A token endpoint is a round trip away (50–200 ms for editors), paid before
// every upload. The queue asks for the tokens of the files next in line while
// earlier uploads are under way, so that round trip overlaps them; an upload
// whose token is ready never waits for a slow endpoint.

// prefetchSlack is how much longer than it needs a token fetched ahead is
// asked to last, and so how long it may wait for its upload: past that it is
// dropped (it was never sent to ImageKit) and a new one is fetched.
const prefetchSlack = 2 * time.Minute

// idleKept is how long after an answer the upload transport surely still
// keeps that connection idle for the next upload (it keeps them 90 s).
const idleKept = time.Minute

// prefetched is a token asked for ahead of its upload.
type prefetched struct {
	done  chan struct{} // closed when the answer came
	token string
	err   error
	at    time.Time     // when it was asked for
	valid time.Duration // how long from then it was asked to stay valid
}

// prefetch asks, in the background, for the token the first attempt of r
// will need, when the tokens come from a token endpoint (signing here costs
// nothing). waiting says whether r's upload is still to begin: once it has,
// it asks for its own token, and one asked here would be wasted. It is asked
// under c.mu, so an upload that begins after it answered finds the token.
func (c *Client) prefetch(r Request, waiting func() bool) {
	rt, remote := c.Tokens.(RemoteTokens)
	if !remote || !waiting() {
		return
	}
	if r.Fields.UseUniqueFileName && r.StoredName == "" {
		go func() { // the name comes from the content: read it first, off the caller's goroutine
			if c.storedName(context.Background(), &r) == nil {
				c.prefetch(r, waiting)
			}
		}()
		return
	}
	fields, err := firstFields(r)
	if err != nil {
		return
	}
	valid, err := c.tokenLifetime(r.Size)
	if err != nil {
		return
	}
	key := fieldsKey(fields)
	c.mu.Lock()
	if c.ahead == nil {
		c.ahead = map[string]*prefetched{}
	}
	for k, p := range c.ahead { // unused ones (canceled files) go stale: drop them
		if time.Since(p.at) > prefetchSlack {
			delete(c.ahead, k)
		}
	}
	if _, asked := c.ahead[key]; asked || !waiting() {
		c.mu.Unlock()
		return
	}
	p := &prefetched{done: make(chan struct{}), at: time.Now(), valid: min(valid+prefetchSlack, rt.longestValid())}
	c.ahead[key] = p
	tokens := c.Tokens
	c.mu.Unlock()
	go func() {
		defer close(p.done)
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		p.token, p.err = tokens.Token(ctx, fields, p.valid)
	}()
}

// token is the token for fields: the one fetched ahead when it came and is
// fresh enough, or a new one.
func (c *Client) token(ctx context.Context, fields map[string]string, valid time.Duration) (string, error) {
	key := fieldsKey(fields)
	c.mu.Lock()
	p := c.ahead[key]
	delete(c.ahead, key) // each token is for one attempt, fetched ahead or not
	c.mu.Unlock()
	if p == nil || !isDone(p.done) {
		// The token is a round trip away: open the upload's connection
		// meanwhile, so the two overlap.
		c.warmUp()
	}
	if p != nil {
		select {
		case <-p.done:
		case <-ctx.Done():
			return "", context.Cause(ctx)
		}
		if p.err == nil && p.valid-time.Since(p.at) >= valid {
			return p.token, nil
		}
		// Failed or stale: ask now, and meet the error, if any, first hand.
	}
	return c.Tokens.Token(ctx, fields, valid)
}

// warmUp opens a connection to the upload server ahead, for tokens from an
// endpoint, unless uploads go through a proxy (the connection would be to
// the wrong place).
func (c *Client) warmUp() {
	if _, remote := c.Tokens.(RemoteTokens); !remote {
		return
	}
	if last := c.answered.Load(); last != 0 && time.Since(time.Unix(0, last)) < idleKept {
		return // the transport keeps an idle connection from an answer this recent
	}
	hc := c.HTTP
	if hc == nil {
		hc = defaultHTTP
	}
	if tr, ok := hc.Transport.(*http.Transport); ok && tr.Proxy != nil {
		if req, err := http.NewRequest(http.MethodPost, c.Endpoint, nil); err != nil {
			return
		} else if u, err := tr.Proxy(req); err != nil || u != nil {
			return
		}
	}
	warm.open(c.Endpoint)
}

func isDone(ch chan struct{}) bool {
	select {
	case <-ch:
		return true
	default:
		return false
	}
}

// firstFields are the form fields of r's first attempt.
func firstFields(r Request) (map[string]string, error) {
	folder, err := destination(r.Fields.Folder, r.Rel)
	if err != nil {
		return nil, err
	}
	fields := r.Fields.form(r.FileName, folder)
	defer func() {
		// The token is JSON, which carries only valid UTF-8 (it would turn a
		// stray byte into U+FFFD and the field would differ from the form):
		// such bytes are sent as '_', as ImageKit writes odd characters.
		for k, v := range fields {
			fields[k] = strings.ToValidUTF8(v, "_")
		}
	}()
	switch {
	case r.StoredName != "": // a unique name made here: a repeat is refused, and known to be ours
		fields["fileName"], fields["useUniqueFileName"], fields["overwriteFile"] = r.StoredName, "false", "false"
	case r.Resumed && !r.Fields.UseUniqueFileName:
		fields["overwriteFile"] = "false"
	}
	return fields, nil
}

// fieldsKey names a set of fields, whatever the map's order.
func fieldsKey(fields map[string]string) string {
	var b strings.Builder
	for _, k := range slices.Sorted(maps.Keys(fields)) {
		b.WriteString(k)
		b.WriteByte(0)
		b.WriteString(fields[k])
		b.WriteByte(0)
	}
	return b.String()
}
