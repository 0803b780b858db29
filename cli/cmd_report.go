package cli

import (
	"bytes"
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"os"
	"slices"
	"strings"
	"time"

	"imagekit-uploader/results"
	"imagekit-uploader/uploader"
)

// reported is the last word on one item across reports: small, as a
// migration's report holds one for each of millions of items.
type reported struct {
	at     int64 // the line's time, Unix ns
	seq    int64 // the order read: the later line wins a tie
	status uint8 // index in statuses
	kind   uint8 // of a failure: index in kinds
}

// statuses and kinds are the words of the lines, by index; a word not
// known yet is added.
type words []string

func (w *words) index(s string) uint8 {
	for i, x := range *w {
		if x == s {
			return uint8(i)
		}
	}
	if len(*w) == 255 {
		return 255 // so many words: not an upload's report
	}
	*w = append(*w, s)
	return uint8(len(*w) - 1)
}

// reportSums is what report prints.
type reportSums struct {
	Items          int            `json:"items"`
	Uploaded       int            `json:"uploaded"`
	Already        int            `json:"alreadyUploaded"`
	MayBeUploaded  int            `json:"mayBeUploaded"`
	Failed         int            `json:"failed"`
	FailedByKind   map[string]int `json:"failedByKind"`
	Skipped        int            `json:"skipped"`
	Planned        int            `json:"planned,omitempty"`     // upload --dry-run's
	NotReported    int            `json:"notReported,omitempty"` // items of --list with no line
	Lines          int            `json:"lines"`
	UnreadLines    int            `json:"unreadLines"`
	FailedListFile string         `json:"failedList,omitempty"`
}

func cmdReport(ctx context.Context, args []string, std Stdio) error {
	fs := newFlags(std, "report", "report [flags] FILE...", `
Sum up the --json lines of upload runs (each worker's of a list, a killed
worker's and its rerun's): how many items were uploaded, already there,
may be uploaded, failed (by kind) or skipped. Each item is counted once,
by its file (a URL without the parameters that presign it): its last word
wins, by the line's time, so reports given in any order add up. - reads
stdin. Lines that are not JSON (a log's other lines, as kubectl logs mixes
them in) are passed over; JSON lines that are not upload results are
counted as unread, and said.

--list FILE (the list the workers were given) also counts the items that
no report has a line for (a worker that never ran, or was cut off), and
adds them to --failed. Folders named in the list are passed over there: each
of their files has a line of its own.

--failed FILE writes the items that failed or may be uploaded as a list
that 'upload --from-list' takes back, each with its own fields. Sending a
"may be uploaded" item again stores nothing twice where its name is unique
(the default) or overwriting is off; to settle it from the library, add
--read-library.`)
	listPath := fs.String("list", "", "the list the runs were given: count (and add to --failed) its items that have no line")
	failedPath := fs.String("failed", "", "write the items that failed or may be uploaded to FILE, as a list for upload --from-list")
	asJSON := fs.Bool("json", false, "print the sums as one JSON object")
	files, err := fs.parseInterleaved(args)
	if err != nil {
		return err
	}
	if len(files) == 0 {
		return usagef("report needs the files of upload --json lines (- for stdin)")
	}
	last := map[[16]byte]reported{}
	items := map[[16]byte]json.RawMessage{} // the lines of the items not stored (yet)
	statuses, kinds := words{""}, words{""}
	var sums reportSums
	var seq int64
	for _, name := range files {
		var r io.Reader = std.In
		if name != "-" {
			f, err := os.Open(name)
			if err != nil {
				return usagef("%v", err)
			}
			defer f.Close()
			r = f
		}
		err := uploader.EachLine(r, maxListLine, func(line []byte) {
			line = bytes.TrimSpace(line)
			if len(line) == 0 || line[0] != '{' {
				return // not JSON: a log's other lines
			}
			sums.Lines++
			var l results.Line
			if json.Unmarshal(line, &l) != nil || l.Status == "" || l.Path == "" && len(l.Item) == 0 {
				sums.UnreadLines++
				return
			}
			seq++
			key := reportKey(l)
			var at int64
			if t, err := time.Parse(time.RFC3339Nano, l.At); err == nil {
				at = t.UnixNano()
			}
			if old, ok := last[key]; ok && (at < old.at || at == old.at && seq < old.seq) {
				return // an earlier word than the one kept
			}
			r := reported{at: at, seq: seq, status: statuses.index(l.Status)}
			if l.Error != nil {
				r.kind = kinds.index(l.Error.Kind)
			}
			last[key] = r
			if l.Status == "failed" || l.Status == "may-be-uploaded" {
				items[key] = itemOfLine(l)
			} else {
				delete(items, key)
			}
		})
		if err != nil {
			return fmt.Errorf("%s could not be read: %w", name, err)
		}
	}
	sums.FailedByKind = map[string]int{}
	type again struct {
		seq  int64
		item json.RawMessage
	}
	var retry []again // in the order their lines were read
	for key, r := range last {
		sums.Items++
		switch statuses[r.status] {
		case "uploaded":
			sums.Uploaded++
		case "already-uploaded":
			sums.Already++
		case "skipped":
			sums.Skipped++
		case "planned":
			sums.Planned++
		case "may-be-uploaded":
			sums.MayBeUploaded++
			retry = append(retry, again{r.seq, items[key]})
		default:
			sums.Failed++
			sums.FailedByKind[cmp.Or(kinds[r.kind], "unknown")]++
			retry = append(retry, again{r.seq, items[key]})
		}
	}
	slices.SortFunc(retry, func(a, b again) int { return cmp.Compare(a.seq, b.seq) })
	list := make([]json.RawMessage, 0, len(retry))
	for _, a := range retry {
		list = append(list, a.item)
	}
	if *listPath != "" {
		missing, err := notReported(ctx, *listPath, std.In, last)
		if err != nil {
			return err
		}
		sums.NotReported = len(missing)
		list = append(list, missing...)
	}
	if *failedPath != "" {
		if err := writeList(*failedPath, list); err != nil {
			return configError{err}
		}
		sums.FailedListFile = *failedPath
	}
	if *asJSON {
		b, _ := json.Marshal(sums)
		fmt.Fprintln(std.Out, string(b))
	} else {
		printSums(std.Out, sums)
	}
	if sums.UnreadLines > 0 {
		fmt.Fprintf(std.Err, "note: %d of %d %s were not upload results (give the output of upload --json)\n", sums.UnreadLines, sums.Lines, plural(sums.Lines, "line", "lines"))
	}
	if sums.Failed+sums.MayBeUploaded+sums.NotReported > 0 {
		return errFailed
	}
	return nil
}

// notReported returns the items of the list at name that no report has a
// line for, as the list's lines.
func notReported(ctx context.Context, name string, stdin io.Reader, last map[[16]byte]reported) ([]json.RawMessage, error) {
	list, err := openList(ctx, name, stdin)
	if err != nil {
		return nil, err
	}
	defer list.Close()
	var missing []json.RawMessage
	err = readList(ctx, list, uploader.DefaultFields(), shard{}, func(it listItem) error {
		if it.err == nil && it.req.URL == "" {
			if info, err := os.Stat(it.req.Path); err == nil && info.IsDir() {
				return nil // its files have lines of their own
			}
		}
		// Named as upload named the item's line: by its file, or for a
		// line it could not read, by the line's number.
		if _, ok := last[reportKey(results.Line{Path: it.req.Path, Item: it.raw})]; !ok {
			missing = append(missing, it.raw)
		}
		return nil
	}, nil)
	return missing, err
}

// reportKey names a line's item: its file, a URL without what presigns it.
func reportKey(l results.Line) [16]byte {
	file := l.Path
	var it struct {
		File string `json:"file"`
	}
	if len(l.Item) > 0 && l.Item[0] == '{' && json.Unmarshal(l.Item, &it) == nil && it.File != "" {
		file = it.File
	}
	if urlLike.MatchString(file) {
		file = uploader.URLIdentity(file)
	}
	sum := sha256.Sum256([]byte(file))
	return [16]byte(sum[:16])
}

// itemOfLine is the list's line that sends a reported item again.
func itemOfLine(l results.Line) json.RawMessage {
	if len(l.Item) > 0 {
		return l.Item
	}
	b, _ := json.Marshal(l.Path) // a plain upload's line: its path
	return b
}

// writeList writes items as a list: a plain line for a string, the JSON
// object otherwise. The file is written whole, then renamed into place.
func writeList(path string, items []json.RawMessage) error {
	var b bytes.Buffer
	for _, it := range items {
		var s string
		if json.Unmarshal(it, &s) == nil && !strings.ContainsAny(s, "\n\r") && strings.TrimSpace(s) == s && s != "" && !strings.HasPrefix(strings.TrimSpace(s), "{") && !strings.HasPrefix(s, "#") {
			b.WriteString(s)
		} else if len(it) > 0 && it[0] == '{' {
			b.Write(it)
		} else {
			line, _ := json.Marshal(map[string]string{"file": s})
			b.Write(line)
		}
		b.WriteByte('\n')
	}
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, b.Bytes(), 0o644); err != nil {
		return fmt.Errorf("the list of failed items could not be written: %w", err)
	}
	if err := os.Rename(tmp, path); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("the list of failed items could not be written: %w", err)
	}
	return nil
}

func printSums(w io.Writer, s reportSums) {
	row := func(name string, n int) { fmt.Fprintf(w, "%-18s %8d\n", name, n) }
	row("items", s.Items)
	row("uploaded", s.Uploaded)
	row("already uploaded", s.Already)
	row("may be uploaded", s.MayBeUploaded)
	row("failed", s.Failed)
	for _, k := range slices.Sorted(maps.Keys(s.FailedByKind)) {
		row("  "+k, s.FailedByKind[k])
	}
	row("skipped", s.Skipped)
	if s.Planned > 0 {
		row("planned", s.Planned)
	}
	if s.NotReported > 0 {
		row("not reported", s.NotReported)
	}
	if s.FailedListFile != "" {
		fmt.Fprintf(w, "the %d items to send again are in %s: upload --from-list %s\n", s.Failed+s.MayBeUploaded+s.NotReported, s.FailedListFile, s.FailedListFile)
	}
}
