package uploader

import (
	"cmp"
	"context"
	"errors"
	"path"
	"time"
)

// An upload whose answer was lost "may already be uploaded": sending it
// again could store a second copy or version. Where the queue can read the
// library, it looks instead: the version this upload made (its path, its
// size, made since it began) means it was stored; no such version means it
// was not, and it is sent again, once; only a tie stays in doubt.

// SetLibrary makes the queue look in lib for the uploads whose answer was
// lost; nil stops it.
func (q *Queue) SetLibrary(lib Library) {
	q.mu.Lock()
	q.library = lib
	q.mu.Unlock()
}

// settle looks in the library for an upload that ended "may already be
// uploaded", and returns what it found out: the version stored (a result
// marked FoundInLibrary), the upload sent again where nothing was stored,
// or err as it was.
func (q *Queue) settle(ctx context.Context, j *job, run int, req Request, c *Client, res *Result, err error) (*Result, error) {
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
	filePath := path.Join(folder, cmp.Or(req.StoredName, req.FileName))
	v, found, lerr := FindUpload(lctx, lib, filePath, req.Size, since)
	switch {
	case lerr != nil:
		mu.Reason += "; the library could not be checked (" + Explain(lerr).Message + ")"
		return res, err
	case found == 1:
		r := v.result()
		if req.sum != "" { // the bytes its name was made from
			r.SentSHA256 = req.sum
		} else if sum, serr := c.hashes().of(ctx, req.Path); serr == nil {
			r.SentSHA256 = sum // as the file is now, with the size the library has: for the index
		}
		return r, nil
	case found > 1:
		mu.Reason += "; the library has more than one version of that size made since, so which is this upload cannot be told"
		return res, err
	}
	// Not stored: sent again, as it was asked for, once; its attempts count
	// on from the last.
	again := req
	again.Resumed, again.SentAt = false, time.Time{}
	q.mu.Lock()
	before := j.Attempt
	q.mu.Unlock()
	return c.Upload(ctx, again, func(a Attempt) {
		a.N += before
		q.progress(j, run, a)
	})
}
