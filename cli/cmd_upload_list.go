package cli

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path"
	"strings"
	"sync"
	"time"

	"imagekit-uploader/results"
	"imagekit-uploader/uploader"
)

// listWindow is how many of a list's items are in the queue at once, at
// least: the list is read only as fast as they finish, so memory stays the
// same however long it is.
const listWindow = 256

// errListStopped ends the reading of a list once the run has stopped.
var errListStopped = errors.New("stopped")

// listRun is one upload --from-list: its tally, and the items in flight.
type listRun struct {
	mu       sync.Mutex
	room     *sync.Cond // signalled as items finish
	inFlight int
	queued   map[string]bool // the items in the queue, by itemKey: one listed again meanwhile is said so
	count    map[string]int  // by status
	stopErr  error           // a refusal that stops the run
	uploaded bool            // something went up: the credentials work
}

// uploadList uploads the items of the list --from-list names, as a
// stream, this worker's shard of them only.
func (f *uploadFlags) uploadList(ctx context.Context, std Stdio, fields uploader.Fields, limit uploader.Limit, sh shard) error {
	list, err := openList(ctx, f.fromList, std.In)
	if err != nil {
		return err
	}
	defer list.Close()
	qctx, cancel := context.WithCancel(ctx)
	defer cancel()
	run, err := f.session(ctx, qctx, std, limit)
	if err != nil {
		return err
	}
	var journalPath string
	defer func() {
		run.Close(context.Background())
		if journalPath != "" {
			removeFinishedJournal(journalPath)
		}
	}()
	q := run.Queue

	// The job is the list (by its name) and this shard of it, with these
	// settings. A list on stdin keeps no journal unless given one: another
	// run's stdin is another list.
	id := f.fromList
	if isURL(id) {
		id = uploader.URLIdentity(id)
	}
	if f.fromList == "-" && f.journal == "" {
		f.journal = "none"
	}
	jn, left, jpath, err := f.openJournal("upload --from-list "+sh.String(), []string{id}, fields)
	if err != nil {
		return err
	}
	// A list's items are named by their file and where they go.
	done, left, err := f.resume(run, jn, jpath, left, true, "item", std)
	if err != nil {
		return err
	}
	defer done.close()
	if jn != nil {
		journalPath = jpath
	}
	out := &uploadReport{w: std.Out, errw: std.Err, json: f.asJSON, format: f.resultFormat, around: func(f func()) { f() }, list: true}
	lr := &listRun{count: map[string]int{}, queued: map[string]bool{}}
	lr.room = sync.NewCond(&lr.mu)
	tally := func(status string) {
		lr.mu.Lock()
		lr.count[status]++
		lr.mu.Unlock()
	}

	run.OnFinish(done.record)
	run.OnFinish(func(j uploader.Job) {
		lr.mu.Lock()
		lr.uploaded = lr.uploaded || j.State == uploader.Done || j.State == uploader.AlreadyUploaded && !fromIndex(j.Err)
		first := false
		if err := refusal(j.Err); err != nil && !lr.uploaded && lr.stopErr == nil {
			lr.stopErr, first = err, true
		}
		stopErr := lr.stopErr
		lr.inFlight--
		delete(lr.queued, itemKey(j.Request))
		lr.room.Broadcast()
		lr.mu.Unlock()
		if stopErr != nil && j.State == uploader.Canceled && j.Err == nil {
			out.notSent(j, stopErr)
			tally("failed")
		} else {
			out.finished(j)
			tally(uploader.Status(j))
		}
		if first {
			cancelWaiting(q)
		}
	})

	// What an earlier run left unfinished is sent when the list names it
	// again, as the list names it now (a list presigned again has new URLs),
	// guarded as the journal says; what the list no longer names goes at
	// the end, as it was.
	pending := map[string]uploader.Unfinished{}
	for _, u := range left {
		pending[itemKey(requestOf(u))] = u
	}

	start := time.Now()
	var batch []uploader.Request
	window := max(listWindow, 4*f.concurrency)
	// flush adds the batch to the queue, as much of it at a time as there
	// is room for (a folder may bring more files than the window holds).
	flush := func() error {
		for len(batch) > 0 {
			lr.mu.Lock()
			for lr.inFlight >= window && lr.stopErr == nil && ctx.Err() == nil {
				lr.room.Wait()
			}
			stopped := lr.stopErr != nil || ctx.Err() != nil
			n := min(len(batch), window-lr.inFlight)
			if !stopped {
				lr.inFlight += n
			}
			lr.mu.Unlock()
			if stopped {
				return errListStopped
			}
			q.Remove(func(uploader.Job) bool { return true }) // finished and reported: let them go
			ids, dup := q.AddRequests(batch[:n])
			if dup > 0 {
				lr.mu.Lock()
				lr.inFlight -= dup
				lr.room.Broadcast()
				lr.mu.Unlock()
			}
			f.uploadAgain(q, ids)
			q.Start(ids...)
			batch = batch[n:]
		}
		batch = nil
		return nil
	}
	// A context's end wakes the reader waiting for room.
	stopWaking := context.AfterFunc(ctx, func() {
		lr.mu.Lock()
		lr.room.Broadcast()
		lr.mu.Unlock()
	})
	defer stopWaking()

	skipped := 0
	readErr := readList(ctx, list, fields, sh, func(it listItem) error {
		switch {
		case it.err != nil:
			l := results.Line{Path: it.req.Path, Status: "failed", Item: it.raw,
				Error: &results.Error{Kind: uploader.Explain(it.err).Kind, Message: it.err.Error()}}
			out.write(l, fmt.Sprintf("failed    %s", results.Printable(it.err.Error())))
			tally("failed")
			return nil
		}
		reqs := []uploader.Request{it.req}
		if it.req.URL == "" {
			if info, err := os.Stat(it.req.Path); err == nil && info.IsDir() {
				// A folder: its files, each in its place below the folder.
				items, skips, err := uploader.CollectContext(ctx, []string{it.req.Path})
				if err != nil {
					return err
				}
				for _, s := range skips {
					out.skip(s)
					skipped++
				}
				reqs = reqs[:0]
				for _, file := range items {
					reqs = append(reqs, uploader.Request{Path: file.Path, Rel: file.Rel, FileName: path.Base(strings.ReplaceAll(file.Path, `\`, "/")), Size: file.Size, Fields: it.req.Fields})
				}
			}
		}
		for _, r := range reqs {
			key := itemKey(r)
			if u, ok := pending[key]; ok {
				delete(pending, key)
				r.Resumed, r.SentAt = u.Started, u.SentAt // it may be there: guarded
				if u.Path != r.Path {
					jn.Forget([]uploader.Unfinished{u}) // named anew: the new entry is the one to finish
				}
			} else if d, ok := done.storedItem(r); ok && f.skipUploaded {
				out.earlier(d, r)
				tally("already-uploaded")
				continue
			}
			lr.mu.Lock()
			twice := lr.queued[key]
			lr.queued[key] = true
			lr.mu.Unlock()
			if twice {
				s := uploader.Skip{Path: r.Path, Reason: "listed again while it goes: the same file to the same place goes once"}
				out.write(results.Line{Path: s.Path, Status: "skipped", Reason: s.Reason, Item: itemJSON(r)}, fmt.Sprintf("skipped   %s: %s", results.Printable(shownPath(s.Path)), s.Reason))
				skipped++
				continue
			}
			batch = append(batch, r)
		}
		if len(batch) >= 32 {
			return flush()
		}
		return nil
	}, func() error { return flush() }) // the list waits for more: what was read goes now
	if len(pending) > 0 && readErr == nil && lr.stopErr == nil {
		// Left by an earlier run, and named no longer: finished as they were.
		var rest []uploader.Unfinished
		for _, u := range left {
			if _, ok := pending[itemKey(requestOf(u))]; ok {
				rest = append(rest, u)
			}
		}
		lr.mu.Lock()
		lr.inFlight += len(rest)
		lr.mu.Unlock()
		q.Remove(func(uploader.Job) bool { return true })
		if ids := q.Restore(rest); len(ids) < len(rest) {
			lr.mu.Lock()
			lr.inFlight -= len(rest) - len(ids)
			lr.mu.Unlock()
		}
		q.Start()
	}
	if readErr == nil {
		readErr = flush()
	}
	q.Wait(context.Background())

	lr.mu.Lock()
	stopErr, uploaded := lr.stopErr, lr.uploaded
	count := lr.count
	lr.mu.Unlock()
	if stopErr != nil && !uploaded {
		return stopErr
	}
	if stopErr != nil {
		fmt.Fprintln(std.Err, "imagekit-uploader:", stopErr)
		fmt.Fprintln(std.Err, "note: the rest of the list was not read; run the same command again once this is fixed")
	}
	switch {
	case ctx.Err() != nil:
		fmt.Fprintln(std.Err, "note: stopped before the end of the list; run the same command again to go on")
	case errors.Is(readErr, errListStopped), readErr == nil:
	default:
		fmt.Fprintln(std.Err, "imagekit-uploader:", readErr)
	}
	elapsed := time.Since(start)
	already := ""
	if n := count["already-uploaded"]; n > 0 {
		already = fmt.Sprintf(", %d already uploaded", n)
	}
	if n := count["may-be-uploaded"]; n > 0 {
		already += fmt.Sprintf(", %d may already be uploaded", n)
	}
	shardNote := ""
	if sh.Count > 1 {
		shardNote = fmt.Sprintf(" (shard %s)", sh)
	}
	fmt.Fprintf(std.Err, "%d uploaded%s, %d failed, %d skipped in %s%s\n",
		count["uploaded"], already, count["failed"]+count["canceled"], skipped, elapsed.Round(time.Millisecond), shardNote)
	if n := count["may-be-uploaded"]; n > 0 {
		fmt.Fprintf(std.Err, "note: %d %s may already be uploaded, with the answer lost: running this again keeps %s in doubt, never stored twice; --read-library settles them, --send-doubtful sends them as asked.\n",
			n, plural(n, "item", "items"), plural(n, "it", "them"))
	}
	switch {
	case readErr != nil && !errors.Is(readErr, errListStopped):
		return errFailed
	case count["failed"]+count["canceled"]+count["may-be-uploaded"] > 0:
		return errFailed
	case out.formatFailed > 0:
		return fmt.Errorf("--format could not print %d of the lines (said above, as plain text)", out.formatFailed)
	}
	return nil
}

// itemKey names an item of a list by its file (a URL without what
// presigns it) and where it goes: the same file to two places is two items.
func itemKey(r uploader.Request) string {
	return itemIdentity(r) + "\x00" + itemPlace(r)
}

// itemIdentity is what names an item's file.
func itemIdentity(r uploader.Request) string {
	if r.URL != "" {
		return uploader.URLIdentity(r.URL)
	}
	return r.Path
}

// itemPlace is where an item goes: its folder and name.
func itemPlace(r uploader.Request) string {
	folder := r.Fields.Folder
	if r.Rel != "" {
		folder = path.Join(folder, r.Rel)
	}
	return folder + "\x00" + r.FileName
}

// requestOf is the request of a file a journal left unfinished.
func requestOf(u uploader.Unfinished) uploader.Request {
	return uploader.Request{Path: u.Path, URL: u.URL, Rel: u.Rel, FileName: u.FileName, Fields: u.Fields}
}

// cancelWaiting cancels every job not yet started.
func cancelWaiting(q *uploader.Queue) {
	for _, w := range q.Jobs() {
		if w.State == uploader.Ready || w.State == uploader.Queued {
			q.Cancel(w.ID)
		}
	}
}

// earlier reports a list's item that an earlier run of the job stored.
func (r *uploadReport) earlier(d doneFile, req uploader.Request) {
	text := fmt.Sprintf("already   %s: uploaded by an earlier run of this job, to %s", results.Printable(req.Path), results.Printable(d.FilePath))
	if d.URL != "" {
		text = fmt.Sprintf("already   %s -> %s (uploaded by an earlier run of this job)", results.Printable(req.Path), results.Printable(d.URL))
	}
	l := results.Line{Path: req.Path, Status: "already-uploaded", FilePath: d.FilePath, URL: d.URL, Reason: "uploaded by an earlier run of this job"}
	if r.list {
		l.Item = itemJSON(req)
	}
	r.write(l, text)
}

// listItemJSON is a list's JSON item, as itemJSON writes it.
type listItemJSON struct {
	File              string   `json:"file"`
	FileName          string   `json:"fileName"`
	Folder            string   `json:"folder"`
	Tags              []string `json:"tags,omitempty"`
	UseUniqueFileName bool     `json:"useUniqueFileName"`
	OverwriteFile     bool     `json:"overwriteFile"`
	IsPrivateFile     bool     `json:"isPrivateFile"`
}

// itemJSON is a request as a list's JSON item: its file, its name and
// every field, so that a list of failed items sends each as it was asked.
func itemJSON(r uploader.Request) json.RawMessage {
	it := listItemJSON{File: r.Path, FileName: r.FileName, Folder: r.Fields.Folder, Tags: r.Fields.Tags,
		UseUniqueFileName: r.Fields.UseUniqueFileName, OverwriteFile: r.Fields.OverwriteFile, IsPrivateFile: r.Fields.IsPrivateFile}
	if r.URL != "" {
		it.File = r.URL
	}
	if r.Rel != "" {
		it.Folder = path.Join(it.Folder, r.Rel)
	}
	b, _ := json.Marshal(it)
	if r.Fields.Options == (uploader.Options{}) {
		return b
	}
	opts := map[string]any{}
	for _, op := range uploader.OptionTable {
		if v, ok := op.Get(r.Fields.Options); ok && v != "" {
			if op.IsBool() {
				opts[op.Key] = v == "true"
			} else {
				opts[op.Key] = v
			}
		}
	}
	more, _ := json.Marshal(opts)
	return append(append(b[:len(b)-1], ','), more[1:]...)
}

// listShard checks the list's flags, and returns this worker's shard.
func (f *uploadFlags) listShard(paths []string) (shard, error) {
	if f.fromList == "" {
		if f.shard != "" || f.shardsSet || f.dryRun {
			return shard{}, usagef("--shard, --shards and --dry-run are for a list: give --from-list too")
		}
		return shard{}, nil
	}
	switch {
	case len(paths) > 0:
		return shard{}, usagef("give paths or --from-list, not both (a list may name folders)")
	case f.fileName != "":
		return shard{}, usagef("--file-name names one file: in a list, give each item its own as {\"file\": \"…\", \"fileName\": \"…\"}")
	case f.shard != "" && f.shardsSet:
		return shard{}, usagef("give --shard I/N or --shards N, not both")
	case f.shards < 0 || f.shards == 0 && f.shardsSet:
		return shard{}, usagef("--shards must be at least 1")
	case f.shards != 0:
		i := os.Getenv("JOB_COMPLETION_INDEX")
		if i == "" {
			return shard{}, usagef("--shards takes this worker's index from JOB_COMPLETION_INDEX (set in a Kubernetes Indexed Job), which is not set; give --shard I/N")
		}
		sh, err := parseShard(i + "/" + fmt.Sprint(f.shards))
		if err != nil {
			return shard{}, usagef("--shards with JOB_COMPLETION_INDEX=%s: %v", i, err)
		}
		return sh, nil
	case f.shard != "":
		sh, err := parseShard(f.shard)
		if err != nil {
			return shard{}, usagef("--shard %v", err)
		}
		return sh, nil
	}
	return shard{}, nil
}

// planList checks the list's items of this shard as they would be sent,
// and prints where each would go, sending nothing.
func (f *uploadFlags) planList(ctx context.Context, std Stdio, fields uploader.Fields, limit uploader.Limit, sh shard) error {
	list, err := openList(ctx, f.fromList, std.In)
	if err != nil {
		return err
	}
	defer list.Close()
	out := &uploadReport{w: bufio.NewWriterSize(std.Out, 64<<10), errw: std.Err, json: f.asJSON, format: f.resultFormat, around: func(f func()) { f() }, list: true}
	defer out.w.(*bufio.Writer).Flush()
	start := time.Now()
	var planned, failed int
	err = readList(ctx, list, fields, sh, func(it listItem) error {
		folder := false
		if it.err == nil && it.req.URL == "" {
			info, err := os.Stat(it.req.Path)
			folder = err == nil && info.IsDir()
		}
		if it.err == nil && !folder {
			_, it.err = uploader.Check(it.req, limit)
		}
		if it.err != nil {
			failed++
			l := results.Line{Path: it.req.Path, Status: "failed", Item: it.raw, Error: &results.Error{Kind: uploader.Explain(it.err).Kind, Message: it.err.Error()}}
			out.write(l, fmt.Sprintf("failed    %s: %s", results.Printable(it.req.Path), results.Printable(it.err.Error())))
			return nil
		}
		planned++
		where := path.Join(it.req.Fields.Folder, it.req.FileName)
		if folder {
			where = path.Join(it.req.Fields.Folder, baseName(it.req.Path)) + "/ (a folder: its files, below it)"
		} else if it.req.Fields.UseUniqueFileName {
			where += " (a unique name made from its " + map[bool]string{true: "URL", false: "content"}[it.req.URL != ""] + ")"
		}
		l := results.Line{Path: it.req.Path, Status: "planned", FilePath: where, Item: itemJSON(it.req)}
		out.write(l, fmt.Sprintf("planned   %s -> %s", results.Printable(it.req.Path), results.Printable(where)))
		return nil
	}, nil)
	out.w.(*bufio.Writer).Flush()
	elapsed := time.Since(start)
	fmt.Fprintf(std.Err, "%d planned, %d failed the checks in %s (%.0f items/s); nothing was sent\n",
		planned, failed, elapsed.Round(time.Millisecond), float64(planned+failed)/max(elapsed.Seconds(), 1e-9))
	switch {
	case err != nil:
		return err
	case failed > 0:
		return errFailed
	}
	return nil
}

// shownPath is an item's file as a text line shows it: a URL without what
// signs it.
func shownPath(p string) string {
	if isURL(p) {
		return redactURL(p)
	}
	return p
}
