package signer

import (
	"bytes"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"
)

// MaxAuthBody is the largest request body the token endpoint reads.
const MaxAuthBody = 1 << 20

// TokenHandler serves the backend token endpoint that web and mobile clients
// call before an upload: POST {"uploadPayload": {...}, "expire": N,
// "publicKey": "..."} answers {"token": "..."}, signed with the private key,
// for callers that present the bearer secret.
type TokenHandler struct {
	Signer      *Signer
	Secret      string // the bearer secret callers must send; never empty
	AllowOrigin string // the Access-Control-Allow-Origin answer; "*" when empty
	// Log, when set, gets one line per request (no secrets, no tokens).
	Log func(format string, args ...any)
}

type authRequest struct {
	UploadPayload map[string]json.RawMessage `json:"uploadPayload"`
	Expire        json.Number                `json:"expire"`
	PublicKey     string                     `json:"publicKey"`
}

func (h *TokenHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	status, msg := h.serve(w, r)
	if h.Log != nil {
		h.Log("%s %s %d %s", r.Method, r.URL.Path, status, msg)
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
	if !h.authorized(r.Header.Get("Authorization")) {
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
	var req authRequest
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	if err := dec.Decode(&req); err != nil {
		return fail(w, http.StatusBadRequest, "the body is not valid JSON: "+err.Error())
	}
	if req.Expire == "" {
		return fail(w, http.StatusBadRequest, "expire is required (seconds, 1 to 3600)")
	}
	expire, err := strconv.ParseInt(string(req.Expire), 10, 64)
	if err != nil || expire < 1 || expire > int64(MaxLifetime/time.Second) {
		return fail(w, http.StatusBadRequest, "expire must be a whole number of seconds from 1 to 3600")
	}
	fields := make(map[string]string, len(req.UploadPayload))
	names := make([]string, 0, len(req.UploadPayload))
	for k := range req.UploadPayload {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		var s string
		if err := json.Unmarshal(req.UploadPayload[k], &s); err != nil {
			return fail(w, http.StatusBadRequest, fmt.Sprintf("uploadPayload.%s must be a string (booleans as \"true\"/\"false\", lists comma-joined)", k))
		}
		fields[k] = s
	}
	if err := CheckFields(fields); err != nil {
		return fail(w, http.StatusBadRequest, "uploadPayload: "+err.Error())
	}
	if req.PublicKey != h.Signer.PublicKey() {
		return fail(w, http.StatusForbidden, "this endpoint does not sign for that publicKey")
	}
	token, err := h.Signer.SignExact(fields, time.Duration(expire)*time.Second)
	if errors.Is(err, ErrBusy) {
		hdr.Set("Retry-After", "1")
		return fail(w, http.StatusTooManyRequests, err.Error())
	}
	if err != nil {
		return fail(w, http.StatusBadRequest, err.Error())
	}
	hdr.Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusOK)
	json.NewEncoder(w).Encode(map[string]string{"token": token})
	return http.StatusOK, "token issued, expire " + strconv.FormatInt(expire, 10)
}

func (h *TokenHandler) authorized(header string) bool {
	given, ok := strings.CutPrefix(header, "Bearer ")
	if !ok || h.Secret == "" {
		return false
	}
	return subtle.ConstantTimeCompare([]byte(strings.TrimSpace(given)), []byte(h.Secret)) == 1
}

func fail(w http.ResponseWriter, status int, msg string) (int, string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(map[string]string{"message": msg})
	return status, msg
}
