package uploader

import (
	"fmt"
	"net/url"
	"os"
	"path"

	"imagekit-uploader/strip"
)

// precheck is Check; tests replace it to see where it runs.
var precheck = Check

// Check says why r cannot be uploaded within limit, before a byte is sent,
// and returns the file's size now.
func Check(r Request, limit Limit) (int64, error) {
	if err := CheckFileName(r.FileName); err != nil {
		return 0, err
	}
	if err := CheckTags(r.Fields.Tags); err != nil {
		return 0, err
	}
	if err := r.Fields.Options.Check(); err != nil {
		return 0, err
	}
	if _, err := destination(r.Fields.Folder, r.Rel); err != nil {
		return 0, err
	}
	if r.URL != "" {
		if r.Fields.Strip != strip.Keep {
			return 0, &CheckError{Field: "file", Reason: "ImageKit fetches this file from its URL, so its metadata cannot be removed here first: upload it with metadata kept, or download it and upload the file"}
		}
		return 0, CheckSourceURL(r.URL) // fetched by ImageKit: its size is ImageKit's to check
	}
	info, err := os.Stat(r.Path)
	if err != nil {
		return 0, fileError(r.Path, err)
	}
	if !info.Mode().IsRegular() {
		return 0, &FileError{Path: r.Path, Reason: "not a regular file"}
	}
	f, err := os.Open(r.Path)
	if err != nil {
		return 0, fileError(r.Path, err)
	}
	f.Close()
	size := info.Size()
	if size == 0 {
		return 0, &CheckError{Field: "file", Reason: "the file is empty (0 bytes)"}
	}
	if most := limit.MaxSize(IsVideo(r.FileName)); size > most {
		kind := "file"
		if IsVideo(r.FileName) {
			kind = "video"
		}
		return 0, &CheckError{Field: "file", Reason: fmt.Sprintf("the %s is %s; %s %s", kind, FormatSize(size), limit.describe(), FormatSize(most))}
	}
	return size, nil
}

// CheckSourceURL says why ImageKit could not fetch a file from u, as an
// upload's file given as a URL: only http(s), with a host, and no
// password in it (it would be stored in the journal and the reports).
func CheckSourceURL(u string) error {
	_, _, err := SourceURL(u)
	return err
}

// SourceURL checks u as CheckSourceURL does, and returns what names its
// file (URLIdentity) and the last segment of its path, unescaped ("" for
// none): what a list's item needs of it, for one parse.
func SourceURL(u string) (identity, name string, err error) {
	p, err := url.Parse(u)
	switch {
	case err != nil:
		return "", "", &CheckError{Field: "file", Reason: fmt.Sprintf("%q is not a URL ImageKit can fetch: %v", u, err)}
	case p.Scheme != "http" && p.Scheme != "https":
		return "", "", &CheckError{Field: "file", Reason: fmt.Sprintf("ImageKit fetches files only over http and https, not %q", p.Scheme)}
	case p.Host == "":
		return "", "", &CheckError{Field: "file", Reason: fmt.Sprintf("%q has no host for ImageKit to fetch it from", u)}
	case p.User != nil:
		return "", "", &CheckError{Field: "file", Reason: "the URL carries a user name or password: give a URL without (a presigned URL carries its signature in the query)"}
	}
	if name, err = url.PathUnescape(path.Base(p.EscapedPath())); err != nil || name == "/" || name == "." {
		name = ""
	}
	return identityOf(p), name, nil
}
