// Package signer makes and checks ImageKit upload tokens (upload API v2):
// single-use JWTs signed with the private key on this machine. It never
// imports Fyne.
package signer

import (
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"math/rand/v2"
	"sort"
	"sync"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

const (
	// MaxLifetime is the longest exp - iat ImageKit accepts.
	MaxLifetime = time.Hour
	// DefaultLifetime is short on purpose: a token that leaks is useless soon.
	DefaultLifetime = 5 * time.Minute
)

// Errors a caller can decide on.
var (
	ErrEmptyKey      = errors.New("the public and private keys must not be empty")
	ErrLifetime      = errors.New("token lifetime must be between 1 second and 1 hour")
	ErrReservedField = errors.New(`"file" and "token" cannot be signed: they are not upload fields`)
	// ErrBusy means this signer has issued every distinct token it can for
	// these exact fields in this second; asking again a second later works.
	ErrBusy = errors.New("too many identical tokens requested at once; try again in a second")
)

// Signer issues single-use upload tokens for one key pair. It is safe for
// concurrent use.
//
// ImageKit refuses a token it has seen before, and HS256 is deterministic, so
// two uploads of the same fields signed in the same second would collide. The
// token may not carry extra claims (the server demands that claims and form
// fields match exactly), so the signer makes each token distinct through its
// (iat, exp) pair. Within a process it remembers the pairs it issued per
// payload until they expire and never issues one twice. Across processes (a
// restarted upload, two editors, token-server replicas) it cannot know what
// the others issued, so it draws the pair at random: an iat up to a minute in
// the past and, where the lifetime is not fixed, an exp up to a quarter of the
// lifetime sooner. Two processes then pick the same pair for the same fields
// about once in several thousand times, and the upload client signs anew
// when the server says a token was used.
type Signer struct {
	publicKey  string
	privateKey []byte
	lifetime   time.Duration
	now        func() time.Time

	mu     sync.Mutex
	offset time.Duration
	issued map[[32]byte]map[[2]int64]struct{} // payload digest -> (iat, exp) pairs not yet expired
	swept  int64                              // the second of the last sweep of expired pairs
}

// Option configures a Signer.
type Option func(*Signer)

// WithLifetime sets the default token lifetime (exp - iat).
func WithLifetime(d time.Duration) Option { return func(s *Signer) { s.lifetime = d } }

// WithClock replaces time.Now, for tests.
func WithClock(now func() time.Time) Option { return func(s *Signer) { s.now = now } }

// New returns a Signer for the key pair.
func New(publicKey, privateKey string, opts ...Option) (*Signer, error) {
	if publicKey == "" || privateKey == "" {
		return nil, ErrEmptyKey
	}
	s := &Signer{
		publicKey:  publicKey,
		privateKey: []byte(privateKey),
		lifetime:   DefaultLifetime,
		now:        time.Now,
		issued:     make(map[[32]byte]map[[2]int64]struct{}),
	}
	for _, o := range opts {
		o(s)
	}
	if err := checkLifetime(s.lifetime); err != nil {
		return nil, err
	}
	return s, nil
}

// PublicKey is the key named in every token's kid header.
func (s *Signer) PublicKey() string { return s.publicKey }

// Lifetime is the default lifetime of the tokens Sign issues.
func (s *Signer) Lifetime() time.Duration { return s.lifetime }

// SetClockOffset corrects iat and exp by the measured difference between the
// server's clock and ours (server minus local).
func (s *Signer) SetClockOffset(d time.Duration) {
	s.mu.Lock()
	s.offset = d
	s.mu.Unlock()
}

// ClockOffset returns the correction set by SetClockOffset.
func (s *Signer) ClockOffset() time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.offset
}

// Sign issues a token for the upload fields with the default lifetime. The
// token's exp - iat may be shorter than the lifetime, by up to a quarter; it
// always stays valid for at least half the lifetime.
func (s *Signer) Sign(fields map[string]string) (string, error) {
	return s.spanned(fields, s.lifetime, false)
}

// SignFor issues a token that stays valid for at least valid from now (up
// to MaxLifetime), for an upload that needs longer than the default: its
// exp - iat may be up to a minute and a quarter longer, never past the hour.
func (s *Signer) SignFor(fields map[string]string, valid time.Duration) (string, error) {
	if err := checkLifetime(valid); err != nil {
		return "", err
	}
	v, top := int64(valid/time.Second), int64(MaxLifetime/time.Second)
	return s.sign(fields, min(maxAge, top-v)+1, min(v/4, top-v)+1, func(now, age, extra int64) (int64, int64, bool) {
		return now - age, now + v + extra, v+extra+age <= top
	})
}

// SignExact issues a token whose exp - iat is exactly lifetime, as the token
// endpoint promises its callers. Identical fields are told apart by an earlier
// iat alone (up to a minute, and never more than half the lifetime), so a
// burst of identical requests can meet ErrBusy.
func (s *Signer) SignExact(fields map[string]string, lifetime time.Duration) (string, error) {
	return s.spanned(fields, lifetime, true)
}

func checkLifetime(d time.Duration) error {
	if d < time.Second || d > MaxLifetime {
		return ErrLifetime
	}
	return nil
}

// spanned signs with (iat, exp) = (now - age, now - age + lifetime - shorter):
// the spread of Sign (exact false) and SignExact (exact true).
func (s *Signer) spanned(fields map[string]string, lifetime time.Duration, exact bool) (string, error) {
	if err := checkLifetime(lifetime); err != nil {
		return "", err
	}
	l := int64(lifetime / time.Second)
	ages, shorts := min(maxAge, l/4)+1, l/4+1
	if exact {
		ages, shorts = min(maxAge, l/2)+1, 1
	}
	return s.sign(fields, ages, shorts, func(now, age, shorter int64) (int64, int64, bool) {
		return now - age, now - age + l - shorter, true
	})
}

// sign signs fields with an (iat, exp) pair from the ages × ks choices that
// pair makes (ok false: not a choice), one not issued before for them.
func (s *Signer) sign(fields map[string]string, ages, ks int64, pair func(now, age, k int64) (iat, exp int64, ok bool)) (string, error) {
	if err := CheckFields(fields); err != nil {
		return "", err
	}
	iat, exp, err := s.reserve(digest(fields), ages, ks, pair)
	if err != nil {
		return "", err
	}
	claims := jwt.MapClaims{"iat": iat, "exp": exp}
	for k, v := range fields {
		claims[k] = v
	}
	tok := jwt.NewWithClaims(jwt.SigningMethodHS256, claims)
	tok.Header["kid"] = s.publicKey
	return tok.SignedString(s.privateKey)
}

// reserve picks an (iat, exp) pair not yet issued for this payload: a random
// choice first (see Signer), then the next free one from there.
func (s *Signer) reserve(payload [32]byte, ages, ks int64, choice func(now, age, k int64) (iat, exp int64, ok bool)) (iat, exp int64, err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now().Add(s.offset).Unix()
	s.sweep(now)
	used := s.issued[payload]
	if used == nil {
		if len(s.issued) >= maxPayloads {
			s.forgetSome()
		}
		used = make(map[[2]int64]struct{})
		s.issued[payload] = used
	}
	n := ages * ks
	start := rand.Int64N(n)
	for i := range n {
		c := (start + i) % n
		iat, exp, ok := choice(now, c%ages, c/ages)
		pair := [2]int64{iat, exp}
		if _, taken := used[pair]; ok && !taken {
			used[pair] = struct{}{}
			return iat, exp, nil
		}
	}
	return 0, 0, ErrBusy
}

// maxAge is how far in the past, in seconds, a token's iat may be drawn.
const maxAge = 60

// maxPayloads bounds the memory of issued pairs: a token endpoint's callers
// choose the payloads, and its bearer may be public. Past it, some payloads
// are forgotten; their next tokens are still drawn at random, so they stay
// distinct but for chance, as across processes.
const maxPayloads = 50_000

// forgetSome drops a tenth of the remembered payloads, whichever the map
// yields first.
func (s *Signer) forgetSome() {
	drop := maxPayloads / 10
	for p := range s.issued {
		if drop == 0 {
			return
		}
		delete(s.issued, p)
		drop--
	}
}

// sweep forgets pairs that have expired: the server refuses them anyway, and
// a new pair always expires in the future, so they cannot collide.
func (s *Signer) sweep(now int64) {
	if now == s.swept {
		return
	}
	s.swept = now
	for p, used := range s.issued {
		for pair := range used {
			if pair[1] <= now {
				delete(used, pair)
			}
		}
		if len(used) == 0 {
			delete(s.issued, p)
		}
	}
}

// digest identifies a payload by its fields, independent of map order.
func digest(fields map[string]string) [32]byte {
	keys := make([]string, 0, len(fields))
	for k := range fields {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	h := sha256.New()
	var n [8]byte
	for _, k := range keys {
		for _, s := range [2]string{k, fields[k]} {
			binary.LittleEndian.PutUint64(n[:], uint64(len(s)))
			h.Write(n[:])
			h.Write([]byte(s))
		}
	}
	var d [32]byte
	h.Sum(d[:0])
	return d
}

// CheckFields refuses fields that cannot be part of a token.
func CheckFields(fields map[string]string) error {
	for k := range fields {
		switch k {
		case "file", "token":
			return ErrReservedField
		case "iat", "exp":
			return fmt.Errorf("%q is set by the signer, not by the upload fields", k)
		case "":
			return errors.New("an upload field has an empty name")
		}
	}
	return nil
}
