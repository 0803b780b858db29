package uploader

import (
	"cmp"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptrace"
	"path"
	"sync/atomic"
	"time"
)

const progressEvery = 100 * time.Millisecond

func (c *Client) attempt(ctx context.Context, r Request, n int, lifetime time.Duration, progress func(Attempt)) (res *Result, err error) {
	folder, err := destination(r.Fields.Folder, r.Rel)
	if err != nil {
		return nil, err
	}
	// The gate first: a token signed now could run out while it is closed.
	if err := c.Gate.enter(ctx); err != nil {
		return nil, err
	}
	defer func() { c.Gate.leave(err) }()
	fields, _ := firstFields(r) // the same for every attempt: Resumed may have been set since
	guard := r.StoredName != "" || (r.Resumed && !r.Fields.UseUniqueFileName)
	if c.Tokens == nil {
		return nil, &CheckError{Field: "account", Reason: "no key or token endpoint is set up: add your ImageKit keys first"}
	}
	token, err := c.token(ctx, fields, lifetime)
	if err != nil {
		return nil, err
	}
	var b *body
	if r.URL != "" {
		b = newURLBody(r.URL, fields, token)
	} else if b, err = newBody(r.Path, r.FileName, r.Size, r.Fields.Strip, fields, token); err != nil {
		return nil, err
	}
	defer b.Close()
	if r.StoredName != "" {
		b.want = r.sum
	}
	actx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	b.limit, b.ctx = c.Limit, actx
	req, err := http.NewRequestWithContext(actx, http.MethodPost, c.Endpoint, io.NopCloser(b))
	if err != nil {
		return nil, err
	}
	req.ContentLength = b.Len()
	req.Header.Set("Content-Type", b.contentType)
	req.Header.Set("User-Agent", "imagekit-uploader")

	var conn atomic.Pointer[net.Conn]
	req = req.WithContext(httptrace.WithClientTrace(actx, &httptrace.ClientTrace{
		GotConn: func(info httptrace.GotConnInfo) { conn.Store(&info.Conn) },
	}))
	// The watch reports progress until the answer's headers arrive; it has
	// stopped, and no report of it is under way, before this attempt goes on,
	// so no report of this attempt can follow its end.
	stop, watched := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(watched)
		c.watch(actx, stop, b, &conn, n, progress, cancel)
	}()
	hc := *defaultHTTP
	if c.HTTP != nil {
		hc = *c.HTTP
	}
	hc.CheckRedirect = refuseRedirect // an upload that moves elsewhere is a failure, never a GET that "succeeds"
	start := time.Now()
	resp, err := hc.Do(req)
	close(stop)
	<-watched
	if err != nil {
		if ctx.Err() != nil {
			if b.complete() && !b.short.Load() { // canceled once the whole file had arrived: it may be stored
				return nil, &MaybeUploadedError{Reason: "canceled after the whole file had been sent", Err: context.Cause(ctx)}
			}
			return nil, context.Cause(ctx)
		}
		if se := setupProblem(err, "the upload server"); se != nil {
			return nil, se
		}
		if errors.Is(err, ErrContentChanged) {
			c.hashes().forget(r.Path) // its next upload reads it again, for a name of its own
			return nil, &FileError{Path: r.Path, Reason: ErrContentChanged.Error(), Err: ErrContentChanged}
		}
		if errors.Is(err, ErrFileChanged) {
			return nil, &FileError{Path: r.Path, Reason: ErrFileChanged.Error(), Err: ErrFileChanged}
		}
		if cause := context.Cause(actx); errors.Is(cause, ErrStalled) {
			err = cause
		}
		return nil, &NetworkError{Err: err, BodySent: b.complete()}
	}
	defer resp.Body.Close()
	c.answered.Store(time.Now().UnixNano())
	c.measureSkew(resp, start, b.doneAt())
	progress(Attempt{N: n, Acked: b.size})
	res, err = readAnswer(resp, c.stallTimeout(), c.answerTimeout(), cancel)
	if ae := (*APIError)(nil); errors.As(err, &ae) {
		ae.ChecksSent = r.Fields.Options.Checks != ""
	}
	if err == nil {
		if r.URL == "" {
			res.SentSHA256 = b.sentSum()
		}
		c.measureRate(b.size, b.doneAt().Sub(start))
		if b.changedSince(r.Path) {
			// Not a success, and not recorded as one: the next run sends
			// what the file holds now.
			reason := "the file was written to while it was being uploaded: ImageKit stored what was sent, as " + res.FilePath + ", which may be part old, part new; upload it again when it is complete"
			if b.want != "" {
				// What was sent was checked against the name made from it
				// (the body ends early otherwise): it is the file as read.
				reason = "the file was written to after it was read: ImageKit stored it as it was read, whole, as " + res.FilePath + "; upload it again to send what it holds now"
			}
			return nil, &FileError{Path: r.Path, Err: ErrFileChanged, Reason: reason}
		}
	}
	var ae *APIError
	if guard && errors.As(err, &ae) && alreadyExists(ae) {
		where := path.Join(folder, cmp.Or(r.StoredName, r.FileName))
		if r.StoredName == "" && r.Fields.OverwriteFile {
			// A new version was asked for: the file there may be the old one.
			return nil, &MaybeUploadedError{Reason: "ImageKit has a file at " + where + ", but it may be the earlier version: an attempt of this upload ended without an answer", Err: ae}
		}
		if r.URL != "" {
			return nil, &AlreadyUploadedError{FilePath: where, Err: ae, SameURL: r.StoredName != ""}
		}
		return nil, &AlreadyUploadedError{FilePath: where, Err: ae, SameContent: r.StoredName != "", sum: r.sum}
	}
	return res, err
}

// answerTimeout bounds reading an answer, however slowly it dribbles in.
func (c *Client) answerTimeout() time.Duration {
	if c.AnswerTimeout > 0 {
		return c.AnswerTimeout
	}
	return DefaultAnswerTimeout
}

func (c *Client) stallTimeout() time.Duration {
	if c.StallTimeout > 0 {
		return c.StallTimeout
	}
	return DefaultStallTimeout
}

// watch reports progress every progressEvery and aborts the attempt when no
// byte has moved for the stall timeout.
func (c *Client) watch(ctx context.Context, stop <-chan struct{}, b *body, connp *atomic.Pointer[net.Conn], n int, progress func(Attempt), abort context.CancelCauseFunc) {
	stall := c.stallTimeout()
	t := time.NewTicker(progressEvery)
	defer t.Stop()
	last, lastMove, lastShown := int64(-1), time.Now(), int64(-1)
	for {
		conn := func() net.Conn {
			if p := connp.Load(); p != nil {
				return *p
			}
			return nil
		}
		select {
		case <-ctx.Done():
			b.look(conn()) // one last look, for a cancel: did it all arrive?
			return
		case <-stop:
			return
		case <-t.C:
		}
		b.look(conn())
		if shown := b.arrived(conn()); shown != lastShown {
			lastShown = shown
			progress(Attempt{N: n, Acked: shown})
		}
		// Stalled: nothing more was taken from the file for the stall timeout.
		if sent := b.total.Load(); sent != last {
			last, lastMove = sent, time.Now()
		} else if b.sent.Load() < b.size && time.Since(lastMove) > stall {
			abort(ErrStalled)
			return
		}
	}
}
