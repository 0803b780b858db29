package uploader

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"imagekit-uploader/uploader/imagekittest"
)

// TestJournalKnowsWhatMayBeOnTheServer stops a queue as a crash would (the
// journal closed mid-upload, nothing more recorded): the next open offers
// the unfinished files, and only the one whose upload had begun is marked
// as possibly on the server, so only it is sent with overwriteFile=false.
func TestJournalKnowsWhatMayBeOnTheServer(t *testing.T) {
	srv := newTestServer(t)
	srv.Script(imagekittest.Fault{}, imagekittest.Fault{Hang: true})
	dir := t.TempDir()
	paths := writeFiles(t, dir, 3, 1000)
	path := filepath.Join(t.TempDir(), "journal.jsonl")
	jn, left, err := OpenJournal(path)
	if err != nil || len(left) != 0 {
		t.Fatalf("a new journal: %v, %v", left, err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	q := NewQueue(ctx, newClient(t, srv), 1, PlanFree)
	q.SetJournal(jn)
	fields := DefaultFields()
	fields.UseUniqueFileName = false
	items, _ := Collect(paths)
	ids, _ := q.Add(items, fields)
	q.Start(ids[0], ids[1]) // the third stays Ready
	waitFor(t, "the second upload to be sent", func() bool {
		j, _ := q.Job(ids[1])
		return j.State == Uploading && j.Acked == j.Request.Size
	})
	jn.Close() // the crash: nothing after this reaches the disk
	cancel()
	runQueue(t, q)

	again, left, err := OpenJournal(path)
	if err != nil {
		t.Fatal(err)
	}
	defer again.Close()
	if len(left) != 2 || left[0].Path != paths[1] || left[1].Path != paths[2] {
		t.Fatalf("unfinished after the crash: %+v", left)
	}
	if !left[0].Started || left[1].Started {
		t.Fatalf("started flags: %v %v; want only the file whose upload began", left[0].Started, left[1].Started)
	}
	if left[0].Fields.Folder != fields.Folder || left[0].FileName != filepath.Base(paths[1]) {
		t.Fatalf("restored settings: %+v", left[0])
	}

	q2 := NewQueue(context.Background(), newClient(t, srv), 2, PlanFree)
	q2.SetJournal(again)
	restored := q2.Restore(left)
	q2.Start()
	runQueue(t, q2)
	guarded := map[string]string{}
	for _, r := range srv.Requests() {
		if r.Fault != "" {
			continue
		}
		guarded[r.Fields["fileName"]] = r.Fields["overwriteFile"]
	}
	if guarded[filepath.Base(paths[1])] != "false" || guarded[filepath.Base(paths[2])] != "true" {
		t.Fatalf("overwriteFile sent on resume: %v", guarded)
	}
	for _, id := range restored {
		if j, _ := q2.Job(id); j.State != Done {
			t.Errorf("%s: %s %v", j.Request.FileName, j.State, j.Err)
		}
	}
	if left, _ := ReadJournal(path); len(left) != 0 {
		t.Fatalf("still unfinished after the resume: %+v", left)
	}
}

// TestJournalSurvivesATornLine: in a journal of JSON lines (before 0.3), a
// crash mid-write left half a line; the records before it still count, and
// the file is read into the store.
func TestJournalSurvivesATornLine(t *testing.T) {
	path := filepath.Join(t.TempDir(), "journal.jsonl")
	data := `{"op":"add","path":"/a","fileName":"a"}` + "\n" +
		`{"op":"add","path":"/b","fileName":"b"}` + "\n" +
		`{"op":"send","path":"/b"}` + "\n" +
		`{"op":"end","path":"/a"}` + "\n" +
		`{"op":"add","path":"/c","fileNa`
	os.WriteFile(path, []byte(data), 0o600)
	jn, left, err := OpenJournal(path)
	if err != nil {
		t.Fatal(err)
	}
	jn.Close()
	if len(left) != 1 || left[0].Path != "/b" || !left[0].Started {
		t.Fatalf("left: %+v", left)
	}
	// Read into the store, which holds the one unfinished file.
	if !IsStore(path) {
		t.Fatal("the journal of JSON lines was not replaced by the store")
	}
	if left, err := ReadJournal(path); err != nil || len(left) != 1 || left[0].Path != "/b" || !left[0].Started {
		t.Fatalf("the store holds %+v, %v", left, err)
	}
	if matches, _ := filepath.Glob(path + ".*"); len(matches) != 1 || !strings.HasSuffix(matches[0], ".lock") {
		t.Fatalf("files beside the journal: %v", matches)
	}
}

// TestJournalWritesOnChangesOnly: a slow upload writes its journal records
// when its state changes, not on every progress report (the old pending list
// was rewritten every second of any upload).
func TestJournalWritesOnChangesOnly(t *testing.T) {
	srv := newTestServer(t)
	srv.Script(imagekittest.Fault{BytesPerSecond: 200_000})
	path := filepath.Join(t.TempDir(), "journal.jsonl")
	jn, _, err := OpenJournal(path)
	if err != nil {
		t.Fatal(err)
	}
	defer jn.Close()
	q := NewQueue(context.Background(), newClient(t, srv), 1, PlanFree)
	q.SetJournal(jn)
	var ev events
	q.OnChange = ev.follow(q)
	items, _ := Collect(writeFiles(t, t.TempDir(), 1, 400_000)) // two seconds of progress
	ids, _ := q.Add(items, DefaultFields())
	q.Start()
	runQueue(t, q)
	// Enough reports that writing on each would show (under wine, with
	// Windows' larger socket buffers, there were 6).
	if n := len(ev.of(ids[0])); n < 5 {
		t.Fatalf("only %d progress reports: the upload was too quick to tell", n)
	}
	// Added, queued (with the fields it is sent with), about to send, ended.
	if add, send, end := jn.written.add.Load(), jn.written.send.Load(), jn.written.end.Load(); add != 2 || send != 1 || end != 1 {
		t.Fatalf("journal records for one upload: %d added, %d about to send, %d ended; want 2, 1, 1", add, send, end)
	}
}

// TestAnOldRunsEndLeavesTheNewRunOpen: a run's end record that is written
// late (its OnFinish was slow) after the person retried, or cleared the
// list and added the file again, must not close the new run: after a crash
// the file, whose new upload was under way, is offered again. Before, it
// was not.
func TestAnOldRunsEndLeavesTheNewRunOpen(t *testing.T) {
	for _, mode := range []string{"retry", "clear and add again"} {
		t.Run(mode, func(t *testing.T) {
			srv := newTestServer(t)
			srv.Script(imagekittest.Fault{Status: 400, Message: "refused"}, imagekittest.Fault{Hang: true})
			dir := t.TempDir()
			paths := writeFiles(t, dir, 1, 5000)
			path := filepath.Join(dir, "journal.jsonl")
			jn, _, err := OpenJournal(path)
			if err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			q := NewQueue(ctx, newClient(t, srv), 2, PlanFree)
			q.SetJournal(jn)
			finishing, release := make(chan struct{}), make(chan struct{})
			var once sync.Once
			q.OnFinish = func(Job) {
				once.Do(func() { close(finishing); <-release }) // a slow disk under the history
			}
			fields := DefaultFields()
			fields.UseUniqueFileName, fields.OverwriteFile = false, false
			items, _ := Collect(paths)
			ids, _ := q.Add(items, fields)
			q.Start()
			<-finishing
			id := ids[0]
			if mode == "retry" {
				q.Retry(id)
			} else {
				q.Remove(func(Job) bool { return true })
				ids, _ = q.Add(items, fields)
				id = ids[0]
				q.Start()
			}
			waitFor(t, "the new run to be sent", func() bool {
				j, _ := q.Job(id)
				return j.State == Uploading && j.Acked == j.Request.Size
			})
			close(release) // the old run's end is written now
			waitFor(t, "the old run's end on disk", func() bool { return jn.written.end.Load() == 1 })
			jn.Close() // the crash
			left, _ := ReadJournal(path)
			if len(left) != 1 || !left[0].Started {
				t.Fatalf("after the crash: %+v; want the file, started", left)
			}
			cancel()
			runQueue(t, q)
		})
	}
}

// TestOneJournalOneProcess: a second window on the same storage cannot open
// the journal the first has open. Before, it offered the first's uploads
// under way as unfinished, and its compaction cut the first off from the
// file.
func TestOneJournalOneProcess(t *testing.T) {
	path := filepath.Join(t.TempDir(), "journal.jsonl")
	a, _, err := OpenJournal(path)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := OpenJournal(path); !errors.Is(err, ErrJournalInUse) {
		t.Fatalf("a second open: %v, want ErrJournalInUse", err)
	}
	a.Close()
	b, _, err := OpenJournal(path)
	if err != nil {
		t.Fatalf("after the first closed: %v", err)
	}
	b.Close()
}

// TestJournalKeepsOddNamesAndSkipsDamage: a name that is not UTF-8 comes
// back byte for byte (JSON would have replaced its bad bytes, and the file
// would not be found), and a damaged stretch of any length is passed over.
func TestJournalKeepsOddNamesAndSkipsDamage(t *testing.T) {
	dir := t.TempDir()
	name := "caf\xe9.jpg" // a Latin-1 name from an old archive
	if runtime.GOOS == "windows" {
		// Windows names are UTF-16: none is other than Unicode.
		t.Log("no name that is not UTF-8 on Windows: café.jpg instead")
		name = "café.jpg"
	}
	odd := filepath.Join(dir, name)
	os.WriteFile(odd, []byte("photo"), 0o644)
	path := filepath.Join(dir, "journal.db")
	jn, _, _ := OpenJournal(path)
	q := NewQueue(context.Background(), nil, 1, PlanFree)
	q.SetJournal(jn)
	items, _ := Collect([]string{odd})
	q.Add(items, DefaultFields())
	jn.Close()
	jn, left, err := OpenJournal(path)
	if err != nil {
		t.Fatal(err)
	}
	jn.Close()
	if len(left) != 1 || left[0].Path != odd || left[0].FileName != name {
		t.Fatalf("left: %+v", left)
	}

	// A journal of JSON lines (before 0.3) with the same name and a damaged
	// stretch: read in whole, the name byte for byte.
	rec, _ := json.Marshal(journalRecord{Op: "add", Raw: map[string][]byte{"path": []byte(odd), "fileName": []byte(name)}})
	if utf8.ValidString(odd) {
		rec, _ = json.Marshal(journalRecord{Op: "add", Unfinished: Unfinished{Path: odd, FileName: name}})
	}
	lines := filepath.Join(dir, "old.jsonl")
	var b bytes.Buffer
	b.Write(append(rec, '\n'))
	b.Write(bytes.Repeat([]byte{0}, 5<<20)) // a crash that left a block of zeros
	b.WriteString("\n" + `{"op":"add","path":"/after/the/damage.jpg","fileName":"damage.jpg"}` + "\n")
	os.WriteFile(lines, b.Bytes(), 0o600)
	jn, left, err = OpenJournal(filepath.Join(dir, "old.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer jn.Close()
	if len(left) != 2 || left[0].Path != odd || left[0].FileName != name || left[1].Path != "/after/the/damage.jpg" {
		t.Fatalf("left: %+v", left)
	}
	if _, err := os.Stat(lines); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the journal of JSON lines beside the store is still there: %v", err)
	}
}

// TestRestoreWhatIsNoLongerAFile: a journaled file that is a folder now is
// listed as failed (which ends it), not expanded into its contents under the
// file's name; before, every file inside went up as versions of one path,
// at every start.
func TestRestoreWhatIsNoLongerAFile(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "photo.jpg")
	os.MkdirAll(p, 0o755)
	writeFiles(t, p, 3, 100)
	path := filepath.Join(dir, "journal.jsonl")
	jn, _, _ := OpenJournal(path)
	defer jn.Close()
	q := NewQueue(context.Background(), nil, 1, PlanFree)
	q.SetJournal(jn)
	ids := q.Restore([]Unfinished{{Path: p, FileName: "photo.jpg", Fields: DefaultFields(), Started: true}})
	if len(ids) != 1 {
		t.Fatalf("%d jobs from one journaled file", len(ids))
	}
	if j, _ := q.Job(ids[0]); j.State != Failed || !strings.Contains(j.Err.Error(), "no longer a file") {
		t.Fatalf("%s %v", j.State, j.Err)
	}
	if left, _ := ReadJournal(path); len(left) != 0 {
		t.Fatalf("still offered: %+v", left)
	}
}

// TestRestoreOfAFileAlreadyListed: the file was given again (the command
// line, "Open with") before the person took the offer; it is not listed
// twice, and it keeps its doubt: it goes out guarded, not as a new version.
func TestRestoreOfAFileAlreadyListed(t *testing.T) {
	srv := newTestServer(t)
	paths := writeFiles(t, t.TempDir(), 1, 5000)
	fields := DefaultFields()
	fields.UseUniqueFileName, fields.OverwriteFile = false, false
	c := newClient(t, srv)
	// The crashed session had stored it, its answer lost.
	if _, err := c.Upload(context.Background(), Request{Path: paths[0], FileName: "file-0000.bin", Size: 5000, Fields: fields}, nil); err != nil {
		t.Fatal(err)
	}
	q := NewQueue(context.Background(), c, 1, PlanFree)
	items, _ := Collect(paths)
	q.Add(items, fields)
	if ids := q.Restore([]Unfinished{{Path: paths[0], FileName: "file-0000.bin", Fields: fields, Started: true}}); len(ids) != 0 {
		t.Fatalf("listed twice")
	}
	q.Start()
	runQueue(t, q)
	if j := q.Jobs()[0]; j.State != AlreadyUploaded || len(srv.Files()[0].Versions) != 1 {
		t.Fatalf("%s %v; %d versions", j.State, j.Err, len(srv.Files()[0].Versions))
	}
}

// TestSentAtOfAnOldJournalIsNotTrusted: a file whose first send was
// recorded by a release that wrote no time keeps no time, even after a send
// of this release: the earliest attempt's time is unknown, and a look in
// the library since a later one would miss the version it made.
func TestSentAtOfAnOldJournalIsNotTrusted(t *testing.T) {
	path := filepath.Join(t.TempDir(), "job.jsonl")
	t2 := time.Date(2026, 12, 4, 12, 0, 0, 0, time.UTC)
	lines := []string{
		`{"op":"add","run":"r1","path":"/p/a.jpg","fileName":"a.jpg","fields":{"folder":"/web"}}`,
		`{"op":"send","run":"r1","path":"/p/a.jpg"}`,
		`{"op":"add","run":"r2","path":"/p/a.jpg","fileName":"a.jpg","fields":{"folder":"/web"},"started":true}`,
		`{"op":"send","run":"r2","path":"/p/a.jpg","sentAt":"` + t2.Format(time.RFC3339) + `"}`,
	}
	os.WriteFile(path, []byte(strings.Join(lines, "\n")+"\n"), 0o600)
	left, err := ReadJournal(path)
	if err != nil || len(left) != 1 || !left[0].Started || !left[0].SentAt.IsZero() {
		t.Fatalf("%+v, %v", left, err)
	}
	// A journal of this release: the first send's time.
	lines = []string{
		`{"op":"add","run":"r1","path":"/p/a.jpg","fileName":"a.jpg","fields":{"folder":"/web"}}`,
		`{"op":"send","run":"r1","path":"/p/a.jpg","sentAt":"` + t2.Format(time.RFC3339) + `"}`,
		`{"op":"send","run":"r1","path":"/p/a.jpg","sentAt":"` + t2.Add(time.Minute).Format(time.RFC3339) + `"}`,
	}
	os.WriteFile(path, []byte(strings.Join(lines, "\n")+"\n"), 0o600)
	if left, err := ReadJournal(path); err != nil || len(left) != 1 || !left[0].SentAt.Equal(t2) {
		t.Fatalf("%+v, %v", left, err)
	}
}

// TestJournalKeepsALongURL: an item named by a URL longer than a store's
// key may be (a list's, 40 KiB) is kept, and the others written with it
// too. Before, the store refused the key, and the whole write with it: a
// crash then lost every item of that batch.
func TestJournalKeepsALongURL(t *testing.T) {
	path := filepath.Join(t.TempDir(), "job.db")
	jn, _, err := OpenJournal(path)
	if err != nil {
		t.Fatal(err)
	}
	long := "https://h/a.jpg?x=" + strings.Repeat("q", 40<<10)
	var failed error
	jn.OnError = func(err error) { failed = err }
	jn.write([]journalRecord{
		{Op: "add", Run: "r1", Unfinished: Unfinished{Path: long, URL: long, FileName: "a.jpg"}},
		{Op: "add", Run: "r2", Unfinished: Unfinished{Path: "/b.jpg", FileName: "b.jpg"}},
		{Op: "send", Run: "r1", Unfinished: Unfinished{Path: long, SentAt: time.Now()}},
	})
	jn.Close()
	if failed != nil {
		t.Fatal(failed)
	}
	left, err := ReadJournal(path)
	if err != nil || len(left) != 2 || left[0].Path != long || left[0].URL != long || !left[0].Started || left[1].Path != "/b.jpg" {
		t.Fatalf("%d left, %v", len(left), err)
	}
}
