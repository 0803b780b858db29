package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"mime"
	"net/http"
	"net/url"
	"os"
	"path"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"imagekit-uploader/uploader"
)

// A list (upload --from-list) names one item a line: a local path or an
// http(s) URL, or a JSON object with the item's "file" and its own upload
// fields. It is read as a stream, so its length costs no memory.

// listItem is one line of a list.
type listItem struct {
	line int
	// raw is the line as given, as JSON: the object, or the text as a
	// string. Reports carry it, so that their failed items make a list again.
	raw json.RawMessage
	key string // what the item is named by in a shard and a report: its file, a URL without its signature
	req uploader.Request
	err error // the line cannot be an item: it is reported failed, with why
}

// maxListLine bounds a line of a list; a longer one is that line's failure.
const maxListLine = 1 << 20

// listFields are the members an item's JSON object may have besides the
// options of uploader.OptionTable (ImageKit's names for them).
var listFields = []string{"file", "fileName", "folder", "tags", "isPrivateFile", "useUniqueFileName", "overwriteFile"}

// shard is this worker's share of a list: the items whose key hashes to
// Index among Count. The zero shard is the whole list.
type shard struct{ Index, Count int }

// parseShard reads --shard I/N (I from 0 to N-1).
func parseShard(s string) (shard, error) {
	i, n, ok := strings.Cut(s, "/")
	index, err1 := strconv.Atoi(strings.TrimSpace(i))
	count, err2 := strconv.Atoi(strings.TrimSpace(n))
	if !ok || err1 != nil || err2 != nil {
		return shard{}, fmt.Errorf("%q: give I/N, this worker's index from 0 to N-1 and the number of workers, e.g. 0/4", s)
	}
	if count < 1 {
		return shard{}, fmt.Errorf("%q: the number of workers must be at least 1", s)
	}
	if index < 0 || index >= count {
		return shard{}, fmt.Errorf("%q: the index must be from 0 to %d", s, max(count-1, 0))
	}
	return shard{index, count}, nil
}

// mine says whether the item named key is this shard's. The hash is
// FNV-1a, 64 bits: the same on every machine and in every version.
func (s shard) mine(key string) bool {
	if s.Count <= 1 {
		return true
	}
	h := fnv.New64a()
	h.Write([]byte(key))
	return h.Sum64()%uint64(s.Count) == uint64(s.Index)
}

func (s shard) String() string {
	if s.Count <= 1 {
		return ""
	}
	return fmt.Sprintf("%d/%d", s.Index, s.Count)
}

// openList opens the list at name: a file, - for stdin, or an http(s) URL
// read as it arrives.
func openList(ctx context.Context, name string, stdin io.Reader) (io.ReadCloser, error) {
	switch {
	case name == "-":
		return io.NopCloser(stdin), nil
	case isURL(name):
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, name, nil)
		if err != nil {
			return nil, usagef("--from-list: %s: not a URL to fetch", redactURL(name))
		}
		resp, err := http.DefaultClient.Do(req)
		if ue := (*url.Error)(nil); errors.As(err, &ue) {
			err = ue.Err // its text holds the whole URL, which may be signed
		}
		if err != nil {
			return nil, fmt.Errorf("the list could not be fetched from %s: %v", redactURL(name), err)
		}
		switch mt, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type")); {
		case resp.StatusCode != http.StatusOK:
			resp.Body.Close()
			return nil, fmt.Errorf("the list could not be fetched: %s answered %s", redactURL(name), resp.Status)
		case mt == "text/html":
			resp.Body.Close()
			return nil, fmt.Errorf("%s answered a web page, not a list (a sign-in page, or a link to a page about the file?): give the URL of the list itself", redactURL(name))
		}
		return resp.Body, nil
	}
	info, err := os.Stat(name)
	if err == nil && info.IsDir() {
		return nil, usagef("--from-list: %s is a folder; give a file with one item a line (or upload the folder as a path)", name)
	}
	f, err := os.Open(name)
	if err != nil {
		return nil, usagef("--from-list: %v", err)
	}
	return f, nil
}

// redactURL is u without its query, which may sign it: for messages.
func redactURL(u string) string {
	if p, err := url.Parse(u); err == nil && p.User != nil {
		p.User = nil // a name and a password: left out
		u = p.String()
	}
	if i := strings.IndexAny(u, "?#"); i >= 0 {
		return u[:i] + "?…"
	}
	return u
}

// readList calls fn with each item of r that is sh's, in order, until r
// ends, fn returns an error, or ctx ends. Empty lines and lines starting
// with # are passed over. fields are the command's: an item's own override
// them. idle, when set, is called whenever the list has no more lines at
// hand (a pipe or a download that waits for more), so that the items read
// so far need not wait for the next ones.
func readList(ctx context.Context, r io.Reader, fields uploader.Fields, sh shard, fn func(listItem) error, idle func() error) error {
	n := 0
	var stop error
	err := eachListLine(ctx, r, func(line []byte, long bool) bool {
		n++
		if stop != nil {
			return false
		}
		line = bytes.TrimSpace(bytes.TrimPrefix(line, []byte("\ufeff")))
		if len(line) == 0 && !long || len(line) > 0 && line[0] == '#' {
			return true
		}
		var it listItem
		if !long {
			it = parseListLine(line, n, fields)
		} else {
			it = listItem{line: n, key: fmt.Sprintf("line %d", n), raw: jsonString(fmt.Sprintf("line %d", n))}
			it.req.Path = fmt.Sprintf("line %d", n)
			it.err = &uploader.CheckError{Field: "list", Reason: fmt.Sprintf("line %d is longer than %d bytes: not read", n, maxListLine)}
		}
		if sh.mine(it.key) {
			stop = fn(it)
		}
		return stop == nil
	}, func() bool {
		if idle != nil && stop == nil {
			stop = idle()
		}
		return stop == nil
	})
	switch {
	case stop != nil:
		return stop
	case ctx.Err() != nil:
		return ctx.Err()
	}
	return err
}

// jsonString is s as a JSON string.
func jsonString(s string) json.RawMessage {
	b, _ := json.Marshal(s)
	return b
}

// eachListLine calls fn with each line of r; a line longer than
// maxListLine comes cut to nothing, with long set. fn returns false to
// stop. Reading happens on a goroutine of its own, so that the end of ctx
// is heard while a pipe waits; idle is called when a read does not come at
// once, and returns false to stop.
func eachListLine(ctx context.Context, r io.Reader, fn func(line []byte, long bool) bool, idle func() bool) error {
	type read struct {
		n   int
		err error
	}
	chunk := make([]byte, 64<<10)
	reads := make(chan read, 1)
	readInto := func() {
		go func() {
			k, err := r.Read(chunk)
			reads <- read{k, err}
		}()
	}
	buf := make([]byte, 0, 64<<10)
	long := false
	readInto()
	for {
		var rd read
		select {
		case rd = <-reads:
		default:
			if !idle() {
				return nil
			}
			select {
			case rd = <-reads:
			case <-ctx.Done():
				return ctx.Err() // the read under way is left to the process's end
			}
		}
		data := chunk[:rd.n]
		for len(data) > 0 {
			i := bytes.IndexByte(data, '\n')
			if i < 0 {
				if long || len(buf)+len(data) > maxListLine {
					long, buf = true, buf[:0]
				} else {
					buf = append(buf, data...)
				}
				break
			}
			if long || len(buf)+i > maxListLine {
				long, buf = true, buf[:0]
			} else {
				buf = append(buf, data[:i]...)
			}
			if !fn(buf, long) {
				return nil
			}
			buf, long, data = buf[:0], false, data[i+1:]
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if errors.Is(rd.err, io.EOF) {
			if len(buf) > 0 || long {
				fn(buf, long)
			}
			return nil
		}
		if rd.err != nil {
			return fmt.Errorf("the list could not be read: %w", rd.err)
		}
		readInto()
	}
}

// parseListLine makes the item of one line (without its newline).
func parseListLine(line []byte, n int, fields uploader.Fields) listItem {
	it := listItem{line: n}
	bad := func(format string, a ...any) listItem {
		it.err = &uploader.CheckError{Field: "list", Reason: fmt.Sprintf("line %d: ", n) + fmt.Sprintf(format, a...)}
		if it.key == "" {
			it.key = string(line)
		}
		if it.req.Path == "" {
			it.req.Path = fmt.Sprintf("line %d", n)
		}
		return it
	}
	if line[0] != '{' {
		it.raw, _ = json.Marshal(string(line))
		return itemOf(it, string(line), "", fields)
	}
	it.raw = append(json.RawMessage(nil), line...)
	if !utf8.Valid(line) {
		it.raw = jsonString(string(line)) // JSON is UTF-8: the line as text, its odd bytes replaced
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(line, &m); err != nil {
		it.raw = jsonString(string(line))
		return bad("not a JSON object: %v", err)
	}
	var file, name string
	if err := json.Unmarshal(m["file"], &file); err != nil || file == "" {
		return bad(`a JSON item needs "file": a path or an http(s) URL, as a string`)
	}
	it.req.Path = file // its line names it, even when a field is wrong
	if raw, ok := m["fileName"]; ok {
		if json.Unmarshal(raw, &name) != nil {
			return bad(`"fileName" must be a string`)
		}
		if err := uploader.CheckFileName(name); err != nil {
			return bad("fileName: %v", err)
		}
		if strings.ContainsFunc(name, unicode.IsControl) {
			return bad("fileName %q has a control character (a line break, a NUL, …)", name)
		}
	}
	it.key = file
	for k, raw := range m {
		if err := setListField(&fields, k, raw); err != nil {
			return bad("%v", err)
		}
	}
	return itemOf(it, file, name, fields)
}

// itemOf completes an item whose file is file (a path or a URL).
func itemOf(it listItem, file, name string, fields uploader.Fields) listItem {
	it.key = file
	it.req = uploader.Request{Path: file, FileName: name, Fields: fields}
	bad := func(format string, a ...any) listItem {
		it.err = &uploader.CheckError{Field: "list", Reason: fmt.Sprintf("line %d: ", it.line) + fmt.Sprintf(format, a...)}
		return it
	}
	if !urlLike.MatchString(file) {
		if it.req.FileName == "" {
			it.req.FileName = baseName(file)
		}
		return it
	}
	it.req.URL = file
	id, name, err := uploader.SourceURL(file)
	if err != nil {
		return bad("%v", err)
	}
	it.key = id
	if it.req.FileName == "" {
		if name == "" {
			return bad(`the URL %s has no file name at the end of its path: give one, as {"file": "…", "fileName": "name.jpg"}`, redactURL(file))
		}
		it.req.FileName = name
	}
	return it
}

// urlLike is a line that means a URL (scheme://…), whatever its scheme:
// no local path looks so.
var urlLike = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9+.-]*://`)

// baseName is a local path's last element, with / or \ between elements on
// Windows.
func baseName(p string) string {
	return path.Base(strings.ReplaceAll(p, `\`, "/"))
}

// setListField sets an item's own field k, given as JSON.
func setListField(f *uploader.Fields, k string, raw json.RawMessage) error {
	var err error
	switch k {
	case "file", "fileName":
		return nil
	case "folder":
		var s string
		if err = json.Unmarshal(raw, &s); err != nil {
			return fmt.Errorf(`"folder" must be a string`)
		}
		if s, err = uploader.ExpandFolder(s, clock()); err == nil {
			s, err = uploader.CleanFolder(s)
		}
		if err != nil {
			return fmt.Errorf("folder: %v", err)
		}
		f.Folder = s
		return nil
	case "tags":
		var list []string
		var s string
		if json.Unmarshal(raw, &list) != nil {
			if json.Unmarshal(raw, &s) != nil {
				return fmt.Errorf(`"tags" must be a list of strings, or one string of tags separated by commas`)
			}
			list = uploader.ParseTags(s)
		}
		if err := uploader.CheckTags(list); err != nil {
			return fmt.Errorf("tags: %v", err)
		}
		f.Tags = list
		return nil
	case "isPrivateFile", "useUniqueFileName", "overwriteFile":
		var b bool
		if json.Unmarshal(raw, &b) != nil {
			return fmt.Errorf("%q must be true or false", k)
		}
		*map[string]*bool{"isPrivateFile": &f.IsPrivateFile, "useUniqueFileName": &f.UseUniqueFileName, "overwriteFile": &f.OverwriteFile}[k] = b
		return nil
	}
	op, ok := uploader.LookupOption(k)
	if !ok {
		return fmt.Errorf("%q is not an upload field; an item takes %s and ImageKit's options by their API names (customMetadata, description, …)", k, strings.Join(listFields, ", "))
	}
	var v string
	if op.IsBool() {
		var b bool
		if json.Unmarshal(raw, &b) != nil {
			return fmt.Errorf("%q must be true or false", k)
		}
		v = strconv.FormatBool(b)
	} else if json.Unmarshal(raw, &v) != nil {
		v = string(raw) // JSON options (customMetadata, extensions, …) may be given as JSON
	}
	if err := op.Check(v); err != nil {
		return fmt.Errorf("%s: %v", k, err)
	}
	if err = op.Set(&f.Options, v); err != nil {
		return fmt.Errorf("%s: %v", k, err)
	}
	return nil
}

// listTime is when a list's line was reported, for report's "last word".
func listTime() string { return time.Now().UTC().Format(time.RFC3339Nano) }
