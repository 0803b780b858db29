package cli

import (
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	bolt "go.etcd.io/bbolt"

	"imagekit-uploader/uploader"
	"imagekit-uploader/uploader/imagekittest"
)

// TestJobStateOfAnEarlierVersionIsReadIn: a job's journal and done list of
// JSON lines (before 0.3) beside the new store's names are read in once:
// the stored file is passed over with no request, the unfinished one is
// sent, and the old files are gone.
func TestJobStateOfAnEarlierVersionIsReadIn(t *testing.T) {
	t.Setenv("IMAGEKIT_PRIVATE_KEY", "")
	srv := imagekittest.NewServer()
	defer srv.Close()
	dir := filepath.Join(t.TempDir(), "shoot")
	os.MkdirAll(dir, 0o755)
	a, b := filepath.Join(dir, "a.jpg"), filepath.Join(dir, "b.jpg")
	os.WriteFile(a, []byte("photo a"), 0o644)
	state := t.TempDir()
	jpath := filepath.Join(state, "job.db")
	args := uploadArgs(srv, "--json", "--folder", "/old", "--journal", jpath, a)
	if code, out, errs := runCLI(t, "", args...); code != 0 {
		t.Fatalf("exit %d\n%s%s", code, out, errs)
	}
	// What an earlier version kept: the done list and a journal as lines.
	d, err := openDoneList(jpath+".done", "", "", io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	var done []byte
	d.db.View(func(tx *bolt.Tx) error {
		_, v := tx.Bucket(bucketDone).Cursor().First()
		done = append(v, '\n')
		return nil
	})
	d.close()
	var rec doneFile
	json.Unmarshal(done, &rec)
	os.Remove(jpath + ".done")
	os.WriteFile(filepath.Join(state, "job.jsonl.done"), done, 0o600)
	os.WriteFile(b, []byte("photo b"), 0o644)
	fields := uploader.DefaultFields()
	fields.Folder = "/old"
	line, _ := json.Marshal(map[string]any{"op": "add", "path": b, "fileName": "b.jpg", "fields": fields, "started": true, "tag": rec.Job})
	os.WriteFile(filepath.Join(state, "job.jsonl"), append(line, '\n'), 0o600)

	before := len(srv.Requests())
	code, out, errs := runCLI(t, "", args...)
	if code != 0 || !strings.Contains(errs, "resuming: 1 file") {
		t.Fatalf("exit %d\n%s%s", code, out, errs)
	}
	lines := jsonLines(t, out)
	if lines["a.jpg"]["status"] != "already-uploaded" || lines["b.jpg"]["status"] != "uploaded" {
		t.Errorf("after reading in: %v", lines)
	}
	if n := len(srv.Requests()) - before; n != 1 {
		t.Errorf("%d requests, want 1 (b only)", n)
	}
	for _, old := range []string{"job.jsonl", "job.jsonl.done"} {
		if _, err := os.Stat(filepath.Join(state, old)); !os.IsNotExist(err) {
			t.Errorf("%s is still there: %v", old, err)
		}
	}
	if !uploader.IsStore(jpath + ".done") {
		t.Error("the done list is not a store")
	}
}

// TestJournalRefusesOtherDatabases: --journal at a bbolt database that is
// not this program's store (none of its own mark: empty, or with a bucket
// that only looks like the journal's) is refused and left as it was.
// Before, both were taken as journals, and removed when the run finished.
func TestJournalRefusesOtherDatabases(t *testing.T) {
	t.Setenv("IMAGEKIT_PRIVATE_KEY", "")
	srv := imagekittest.NewServer()
	defer srv.Close()
	p := filepath.Join(t.TempDir(), "a.jpg")
	os.WriteFile(p, []byte("photo"), 0o644)
	for name, buckets := range map[string][]string{"empty.db": nil, "like.db": {"unfinished"}, "done-like.db": {"done"}} {
		db := filepath.Join(t.TempDir(), name)
		b, err := bolt.Open(db, 0o600, nil)
		if err != nil {
			t.Fatal(err)
		}
		b.Update(func(tx *bolt.Tx) error {
			for _, k := range buckets {
				bk, _ := tx.CreateBucket([]byte(k))
				bk.Put([]byte("x"), []byte("not ours"))
			}
			return nil
		})
		b.Close()
		before, _ := os.ReadFile(db)
		target := db // the journal's path
		if name == "done-like.db" {
			os.Rename(db, db+".done") // the done list beside the journal
			db += ".done"
		}
		code, _, errs := runCLI(t, "", uploadArgs(srv, "--journal", target, p)...)
		after, err := os.ReadFile(db)
		if code != 2 || !strings.Contains(errs, "left as it is") || err != nil || string(after) != string(before) {
			t.Errorf("%s: exit %d, changed %v: %s", name, code, string(after) != string(before), errs)
		}
	}
}
