package uploader

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"sync"
)

// A Session owns one run of uploads: the queue; the client it uploads with,
// kept while the settings that make it stay the same (its files' SHA-256
// and measured speed kept even when they change); the one 429 gate and byte
// rate every upload shares; the journal of unfinished work; the index of
// what went up; and who is told of each finished job. The upload and watch
// commands and the window are each a view over one.
type Session struct {
	Queue *Queue
	gate  *Gate
	rate  *RateLimit

	mu        sync.Mutex
	client    *Client
	made      clientKey // what client was made from
	journal   *Journal
	index     *UploadedIndex
	listeners []func(Job)
}

// Settings are what a session uploads with. Apply changes them while it
// runs: uploads under way finish with the client they began with.
type Settings struct {
	Endpoint string
	Tokens   TokenSource
	// Proxy is a proxy setting, as ProxyFunc reads it ("" is the
	// environment's, as ProxyEnvironment).
	Proxy       string
	Retries     int // attempts after the first: DefaultRetries is the client's usual
	Concurrency int // uploads at once, 1 to MaxConcurrency
	Limit       Limit
	LimitRate   int64 // bytes a second for every upload together; 0 is no limit
	// Library, when set, is where an upload whose answer was lost is looked
	// for, instead of ending "may already be uploaded" (see Queue.SetLibrary).
	Library Library
	Notice  func(string) // told what a person should know once, such as a clock correction (changed by Apply only with the client)
}

// clientKey is what a client is made from: a client made from the same is
// the same, and is kept.
type clientKey struct {
	endpoint, proxy string
	tokens          TokenSource
	retries         int
}

func (s Settings) clientKey() clientKey {
	return clientKey{s.Endpoint, s.Proxy, s.Tokens, s.Retries}
}

// same says whether k and o make the same client. Tokens of a kind that
// cannot be compared are never the same.
func (k clientKey) same(o clientKey) bool {
	if k.tokens != nil && !reflect.ValueOf(k.tokens).Comparable() || o.tokens != nil && !reflect.ValueOf(o.tokens).Comparable() {
		return false
	}
	return k == o
}

// NewSession starts a session that uploads until ctx ends. Its queue
// reports finished jobs to the listeners given to OnFinish.
func NewSession(ctx context.Context, set Settings) (*Session, error) {
	s := &Session{gate: NewGate(), rate: NewRateLimit(set.LimitRate)}
	c, err := s.newClient(set)
	if err != nil {
		return nil, err
	}
	s.client, s.made = c, set.clientKey()
	s.Queue = NewQueue(ctx, c, set.Concurrency, set.Limit.Plan)
	s.Queue.SetMaxFileSize(set.Limit.MaxFileSize)
	s.Queue.SetLibrary(s.gated(set.Library))
	s.Queue.OnFinish = s.finished
	return s, nil
}

func (s *Session) newClient(set Settings) (*Client, error) {
	c := NewClient(set.Endpoint, set.Tokens)
	c.Retries = max(set.Retries, 0)
	c.Gate, c.Limit, c.Notice = s.gate, s.rate, set.Notice
	if err := c.UseProxy(set.Proxy); err != nil {
		return nil, fmt.Errorf("the proxy: %w", err)
	}
	return c, nil
}

// Apply uploads the files that start from now on with set. The client is
// made again only when the endpoint, the tokens, the proxy or the retries
// changed, and then it keeps what the last one learnt of the files.
func (s *Session) Apply(set Settings) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if key := set.clientKey(); !key.same(s.made) {
		c, err := s.newClient(set)
		if err != nil {
			return err
		}
		c.takeOver(s.client)
		s.client, s.made = c, key
		s.Queue.SetClient(c)
	}
	s.Queue.SetLibrary(s.gated(set.Library))
	s.SetLimits(set.Concurrency, set.Limit, set.LimitRate)
	return nil
}

// SetLimits changes how many upload at once, the size limit, and the byte
// rate of every upload together (those under way too), keeping the client.
func (s *Session) SetLimits(concurrency int, limit Limit, rate int64) {
	s.Queue.SetConcurrency(concurrency)
	s.Queue.SetPlan(limit.Plan)
	s.Queue.SetMaxFileSize(limit.MaxFileSize)
	s.rate.Set(rate)
}

// Rate is the byte rate every upload keeps to together: 0 is no limit.
func (s *Session) Rate() int64 { return s.rate.Rate() }

// gated puts ImageKit's API behind the uploads' gate: a 429 there holds
// both.
func (s *Session) gated(lib Library) Library {
	if api, ok := lib.(APILibrary); ok {
		if api.Gate == nil {
			api.Gate = s.gate
		}
		if api.HTTP == nil && s.client != nil {
			api.HTTP = s.client.HTTP // through the same proxy
		}
		return api
	}
	if rl, ok := lib.(RemoteLibrary); ok && rl.HTTP == nil && s.client != nil {
		rl.HTTP = s.client.HTTP
		return rl
	}
	return lib
}

// Client is the client the next upload starts with.
func (s *Session) Client() *Client {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.client
}

// UseJournal makes the session record its work in jn from now on (set it
// before the first Add); Close closes it.
func (s *Session) UseJournal(jn *Journal) {
	s.mu.Lock()
	s.journal = jn
	s.mu.Unlock()
	s.Queue.SetJournal(jn)
}

// Journal is the session's journal, or nil.
func (s *Session) Journal() *Journal {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.journal
}

// UseIndex makes the session pass over files whose bytes went up before,
// and record what goes up, in x (set it before the first Add); Close
// closes it.
func (s *Session) UseIndex(x *UploadedIndex) {
	if x == nil {
		return
	}
	s.mu.Lock()
	s.index = x
	s.mu.Unlock()
	s.Queue.SetIndex(x)
}

// Index is the session's index of uploads, or nil.
func (s *Session) Index() *UploadedIndex {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.index
}

// OnFinish adds f to those told of each job as it ends, in the order
// given, on the job's goroutine, before its end is in the journal: a crash
// between them loses nothing. Add them before the first job starts.
func (s *Session) OnFinish(f func(Job)) {
	s.mu.Lock()
	s.listeners = append(s.listeners, f)
	s.mu.Unlock()
}

func (s *Session) finished(j Job) {
	s.mu.Lock()
	listeners := s.listeners
	s.mu.Unlock()
	for _, f := range listeners {
		f(j)
	}
}

// Close waits, until ctx ends, for the uploads to stop (end the session's
// context first to stop them), then closes the journal and the index.
func (s *Session) Close(ctx context.Context) error {
	werr := s.Queue.Wait(ctx)
	s.mu.Lock()
	jn, x := s.journal, s.index
	s.mu.Unlock()
	var err error
	if jn != nil {
		err = jn.Close()
	}
	if x != nil {
		err = errors.Join(err, x.Close())
	}
	return errors.Join(werr, err)
}
