package emulator

import (
	"time"

	"github.com/golang-jwt/jwt/v5"

	"imagekit-uploader/signer"
)

// markSeen records the token as used, whatever becomes of the request, and
// says whether it had been seen before. A token is remembered until its exp:
// from then on it is refused as expired anyway. A token none of this
// server's keys signed is not remembered at all, since it can never pass:
// so no one without a key can make the set grow.
func (s *Server) markSeen(in incoming) bool {
	if !in.hasToken || in.token == "" {
		return false
	}
	exp, now := s.tokenExpiry(in.token), s.now()
	s.mu.Lock()
	defer s.mu.Unlock()
	_, reused := s.seen[in.token]
	if exp.After(now) {
		s.seen[in.token] = exp
	}
	if !now.Before(s.nextSweep) {
		for t, e := range s.seen {
			if !e.After(now) {
				delete(s.seen, t)
			}
		}
		s.nextSweep = now.Add(s.cfg.sweepEvery)
	}
	return reused
}

// tokenExpiry returns the exp of a token signed with one of the server's
// keys, or the zero time.
func (s *Server) tokenExpiry(token string) time.Time {
	var claims jwt.RegisteredClaims
	_, err := jwt.ParseWithClaims(token, &claims, func(t *jwt.Token) (any, error) {
		kid, _ := t.Header["kid"].(string)
		key, ok := s.cfg.keys[kid]
		if !ok {
			return nil, signer.ErrUnknownKey
		}
		return []byte(key), nil
	}, jwt.WithValidMethods([]string{jwt.SigningMethodHS256.Alg()}), jwt.WithoutClaimsValidation())
	if err != nil || claims.ExpiresAt == nil {
		return time.Time{}
	}
	return claims.ExpiresAt.Time
}

// matchClaims demands that the form fields and the token's claims are the same
// set with the same values.
func matchClaims(fields, claims map[string]string) error {
	for k, v := range fields {
		c, ok := claims[k]
		switch {
		case !ok:
			return badRequest("Invalid token: the request sends %s but the token does not sign it.", k)
		case c != v:
			return badRequest("Invalid token: the request's %s differs from the value the token signs.", k)
		}
	}
	for k := range claims {
		if _, ok := fields[k]; !ok {
			return badRequest("Invalid token: the token signs %s but the request does not send it.", k)
		}
	}
	return nil
}
