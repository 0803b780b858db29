package uploader

import (
	"errors"
	"net/http"
	"strings"
)

// Explanation is what an upload's error means: the one reading that the
// command line, the window, the history and --json all word. Its message is
// the engine's; advice for one front end (a flag, a button, a Settings
// field) is added there.
type Explanation struct {
	// Kind sorts the error: check (refused before sending, or by the
	// upload's own checks on the server), file (the local
	// file), network, server (the server's answer), config (keys,
	// certificates, a proxy, the token endpoint) or canceled.
	Kind          string
	Status        int    // the HTTP status of the answer, where ImageKit or the token endpoint answered
	Message       string // what happened
	RequestID     string // ImageKit's x-ik-requestId, which its support asks for
	MayBeUploaded bool   // the file may be stored already: not to be sent again without a look
	KeyRejected   bool   // the credentials were refused: ImageKit's 401 or 403, the token endpoint's 401
	// Refused, when set, says that every upload would fail alike: no
	// other file can escape it, so a run may stop starting files.
	Refused Refusal
	// Cause is the error recognised in err's chain: a *CheckError,
	// *FileError, *SetupError, *TokenEndpointError or *APIError, or err.
	Cause error
}

// Refusal is what refuses every upload alike.
type Refusal int

const (
	NotRefused       Refusal = iota
	RefusedSetup             // a setup fault: certificates, a proxy, the clock
	RefusedSecret            // the token endpoint refused the bearer secret
	RefusedPublicKey         // the token endpoint does not sign for this public key
	RefusedPolicy            // the token endpoint's policy refuses these settings (a size is one file's, not this)
	RefusedKey               // ImageKit refused the key (401)
	RefusedAccount           // ImageKit refused the account's uploads (403: the key, a disabled account, a quota)
)

// Explain reads err, an upload's error; nil is a canceled upload.
func Explain(err error) Explanation {
	if err == nil {
		return Explanation{Kind: "canceled", Message: "canceled"}
	}
	x := Explanation{Kind: "network", Message: err.Error(), Cause: err}
	var (
		mu *MaybeUploadedError
		ce *CheckError
		fe *FileError
		se *SetupError
		te *TokenEndpointError
		ae *APIError
	)
	if errors.As(err, &ae) { // its status, message and request id are the answer's, whatever else err is
		x.RequestID = ae.RequestID
	}
	switch {
	case errors.As(err, &ce):
		x.Kind, x.Cause = "check", ce
	case errors.As(err, &fe):
		x.Kind, x.Cause = "file", fe
	case errors.As(err, &se):
		x.Kind, x.Cause, x.Refused = "config", se, RefusedSetup
	case errors.As(err, &te):
		x.Kind, x.Cause, x.Status = "config", te, te.Status
		x.KeyRejected = te.Status == http.StatusUnauthorized
		switch {
		case te.Status == http.StatusUnauthorized:
			x.Refused = RefusedSecret
		case te.Status == http.StatusForbidden && strings.Contains(te.Message, "publicKey"):
			x.Refused = RefusedPublicKey
		case te.Status == http.StatusForbidden && strings.Contains(te.Message, "(policy:") &&
			!strings.Contains(te.Message, "(policy: max-expire)"): // a token's lifetime grows with the file's size: that file's alone
			x.Refused = RefusedPolicy
		}
	case ae != nil:
		x.Kind, x.Cause = "server", ae
		if ae.ChecksSent && ae.Status == http.StatusBadRequest && strings.Contains(ae.Message, "checks") {
			x.Kind = "check" // the upload's own checks, refused (or unreadable) on the server
		}
		if ae.KeyRejected() {
			x.Kind, x.KeyRejected = "config", true
			x.Refused = map[bool]Refusal{true: RefusedKey, false: RefusedAccount}[ae.Status == http.StatusUnauthorized]
		}
	}
	if errors.As(err, &mu) { // the doubt is the news, whatever it wraps
		x.MayBeUploaded, x.Status, x.KeyRejected = true, 0, false // the request id stays: support asks for it
		return x
	}
	if ae != nil {
		x.Status, x.Message = ae.Status, ae.Message
		if ae.KeyRejected() {
			x.Message = "key rejected: " + ae.Message
		}
	}
	return x
}

// Status is the word for how a job ended, the same in --json, the
// history and Copy as: uploaded, already-uploaded, may-be-uploaded (the
// answer was lost and nothing could settle it: see InDoubt) or failed
// (canceled jobs too, with the error kind canceled).
func Status(j Job) string {
	switch {
	case j.State == Done:
		return "uploaded"
	case j.State == AlreadyUploaded:
		return "already-uploaded"
	case InDoubt(j):
		return "may-be-uploaded"
	}
	return "failed"
}
