package uploader

import (
	"context"
	"errors"
	"os"
	"time"
)

// The queue and the index of uploads: what went up before is passed over,
// what goes up is recorded.

// earlier says, as an AlreadyUploadedError, that the index has r's bytes in
// its account's folder; nil otherwise.
func earlier(ctx context.Context, x *UploadedIndex, c *Client, r Request) error {
	folder, err := destination(r.Fields.Folder, r.Rel)
	if err != nil {
		return nil // the check before says why
	}
	size := r.Size // the queue's check has just read it
	if info, err := os.Stat(r.Path); size <= 0 && err == nil {
		size = info.Size() // a caller that did not know it (no file it uploads is empty)
	}
	if !x.MayHave(c.account(), folder, size) {
		return nil // nothing of its size went there: no need to read it for its SHA-256
	}
	sum, err := c.hashes().of(ctx, r.Path, r.Fields.Strip)
	if err != nil {
		return err
	}
	u, ok := x.Find(c.account(), folder, sum)
	if !ok {
		return nil
	}
	if err := notApplied(u, r); err != nil {
		return err
	}
	return &AlreadyUploadedError{FilePath: u.FilePath, URL: u.URL, Earlier: u.At, SameContent: true}
}

// applied turns an upload's "ImageKit already has these bytes there" into
// a NotAppliedError where the index knows that file was uploaded with other
// settings than req asks for (--skip-uploaded=false comes here too); err
// otherwise.
func (q *Queue) applied(c *Client, req Request, err error) error {
	au := new(AlreadyUploadedError)
	if !errors.As(err, &au) {
		return err
	}
	q.mu.Lock()
	x := q.index
	q.mu.Unlock()
	if x == nil {
		return err
	}
	if au.URL == "" { // the URL it got, where this computer recorded it
		if u, ok := x.At(c.account(), au.FilePath); ok {
			au.URL = u.URL
		}
	}
	folder, ferr := destination(req.Fields.Folder, req.Rel)
	if !au.SameContent || ferr != nil {
		return err
	}
	if u, ok := x.Find(c.account(), folder, au.sum); ok {
		if na := notApplied(u, req); na != nil {
			return na
		}
	}
	return err
}

// notApplied says, as a NotAppliedError, that the upload u recorded was
// made with other settings than r asks for; nil when they are the same (or
// u is from before settings were recorded).
func notApplied(u Uploaded, r Request) error {
	if u.Settings == nil {
		return nil
	}
	if differ := SettingsDiffer(u.Settings, r.Fields.Settings()); len(differ) > 0 {
		return &NotAppliedError{FilePath: u.FilePath, URL: u.URL, Earlier: u.At, Differ: differ, Unique: r.Fields.UseUniqueFileName}
	}
	return nil
}

// record adds an upload of the bytes whose SHA-256 is sum to the index
// (outside the queue's lock: it syncs). The sum is of what was sent (or
// what the name that ImageKit has was made from), never of the file as it
// is now: it may have changed since.
func (q *Queue) record(c *Client, r Request, sum, filePath, url string) {
	q.mu.Lock()
	x := q.index
	q.mu.Unlock()
	folder, err := destination(r.Fields.Folder, r.Rel)
	if err != nil || sum == "" {
		return
	}
	x.add(Uploaded{SHA256: sum, Size: r.Size, Account: c.account(), Folder: folder, FilePath: filePath, URL: url, At: time.Now(), Settings: r.Fields.Settings()})
}

// folderOf is where r goes, or "" when its folder cannot be used.
func folderOf(r Request) string {
	folder, _ := destination(r.Fields.Folder, r.Rel)
	return folder
}
