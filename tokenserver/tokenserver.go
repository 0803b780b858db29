// Package tokenserver is the backend token endpoint that web and mobile
// clients call before an upload (POST /auth), with the policy that limits what
// it signs and for whom. A team can mount TokenHandler in its own server.
package tokenserver

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"imagekit-uploader/signer"
)

// MaxAuthBody is the largest request body the token endpoint reads.
const MaxAuthBody = 1 << 20

// TokenHandler serves the backend token endpoint that web and mobile clients
// call before an upload: POST {"uploadPayload": {...}, "expire": N,
// "publicKey": "..."} answers {"token": "..."}, signed with the private key,
// for callers that present a client's bearer secret, and only for what the
// policy allows. A team can mount it in its own server.
type TokenHandler struct {
	Signer      *signer.Signer
	Clients     Clients // who may ask, by name; at least one
	Policy      Policy
	AllowOrigin string // the Access-Control-Allow-Origin answer; "*" when empty
	// Log, when set, gets one line per request (no secrets, no tokens).
	Log func(format string, args ...any)
	// Audit, when set, gets one JSON line per token signed: the time, the
	// client's name, its address and the signed fields; never a secret or a
	// token.
	Audit io.Writer

	auditMu sync.Mutex
	limit   limiter
}

func (h *TokenHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	status, msg := h.serve(w, r)
	if h.Log != nil {
		h.Log("%s %q %d %q", r.Method, r.URL.Path, status, msg)
	}
}

func (h *TokenHandler) serve(w http.ResponseWriter, r *http.Request) (int, string) {
	origin := h.AllowOrigin
	if origin == "" {
		origin = "*"
	}
	hdr := w.Header()
	hdr.Set("Access-Control-Allow-Origin", origin)
	if origin != "*" {
		hdr.Add("Vary", "Origin")
	}
	hdr.Set("Cache-Control", "no-store")
	switch r.Method {
	case http.MethodOptions:
		hdr.Set("Access-Control-Allow-Methods", "POST, OPTIONS")
		hdr.Set("Access-Control-Allow-Headers", "Authorization, Content-Type")
		hdr.Set("Access-Control-Max-Age", "600")
		w.WriteHeader(http.StatusNoContent)
		return http.StatusNoContent, "preflight"
	case http.MethodPost:
	default:
		hdr.Set("Allow", "POST, OPTIONS")
		return fail(w, http.StatusMethodNotAllowed, "use POST to ask for an upload token")
	}
	client, ok := h.authorized(r.Header.Get("Authorization"))
	if !ok {
		hdr.Set("WWW-Authenticate", `Bearer realm="imagekit-uploader"`)
		return fail(w, http.StatusUnauthorized, "missing or wrong bearer secret in the Authorization header")
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxAuthBody))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return fail(w, http.StatusRequestEntityTooLarge, "the request body is larger than 1 MiB")
		}
		return fail(w, http.StatusBadRequest, "could not read the request body")
	}
	fields, expire, publicKey, err := parseAuth(body)
	if err != nil {
		return fail(w, http.StatusBadRequest, err.Error())
	}
	if publicKey != h.Signer.PublicKey() {
		return fail(w, http.StatusForbidden, "this endpoint does not sign for that publicKey")
	}
	if err := h.Policy.Check(fields, expire); err != nil {
		return fail(w, http.StatusForbidden, err.Error())
	}
	if ok, wait := h.limit.allow(client, h.Policy.Rate); !ok {
		hdr.Set("Retry-After", strconv.Itoa(int(wait/time.Second)+1))
		return fail(w, http.StatusTooManyRequests, fmt.Sprintf("client %s has had its %d tokens a minute; try again in a moment", client, h.Policy.Rate))
	}
	token, err := h.Signer.SignExact(fields, expire)
	if errors.Is(err, signer.ErrBusy) {
		hdr.Set("Retry-After", "1")
		return fail(w, http.StatusTooManyRequests, err.Error())
	}
	if err != nil {
		return fail(w, http.StatusBadRequest, err.Error())
	}
	h.audit(client, r.RemoteAddr, fields, expire)
	hdr.Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusOK)
	json.NewEncoder(w).Encode(map[string]string{"token": token})
	return http.StatusOK, fmt.Sprintf("token issued to %s, expire %d", client, int(expire/time.Second))
}

// parseAuth reads the request strictly: one JSON object with exactly the
// known members, no null, an integer expire, string fields, nothing after.
func parseAuth(body []byte) (fields map[string]string, expire time.Duration, publicKey string, err error) {
	// encoding/json matches member names in any letter case and keeps the
	// last of two: read the members by hand, so that each is known exactly
	// and given once.
	top, err := strictObject(body)
	if err != nil {
		return nil, 0, "", errors.New("the body is not the expected JSON: " + err.Error())
	}
	var req struct{ UploadPayload, Expire, PublicKey json.RawMessage }
	for name, raw := range top {
		switch name {
		case "uploadPayload":
			req.UploadPayload = raw
		case "expire":
			req.Expire = raw
		case "publicKey":
			req.PublicKey = raw
		default:
			return nil, 0, "", fmt.Errorf("the body is not the expected JSON: unknown member %q (the members are uploadPayload, expire and publicKey, as written)", name)
		}
	}
	if len(req.UploadPayload) == 0 || string(req.UploadPayload) == "null" {
		return nil, 0, "", errors.New("uploadPayload is required: an object of the upload's fields")
	}
	payload, err := strictObject(req.UploadPayload)
	if err != nil {
		return nil, 0, "", errors.New("uploadPayload must be an object of the upload's fields: " + err.Error())
	}
	if len(req.Expire) == 0 || string(req.Expire) == "null" {
		return nil, 0, "", errors.New("expire is required (seconds, 1 to 3600)")
	}
	most := int64(signer.MaxLifetime / time.Second)
	n, err := strconv.ParseInt(string(req.Expire), 10, 64) // a JSON string ("400") or a fraction does not parse
	switch {
	case err == nil && (n < 1 || n > most):
		return nil, 0, "", fmt.Errorf("expire must be from 1 to %d seconds; %d was sent", most, n)
	case err != nil && req.Expire[0] == '"':
		return nil, 0, "", fmt.Errorf("expire must be a number of seconds, not a string (%s was sent)", req.Expire)
	case err != nil:
		return nil, 0, "", fmt.Errorf("expire must be a whole number of seconds from 1 to %d (%.20s was sent)", most, req.Expire)
	}
	if err := json.Unmarshal(req.PublicKey, &publicKey); err != nil || publicKey == "" {
		return nil, 0, "", errors.New("publicKey is required, as a string")
	}
	fields = make(map[string]string, len(payload))
	names := make([]string, 0, len(payload))
	for k := range payload {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		raw := payload[k]
		var s string
		if string(raw) == "null" || json.Unmarshal(raw, &s) != nil {
			return nil, 0, "", fmt.Errorf("uploadPayload.%s must be a string (booleans as \"true\"/\"false\", lists comma-joined)", k)
		}
		fields[k] = s
	}
	if err := signer.CheckFields(fields); err != nil {
		return nil, 0, "", errors.New("uploadPayload: " + err.Error())
	}
	return fields, time.Duration(n) * time.Second, publicKey, nil
}

// authorized returns the name of the client whose bearer secret the
// Authorization header carries; the scheme's case does not matter.
func (h *TokenHandler) authorized(header string) (string, bool) {
	scheme, given, ok := strings.Cut(strings.TrimSpace(header), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return "", false
	}
	return h.Clients.who(strings.TrimSpace(given))
}

// audit writes one line for a token signed.
func (h *TokenHandler) audit(client, remote string, fields map[string]string, expire time.Duration) {
	if h.Audit == nil {
		return
	}
	line, _ := json.Marshal(struct {
		Time   time.Time         `json:"time"`
		Client string            `json:"client"`
		Remote string            `json:"remote"`
		Expire int               `json:"expire"`
		Fields map[string]string `json:"fields"`
	}{time.Now().UTC(), client, remote, int(expire / time.Second), fields})
	h.auditMu.Lock()
	h.Audit.Write(append(line, '\n'))
	h.auditMu.Unlock()
}

func fail(w http.ResponseWriter, status int, msg string) (int, string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(map[string]string{"message": msg})
	return status, msg
}

// strictObject reads one JSON object, and nothing after it, into its
// members, refusing a member named twice.
func strictObject(data []byte) (map[string]json.RawMessage, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		return nil, errors.New("want a JSON object")
	}
	members := map[string]json.RawMessage{}
	for dec.More() {
		t, err := dec.Token()
		if err != nil {
			return nil, err
		}
		name, _ := t.(string)
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return nil, err
		}
		if _, twice := members[name]; twice {
			return nil, fmt.Errorf("the member %q is given twice", name)
		}
		members[name] = raw
	}
	if _, err := dec.Token(); err != nil { // the closing brace
		return nil, err
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, errors.New("the body has more after its JSON object")
	}
	return members, nil
}
