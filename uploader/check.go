package uploader

import (
	"fmt"
	"os"
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
