package uploader

import (
	"context"
	"errors"
	"fmt"
	"testing"
)

// TestExplain: each kind of error reads the same wherever it is worded,
// with the server's status, message and request id, the doubt before what
// it wraps, and what refuses every upload alike.
func TestExplain(t *testing.T) {
	for _, c := range []struct {
		name    string
		err     error
		kind    string
		status  int
		message string
		maybe   bool
		key     bool
		refused Refusal
	}{
		{"canceled", nil, "canceled", 0, "canceled", false, false, NotRefused},
		{"check", &CheckError{Field: "tags", Reason: "too long"}, "check", 0, "too long", false, false, NotRefused},
		{"file", fmt.Errorf("reading: %w", &FileError{Path: "a", Reason: "the file is gone"}), "file", 0, "reading: the file is gone", false, false, NotRefused},
		{"network", &NetworkError{Err: context.DeadlineExceeded}, "network", 0, "network: the server did not answer in time (context deadline exceeded)", false, false, NotRefused},
		{"server", &APIError{Status: 500, Message: "busy", RequestID: "r1"}, "server", 500, "busy", false, false, NotRefused},
		{"key", &APIError{Status: 401, Message: "Your account cannot be authenticated."}, "config", 401, "key rejected: Your account cannot be authenticated.", false, true, RefusedKey},
		{"account", &APIError{Status: 403, Message: "quota"}, "config", 403, "key rejected: quota", false, true, RefusedAccount},
		{"setup", &SetupError{Reason: "the certificate is not trusted"}, "config", 0, "the certificate is not trusted", false, false, RefusedSetup},
		{"secret", &TokenEndpointError{Status: 401, Message: "bad bearer"}, "config", 401, "the token endpoint refused the bearer secret (bad bearer)", false, true, RefusedSecret},
		{"public key", &TokenEndpointError{Status: 403, Message: "unknown publicKey"}, "config", 403, "the token endpoint refused to sign this upload: unknown publicKey", false, false, RefusedPublicKey},
		{"policy", &TokenEndpointError{Status: 403, Message: "folder must be /web (policy: folder-prefix)"}, "config", 403, "the token endpoint refused to sign this upload: folder must be /web (policy: folder-prefix)", false, false, RefusedPolicy},
		{"one file's size", &TokenEndpointError{Status: 403, Message: "expire may be at most 600 seconds here (policy: max-expire)"}, "config", 403, "the token endpoint refused to sign this upload: expire may be at most 600 seconds here (policy: max-expire)", false, false, NotRefused},
		{"doubt", sentNoAnswer(&NetworkError{Err: errors.New("EOF")}), "network", 0, "may already be uploaded: the whole file was sent, but no answer came back (network: EOF). Check the media library before uploading it again.", true, false, NotRefused},
	} {
		x := Explain(c.err)
		if x.Kind != c.kind || x.Status != c.status || x.Message != c.message || x.MayBeUploaded != c.maybe || x.KeyRejected != c.key || x.Refused != c.refused {
			t.Errorf("%s: got %+v", c.name, x)
		}
	}
	if x := Explain(&APIError{Status: 500, Message: "busy", RequestID: "r1"}); x.RequestID != "r1" {
		t.Errorf("request id: %+v", x)
	}
}
