package uploader

import (
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"path"
	"strings"
	"time"
	"unicode"

	"imagekit-uploader/strip"
)

// An upload whose answer was lost "may already be uploaded": sending it
// again could store a second copy or version. Where the queue can read the
// library, it looks instead. The version this upload made (at its path,
// with its size, made since it began, and, where its URL can be read, with
// its bytes) means it was stored: uploaded. Anything else stays in doubt,
// with what the library showed: an empty answer is weak evidence (the
// library's search may not have caught up, a transformation on upload
// changes the size), and sending on it could store the file twice.

// SetLibrary makes the queue look in lib for the uploads whose answer was
// lost; nil stops it.
func (q *Queue) SetLibrary(lib Library) {
	q.mu.Lock()
	q.library = lib
	q.mu.Unlock()
}

// settle looks in the library for an upload that ended "may already be
// uploaded", and returns the version it made (a result marked
// FoundInLibrary), or err with what the library showed.
func (q *Queue) settle(ctx context.Context, j *job, req Request, c *Client, res *Result, err error) (*Result, error) {
	mu := new(MaybeUploadedError)
	if !errors.As(err, &mu) || ctx.Err() != nil {
		return res, err
	}
	q.mu.Lock()
	lib, since := q.library, j.Started
	q.mu.Unlock()
	if req.Resumed { // the attempt in doubt was an earlier run's
		since = req.SentAt
	}
	folder, ferr := destination(req.Fields.Folder, req.Rel)
	if lib == nil || since.IsZero() || ferr != nil {
		return res, err
	}
	lctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	if c.storedName(lctx, &req) != nil { // a name made from the content: the file's SHA-256, known by now
		return res, err
	}
	filePath := path.Join(folder, StoredAs(cmp.Or(req.StoredName, req.FileName)))
	size := req.Size
	if req.Fields.Strip != strip.Keep { // what was sent, without its metadata
		sent, err := c.hashes().reading(lctx, req.Path, req.Fields.Strip, nil)
		if err != nil {
			return res, err
		}
		size = sent.size
	}
	v, found, lerr := FindUpload(lctx, lib, filePath, size, since.Add(c.clockOffset()))
	switch {
	case lerr != nil:
		mu.Reason += "; the library could not be checked (" + Explain(lerr).Message + ")"
	case found == 0:
		mu.Reason += "; the library shows no version of it at " + filePath + " made since it was sent, so most likely it was not stored (the library can lag: look again before sending it)"
	case found > 1:
		mu.Reason += "; the library has more than one version of that size at " + filePath + " made since, so which is this upload cannot be told"
	default:
		sum := req.sum
		if sum == "" {
			sum, _ = c.hashes().of(lctx, req.Path, req.Fields.Strip)
		}
		switch same, cerr := sameBytes(lctx, c, v.URL, sum, size); {
		case cerr == nil && !same:
			mu.Reason += "; a version of that size was made at " + filePath + " since, but its bytes are not this file's"
		default: // the same bytes, or bytes that cannot be read here (a private file): the size and the time say it
			r := v.result()
			r.SentSHA256 = sum // what the index records: the bytes it was made from, as far as known
			if cerr != nil {
				r.SentSHA256 = ""
			}
			return r, nil
		}
	}
	return res, err
}

// StoredAs is the name ImageKit stores a fileName as: letters (any
// script), digits, '.' and '-' stay, any other character becomes '_'.
func StoredAs(name string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.IsMark(r) || r == '.' || r == '-' {
			return r
		}
		return '_'
	}, name)
}

// clockOffset is how far the upload server's clock is from this one's, as
// measured from its answers (0 when not measured).
func (c *Client) clockOffset() time.Duration {
	if cc, ok := c.Tokens.(clockCorrectable); ok {
		return cc.ClockOffset()
	}
	return 0
}

// sameBytes reads the file at url and says whether its SHA-256 is sum; an
// error when it cannot be read (a private file, a CDN that refuses).
func sameBytes(ctx context.Context, c *Client, url, sum string, size int64) (bool, error) {
	if url == "" || sum == "" {
		return false, errors.New("nothing to compare")
	}
	hc := c.HTTP
	if hc == nil {
		hc = defaultHTTP
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return false, err
	}
	resp, err := hc.Do(req)
	if err != nil {
		return false, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return false, fmt.Errorf("%s answered %s", url, resp.Status)
	}
	h := sha256.New()
	n, err := io.Copy(h, io.LimitReader(resp.Body, size+1))
	if err != nil {
		return false, err
	}
	return n == size && hex.EncodeToString(h.Sum(nil)) == sum, nil
}
