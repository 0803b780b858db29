package ui

import (
	"os"
	"path"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/storage"
	"fyne.io/fyne/v2/test"
	"github.com/zalando/go-keyring"

	"imagekit-uploader/keystore"
	"imagekit-uploader/uploader"
	"imagekit-uploader/uploader/imagekittest"
)

// uiMu serializes UI work in tests, as the real driver's single UI goroutine does.
var uiMu sync.Mutex

func init() {
	keyring.MockInit() // never the real keyring in these tests
	useLanguage("en")  // what the tests read, whatever this computer's language
	runOnUI = onUIDirect
	waitOnUI = onUIDirect
}

// onUIDirect runs f holding uiMu.
func onUIDirect(f func()) {
	uiMu.Lock()
	defer uiMu.Unlock()
	f()
}

// onUI runs f as UI work, for a test's own reads and taps.
func onUI(f func()) { runOnUI(f) }

func newTestUI(t testing.TB, cfg Config) *UI {
	t.Helper()
	return newTestUIOn(t, test.NewTempApp(t), cfg)
}

// newTestUIOn is newTestUI on the app a (a test app, or one wrapping it).
func newTestUIOn(t testing.TB, a fyne.App, cfg Config) *UI {
	t.Helper()
	if cfg.StorageDir == "" {
		cfg.StorageDir = t.TempDir()
	}
	if cfg.PresetsFile == "" {
		cfg.PresetsFile = filepath.Join(cfg.StorageDir, "presets.json")
	}
	if cfg.IndexFile == "" {
		cfg.IndexFile = filepath.Join(cfg.StorageDir, "uploaded.db")
	}
	cfg.Secrets = keystore.DefaultKeyStore
	var u *UI
	onUI(func() {
		u = New(a, cfg)
		u.win.Resize(fyne.NewSize(1100, 720))
	})
	t.Cleanup(u.Close)
	return u
}

// waitFor polls cond as UI work until it holds.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		ok := false
		onUI(func() { ok = cond() })
		if ok {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("timed out waiting for %s", what)
}

func makeFiles(t *testing.T, dir string, names ...string) []string {
	t.Helper()
	var paths []string
	for _, n := range names {
		p := filepath.Join(dir, n)
		os.MkdirAll(filepath.Dir(p), 0o755)
		if err := os.WriteFile(p, []byte("content of "+n), 0o644); err != nil {
			t.Fatal(err)
		}
		paths = append(paths, p)
	}
	return paths
}

func drop(u *UI, paths ...string) {
	var uris []fyne.URI
	for _, p := range paths {
		uris = append(uris, storage.NewFileURI(p))
	}
	onUI(func() { u.onDropped(fyne.NewPos(10, 10), uris) })
}

// shownRows returns the job rows the list has on screen, by file name.
func shownRows(u *UI) map[string]*jobRow {
	rows := map[string]*jobRow{}
	var walk func(o fyne.CanvasObject)
	walk = func(o fyne.CanvasObject) {
		switch x := o.(type) {
		case *jobRow:
			if x.Visible() && x.name.Text != "" {
				rows[x.name.Text] = x
			}
			return
		case *fyne.Container:
			for _, c := range x.Objects {
				walk(c)
			}
			return
		case fyne.Widget:
			for _, c := range test.WidgetRenderer(x).Objects() {
				walk(c)
			}
		}
	}
	walk(u.win.Canvas().Content())
	return rows
}

func allDone(u *UI, n int) bool {
	if len(u.rows) != n {
		return false
	}
	for _, id := range u.rows {
		if !u.snaps[id].State.Finished() {
			return false
		}
	}
	return true
}

func TestDropFillUploadAndSeeResults(t *testing.T) {
	u := newTestUI(t, Config{Demo: true})
	dir := t.TempDir()
	makeFiles(t, dir, "summer/dresses/a.jpg", "summer/b.png")
	single := makeFiles(t, t.TempDir(), "c.txt")[0]
	drop(u, filepath.Join(dir, "summer"), single)
	waitFor(t, "3 rows", func() bool { return len(u.rows) == 3 })
	onUI(func() {
		u.form.folder.SetText("/shop")
		test.Type(u.form.tags, "summer, dress")
		u.form.unique.SetChecked(false)
		if u.form.button.Disabled() || u.form.button.Text != "Upload 3 files" {
			t.Errorf("Upload button %q disabled=%v (%s)", u.form.button.Text, u.form.button.Disabled(), u.form.reason.Text)
		}
		test.Tap(u.form.button)
	})
	waitFor(t, "every row to show its result", func() bool {
		rows := shownRows(u)
		for _, r := range rows {
			if !strings.Contains(r.detail.Text, "Version 1") {
				return false
			}
		}
		return allDone(u, 3) && len(rows) == 3
	})
	onUI(func() {
		rows := shownRows(u)
		if len(rows) != 3 {
			t.Fatalf("rows on screen: %v", len(rows))
		}
		a := rows["summer/dresses/a.jpg"]
		if a == nil {
			t.Fatalf("no row for summer/dresses/a.jpg: %v", rows)
		}
		for name, r := range rows {
			j := u.snaps[r.id]
			if j.State != uploader.Done {
				t.Fatalf("%s: %s", name, j.State)
			}
			// The row shows the stored name and the URL's host, which fit;
			// the selected file's pane shows the URL whole.
			host := strings.SplitN(j.Result.URL, "/", 4)[2]
			if r.detail.Text != path.Base(j.Result.URL)+" · Version 1 · "+host || r.copyBtn.Hidden || r.openBtn.Hidden {
				t.Errorf("%s shows %q (copy hidden %v)", name, r.detail.Text, r.copyBtn.Hidden)
			}
			u.form.selectJob(r.id)
			if !strings.Contains(u.form.whole.Text, j.Result.URL) || !u.form.whole.Visible() {
				t.Errorf("%s selected: the pane shows %q", name, u.form.whole.Text)
			}
		}
		if got := u.snaps[a.id].Result.FilePath; got != "/shop/summer/dresses/a.jpg" {
			t.Errorf("a.jpg went to %s", got)
		}
		test.Tap(a.copyBtn)
		if got := u.app.Clipboard().Content(); got != u.snaps[a.id].Result.URL {
			t.Errorf("clipboard %q after Copy URL", got)
		}
		if !strings.HasPrefix(u.footer.Text, "3 of 3 uploaded") {
			t.Errorf("footer %q", u.footer.Text)
		}
	})
	for _, r := range u.shared.demo.Requests() {
		if r.Claims.Fields["tags"] != "summer,dress" || r.Claims.Fields["useUniqueFileName"] != "false" {
			t.Errorf("sent fields %v", r.Claims.Fields)
		}
	}
}

func TestFailureShowsTheServersMessageAndRetries(t *testing.T) {
	u := newTestUI(t, Config{Demo: true})
	u.shared.demo.Script(imagekittest.Fault{Status: 400, Message: "Your request contains invalid parameters."})
	drop(u, makeFiles(t, t.TempDir(), "x.jpg")...)
	waitFor(t, "a row", func() bool { return len(u.rows) == 1 })
	onUI(func() { test.Tap(u.form.button) })
	waitFor(t, "the row to show the failure", func() bool {
		r := shownRows(u)["x.jpg"]
		return allDone(u, 1) && r != nil && strings.Contains(r.detail.Text, "400:")
	})
	var row *jobRow
	onUI(func() {
		row = shownRows(u)["x.jpg"]
		if row == nil || !strings.Contains(row.detail.Text, "400: Your request contains invalid parameters.") ||
			!strings.Contains(row.detail.Text, "request id") || row.retryBtn.Hidden {
			t.Fatalf("failed row: %+v", row)
		}
		test.Tap(row.retryBtn)
	})
	waitFor(t, "the retry to finish", func() bool { return u.snaps[u.rows[0]].State == uploader.Done })
}

func TestInvalidInputDisablesUploadWithTheReason(t *testing.T) {
	u := newTestUI(t, Config{Demo: true})
	onUI(func() {
		if !u.form.button.Disabled() || !strings.Contains(u.form.reason.Text, "Add files") {
			t.Errorf("empty list: disabled=%v %q", u.form.button.Disabled(), u.form.reason.Text)
		}
	})
	drop(u, makeFiles(t, t.TempDir(), "x.jpg")...)
	waitFor(t, "a row", func() bool { return len(u.rows) == 1 })
	for _, c := range []struct {
		entry      func() *entry
		text, want string
	}{
		{func() *entry { return u.form.tags }, "sale, 100%", "Fix the tags: tags cannot contain '%'"},
		{func() *entry { return u.form.tags }, strings.Repeat("t", 501), "Fix the tags: tags are 501 characters"},
		{func() *entry { return u.form.folder }, "/my photos", "Fix the folder"},
	} {
		onUI(func() {
			u.form.tags.SetText("")
			u.form.folder.SetText("/")
			c.entry().SetText(c.text)
			if !u.form.button.Disabled() || !strings.Contains(u.form.reason.Text, c.want) {
				t.Errorf("%q: disabled=%v reason %q, want %q", c.text, u.form.button.Disabled(), u.form.reason.Text, c.want)
			}
			if c.entry().Validate() == nil {
				t.Errorf("%q: the field is not marked invalid", c.text)
			}
		})
	}
	onUI(func() {
		u.form.tags.SetText("fine")
		u.form.folder.SetText("/ok")
		if u.form.button.Disabled() {
			t.Errorf("valid input still disabled: %q", u.form.reason.Text)
		}
	})
}

func TestRenameBeforeUpload(t *testing.T) {
	u := newTestUI(t, Config{Demo: true})
	drop(u, makeFiles(t, t.TempDir(), "IMG_0001.JPG")...)
	waitFor(t, "a row", func() bool { return len(u.rows) == 1 })
	onUI(func() {
		u.jobs.list.Select(0)
		if u.form.name.Disabled() || u.form.name.Text != "IMG_0001.JPG" {
			t.Fatalf("name entry %q disabled=%v", u.form.name.Text, u.form.name.Disabled())
		}
		u.form.name.SetText("beach day.jpg")
		u.form.unique.SetChecked(false)
		test.Tap(u.form.button)
	})
	waitFor(t, "done", func() bool { return allDone(u, 1) })
	onUI(func() {
		if got := u.snaps[u.rows[0]].Result.Name; got != "beach_day.jpg" {
			t.Errorf("uploaded as %q, want the new name as ImageKit sanitises it", got)
		}
		if !u.form.name.Disabled() {
			t.Error("the name can still be edited after the upload")
		}
	})
}

// TestRenameIsCheckedWhereTyped: a name ImageKit would refuse ("a/b.jpg")
// is refused in the field, and Upload stays off, as for the folder and the
// tags. Before, the row said ready and the refusal came on send.
func TestRenameIsCheckedWhereTyped(t *testing.T) {
	u := newTestUI(t, Config{Demo: true})
	drop(u, makeFiles(t, t.TempDir(), "IMG_0002.JPG")...)
	waitFor(t, "a row", func() bool { return len(u.rows) == 1 })
	onUI(func() {
		u.jobs.list.Select(0)
		u.form.name.SetText("a/b.jpg")
		if u.form.name.Validate() == nil || !u.form.button.Disabled() || !strings.Contains(u.form.reason.Text, "Fix the file name") {
			t.Fatalf("a/b.jpg: valid=%v, Upload disabled=%v, %q", u.form.name.Validate() == nil, u.form.button.Disabled(), u.form.reason.Text)
		}
		u.form.name.SetText("b.jpg")
		if u.form.name.Validate() != nil || u.form.button.Disabled() {
			t.Fatalf("b.jpg: %v, Upload disabled=%v", u.form.name.Validate(), u.form.button.Disabled())
		}
	})
}

func TestSameFileTwiceQueuedOnce(t *testing.T) {
	u := newTestUI(t, Config{Demo: true})
	p := makeFiles(t, t.TempDir(), "x.jpg")[0]
	drop(u, p)
	waitFor(t, "a row", func() bool { return len(u.rows) == 1 })
	drop(u, p)
	waitFor(t, "the notice", func() bool { return u.notice.Text == "Nothing added: that file is already in the list." })
	onUI(func() {
		if len(u.rows) != 1 {
			t.Fatalf("%d rows", len(u.rows))
		}
	})
}

func TestHistoryAndPendingSurviveARestart(t *testing.T) {
	storageDir := t.TempDir()
	u := newTestUI(t, Config{Demo: true, StorageDir: storageDir})
	files := t.TempDir()
	drop(u, makeFiles(t, files, "up.jpg")...)
	waitFor(t, "a row", func() bool { return len(u.rows) == 1 })
	onUI(func() { test.Tap(u.form.button) })
	waitFor(t, "done", func() bool { return allDone(u, 1) })
	drop(u, makeFiles(t, files, "later1.jpg", "later2.jpg")...) // added, not uploaded
	waitFor(t, "3 rows", func() bool { return len(u.rows) == 3 })
	u.Close()

	again := newTestUI(t, Config{StorageDir: storageDir, Demo: true})
	waitFor(t, "the history to load and the unfinished files to be offered", func() bool {
		return len(again.history.search("")) == 1 && again.dialog != nil
	})
	entries := again.history.search("up.jpg")
	if len(entries) != 1 || entries[0].Status != "uploaded" || entries[0].URL == "" || !entries[0].Demo {
		t.Fatalf("history after restart: %+v", entries)
	}
	onUI(func() {
		again.tabs.SelectIndex(1)
		if again.histView.count.Text != "1 upload" || again.histView.export.Text != "Export CSV…" {
			t.Errorf("history tab: %q, %q", again.histView.count.Text, again.histView.export.Text)
		}
		// Export takes what is shown: with a search, the count and the
		// button say so.
		again.histView.search.SetText("nothing like it")
		if again.histView.count.Text != "0 of 1 upload match" || again.histView.export.Text != "Export these 0 as CSV…" || !again.histView.export.Disabled() {
			t.Errorf("history searched: %q, %q", again.histView.count.Text, again.histView.export.Text)
		}
		again.histView.search.SetText("")
	})
	jobs := offered(t, again)
	if len(jobs) != 2 {
		t.Fatalf("offered again: %+v", jobs)
	}
	onUI(func() { again.restorePending(jobs) })
	waitFor(t, "the 2 files back", func() bool { return len(again.rows) == 2 })
	for _, e := range append(again.history.search(""), Entry{}) {
		if strings.Contains(e.URL+e.Error, imagekittest.DemoPrivateKey) {
			t.Fatal("a key in the history")
		}
	}
}

// TestQuitWhileUploadingKeepsTheUnfinished: closing the app mid-upload saves
// the unfinished files (marked as started) before their uploads are stopped.
func TestQuitWhileUploadingKeepsTheUnfinished(t *testing.T) {
	storageDir := t.TempDir()
	u := newTestUI(t, Config{Demo: true, DemoThrottle: 50_000, StorageDir: storageDir})
	drop(u, sizedFiles(t, 3, 400_000)...)
	waitFor(t, "3 rows", func() bool { return len(u.rows) == 3 })
	onUI(func() { test.Tap(u.form.button) })
	waitFor(t, "an upload under way", func() bool {
		for _, id := range u.rows {
			if u.snaps[id].State == uploader.Uploading {
				return true
			}
		}
		return false
	})
	u.Close()
	jobs := offered(t, u)
	started := 0
	for _, j := range jobs {
		if j.Started {
			started++
		}
	}
	if len(jobs) != 3 || started == 0 {
		t.Fatalf("unfinished after quitting mid-upload: %d jobs, %d started", len(jobs), started)
	}
}

// offered reads, as the next start would, what u's journal holds unfinished.
func offered(t *testing.T, u *UI) []uploader.Unfinished {
	t.Helper()
	var left []uploader.Unfinished
	var err error
	if jn := u.journal(); jn != nil { // open: read through it
		left, err = jn.Unfinished()
	} else {
		left, err = uploader.ReadJournal(filepath.Join(u.cfg.StorageDir, "journal.db"))
	}
	if err != nil {
		t.Fatal(err)
	}
	return left
}

// TestMissingPathIsSaidNotListed: a path that does not exist (the README's
// photos/ where there is none) is said in the notice and not listed as a
// failed row with Retry; the files that exist are added.
func TestMissingPathIsSaidNotListed(t *testing.T) {
	u := newTestUI(t, Config{Demo: true})
	real := makeFiles(t, t.TempDir(), "here.jpg")[0]
	missing := filepath.Join(t.TempDir(), "photos")
	onUI(func() { u.AddPaths([]string{missing, real}) })
	waitFor(t, "the notice", func() bool { return strings.Contains(u.notice.Text, "does not exist here") })
	onUI(func() {
		if len(u.rows) != 1 || u.snaps[u.rows[0]].State != uploader.Ready || !strings.Contains(u.notice.Text, missing) {
			t.Fatalf("%d rows; notice %q", len(u.rows), u.notice.Text)
		}
	})
}

// TestStatusLineSaysWhatIs: the line under Upload says "paused" while the
// queue is, and offers to retry failures only when something failed.
// Before, it said "Uploading 1 file" while paused, and "retry the failed
// ones" when none had.
func TestStatusLineSaysWhatIs(t *testing.T) {
	u := newTestUI(t, Config{Demo: true})
	onUI(func() { u.queue.Pause(false) })
	drop(u, makeFiles(t, t.TempDir(), "a.jpg")...)
	waitFor(t, "a row", func() bool { return len(u.rows) == 1 })
	onUI(func() { test.Tap(u.form.button) })
	waitFor(t, "paused said", func() bool {
		u.form.refreshState()
		return strings.HasPrefix(u.form.reason.Text, "Paused: 1 file is waiting")
	})
	onUI(func() { u.queue.Resume() })
	waitFor(t, "done", func() bool { return allDone(u, 1) })
	waitFor(t, "finished said", func() bool {
		u.form.refreshState()
		return u.form.reason.Text == "Every file in the list has finished. Add more to upload them."
	})
}

// TestAddingAfterClearFinishedSaysWhatIs: the footer counts rows as they
// are added, and files added again are said to be in the list already, not
// "Added 0 files". Before, after Clear finished the footer stayed "No files
// yet." with rows ready under it.
func TestAddingAfterClearFinishedSaysWhatIs(t *testing.T) {
	u := newTestUI(t, Config{Demo: true})
	dir := t.TempDir()
	paths := makeFiles(t, dir, "a.jpg", "b.jpg")
	drop(u, paths...)
	waitFor(t, "rows", func() bool { return len(u.rows) == 2 })
	onUI(func() { test.Tap(u.form.button) })
	waitFor(t, "done", func() bool { return allDone(u, 2) })
	onUI(func() {
		u.removeFinished()
		if u.footer.Text != "No files yet." {
			t.Errorf("after Clear finished: footer %q", u.footer.Text)
		}
	})
	more := makeFiles(t, t.TempDir(), "c.jpg", "d.jpg")
	drop(u, more...)
	waitFor(t, "rows", func() bool { return len(u.rows) == 2 })
	onUI(func() {
		if !strings.HasPrefix(u.footer.Text, "0 of 2 uploaded") {
			t.Errorf("two rows ready: footer %q", u.footer.Text)
		}
	})
	drop(u, more...)
	waitFor(t, "the notice", func() bool { return strings.Contains(u.notice.Text, "already in the list") })
	onUI(func() {
		if strings.Contains(u.notice.Text, "Added 0") || !strings.Contains(u.notice.Text, "Nothing added: both files are already in the list") {
			t.Errorf("notice %q", u.notice.Text)
		}
	})
}
