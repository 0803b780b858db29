package uploader

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Result is ImageKit's answer to a successful upload.
type Result struct {
	FileID       string   `json:"fileId"`
	Name         string   `json:"name"`
	URL          string   `json:"url"`
	ThumbnailURL string   `json:"thumbnailUrl"`
	FilePath     string   `json:"filePath"`
	FileType     string   `json:"fileType"`
	Size         int64    `json:"size"`
	Height       int      `json:"height,omitempty"`
	Width        int      `json:"width,omitempty"`
	Tags         []string `json:"tags"`
	VersionInfo  *struct {
		ID   string `json:"id"`
		Name string `json:"name"`
	} `json:"versionInfo,omitempty"`
	IsPrivateFile *bool `json:"isPrivateFile,omitempty"`
	// What the options asked for: AI tags and extensions' progress always,
	// the rest where responseFields named them. Kept as the server's JSON, so
	// that an odd value in one of them never makes a stored file's answer
	// unreadable; the methods below read them.
	AITags            json.RawMessage `json:"AITags,omitempty"`          // [{name, confidence, source}]
	Description       json.RawMessage `json:"description,omitempty"`     // a string
	ExtensionStatus   json.RawMessage `json:"extensionStatus,omitempty"` // {name: success, pending or failed}
	CustomMetadata    json.RawMessage `json:"customMetadata,omitempty"`
	CustomCoordinates json.RawMessage `json:"customCoordinates,omitempty"` // "x,y,width,height" or null
	EmbeddedMetadata  json.RawMessage `json:"embeddedMetadata,omitempty"`
	IsPublished       json.RawMessage `json:"isPublished,omitempty"`
	RequestID         string          `json:"-"`
	Raw               json.RawMessage `json:"-"` // the whole answer
	// SentSHA256 is the SHA-256 (hex) of the bytes sent, read as they
	// went: what ImageKit stored, whatever the file holds now.
	SentSHA256 string `json:"-"`
	// FoundInLibrary says the answer was lost and this was read from the
	// library instead: the version the upload made, found by its path,
	// size and time.
	FoundInLibrary bool `json:"-"`
}

// AITag is a tag an auto-tagging extension gave the file.
type AITag struct {
	Name       string  `json:"name"`
	Confidence float64 `json:"confidence"`
	Source     string  `json:"source"`
}

// AITagList reads AITags; nil when there are none or they cannot be read.
func (r *Result) AITagList() []AITag {
	var tags []AITag
	if json.Unmarshal(r.AITags, &tags) != nil {
		return nil
	}
	return tags
}

// DescriptionText reads description; "" when there is none.
func (r *Result) DescriptionText() string {
	var s string
	json.Unmarshal(r.Description, &s)
	return s
}

// Extensions reads extensionStatus: each extension's status.
func (r *Result) Extensions() map[string]string {
	var m map[string]string
	if json.Unmarshal(r.ExtensionStatus, &m) != nil {
		return nil
	}
	return m
}

// Version is versionInfo's name ("Version 2"), or "".
func (r *Result) Version() string {
	if r.VersionInfo == nil {
		return ""
	}
	return r.VersionInfo.Name
}

// readAnswer turns the server's answer into a Result or an *APIError. The
// answer has a stall limit of its own: when no byte of it comes for stall,
// abort ends the request.
func readAnswer(resp *http.Response, stall, total time.Duration, abort context.CancelCauseFunc) (*Result, error) {
	reqID := resp.Header.Get("x-ik-requestId")
	if reqID == "" {
		reqID = resp.Header.Get("x-request-id")
	}
	watchdog := time.AfterFunc(stall, func() { abort(ErrStalled) })
	deadline := time.AfterFunc(total, func() { abort(ErrStalled) }) // a byte now and then does not keep it forever
	raw, err := io.ReadAll(&resetOnRead{r: io.LimitReader(resp.Body, maxAnswer+1), t: watchdog, d: stall})
	watchdog.Stop()
	deadline.Stop()
	if err == nil && len(raw) > maxAnswer {
		err = fmt.Errorf("the answer is larger than %d MiB", maxAnswer>>20)
	}
	if err != nil {
		if resp.StatusCode == http.StatusOK {
			// The file is most likely stored; only its answer was lost.
			return nil, &NetworkError{Err: fmt.Errorf("the answer was cut off: %w", err), BodySent: true}
		}
		return nil, &NetworkError{Err: err}
	}
	if isRedirect(resp.StatusCode) {
		return nil, &APIError{Status: resp.StatusCode, RequestID: reqID,
			Message: "the upload server redirected the upload to " + strconv.Quote(resp.Header.Get("Location")) + "; an upload is never sent on to another address: check the upload endpoint"}
	}
	if resp.StatusCode == http.StatusOK {
		var res Result
		if err := decodeResult(raw, &res); err != nil || res.FileID == "" || res.Name == "" || res.URL == "" {
			// It said it stored the file, in words we cannot read: the
			// upload may have happened, exactly as if the answer were lost.
			return nil, &NetworkError{Err: errors.New("the server answered success but not with ImageKit's answer (fileId, name and url): " + describeNonJSON(resp, raw)), BodySent: true}
		}
		res.Raw, res.RequestID = raw, reqID
		return &res, nil
	}
	if resp.StatusCode == http.StatusProxyAuthRequired {
		return nil, proxyWantsPassword(fmt.Errorf("%s", resp.Status))
	}
	ae := &APIError{Status: resp.StatusCode, RequestID: reqID, Retry: retryAfter(resp.Header)}
	var e struct{ Message, Help string }
	if json.Unmarshal(raw, &e) == nil && e.Message != "" {
		ae.Message, ae.Help = clip(e.Message), clip(e.Help)
	} else {
		ae.Message = describeNonJSON(resp, raw)
	}
	return nil, ae
}

// decodeResult reads a success answer. A value of an odd type in one of
// its fields ("tags": ["a", 1]) leaves that field empty: the file was
// stored, and fileId, name and url say so; only JSON that is not an object
// is an error.
func decodeResult(raw []byte, res *Result) error {
	err := json.Unmarshal(raw, res)
	if te := new(json.UnmarshalTypeError); errors.As(err, &te) && te.Field != "" {
		return nil // Unmarshal went on past it and filled the rest
	}
	return err
}

// maxAnswer is the most of an answer read: ImageKit's are a few KiB.
const maxAnswer = 4 << 20

// clip shortens a server's text to what a row, a log line or the history
// can hold.
func clip(s string) string {
	const most = 2000
	if len(s) <= most {
		return s
	}
	cut := most
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}

// resetOnRead pushes a stall timer back each time bytes arrive.
type resetOnRead struct {
	r io.Reader
	t *time.Timer
	d time.Duration
}

func (r *resetOnRead) Read(p []byte) (int, error) {
	n, err := r.r.Read(p)
	if n > 0 {
		r.t.Reset(r.d)
	}
	return n, err
}

// alreadyExists recognises ImageKit's refusal of a file that is already at
// its path, by what it means: 400 or 409, saying it exists.
func alreadyExists(ae *APIError) bool {
	return (ae.Status == http.StatusBadRequest || ae.Status == http.StatusConflict) &&
		strings.Contains(strings.ToLower(ae.Message), "already exists")
}

// tokenUsed recognises the refusal of a token the server has seen before:
// nothing was stored, and a new token cures it.
func tokenUsed(err error) bool {
	var ae *APIError
	if !errors.As(err, &ae) || ae.Status != http.StatusBadRequest {
		return false
	}
	m := strings.ToLower(ae.Message)
	return strings.Contains(m, "token") && (strings.Contains(m, "used") || strings.Contains(m, "reuse"))
}

var titleRE = regexp.MustCompile(`(?is)<title>\s*(.*?)\s*</title>|<h1>\s*(.*?)\s*</h1>`)

// describeNonJSON says what a non-JSON answer was, for a person.
func describeNonJSON(resp *http.Response, raw []byte) string {
	ct := resp.Header.Get("Content-Type")
	text := strings.TrimSpace(string(raw))
	if m := titleRE.FindStringSubmatch(text); m != nil {
		text = m[1] + m[2]
	}
	if len(text) > 120 {
		text = text[:120] + "…"
	}
	kind := "a non-JSON answer"
	if strings.Contains(ct, "html") {
		kind = "an HTML page (a proxy or gateway answered, not ImageKit)"
	}
	if text == "" {
		return kind + " with no text"
	}
	return fmt.Sprintf("%s: %q", kind, text)
}

// retryAfter reads Retry-After (seconds or a date) or X-RateLimit-Reset (ms).
func retryAfter(h http.Header) time.Duration {
	if v := h.Get("Retry-After"); v != "" {
		if s, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64); err == nil && s >= 0 {
			return time.Duration(min(s, 3600)) * time.Second // an hour at most: beyond, Duration would overflow
		}
		if t, err := http.ParseTime(v); err == nil {
			return max(time.Until(t), 0)
		}
	}
	if v := h.Get("X-RateLimit-Reset"); v != "" {
		if ms, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64); err == nil && ms > 0 {
			return time.Duration(min(ms, 3_600_000)) * time.Millisecond
		}
	}
	return 0
}
