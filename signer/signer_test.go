package signer

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

const (
	testPublic  = "public_test_key"
	testPrivate = "private_test_key_0123456789"
)

func fixedClock(t time.Time) func() time.Time { return func() time.Time { return t } }

func mustSigner(t testing.TB, opts ...Option) *Signer {
	t.Helper()
	s, err := New(testPublic, testPrivate, opts...)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func decodeSegment(t *testing.T, seg string) map[string]json.RawMessage {
	t.Helper()
	raw, err := base64.RawURLEncoding.DecodeString(seg)
	if err != nil {
		t.Fatalf("segment is not base64url: %v", err)
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatalf("segment is not a JSON object: %v", err)
	}
	return m
}

// TestTokenBytes checks the token by hand, without the JWT library: the three
// header values, string fields, integer iat/exp and the HMAC-SHA256 signature.
func TestTokenBytes(t *testing.T) {
	now := time.Unix(1_800_000_000, 0)
	s := mustSigner(t, WithClock(fixedClock(now)), WithLifetime(10*time.Minute))
	fields := map[string]string{"fileName": "dress.jpg", "useUniqueFileName": "false", "tags": "summer,dress"}
	tok, err := s.Sign(fields)
	if err != nil {
		t.Fatal(err)
	}
	parts := strings.Split(tok, ".")
	if len(parts) != 3 {
		t.Fatalf("token has %d parts, want 3", len(parts))
	}
	header := decodeSegment(t, parts[0])
	want := map[string]string{"alg": `"HS256"`, "typ": `"JWT"`, "kid": `"` + testPublic + `"`}
	if len(header) != len(want) {
		t.Errorf("header has %d keys, want %d: %v", len(header), len(want), header)
	}
	for k, v := range want {
		if string(header[k]) != v {
			t.Errorf("header %s = %s, want %s", k, header[k], v)
		}
	}
	claims := decodeSegment(t, parts[1])
	if len(claims) != len(fields)+2 {
		t.Errorf("payload has %d claims, want %d", len(claims), len(fields)+2)
	}
	for k, v := range fields {
		var got string
		if err := json.Unmarshal(claims[k], &got); err != nil || got != v {
			t.Errorf("claim %s = %s, want string %q", k, claims[k], v)
		}
	}
	iat, err1 := strconv.ParseInt(string(claims["iat"]), 10, 64)
	exp, err2 := strconv.ParseInt(string(claims["exp"]), 10, 64)
	if err1 != nil || err2 != nil || iat > 1800000000 || iat < 1800000000-60 || exp-iat > 600 || exp < 1800000300 {
		t.Errorf("iat, exp = %s, %s; want integers, iat at most a minute back, exp at least half the lifetime ahead", claims["iat"], claims["exp"])
	}
	mac := hmac.New(sha256.New, []byte(testPrivate))
	mac.Write([]byte(parts[0] + "." + parts[1]))
	if got := base64.RawURLEncoding.EncodeToString(mac.Sum(nil)); got != parts[2] {
		t.Errorf("signature %s, want HMAC-SHA256 %s", parts[2], got)
	}
}

// TestTokensDistinct signs the same fields many times at once, in the same
// second, from many goroutines: no two tokens may be equal, and each must be
// valid for at least half the lifetime.
func TestTokensDistinct(t *testing.T) {
	now := time.Unix(1_800_000_000, 0)
	s := mustSigner(t, WithClock(fixedClock(now)))
	fields := map[string]string{"fileName": "same.jpg", "folder": "/a"}
	const workers, each = 16, 250
	var mu sync.Mutex
	seen := make(map[string]bool, workers*each)
	var wg sync.WaitGroup
	errs := make(chan error, workers)
	for range workers {
		wg.Go(func() {
			for range each {
				tok, err := s.Sign(fields)
				if err != nil {
					errs <- err
					return
				}
				mu.Lock()
				seen[tok] = true
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	if len(seen) != workers*each {
		t.Fatalf("%d distinct tokens of %d", len(seen), workers*each)
	}
	v := &Verifier{PrivateKey: func(string) (string, bool) { return testPrivate, true }, Now: fixedClock(now)}
	for tok := range seen {
		c, err := v.Verify(tok)
		if err != nil {
			t.Fatal(err)
		}
		life := c.Expires.Sub(c.IssuedAt)
		if life > DefaultLifetime || c.Expires.Sub(now) < DefaultLifetime/2 || c.IssuedAt.After(now) {
			t.Fatalf("token iat %v exp %v: outside the promised window", c.IssuedAt, c.Expires)
		}
	}
}

func TestSignExact(t *testing.T) {
	now := time.Unix(1_800_000_000, 0)
	clock := now
	s := mustSigner(t, WithClock(func() time.Time { return clock }))
	fields := map[string]string{"fileName": "a.png"}
	seen := map[string]bool{}
	// With a 10 s lifetime, iat can move back at most 5 s: 6 distinct tokens.
	for i := range 6 {
		tok, err := s.SignExact(fields, 10*time.Second)
		if err != nil {
			t.Fatalf("token %d: %v", i, err)
		}
		c := decodeClaimsUnverified(t, tok)
		if c["exp"]-c["iat"] != 10 {
			t.Fatalf("exp - iat = %d, want exactly 10", c["exp"]-c["iat"])
		}
		seen[tok] = true
	}
	if len(seen) != 6 {
		t.Fatalf("%d distinct of 6", len(seen))
	}
	if _, err := s.SignExact(fields, 10*time.Second); !errors.Is(err, ErrBusy) {
		t.Fatalf("7th identical token in one second: err %v, want ErrBusy", err)
	}
	clock = clock.Add(time.Second)
	tok, err := s.SignExact(fields, 10*time.Second)
	if err != nil || seen[tok] {
		t.Fatalf("a second later: err %v, repeated %v", err, seen[tok])
	}
}

func decodeClaimsUnverified(t *testing.T, tok string) map[string]int64 {
	t.Helper()
	raw, err := base64.RawURLEncoding.DecodeString(strings.Split(tok, ".")[1])
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatal(err)
	}
	return map[string]int64{"iat": int64(m["iat"].(float64)), "exp": int64(m["exp"].(float64))}
}

func TestSignerRefusals(t *testing.T) {
	if _, err := New("", testPrivate); !errors.Is(err, ErrEmptyKey) {
		t.Errorf("empty public key: %v", err)
	}
	if _, err := New(testPublic, ""); !errors.Is(err, ErrEmptyKey) {
		t.Errorf("empty private key: %v", err)
	}
	for _, d := range []time.Duration{0, 500 * time.Millisecond, time.Hour + time.Second} {
		if _, err := New(testPublic, testPrivate, WithLifetime(d)); !errors.Is(err, ErrLifetime) {
			t.Errorf("lifetime %v: %v, want ErrLifetime", d, err)
		}
	}
	if _, err := New(testPublic, testPrivate, WithLifetime(time.Hour)); err != nil {
		t.Errorf("lifetime of exactly an hour refused: %v", err)
	}
	s := mustSigner(t)
	for _, f := range []string{"file", "token"} {
		if _, err := s.Sign(map[string]string{"fileName": "a", f: "x"}); !errors.Is(err, ErrReservedField) {
			t.Errorf("field %q: %v, want ErrReservedField", f, err)
		}
	}
	for _, f := range []string{"iat", "exp", ""} {
		if _, err := s.Sign(map[string]string{f: "1"}); err == nil {
			t.Errorf("field %q signed", f)
		}
	}
	if _, err := s.SignExact(map[string]string{"fileName": "a"}, 3601*time.Second); !errors.Is(err, ErrLifetime) {
		t.Errorf("expire 3601: %v", err)
	}
}

func TestClockOffset(t *testing.T) {
	now := time.Unix(1_800_000_000, 0)
	s := mustSigner(t, WithClock(fixedClock(now)))
	s.SetClockOffset(-10 * time.Minute)
	c := decodeClaimsUnverified(t, mustSign(t, s, map[string]string{"fileName": "x"}))
	if want := now.Add(-10 * time.Minute).Unix(); c["iat"] > want || c["iat"] < want-60 {
		t.Fatalf("iat %d, want the local time corrected by the offset", c["iat"])
	}
}

func mustSign(t *testing.T, s *Signer, f map[string]string) string {
	t.Helper()
	tok, err := s.Sign(f)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// handMade signs arbitrary claims and header, to build tokens the signer would never issue.
func handMade(t *testing.T, method jwt.SigningMethod, key any, header map[string]any, claims jwt.MapClaims) string {
	t.Helper()
	tok := jwt.NewWithClaims(method, claims)
	for k, v := range header {
		tok.Header[k] = v
	}
	s, err := tok.SignedString(key)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestVerifyRefusals(t *testing.T) {
	now := time.Unix(1_800_000_000, 0)
	v := &Verifier{
		PrivateKey: func(pk string) (string, bool) { return testPrivate, pk == testPublic },
		Skew:       5 * time.Second,
		Now:        fixedClock(now),
	}
	kid := map[string]any{"kid": testPublic}
	iat, exp := now.Unix(), now.Unix()+60
	hs := jwt.SigningMethodHS256
	key := []byte(testPrivate)
	cases := []struct {
		name, token, want string
	}{
		{"wrong private key", handMade(t, hs, []byte("another"), kid, jwt.MapClaims{"iat": iat, "exp": exp}), "signature"},
		{"unknown kid", handMade(t, hs, key, map[string]any{"kid": "nobody"}, jwt.MapClaims{"iat": iat, "exp": exp}), "public key"},
		{"no kid", handMade(t, hs, key, nil, jwt.MapClaims{"iat": iat, "exp": exp}), "no kid"},
		{"HS512", handMade(t, jwt.SigningMethodHS512, key, kid, jwt.MapClaims{"iat": iat, "exp": exp}), "HS256"},
		{"alg none", handMade(t, jwt.SigningMethodNone, jwt.UnsafeAllowNoneSignatureType, kid, jwt.MapClaims{"iat": iat, "exp": exp}), "HS256"},
		{"not a JWT", "abc.def", "well-formed"},
		{"no exp", handMade(t, hs, key, kid, jwt.MapClaims{"iat": iat}), "no exp"},
		{"no iat", handMade(t, hs, key, kid, jwt.MapClaims{"exp": exp}), "no iat"},
		{"fractional iat", handMade(t, hs, key, kid, jwt.MapClaims{"iat": 1.5e9 + 0.5, "exp": exp}), "whole number"},
		{"string exp", handMade(t, hs, key, kid, jwt.MapClaims{"iat": iat, "exp": "1800000060"}), "must be a number"},
		{"over an hour", handMade(t, hs, key, kid, jwt.MapClaims{"iat": iat, "exp": iat + 3601}), "longer than an hour"},
		{"expired", handMade(t, hs, key, kid, jwt.MapClaims{"iat": iat - 100, "exp": iat - 1}), "expired"},
		{"issued in the future", handMade(t, hs, key, kid, jwt.MapClaims{"iat": iat + 60, "exp": iat + 120}), "future"},
		{"non-string field", handMade(t, hs, key, kid, jwt.MapClaims{"iat": iat, "exp": exp, "useUniqueFileName": true}), "must be a string"},
		{"typ not JWT", handMade(t, hs, key, map[string]any{"kid": testPublic, "typ": "JOSE"}, jwt.MapClaims{"iat": iat, "exp": exp}), "typ"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := v.Verify(c.token)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("err %v, want one that mentions %q", err, c.want)
			}
		})
	}
	ok := handMade(t, hs, key, kid, jwt.MapClaims{"iat": iat + 3, "exp": exp, "fileName": "a.jpg"})
	c, err := v.Verify(ok)
	if err != nil || c.Fields["fileName"] != "a.jpg" || c.PublicKey != testPublic || len(c.Fields) != 1 {
		t.Fatalf("a good token within the skew: %+v, %v", c, err)
	}
}

// TestTokensRarelyCollideAcrossProcesses: two signers that know nothing of
// each other (a restarted upload, two editors, two token-server replicas)
// sign the same 120 files in the same second. Before, they issued the very
// same tokens for all 120, and the second process's uploads were refused as
// "token already used".
func TestTokensRarelyCollideAcrossProcesses(t *testing.T) {
	now := fixedClock(time.Unix(1_800_000_000, 0))
	a, b := mustSigner(t, WithClock(now)), mustSigner(t, WithClock(now))
	same, sameExact := 0, 0
	for i := range 120 {
		f := map[string]string{"fileName": fmt.Sprintf("img%03d.jpg", i), "useUniqueFileName": "false"}
		if mustSign(t, a, f) == mustSign(t, b, f) {
			same++
		}
		x, _ := a.SignExact(f, 400*time.Second)
		y, _ := b.SignExact(f, 400*time.Second)
		if x == y {
			sameExact++
		}
	}
	// 61 × 76 pairs for Sign (5 minutes), 61 for SignExact: on average
	// 0.03 and 2 of 120 collide.
	if same > 2 || sameExact > 10 {
		t.Fatalf("%d of 120 tokens collided across two signers (%d with an exact lifetime)", same, sameExact)
	}
}

// TestIssuedMemoryIsBounded: a caller who picks the payloads (a token
// endpoint's bearer may be public) cannot grow the signer's memory without
// bound: 200,000 distinct payloads took 60 MB before.
func TestIssuedMemoryIsBounded(t *testing.T) {
	s := mustSigner(t, WithClock(fixedClock(time.Unix(1_800_000_000, 0))))
	for i := range maxPayloads + 5000 {
		mustSign(t, s, map[string]string{"fileName": strconv.Itoa(i)})
	}
	if n := len(s.issued); n > maxPayloads {
		t.Fatalf("%d payloads remembered, want at most %d", n, maxPayloads)
	}
}
