package signer

import (
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// Claims is a verified token's payload: the upload fields it signs, and its
// validity window.
type Claims struct {
	PublicKey string
	Fields    map[string]string
	IssuedAt  time.Time
	Expires   time.Time
}

// VerifyError says why a token was refused, in words for the person who sent it.
type VerifyError struct{ Reason string }

func (e *VerifyError) Error() string { return e.Reason }

// ErrUnknownKey is returned (wrapped) when the token's kid names no known key.
var ErrUnknownKey = errors.New("the token's public key (kid) is not known")

// Verifier checks tokens the way ImageKit's upload API does.
type Verifier struct {
	// PrivateKey returns the private key for a public key, or false.
	PrivateKey func(publicKey string) (string, bool)
	// Skew is how far in the future an iat may be (clocks differ a little).
	Skew time.Duration
	// Now replaces time.Now, for tests.
	Now func() time.Time
}

// Verify checks the signature, the header and the time claims, and returns
// the signed fields. It does not check single use or that the fields match a
// request: that is the server's business.
func (v *Verifier) Verify(token string) (*Claims, error) {
	now := time.Now
	if v.Now != nil {
		now = v.Now
	}
	var kid string
	parser := jwt.NewParser(
		jwt.WithJSONNumber(),
		jwt.WithoutClaimsValidation(), // the time rules are checked below, with our words
	)
	mc := jwt.MapClaims{}
	_, err := parser.ParseWithClaims(token, mc, func(t *jwt.Token) (any, error) {
		if t.Method != jwt.SigningMethodHS256 {
			return nil, &VerifyError{fmt.Sprintf("the token must be signed with HS256, not %v", t.Header["alg"])}
		}
		if typ, _ := t.Header["typ"].(string); typ != "JWT" {
			return nil, &VerifyError{`the token header's typ must be "JWT"`}
		}
		kid, _ = t.Header["kid"].(string)
		if kid == "" {
			return nil, &VerifyError{"the token header has no kid (public key)"}
		}
		key, ok := v.PrivateKey(kid)
		if !ok {
			return nil, fmt.Errorf("%w", ErrUnknownKey)
		}
		return []byte(key), nil
	})
	if err != nil {
		var ve *VerifyError
		switch {
		case errors.As(err, &ve):
			return nil, ve
		case errors.Is(err, ErrUnknownKey):
			return nil, ErrUnknownKey
		case errors.Is(err, jwt.ErrTokenSignatureInvalid):
			return nil, &VerifyError{"the token's signature does not match: it was not signed with this account's private key"}
		case errors.Is(err, jwt.ErrTokenMalformed):
			return nil, &VerifyError{"the token is not a well-formed JWT"}
		default:
			return nil, &VerifyError{"the token could not be verified: " + err.Error()}
		}
	}
	iat, err := intClaim(mc, "iat")
	if err != nil {
		return nil, err
	}
	exp, err := intClaim(mc, "exp")
	if err != nil {
		return nil, err
	}
	switch t := now().Unix(); {
	case exp-iat > int64(MaxLifetime/time.Second):
		return nil, &VerifyError{"the token lives longer than an hour (exp - iat > 3600)"}
	case exp <= iat:
		return nil, &VerifyError{"the token's exp is not after its iat"}
	case exp <= t:
		return nil, &VerifyError{"the token has expired; check this computer's clock"}
	case iat > t+int64(v.Skew/time.Second):
		return nil, &VerifyError{"the token was issued in the future; check this computer's clock"}
	}
	fields := make(map[string]string, len(mc))
	for k, val := range mc {
		if k == "iat" || k == "exp" {
			continue
		}
		s, ok := val.(string)
		if !ok {
			return nil, &VerifyError{fmt.Sprintf("the token's claim %q must be a string", k)}
		}
		fields[k] = s
	}
	return &Claims{PublicKey: kid, Fields: fields, IssuedAt: time.Unix(iat, 0), Expires: time.Unix(exp, 0)}, nil
}

func intClaim(mc jwt.MapClaims, name string) (int64, error) {
	raw, ok := mc[name]
	if !ok {
		return 0, &VerifyError{fmt.Sprintf("the token has no %s claim", name)}
	}
	n, ok := raw.(json.Number)
	if !ok {
		return 0, &VerifyError{fmt.Sprintf("the token's %s claim must be a number", name)}
	}
	i, err := n.Int64()
	if err != nil {
		return 0, &VerifyError{fmt.Sprintf("the token's %s claim must be a whole number of seconds", name)}
	}
	return i, nil
}
