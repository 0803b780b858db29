package uploader

import (
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"imagekit-uploader/signer"
)

// APIError is an answer from the upload server other than success.
type APIError struct {
	Status    int
	Message   string // the server's message, or a description of a non-JSON answer
	Help      string
	RequestID string        // x-ik-requestId: support asks for it
	Retry     time.Duration // how long the server asked us to wait (429), or 0
	// ChecksSent says the upload carried checks: a 400 about them is their
	// refusal, not a gateway's "security checks".
	ChecksSent bool
}

func (e *APIError) Error() string {
	msg := fmt.Sprintf("%d %s: %s", e.Status, http.StatusText(e.Status), e.Message)
	if e.RequestID != "" {
		msg += " (request id " + e.RequestID + ")"
	}
	return msg
}

// Temporary reports whether trying again may succeed: 429 and 5xx.
func (e *APIError) Temporary() bool {
	return e.Status == http.StatusTooManyRequests || e.Status >= 500
}

// KeyRejected reports whether the server refused the key pair itself.
func (e *APIError) KeyRejected() bool {
	return e.Status == http.StatusUnauthorized || e.Status == http.StatusForbidden
}

// FileError is a problem with a local file, found before or while sending it.
type FileError struct {
	Path   string
	Reason string
	Err    error
}

func (e *FileError) Error() string { return e.Reason }
func (e *FileError) Unwrap() error { return e.Err }

// CheckError is an upload field or file that the server would refuse, found
// before sending. Field names the form field ("tags", "folder", "fileName",
// "file").
type CheckError struct {
	Field  string
	Reason string
}

func (e *CheckError) Error() string { return e.Reason }

// NetworkError is a failure to reach the server or to finish the exchange:
// it is worth another try.
type NetworkError struct {
	Err error
	// BodySent says the whole request had gone out: the server may have
	// stored the file and lost only its answer.
	BodySent bool
}

func (e *NetworkError) Error() string { return "network: " + describeNetErr(e.Err) }
func (e *NetworkError) Unwrap() error { return e.Err }

// ErrStalled means no byte moved for the stall timeout.
var ErrStalled = errors.New("the upload stalled: no data moved")

// retryable says whether err may go away on another attempt.
func retryable(err error) bool {
	var ae *APIError
	if errors.As(err, &ae) {
		return ae.Temporary()
	}
	var ne *NetworkError
	return errors.As(err, &ne) || errors.Is(err, signer.ErrBusy)
}

// AlreadyUploadedError is a file that may have been stored before (resumed
// after a crash, or sent whole with its answer lost) and that ImageKit has at
// its path: it was not sent again. Retrying it uploads it as a new version.
type AlreadyUploadedError struct {
	FilePath string
	Err      *APIError
	// SameContent: the name comes from the file's content (unique names
	// made here), so what ImageKit has there is this very file.
	SameContent bool
	// SameURL: the name comes from the URL ImageKit fetched the file from
	// (a list's item), so what ImageKit has there came from that URL.
	SameURL bool
	// Earlier, when set, is when these bytes went up to that folder before
	// (the index of uploaded files), with the URL they got.
	Earlier time.Time
	URL     string
	sum     string // with SameContent: the SHA-256 the name was made from
}

func (e *AlreadyUploadedError) Error() string {
	if !e.Earlier.IsZero() {
		return "uploaded before, on " + e.Earlier.Format("2 Jan 2006 15:04") + ", to " + e.FilePath + ": not sent again"
	}
	if e.SameContent {
		return "ImageKit already has this file, the same bytes, at " + e.FilePath + " (unique names are made from the content), so it was not stored again; it keeps the privacy, tags and metadata it was first uploaded with."
	}
	if e.SameURL {
		return "ImageKit already has the file from this URL at " + e.FilePath + " (unique names of files given as URLs are made from the URL), so it was not fetched again."
	}
	return "ImageKit already has " + e.FilePath + ": an earlier upload of it most likely finished with its answer lost, so it was not sent again; sending it again makes a new version."
}

func (e *AlreadyUploadedError) Unwrap() error {
	if e.Err == nil { // known from the index, not from an answer: no nil *APIError to find
		return nil
	}
	return e.Err
}

// MaybeUploadedError is an upload that may have been stored although no
// answer said so: its whole body was sent and no answer came back, or it was
// canceled after that, or ImageKit has a file at its path that may be an
// earlier version. Another attempt could store a second copy or version, so
// it is not retried on its own: that is for a person to decide.
type MaybeUploadedError struct {
	Reason string // what happened, for a person
	Err    error
}

func (e *MaybeUploadedError) Error() string {
	return "may already be uploaded: " + e.Reason + ". Check the media library before uploading it again."
}

// NotAppliedError means the same bytes are already in the folder, stored
// by an upload with other settings (private, tags, metadata, ...): this
// upload was not made, and the file there was left as it is. With names made
// from the content the same bytes have one name in a folder, and ImageKit
// is asked never to overwrite it.
type NotAppliedError struct {
	FilePath string
	URL      string
	Earlier  time.Time // when the file there was uploaded, if known
	Differ   []string  // the fields whose values differ: isPrivateFile, tags, ...
	Unique   bool      // the upload asked for names made from the content
}

func (e *NotAppliedError) Error() string {
	when := ""
	if !e.Earlier.IsZero() {
		when = ", on " + e.Earlier.Format("2 Jan 2006 15:04")
	}
	return "not uploaded: the same bytes are already at " + e.FilePath + " (uploaded" + when + " with other " + strings.Join(e.Differ, ", ") +
		"), and that file was left as it is: this upload's " + strings.Join(e.Differ, ", ") + " were not applied. " + e.how()
}

// how says how to get the settings asked for.
func (e *NotAppliedError) how() string {
	if e.Unique { // the same bytes have one name in a folder: only a new version can carry them
		return "Change them in the media library, or upload it with unique names off to make a new version with them."
	}
	return "Change them in the media library, or send it again anyway to make a new version with them."
}

// InDoubt says whether j ended as "may already be uploaded".
func InDoubt(j Job) bool {
	return j.State.Finished() && errors.As(j.Err, new(*MaybeUploadedError))
}

// sentNoAnswer is the MaybeUploadedError of a body sent whole with no answer.
func sentNoAnswer(err error) *MaybeUploadedError {
	return &MaybeUploadedError{Reason: "the whole file was sent, but no answer came back (" + err.Error() + ")", Err: err}
}

func (e *MaybeUploadedError) Unwrap() error { return e.Err }

func describeNetErr(err error) string {
	var ne net.Error
	switch {
	case errors.Is(err, ErrStalled):
		return ErrStalled.Error()
	case errors.As(err, &ne) && ne.Timeout():
		return "the server did not answer in time (" + err.Error() + ")"
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return "the connection was closed before the server answered"
	}
	var opErr *net.OpError
	if errors.As(err, &opErr) && opErr.Op == "dial" {
		return "cannot connect to the upload server (" + opErr.Err.Error() + ")"
	}
	var urlErr *url.Error
	if errors.As(err, &urlErr) {
		return urlErr.Err.Error()
	}
	return err.Error()
}
