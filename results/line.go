// Package results is an upload's outcome as scripts and people read it:
// the --json line, and the same fields through a text/template (upload
// --format, the window's Copy as).
package results

import (
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"imagekit-uploader/uploader"
)

// Line is one file's outcome, as upload --json prints it.
type Line struct {
	Path        string       `json:"path"`
	PathBytes   []byte       `json:"pathBytes,omitempty"` // the path, byte for byte, when it is not UTF-8 (base64)
	Status      string       `json:"status"`
	FileID      string       `json:"fileId,omitempty"`
	Name        string       `json:"name,omitempty"`
	FilePath    string       `json:"filePath,omitempty"`
	URL         string       `json:"url,omitempty"`
	Size        int64        `json:"size,omitempty"`
	VersionInfo *VersionInfo `json:"versionInfo,omitempty"`
	Tags        []string     `json:"tags,omitempty"`
	// As the server answered them, where it did (see uploader.Result).
	AITags            json.RawMessage `json:"AITags,omitempty"`
	Description       json.RawMessage `json:"description,omitempty"`
	ExtensionStatus   json.RawMessage `json:"extensionStatus,omitempty"`
	CustomMetadata    json.RawMessage `json:"customMetadata,omitempty"`
	CustomCoordinates json.RawMessage `json:"customCoordinates,omitempty"`
	EmbeddedMetadata  json.RawMessage `json:"embeddedMetadata,omitempty"`
	IsPublished       json.RawMessage `json:"isPublished,omitempty"`
	FoundInLibrary    bool            `json:"foundInLibrary,omitempty"` // the answer was lost; this is the version found in the library
	Error             *Error          `json:"error,omitempty"`
	Reason            string          `json:"reason,omitempty"`
	// With upload --from-list: the item as a list takes it (its file and
	// its fields, or the line as given when it could not be read), and when
	// the line was written, so that report can take the last word on it.
	Item json.RawMessage `json:"item,omitempty"`
	At   string          `json:"at,omitempty"`
}

// Answered is a value from the server's answer, or nil where it said null.
func Answered(raw json.RawMessage) json.RawMessage {
	if len(raw) == 0 || string(raw) == "null" {
		return nil
	}
	return raw
}

// VersionInfo is ImageKit's VersionInfo, as the uploader reads it.
type VersionInfo = struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

// Error is why a Line's file failed.
type Error struct {
	Kind          string `json:"kind"` // check, file, network, server or config
	Status        int    `json:"status,omitempty"`
	Message       string `json:"message"`
	RequestID     string `json:"requestId,omitempty"`
	MayBeUploaded bool   `json:"mayBeUploaded,omitempty"`
}

// Plural is one when n is 1, else many: "1 file", "2 files".
func Plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// Printable returns s as it is when it prints as plain text, or quoted (as
// in Go) when it holds a control character, an escape sequence or invalid
// UTF-8: a file name must not forge a line or reach the terminal as a command.
func Printable(s string) string {
	if utf8.ValidString(s) && !strings.ContainsFunc(s, Unsafe) {
		return s
	}
	return strconv.Quote(s)
}

// Unsafe says whether r could forge a line or act on a terminal: a control
// character (newline, escape, ...), or one that turns the text's direction
// and so hides what follows. Other invisible characters (the joiners in an
// emoji, a no-break space) are text.
func Unsafe(r rune) bool {
	return unicode.IsControl(r) || (r >= 0x202A && r <= 0x202E) || (r >= 0x2066 && r <= 0x2069) || r == 0x200E || r == 0x200F ||
		r == 0x2028 || r == 0x2029 || r == 0xFEFF
}

// FromJob is a finished job's line: uploaded with ImageKit's answer,
// already-uploaded, or failed with why.
func FromJob(j uploader.Job) Line {
	path := j.Request.Path
	switch j.State {
	case uploader.Done:
		res := j.Result
		return Line{Path: path, Status: uploader.Status(j), FileID: res.FileID, Name: res.Name, FilePath: res.FilePath, URL: res.URL, Size: res.Size,
			VersionInfo: res.VersionInfo, Tags: res.Tags, AITags: Answered(res.AITags), Description: Answered(res.Description),
			ExtensionStatus: Answered(res.ExtensionStatus), CustomMetadata: Answered(res.CustomMetadata),
			CustomCoordinates: Answered(res.CustomCoordinates), EmbeddedMetadata: Answered(res.EmbeddedMetadata),
			IsPublished: Answered(res.IsPublished), FoundInLibrary: res.FoundInLibrary}
	case uploader.AlreadyUploaded:
		l := Line{Path: path, Status: uploader.Status(j)}
		l.Reason = "from an upload whose answer was lost"
		var au *uploader.AlreadyUploadedError
		if errors.As(j.Err, &au) {
			l.FilePath, l.URL = au.FilePath, au.URL
			switch {
			case !au.Earlier.IsZero():
				l.Reason = "uploaded before, on " + au.Earlier.Format("2006-01-02 15:04")
			case au.SameContent:
				l.Reason = "the same bytes, uploaded before: it keeps the settings of that upload"
			case au.SameURL:
				l.Reason = "fetched from the same URL before: it keeps the settings of that upload"
			}
		}
		return l
	}
	x := uploader.Explain(j.Err)
	e := &Error{Kind: x.Kind, Message: x.Message, RequestID: x.RequestID, MayBeUploaded: x.MayBeUploaded}
	if _, answered := x.Cause.(*uploader.APIError); answered && !x.MayBeUploaded {
		e.Status = x.Status // ImageKit's own status only
	}
	return Line{Path: path, Status: uploader.Status(j), Error: e}
}

// Link is the URL a finished job's file has, or why it has none: what an
// editor's app is given back for it.
func Link(j uploader.Job) (string, error) {
	l := FromJob(j)
	switch {
	case l.URL != "":
		return l.URL, nil
	case l.Error != nil:
		return "", errors.New(l.Error.Message)
	}
	return "", fmt.Errorf("%s, at %s, with no URL this computer knows", l.Status, l.FilePath)
}
