package results

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"sync"
	"text/template"
	"text/template/parse"
	"time"
)

// Format is upload --format: each result line written by a Go
// text/template over the fields that --json prints ({{.url}}, {{.name}},
// {{.error.message}}, ...), followed by a newline, as go list -f does; a
// line that comes out empty is left out.
type Format struct {
	t  *template.Template
	mu sync.Mutex // one line at a time: the steps are counted per line
	// steps counts the guarded steps of the line being written (each
	// {{range}} started, each {{template}} called): at maxSteps it stops.
	steps    int
	deadline time.Time
	// keys named in the template under the answer's free-form maps
	// ({{.customMetadata.brand}}): "" on a line whose answer lacks them.
	keys map[string][]string
}

// freeForm are the fields whose keys the account or the extensions choose.
var freeForm = map[string]bool{"customMetadata": true, "extensionStatus": true, "embeddedMetadata": true}

// walk calls fn with every node of a template's tree.
func walk(n parse.Node, fn func(parse.Node)) {
	if n == nil {
		return
	}
	fn(n)
	switch n := n.(type) {
	case *parse.ListNode:
		if n != nil {
			for _, c := range n.Nodes {
				walk(c, fn)
			}
		}
	case *parse.ActionNode:
		walk(n.Pipe, fn)
	case *parse.PipeNode:
		if n != nil {
			for _, c := range n.Cmds {
				walk(c, fn)
			}
		}
	case *parse.CommandNode:
		for _, a := range n.Args {
			walk(a, fn)
		}
	case *parse.TemplateNode:
		walk(n.Pipe, fn)
	case *parse.IfNode:
		walk(n.Pipe, fn)
		walk(n.List, fn)
		walk(n.ElseList, fn)
	case *parse.RangeNode:
		walk(n.Pipe, fn)
		walk(n.List, fn)
		walk(n.ElseList, fn)
	case *parse.WithNode:
		walk(n.Pipe, fn)
		walk(n.List, fn)
		walk(n.ElseList, fn)
	}
}

// namedKeys collects, from a template's tree, the keys it reads under the
// free-form maps.
func namedKeys(n parse.Node, keys map[string][]string) {
	walk(n, func(n parse.Node) {
		if f, ok := n.(*parse.FieldNode); ok && len(f.Ident) >= 2 && freeForm[f.Ident[0]] {
			keys[f.Ident[0]] = append(keys[f.Ident[0]], f.Ident[1])
		}
	})
}

// numberFields are the fields that hold numbers.
var numberFields = map[string]bool{"size": true, "status": true, "confidence": true}

// rangeOverNumber finds a {{range}} over a number: Go counts up to it, and
// {{range 100000000000}}{{end}} would run for hours printing nothing.
func rangeOverNumber(n parse.Node) (found string) {
	walk(n, func(n parse.Node) {
		r, ok := n.(*parse.RangeNode)
		if !ok || r.Pipe == nil || len(r.Pipe.Cmds) == 0 {
			return
		}
		cmd := r.Pipe.Cmds[len(r.Pipe.Cmds)-1]
		if len(cmd.Args) != 1 {
			return
		}
		switch a := cmd.Args[0].(type) {
		case *parse.NumberNode:
			found = a.Text
		case *parse.FieldNode:
			if numberFields[a.Ident[len(a.Ident)-1]] {
				found = a.String()
			}
		}
	})
	return found
}

// Bounds on one line's run: text/template cannot be interrupted, so the
// template is made to count its own work. Each {{range}} checks that it
// goes over a list or a map (never a number: Go would count up to it) and
// each {{range}} start and {{template}} call is a step; past maxSteps or
// maxLineTime the line fails. Only ranges nested in a loop or templates
// that call each other come near these; a line of ordinary work takes a
// few dozen steps.
const (
	maxSteps    = 100_000
	maxLineTime = 2 * time.Second
)

// guard rewrites a parsed tree so that every {{range}} pipeline ends in
// rangeOnly and every {{template}} call's pipeline in step.
func guard(tree *parse.Tree) {
	call := func(pos parse.Pos, name string) *parse.CommandNode {
		id := parse.NewIdentifier(name).SetTree(tree).SetPos(pos)
		return &parse.CommandNode{NodeType: parse.NodeCommand, Pos: pos, Args: []parse.Node{id}}
	}
	walk(tree.Root, func(n parse.Node) {
		switch n := n.(type) {
		case *parse.RangeNode:
			n.Pipe.Cmds = append(n.Pipe.Cmds, call(n.Pos, "rangeOnly"))
		case *parse.TemplateNode:
			if n.Pipe == nil { // {{template "x"}}: dot is nil, as before
				n.Pipe = &parse.PipeNode{NodeType: parse.NodePipe, Pos: n.Pos, Line: n.Line, Cmds: []*parse.CommandNode{call(n.Pos, "stepNil")}}
				return
			}
			n.Pipe.Cmds = append(n.Pipe.Cmds, call(n.Pos, "step"))
		}
	})
}

// step counts one step of the line being written.
func (f *Format) step() error {
	f.steps++
	if f.steps > maxSteps || f.steps%1024 == 0 && time.Now().After(f.deadline) {
		return errors.New("the template does too much work for one line (ranges inside ranges, or templates that call each other)")
	}
	return nil
}

// guardFuncs are the functions guard's rewrite calls.
func (f *Format) guardFuncs() template.FuncMap {
	return template.FuncMap{
		"rangeOnly": func(v any) (any, error) {
			if err := f.step(); err != nil {
				return nil, err
			}
			switch reflect.ValueOf(v).Kind() {
			case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
				reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr,
				reflect.Float32, reflect.Float64:
				return nil, fmt.Errorf("{{range}} over %v: range goes over lists and maps (.tags, .AITags), not numbers", v)
			}
			return v, nil
		},
		"step":    func(v any) (any, error) { return v, f.step() },
		"stepNil": func() (any, error) { return nil, f.step() },
		// Go's own text makers, bounded: a value kept in a variable is
		// never written out until the end, so it is bounded where it is
		// made ({{$a = print $a $a}} in a range doubles each time).
		"print":    bounded(fmt.Sprint),
		"println":  bounded(fmt.Sprintln),
		"printf":   func(format string, args ...any) (string, error) { return checkLen(fmt.Sprintf(format, args...)) },
		"html":     bounded(template.HTMLEscaper),
		"js":       bounded(template.JSEscaper),
		"urlquery": bounded(template.URLQueryEscaper),
	}
}

// bounded is a text maker that fails past maxFormatted.
func bounded(text func(...any) string) func(...any) (string, error) {
	return func(args ...any) (string, error) { return checkLen(text(args...)) }
}

// checkLen refuses a text longer than a line may be.
func checkLen(s string) (string, error) {
	if len(s) > maxFormatted {
		return "", errors.New("a text in the template is over 1 MiB")
	}
	return s, nil
}

// funcs are what templates get besides Go's own (html, urlquery, printf...).
var funcs = template.FuncMap{
	// index is Go's, but a key a free-form map lacks gives "", as
	// {{.customMetadata.KEY}} does: {{index .extensionStatus "remove-bg"}}.
	"index": func(item any, keys ...any) (any, error) {
		for _, k := range keys {
			switch v := item.(type) {
			case map[string]any:
				key, ok := k.(string)
				if !ok {
					return nil, fmt.Errorf("index of a map with %v: keys are texts", k)
				}
				if item, ok = v[key]; !ok {
					return "", nil
				}
			case []any:
				i, ok := k.(int)
				if !ok || i < 0 || i >= len(v) {
					return nil, fmt.Errorf("index %v out of range", k)
				}
				item = v[i]
			default:
				return nil, fmt.Errorf("cannot index %T", item)
			}
		}
		return item, nil
	},
	// tr adds an ImageKit transformation to a URL: {{tr .url "w-800"}}
	// gives URL?tr=w-800, or URL&tr=w-800 where the URL has a query.
	"tr": func(url, transformation string) string {
		if url == "" {
			return ""
		}
		sep := "?"
		if strings.Contains(url, "?") {
			sep = "&"
		}
		return url + sep + "tr=" + transformation
	},
}

// maxFormatted bounds one line's output: a template cannot fill memory.
const maxFormatted = 1 << 20

// ParseFormat parses text and tries it on a line of each kind, so that a
// misspelt field ({{.URL}}), a field of a text or a comparison of a number
// with a text is refused before anything is sent. Bounds ({{slice .fileId
// 0 8}}) depend on the real values, so they are left to each line.
func ParseFormat(text string) (*Format, error) {
	f := &Format{keys: map[string][]string{}}
	t, err := template.New("format").Funcs(funcs).Funcs(f.guardFuncs()).Option("missingkey=error").Parse(text)
	if err != nil {
		return nil, err
	}
	f.t = t
	for _, d := range t.Templates() { // with those it {{define}}s
		namedKeys(d.Root, f.keys)
		if what := rangeOverNumber(d.Root); what != "" {
			return nil, fmt.Errorf("{{range %s}}: range goes over lists and maps (.tags, .AITags), not numbers", what)
		}
		guard(d.Tree) // what the reading cannot see is bounded as it runs
	}
	for _, l := range []Line{
		{Path: "a.jpg", Status: "uploaded", FileID: "id", Name: "a.jpg", FilePath: "/a.jpg", URL: "https://ik.imagekit.io/a.jpg", Size: 1, VersionInfo: &VersionInfo{ID: "v", Name: "Version 1"}},
		{Path: "b.jpg", Status: "already-uploaded", FilePath: "/b.jpg"},
		{Path: "c.jpg", Status: "failed", Error: &Error{Kind: "server", Status: 400, Message: "m"}},
		{Path: "d", Status: "skipped", Reason: "hidden"},
	} {
		if _, err := f.Line(l); err != nil && !strings.Contains(err.Error(), "out of range") {
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
func (f *Format) Line(l Line) ([]byte, error) {
	p := Printable
	vi := map[string]any{"id": "", "name": ""}
	if l.VersionInfo != nil {
		vi["id"], vi["name"] = p(l.VersionInfo.ID), p(l.VersionInfo.Name)
	}
	e := map[string]any{"kind": "", "status": 0, "message": "", "requestId": "", "mayBeUploaded": false}
	if l.Error != nil {
		e = map[string]any{"kind": l.Error.Kind, "status": l.Error.Status, "message": p(l.Error.Message), "requestId": p(l.Error.RequestID), "mayBeUploaded": l.Error.MayBeUploaded}
	}
	tags := []any{}
	for _, t := range l.Tags {
		tags = append(tags, p(t))
	}
	fields := map[string]any{
		"path": p(l.Path), "status": l.Status, "fileId": p(l.FileID), "name": p(l.Name), "filePath": p(l.FilePath),
		"url": p(l.URL), "size": l.Size, "versionInfo": vi, "error": e, "reason": p(l.Reason), "tags": tags,
		"AITags":            fromAnswer(l.AITags, []any{}),
		"description":       fromAnswer(l.Description, ""),
		"extensionStatus":   fromAnswer(l.ExtensionStatus, map[string]any{}),
		"customMetadata":    fromAnswer(l.CustomMetadata, map[string]any{}),
		"customCoordinates": fromAnswer(l.CustomCoordinates, ""),
		"embeddedMetadata":  fromAnswer(l.EmbeddedMetadata, map[string]any{}),
		"isPublished":       fromAnswer(l.IsPublished, ""),
		"foundInLibrary":    l.FoundInLibrary,
	}
	for name, keys := range f.keys {
		if m, ok := fields[name].(map[string]any); ok {
			for _, k := range keys {
				if _, ok := m[k]; !ok {
					m[k] = ""
				}
			}
		}
	}
	out := &limitedBuffer{max: maxFormatted}
	f.mu.Lock()
	f.steps, f.deadline = 0, time.Now().Add(maxLineTime)
	err := f.t.Execute(out, fields)
	f.mu.Unlock()
	if err != nil {
		return nil, err
	}
	if out.Len() == 0 {
		return nil, nil // a template that prints only some lines ({{if ...}})
	}
	return append(out.Bytes(), '\n'), nil
}

// fromAnswer is a value of the server's answer for a template: its texts
// printable, its numbers as written; none when absent.
func fromAnswer(raw json.RawMessage, none any) any {
	if len(raw) == 0 {
		return none
	}
	d := json.NewDecoder(bytes.NewReader(raw))
	d.UseNumber()
	var v any
	if d.Decode(&v) != nil || v == nil {
		return none
	}
	return printableValue(v)
}

func printableValue(v any) any {
	switch v := v.(type) {
	case string:
		return Printable(v)
	case []any:
		for i := range v {
			v[i] = printableValue(v[i])
		}
	case map[string]any:
		out := make(map[string]any, len(v))
		for k, e := range v {
			out[Printable(k)] = printableValue(e)
		}
		return out
	}
	return v
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
