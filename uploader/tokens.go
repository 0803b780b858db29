package uploader

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"regexp"
	"strconv"
	"sync"
	"time"

	"imagekit-uploader/signer"
)

// TokenSource issues a new upload token for the fields of one attempt that
// stays valid for at least valid from now (at most a minute short of
// signer.MaxLifetime): long enough for the whole file to arrive.
type TokenSource interface {
	Token(ctx context.Context, fields map[string]string, valid time.Duration) (string, error)
}

// clockCorrectable is a TokenSource whose clock can be corrected when the
// server's Date shows ours is off.
type clockCorrectable interface {
	SetClockOffset(time.Duration)
	ClockOffset() time.Duration
}

// LocalTokens signs on this machine with the private key.
type LocalTokens struct{ *signer.Signer }

// Token signs the fields.
func (l LocalTokens) Token(_ context.Context, fields map[string]string, valid time.Duration) (string, error) {
	return l.SignFor(fields, valid)
}

// RemoteTokens asks a team's token endpoint (the POST /auth contract that
// `imagekit-uploader token-server` serves), so editors need no private key.
type RemoteTokens struct {
	URL       string
	Secret    string // sent as Authorization: Bearer
	PublicKey string
	HTTP      *http.Client
}

// tokenHTTP asks token endpoints: it keeps an idle connection for every
// upload that may run at once and every token fetched ahead (Go's default
// keeps two a host, and each further request would pay a new handshake).
var tokenHTTP = &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{
	Proxy:               http.ProxyFromEnvironment,
	DialContext:         (&net.Dialer{Timeout: 30 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
	TLSHandshakeTimeout: 15 * time.Second,
	MaxIdleConnsPerHost: 2 * MaxConcurrency,
	IdleConnTimeout:     90 * time.Second,
	ForceAttemptHTTP2:   true,
}}

// TokenEndpointError is a refusal from the token endpoint.
type TokenEndpointError struct {
	Status  int
	Message string
}

func (e *TokenEndpointError) Error() string {
	switch e.Status {
	case http.StatusUnauthorized:
		return "the token endpoint refused the bearer secret (" + e.Message + ")"
	case http.StatusForbidden:
		return "the token endpoint refused to sign this upload: " + e.Message
	}
	return fmt.Sprintf("the token endpoint answered %d: %s", e.Status, e.Message)
}

// Token asks the endpoint for a token for the fields.
func (r RemoteTokens) Token(ctx context.Context, fields map[string]string, valid time.Duration) (string, error) {
	// The endpoint's exp - iat is exactly expire, with iat up to a minute
	// back: ask for a minute more than the token must last, within what the
	// endpoint said it allows.
	expire := int(min(max(valid+time.Minute, time.Second), signer.MaxLifetime) / time.Second)
	if most, ok := maxExpire.Load(r.URL); ok {
		expire = min(expire, most.(int))
	}
	tok, err := r.ask(ctx, fields, expire)
	var te *TokenEndpointError
	if errors.As(err, &te) && te.Status == http.StatusForbidden {
		if m := atMostRE.FindStringSubmatch(te.Message); m != nil {
			most, _ := strconv.Atoi(m[1])
			if time.Duration(most)*time.Second-time.Minute < minValid {
				// Shorter than any upload is given: no file can have a
				// token, so it is the setup's, said once.
				return "", &SetupError{Err: err, Reason: fmt.Sprintf(
					"the token endpoint signs tokens of at most %d seconds, and every upload asks for at least %d (ImageKit's clock may differ by a minute): raise its --max-expire to %d or more",
					most, int((minValid+time.Minute)/time.Second), int((minValid+time.Minute)/time.Second))}
			}
			maxExpire.Store(r.URL, most) // shorter tokens from now on
			if most < expire && time.Duration(most)*time.Second-time.Minute >= valid {
				return r.ask(ctx, fields, most) // and this one again, if that is long enough
			}
		}
	}
	return tok, err
}

// longestValid is the longest validity to ask of r: a minute short of the
// longest expire it said it allows.
func (r RemoteTokens) longestValid() time.Duration {
	if most, ok := maxExpire.Load(r.URL); ok {
		return time.Duration(most.(int))*time.Second - time.Minute
	}
	return maxValid
}

// maxExpire remembers, by endpoint URL, the longest expire an endpoint said
// it allows (its --max-expire).
var maxExpire sync.Map

// atMostRE finds the limit in a token-server's max-expire refusal.
var atMostRE = regexp.MustCompile(`expire may be at most (\d+) seconds`)

// ask asks the endpoint once.
func (r RemoteTokens) ask(ctx context.Context, fields map[string]string, expire int) (string, error) {
	body, _ := json.Marshal(map[string]any{"uploadPayload": fields, "expire": expire, "publicKey": r.PublicKey})
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, r.URL, bytes.NewReader(body))
	if err != nil {
		return "", fmt.Errorf("token endpoint URL: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+r.Secret)
	c := *tokenHTTP
	if r.HTTP != nil {
		c = *r.HTTP
	}
	c.CheckRedirect = refuseRedirect // the bearer is for this endpoint only
	resp, err := c.Do(req)
	if err != nil {
		if se := setupProblem(err, "the token endpoint"); se != nil {
			return "", se
		}
		return "", &NetworkError{Err: fmt.Errorf("token endpoint: %w", err)}
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return "", &NetworkError{Err: fmt.Errorf("token endpoint: %w", err)}
	}
	var answer struct {
		Token   string `json:"token"`
		Message string `json:"message"`
	}
	jsonErr := json.Unmarshal(raw, &answer)
	switch {
	case resp.StatusCode == http.StatusOK && jsonErr == nil && answer.Token != "":
		return answer.Token, nil
	case resp.StatusCode == http.StatusTooManyRequests: // its rate limit: wait as long as it says
		return "", &APIError{Status: resp.StatusCode, Message: "the token endpoint asks to slow down", Retry: retryAfter(resp.Header)}
	case resp.StatusCode >= 500:
		return "", &NetworkError{Err: fmt.Errorf("token endpoint answered %d", resp.StatusCode)}
	case isRedirect(resp.StatusCode):
		return "", &TokenEndpointError{Status: resp.StatusCode, Message: "it redirects to " + resp.Header.Get("Location") + "; the bearer secret is never sent on, so give the final address"}
	case jsonErr != nil || answer.Message == "":
		answer.Message = describeNonJSON(resp, raw)
	}
	if resp.StatusCode == http.StatusOK {
		return "", &TokenEndpointError{Status: resp.StatusCode, Message: "no token in the answer"}
	}
	return "", &TokenEndpointError{Status: resp.StatusCode, Message: answer.Message}
}
