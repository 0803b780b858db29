package cli

import (
	"bytes"
	"errors"
	"strings"
	"text/template"
)

// resultFormat is upload --format: each result line written by a Go
// text/template over the fields that --json prints ({{.url}}, {{.name}},
// {{.error.message}}, ...), followed by a newline, as go list -f does; a
// line that comes out empty is left out.
type resultFormat struct{ t *template.Template }

// maxFormatted bounds one line's output: a template cannot fill memory.
const maxFormatted = 1 << 20

// parseFormat parses text and tries it on a line of each kind, so that a
// misspelt field ({{.URL}}), a field of a text or a comparison of a number
// with a text is refused before anything is sent. Bounds ({{slice .fileId
// 0 8}}) depend on the real values, so they are left to each line.
func parseFormat(text string) (*resultFormat, error) {
	t, err := template.New("format").Option("missingkey=error").Parse(text)
	if err != nil {
		return nil, err
	}
	f := &resultFormat{t}
	for _, l := range []jsonLine{
		{Path: "a.jpg", Status: "uploaded", FileID: "id", Name: "a.jpg", FilePath: "/a.jpg", URL: "https://ik.imagekit.io/a.jpg", Size: 1, VersionInfo: &versionInfo{ID: "v", Name: "Version 1"}},
		{Path: "b.jpg", Status: "already-uploaded", FilePath: "/b.jpg"},
		{Path: "c.jpg", Status: "failed", Error: &jsonError{Kind: "server", Status: 400, Message: "m"}},
		{Path: "d", Status: "skipped", Reason: "hidden"},
	} {
		if _, err := f.line(l); err != nil && !strings.Contains(err.Error(), "out of range") {
			return nil, err
		}
	}
	return f, nil
}

// line runs the template over l. Every field is there on every line (""
// or 0 where --json leaves it out), and each text is made printable, as on
// the plain lines: a server's answer cannot forge a line or reach the
// terminal as a command, and a path that is not UTF-8 comes quoted with its
// bytes, not with replacement characters.
func (f *resultFormat) line(l jsonLine) ([]byte, error) {
	p := printable
	vi := map[string]any{"id": "", "name": ""}
	if l.VersionInfo != nil {
		vi["id"], vi["name"] = p(l.VersionInfo.ID), p(l.VersionInfo.Name)
	}
	e := map[string]any{"kind": "", "status": 0, "message": "", "requestId": "", "mayBeUploaded": false}
	if l.Error != nil {
		e = map[string]any{"kind": l.Error.Kind, "status": l.Error.Status, "message": p(l.Error.Message), "requestId": p(l.Error.RequestID), "mayBeUploaded": l.Error.MayBeUploaded}
	}
	fields := map[string]any{
		"path": p(l.Path), "status": l.Status, "fileId": p(l.FileID), "name": p(l.Name), "filePath": p(l.FilePath),
		"url": p(l.URL), "size": l.Size, "versionInfo": vi, "error": e, "reason": p(l.Reason),
	}
	out := &limitedBuffer{max: maxFormatted}
	if err := f.t.Execute(out, fields); err != nil {
		return nil, err
	}
	if out.Len() == 0 {
		return nil, nil // a template that prints only some lines ({{if ...}})
	}
	return append(out.Bytes(), '\n'), nil
}

// limitedBuffer is a bytes.Buffer that refuses to grow past max.
type limitedBuffer struct {
	bytes.Buffer
	max int
}

func (b *limitedBuffer) Write(p []byte) (int, error) {
	if b.Len()+len(p) > b.max {
		return 0, errors.New("the line is over 1 MiB")
	}
	return b.Buffer.Write(p)
}

// formatUsage is the message for a template that cannot be used.
func formatUsage(err error) error {
	return usagef("--format: %v (a Go template over the --json fields, e.g. '{{.url}}?tr=w-800' or '![{{.name}}]({{.url}})')", err)
}
