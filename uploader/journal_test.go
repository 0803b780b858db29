package uploader

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"

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

// TestJournalSurvivesATornLine: a crash mid-write leaves half a line; the
// records before it still count, and the file is compacted on open.
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
	if b, _ := os.ReadFile(path); bytes.Count(b, []byte("\n")) != 1 {
		t.Fatalf("compacted journal:\n%s\nwant one line", b)
	}
	if matches, _ := filepath.Glob(path + ".*"); len(matches) != 0 {
		t.Fatalf("temporary files left: %v", matches)
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
	if n := len(ev.of(ids[0])); n < 10 {
		t.Fatalf("only %d progress reports: the upload was too quick to tell", n)
	}
	b, _ := os.ReadFile(path)
	// Added, queued (with the fields it is sent with), about to send, ended.
	if lines := bytes.Count(b, []byte("\n")); lines != 4 {
		t.Fatalf("%d journal records for one upload:\n%s", lines, b)
	}
}
