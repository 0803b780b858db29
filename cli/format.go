package cli

import (
	"bytes"
	"encoding/json"
	"text/template"
)

// resultFormat is upload --format: each result line written by a Go
// text/template over the fields that --json prints ({{.url}}, {{.name}},
// {{.error.message}}, ...), followed by a newline, as go list -f does; a
// line that comes out empty is left out.
type resultFormat struct{ t *template.Template }

// parseFormat parses text and tries it on a line of each kind, so that a
// template that cannot run is refused before anything is sent.
func parseFormat(text string) (*resultFormat, error) {
	t, err := template.New("format").Parse(text)
	if err != nil {
		return nil, err
	}
	f := &resultFormat{t}
	for _, l := range []jsonLine{
		{Path: "a.jpg", Status: "uploaded", FileID: "id", Name: "a.jpg", FilePath: "/a.jpg", URL: "https://ik.imagekit.io/a.jpg", Size: 1, VersionInfo: map[string]any{"id": "v", "name": "Version 1"}},
		{Path: "b.jpg", Status: "failed", Error: &jsonError{Kind: "server", Status: 400, Message: "m"}},
		{Path: "c", Status: "skipped", Reason: "hidden"},
	} {
		if _, err := f.line(l); err != nil {
			return nil, err
		}
	}
	return f, nil
}

// line runs the template over l. Every field is there on every line (""
// or 0 where --json leaves it out), so that a template written for uploads
// prints a failure's line too, and each text value is made printable, as
// on the plain lines: a server's answer cannot forge a line or reach the
// terminal as a command.
func (f *resultFormat) line(l jsonLine) ([]byte, error) {
	b, _ := json.Marshal(l)
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber() // a size prints as 7203456, not 7.203456e+06
	var fields map[string]any
	if err := d.Decode(&fields); err != nil {
		return nil, err
	}
	fill(fields, map[string]any{"path": "", "status": "", "fileId": "", "name": "", "filePath": "", "url": "", "size": json.Number("0"), "reason": "",
		"versionInfo": map[string]any{}, "error": map[string]any{}})
	fill(fields["versionInfo"].(map[string]any), map[string]any{"id": "", "name": ""})
	fill(fields["error"].(map[string]any), map[string]any{"kind": "", "status": json.Number("0"), "message": "", "requestId": "", "mayBeUploaded": false})
	var out bytes.Buffer
	if err := f.t.Execute(&out, printableValues(fields)); err != nil {
		return nil, err
	}
	if out.Len() == 0 {
		return nil, nil // a template that prints only some lines ({{if ...}})
	}
	return append(out.Bytes(), '\n'), nil
}

// fill sets each of defaults' keys that m lacks, or holds as something else
// than a JSON object where the default is one.
func fill(m, defaults map[string]any) {
	for k, v := range defaults {
		_, isObject := m[k].(map[string]any)
		if _, want := v.(map[string]any); m[k] == nil || (want && !isObject) {
			m[k] = v
		}
	}
}

// printableValues returns v with every string in it made printable.
func printableValues(v any) any {
	switch v := v.(type) {
	case string:
		return printable(v)
	case map[string]any:
		for k, e := range v {
			v[k] = printableValues(e)
		}
	case []any:
		for i, e := range v {
			v[i] = printableValues(e)
		}
	}
	return v
}

// formatUsage is the message for a template that cannot be used.
func formatUsage(err error) error {
	return usagef("--format: %v (a Go template over the --json fields, e.g. '{{.url}}?tr=w-800' or '![{{.name}}]({{.url}})')", err)
}
