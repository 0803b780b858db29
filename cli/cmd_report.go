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
	at       int64 // the line's time, Unix ns
	seq      int64 // the order read: the later line wins a tie
	status   uint8 // index in statuses
	kind     uint8 // of a failure: index in kinds
	uploaded bool  // some run uploaded it: its rerun's "already uploaded" is that upload
}

// statuses are the words of upload's lines; a line with another is not
// an upload's.
var statuses = []string{"uploaded", "already-uploaded", "may-be-uploaded", "failed", "skipped", "planned"}

// kinds are the kinds of failure; another counts as "other".
var kinds = []string{"", "check", "file", "network", "server", "config", "canceled", "other"}

func indexOf(words []string, w, or string) uint8 {
	if i := slices.Index(words, w); i >= 0 {
		return uint8(i)
	}
	return uint8(slices.Index(words, or))
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
	files0, err := fs.parseInterleaved(args)
	if err != nil {
		return err
	}
	if len(files0) == 0 {
		return usagef("report needs the files of upload --json lines (- for stdin)")
	}
	last := map[[16]byte]reported{}
	items := map[[16]byte]json.RawMessage{} // the lines of the items not stored (yet)
	files := map[[16]byte]struct{}{}        // every file reported, wherever it went: for --list
	var sums reportSums
	var seq int64
	for _, name := range files0 {
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
			if json.Unmarshal(line, &l) != nil || !slices.Contains(statuses, l.Status) || l.Path == "" && len(l.Item) == 0 {
				sums.UnreadLines++
				return
			}
			seq++
			key, file := reportKey(l)
			files[file] = struct{}{}
			files[key] = struct{}{} // and where it went: a list's item that names its folder
			var at int64
			if t, err := time.Parse(time.RFC3339Nano, l.At); err == nil {
				at = t.UnixNano()
			}
			old, had := last[key]
			if l.Status == "uploaded" && had {
				old.uploaded = true
				last[key] = old
			}
			if had && (at < old.at || at == old.at && seq < old.seq) {
				return // an earlier word than the one kept
			}
			r := reported{at: at, seq: seq, status: indexOf(statuses, l.Status, ""), uploaded: old.uploaded || l.Status == "uploaded"}
			if l.Error != nil {
				r.kind = indexOf(kinds, l.Error.Kind, "other")
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
		item []byte
	}
	var retry []again // in the order their lines were read
	for key, r := range last {
		sums.Items++
		switch statuses[r.status] {
		case "uploaded":
			sums.Uploaded++
		case "already-uploaded":
			if r.uploaded { // by a run of this report whose word came before
				sums.Uploaded++
			} else {
				sums.Already++
			}
		case "skipped":
			sums.Skipped++
		case "planned":
			sums.Planned++
		case "may-be-uploaded":
			sums.MayBeUploaded++
			retry = append(retry, again{r.seq, items[key]})
		default:
			sums.Failed++
			sums.FailedByKind[cmp.Or(kinds[r.kind], "other")]++
			retry = append(retry, again{r.seq, items[key]})
		}
	}
	slices.SortFunc(retry, func(a, b again) int { return cmp.Compare(a.seq, b.seq) })
	list := make([][]byte, 0, len(retry))
	for _, a := range retry {
		list = append(list, a.item)
	}
	if *listPath != "" {
		missing, n, err := notReported(ctx, *listPath, std.In, files)
		if err != nil {
			return err
		}
		sums.NotReported = n
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

// notReported returns the lines of the list at name that no report has a
// line for (a folder's, when any of its files has none), and how many
// items, files of folders counted each, they hold.
func notReported(ctx context.Context, name string, stdin io.Reader, files map[[16]byte]struct{}) ([][]byte, int, error) {
	list, err := openList(ctx, name, stdin)
	if err != nil {
		return nil, 0, err
	}
	defer list.Close()
	var missing [][]byte
	n := 0
	seen := func(file string) bool {
		_, ok := files[fileKey(file)]
		return ok
	}
	err = readList(ctx, list, uploader.DefaultFields(), shard{}, func(it listItem) error {
		if it.err == nil && it.req.URL == "" {
			if info, err := os.Stat(it.req.Path); err == nil && info.IsDir() {
				found, _, err := uploader.CollectContext(ctx, []string{it.req.Path})
				if err != nil {
					return err
				}
				k := 0
				for _, f := range found {
					if !seen(f.Path) {
						k++
					}
				}
				if k > 0 { // the folder again: what is there already is passed over
					n += k
					missing = append(missing, listLine(it.raw))
				}
				return nil
			}
		}
		// Named as upload named the item's line: by its file, or for a
		// line it could not read, by the line's number. An item that names
		// its own folder is looked for there (the same file may go to two);
		// one that takes the command's folder, which the list does not say,
		// anywhere.
		var m map[string]json.RawMessage
		if it.err == nil && json.Unmarshal(it.raw, &m) == nil && m["folder"] != nil {
			key, _ := reportKey(results.Line{Path: it.req.Path, Item: itemJSON(it.req)})
			if _, ok := files[key]; !ok {
				n++
				missing = append(missing, listLine(it.raw))
			}
			return nil
		}
		if !seen(it.req.Path) {
			n++
			missing = append(missing, listLine(it.raw))
		}
		return nil
	}, nil)
	return missing, n, err
}

// reportKey names a line's item: its file (a URL without what presigns
// it) and where it went, from the item upload wrote; and the file alone,
// as --list names it.
func reportKey(l results.Line) (item, file [16]byte) {
	var it struct {
		File     string `json:"file"`
		Folder   string `json:"folder"`
		FileName string `json:"fileName"`
	}
	f := l.Path
	if len(l.Item) > 0 && l.Item[0] == '{' && json.Unmarshal(l.Item, &it) == nil && it.File != "" {
		f = it.File
	}
	file = fileKey(f)
	if urlLike.MatchString(f) {
		f = uploader.URLIdentity(f)
	}
	sum := sha256.Sum256([]byte(f + "\x00" + it.Folder + "\x00" + it.FileName))
	return [16]byte(sum[:16]), file
}

// fileKey names a file in a report, as reportKey does.
func fileKey(f string) [16]byte {
	if urlLike.MatchString(f) {
		f = uploader.URLIdentity(f)
	}
	sum := sha256.Sum256([]byte(f))
	return [16]byte(sum[:16])
}

// itemOfLine is the list's line that sends a reported item again: its
// item, or a path that is not UTF-8 as its very bytes (JSON would have
// changed them, and the file would not be found).
func itemOfLine(l results.Line) []byte {
	if len(l.PathBytes) > 0 && !strings.ContainsAny(string(l.PathBytes), "\r\n") {
		return append([]byte(nil), l.PathBytes...)
	}
	if len(l.Item) > 0 {
		return listLine(l.Item)
	}
	return listLine(jsonString(l.Path)) // a plain upload's line: its path
}

// listLine is an item as a list's line: a plain line for a string that
// reads back as itself, the JSON object otherwise.
func listLine(it json.RawMessage) []byte {
	var s string
	if json.Unmarshal(it, &s) == nil {
		// The line as it was given: a path, a URL, or a line that could
		// not be read (it fails again, the same way, until it is mended).
		if s != "" && !strings.ContainsAny(s, "\n\r") {
			return []byte(s)
		}
		line, _ := json.Marshal(map[string]string{"file": s})
		return line
	}
	return append([]byte(nil), it...)
}

// writeList writes lines as a list. The file is written whole, then
// renamed into place.
func writeList(path string, lines [][]byte) error {
	var b bytes.Buffer
	for _, l := range lines {
		b.Write(l)
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
