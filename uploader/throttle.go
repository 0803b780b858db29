package uploader

import (
	"context"
	"errors"
	"net/http"
	"sync"
	"time"
)

// RateLimit is one byte budget for every upload that uses it, however many
// run at once: a shared uplink is not swamped (upload --limit-rate, the
// window's Settings). Its rate can change while uploads run.
type RateLimit struct {
	mu     sync.Mutex
	rate   float64 // bytes a second; 0: no limit
	tokens float64 // bytes that may go now; below 0, owed
	last   time.Time
}

// NewRateLimit makes a limit of bytesPerSecond (0: none).
func NewRateLimit(bytesPerSecond int64) *RateLimit {
	l := &RateLimit{}
	l.Set(bytesPerSecond)
	return l
}

// Set changes the rate; 0 lifts the limit.
func (l *RateLimit) Set(bytesPerSecond int64) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.rate = float64(max(bytesPerSecond, 0))
	l.tokens, l.last = 0, time.Now()
}

// Rate is the limit in bytes a second, 0 for none.
func (l *RateLimit) Rate() int64 {
	l.mu.Lock()
	defer l.mu.Unlock()
	return int64(l.rate)
}

// burst is how many bytes may go at once after a pause: a tenth of a
// second's worth, so that the rate holds over any second.
func (l *RateLimit) burst() float64 { return max(l.rate/10, 16<<10) }

// wait returns once n more bytes may go, or when ctx ends. Each caller
// takes its bytes at once (the budget may go below zero) and then sleeps off
// its part of the debt, so callers are served in turn and the total keeps
// to the rate.
func (l *RateLimit) wait(ctx context.Context, n int) error {
	if l == nil {
		return nil
	}
	l.mu.Lock()
	if l.rate == 0 {
		l.mu.Unlock()
		return nil
	}
	now := time.Now()
	l.tokens = min(l.tokens+l.rate*now.Sub(l.last).Seconds(), l.burst())
	l.last = now
	l.tokens -= float64(n)
	var d time.Duration
	if l.tokens < 0 {
		d = time.Duration(-l.tokens / l.rate * float64(time.Second))
	}
	l.mu.Unlock()
	if d <= 0 {
		return nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return context.Cause(ctx)
	}
}

// Gate is one back-off for every upload that uses it. A 429 or 503 that
// says when to come back (Retry-After, X-RateLimit-Reset) closes it for all
// of them until then, rather than each worker backing off alone, and halves
// how many may send at once; each success lets one more, until there is no
// cap again.
type Gate struct {
	mu       sync.Mutex
	until    time.Time
	allowed  int // how many may send at once; 0: as many as the queue runs
	inflight int
	changed  chan struct{} // closed, and replaced, when a wait may end
}

// NewGate makes an open gate.
func NewGate() *Gate { return &Gate{changed: make(chan struct{})} }

func (g *Gate) signal() {
	close(g.changed)
	g.changed = make(chan struct{})
}

// enter waits until an upload may send, and counts it as sending until
// leave.
func (g *Gate) enter(ctx context.Context) error {
	if g == nil {
		return nil
	}
	for {
		g.mu.Lock()
		wait, changed := time.Until(g.until), g.changed
		if wait <= 0 && (g.allowed == 0 || g.inflight < g.allowed) {
			g.inflight++
			g.mu.Unlock()
			return nil
		}
		g.mu.Unlock()
		var timer <-chan time.Time
		if wait > 0 {
			t := time.NewTimer(wait)
			timer = t.C
			defer t.Stop()
		}
		select {
		case <-timer:
		case <-changed:
		case <-ctx.Done():
			return context.Cause(ctx)
		}
	}
}

// leave ends a send that entered: err is how it ended.
func (g *Gate) leave(err error) {
	if g == nil {
		return
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	g.inflight--
	var ae *APIError
	if errors.As(err, &ae) && ae.Retry > 0 && (ae.Status == http.StatusTooManyRequests || ae.Status == http.StatusServiceUnavailable) {
		now := time.Now()
		if now.After(g.until) {
			// Once per closing: the other answers of the same burst (the
			// rest of those sending) do not halve it again.
			g.allowed = max(1, (g.inflight+1)/2) // half of those that were sending
		}
		if until := now.Add(min(ae.Retry, 5*time.Minute)); until.After(g.until) {
			g.until = until
		}
	} else if err == nil && g.allowed > 0 {
		if g.allowed++; g.allowed > MaxConcurrency {
			g.allowed = 0
		}
	}
	g.signal()
}

// Allowed is how many uploads may send at once now (0: no cap), and until
// when none may: for a person to see why uploads wait.
func (g *Gate) Allowed() (n int, closedUntil time.Time) {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.allowed, g.until
}
