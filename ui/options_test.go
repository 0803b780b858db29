package ui

import (
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"imagekit-uploader/preset"
	"imagekit-uploader/strip"
	"imagekit-uploader/strip/striptest"
	"imagekit-uploader/uploader"
	"imagekit-uploader/uploader/imagekittest"
)

// TestMoreOptionsRoundTrip: the More options widgets become ImageKit's
// fields, in the form and the token; the row then shows what came back
// (AI tags, an extension still at work, the description).
func TestMoreOptionsRoundTrip(t *testing.T) {
	u := newTestUI(t, Config{Demo: true})
	onUI(func() {
		m := u.form.more
		m.description.SetText("A red dress")
		m.addRow("brand", "Text", "acme")
		m.addRow("price", "Number", "129")
		m.addRow("onSale", "Yes/No", "yes")
		m.addRow("launch", "Date", "2026-03-01")
		m.google.SetChecked(true)
		m.maxTags.SetText("3")
		m.minConf.SetText("80")
		m.removeBg.SetChecked(true)
		m.bgShadow.SetChecked(true)
		m.bgColor.SetText("ffffff")
		m.pre.SetText("w-2560,q-80")
		m.post.SetText("w-400\nthumbnail w-150\nabs hls sr-240_360")
		m.texts["checks"].SetText(`"file.size" < "10mb"`)
		m.texts["webhookUrl"].SetText("https://cms.example.com/hook")
		m.keep.SetChecked(true)
		m.published.SetChecked(false)
	})
	drop(u, makeFiles(t, t.TempDir(), "dress.jpg")...)
	waitFor(t, "a row", func() bool { return len(u.rows) == 1 })
	onUI(func() { test.Tap(u.form.button) })
	waitFor(t, "the upload", func() bool { return u.snaps[u.rows[0]].State == uploader.Done })
	reqs := u.shared.demo.Requests()
	if len(reqs) != 1 {
		t.Fatalf("%d requests", len(reqs))
	}
	want := map[string]string{
		"description":             "A red dress",
		"customMetadata":          `{"brand":"acme","launch":"2026-03-01","onSale":true,"price":129}`,
		"extensions":              `[{"maxTags":3,"minConfidence":80,"name":"google-auto-tagging"},{"name":"remove-bg","options":{"add_shadow":true,"bg_color":"FFFFFF"}}]`,
		"transformation":          `{"post":[{"type":"transformation","value":"w-400"},{"type":"thumbnail","value":"w-150"},{"protocol":"hls","type":"abs","value":"sr-240_360"}],"pre":"w-2560,q-80"}`,
		"checks":                  `"file.size" < "10mb"`,
		"webhookUrl":              "https://cms.example.com/hook",
		"overwriteTags":           "false",
		"overwriteAITags":         "false",
		"overwriteCustomMetadata": "false",
		"isPublished":             "false",
	}
	for k, v := range want {
		if got := reqs[0].Claims.Fields[k]; got != v || reqs[0].Fields[k] != v {
			t.Errorf("%s: token %q, form %q; want %q", k, got, reqs[0].Fields[k], v)
		}
	}
	onUI(func() {
		r := shownRows(u)["dress.jpg"]
		if r == nil {
			t.Fatal("no row")
		}
		for _, s := range []string{"AI tags: ", "remove-bg pending", "“A red dress”"} {
			if !strings.Contains(r.detail.Text, s) {
				t.Errorf("row %q lacks %q", r.detail.Text, s)
			}
		}
		if keys := u.form.more.usedKeys(); !reflect.DeepEqual(keys, []string{"brand", "launch", "onSale", "price"}) {
			t.Errorf("keys offered again: %v", keys)
		}
	})
}

// TestBadMoreOptionTurnsUploadOff: an option that cannot be sent is marked
// and Upload says why.
func TestBadMoreOptionTurnsUploadOff(t *testing.T) {
	u := newTestUI(t, Config{Demo: true})
	drop(u, makeFiles(t, t.TempDir(), "a.jpg")...)
	waitFor(t, "a row", func() bool { return len(u.rows) == 1 })
	for _, bad := range []func(m *moreOptions){
		func(m *moreOptions) { m.addRow("price", "Number", "cheap") },
		func(m *moreOptions) { m.addRow("price", "Number", "+5") },
		func(m *moreOptions) { m.addRow("price", "Number", "Inf") },
		func(m *moreOptions) { m.google.SetChecked(true); m.maxTags.SetText("05") },
		func(m *moreOptions) { m.post.SetText("resize to 400") },
		func(m *moreOptions) { m.texts["webhookUrl"].SetText("cms.example.com") },
		func(m *moreOptions) { m.google.SetChecked(true); m.minConf.SetText("101") },
		func(m *moreOptions) { m.removeBg.SetChecked(true); m.bgColor.SetText("#fff") }, // "white" is a colour ImageKit takes
	} {
		onUI(func() {
			u.form.more.set(uploader.Options{})
			bad(u.form.more)
			u.form.refreshState()
			if !u.form.button.Disabled() || !strings.HasPrefix(u.form.reason.Text, "Fix More options:") {
				t.Errorf("Upload on (%v), reason %q", !u.form.button.Disabled(), u.form.reason.Text)
			}
		})
	}
	onUI(func() {
		u.form.more.set(uploader.Options{})
		u.form.refreshState()
		if u.form.button.Disabled() {
			t.Errorf("Upload off with no options: %q", u.form.reason.Text)
		}
	})
}

// TestPresetsInTheWindow: a preset saved by the command line (the same
// file) fills the form when picked; the form saved as a preset reads back
// the same; the folder's date placeholders are filled on upload.
func TestPresetsInTheWindow(t *testing.T) {
	storage := t.TempDir()
	file := preset.File{Path: filepath.Join(storage, "presets.json")}
	no := false
	if err := file.Save("shoot", preset.Preset{Folder: "/shoots/{yyyy}", Tags: "summer", UseUniqueFileName: &no,
		Strip:   strip.Location,
		Options: uploader.Options{CustomMetadata: `{"brand":"acme"}`, Extensions: `[{"name":"ai-auto-description"}]`}}); err != nil {
		t.Fatal(err)
	}
	u := newTestUI(t, Config{Demo: true, StorageDir: storage})
	waitFor(t, "the presets", func() bool { return len(u.form.presets.pick.Options) == 1 })
	onUI(func() {
		u.form.presets.pick.SetSelected("shoot")
		f := u.form
		if f.folder.Text != "/shoots/{yyyy}" || f.tags.Text != "summer" || f.unique.Checked || !f.more.aiDescribe.Checked ||
			len(f.more.rows) != 1 || f.more.rows[0].key.Text != "brand" {
			t.Fatalf("form after picking: folder %q tags %q unique %v", f.folder.Text, f.tags.Text, f.unique.Checked)
		}
		p, err := u.form.presets.current()
		if err != nil {
			t.Fatal(err)
		}
		if p.Folder != "/shoots/{yyyy}" || p.CustomMetadata != `{"brand":"acme"}` || p.Extensions != `[{"name":"ai-auto-description"}]` || p.Strip != strip.Location {
			t.Errorf("the form as a preset: %+v", p)
		}
	})
	photo := filepath.Join(t.TempDir(), "a.jpg")
	os.WriteFile(photo, striptest.PhoneJPEG(), 0o644)
	drop(u, photo)
	waitFor(t, "a row", func() bool { return len(u.rows) == 1 })
	onUI(func() { test.Tap(u.form.button) })
	waitFor(t, "the upload", func() bool { return u.snaps[u.rows[0]].State == uploader.Done })
	var url string
	onUI(func() {
		if fp := u.snaps[u.rows[0]].Result.FilePath; !strings.HasPrefix(fp, "/shoots/20") || strings.Contains(fp, "{") {
			t.Errorf("stored at %s, want the year filled in", fp)
		}
		url = u.snaps[u.rows[0]].Result.URL
	})
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	stored, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if left := striptest.Location(stored); left != "" || len(stored) == 0 {
		t.Errorf("the preset's Remove location was not applied: %s stored", left)
	}
}

// TestCopyAs: a row, or every finished row, goes to the clipboard through
// Copy as's templates (the same as upload --format); a changed template is
// used; an AlreadyUploaded row without a URL is passed over.
func TestCopyAs(t *testing.T) {
	u := newTestUI(t, Config{Demo: true})
	drop(u, makeFiles(t, t.TempDir(), "a.jpg", "b.jpg")...)
	waitFor(t, "rows", func() bool { return len(u.rows) == 2 })
	onUI(func() { test.Tap(u.form.button) })
	waitFor(t, "the uploads", func() bool {
		return u.snaps[u.rows[0]].State == uploader.Done && u.snaps[u.rows[1]].State == uploader.Done
	})
	onUI(func() {
		a, b := u.snaps[u.rows[0]].Result, u.snaps[u.rows[1]].Result
		u.copyAs(2, []uploader.JobID{u.rows[0]}) // Markdown
		if got, want := u.app.Clipboard().Content(), "!["+a.Name+"]("+a.URL+"?tr=w-800)"; got != want {
			t.Errorf("one row as Markdown: %q, want %q", got, want)
		}
		u.copyAs(3, []uploader.JobID{u.rows[0]}) // HTML, one row: the notice says so in a line, not the whole tag
		if got := u.notice.Text; got != "Copied "+a.Name+" as HTML <img>." {
			t.Errorf("notice after one row as HTML: %q", got)
		}
		u.copyAs(3, u.finishedRows()) // HTML
		lines := strings.Split(u.app.Clipboard().Content(), "\n")
		if len(lines) != 2 || !strings.HasPrefix(lines[1], `<img src="`+b.URL+`?tr=w-800" srcset="`+b.URL+`?tr=w-400 400w,`) ||
			!strings.HasSuffix(lines[1], `alt="`+b.Name+`">`) {
			t.Errorf("all rows as HTML: %q", lines)
		}
		u.app.Preferences().SetString(prefCopy("URL"), `{{.filePath}} {{.url}}`)
		u.copyAs(0, u.finishedRows())
		if got := u.app.Clipboard().Content(); got != a.FilePath+" "+a.URL+"\n"+b.FilePath+" "+b.URL {
			t.Errorf("a changed template: %q", got)
		}
		u.app.Preferences().SetString(prefCopy("URL"), `{{.nope}}`)
		u.app.Clipboard().SetContent("untouched")
		u.copyAs(0, u.finishedRows())
		if got := u.app.Clipboard().Content(); got != "untouched" {
			t.Errorf("a broken template put %q on the clipboard", got)
		}
	})
}

// TestOwnDescription: a selected file's own description is sent in place
// of the batch's; the other files get the batch's.
func TestOwnDescription(t *testing.T) {
	u := newTestUI(t, Config{Demo: true})
	drop(u, makeFiles(t, t.TempDir(), "a.jpg", "b.jpg")...)
	waitFor(t, "rows", func() bool { return len(u.rows) == 2 })
	onUI(func() {
		u.form.more.description.SetText("The summer collection")
		u.form.selectJob(u.rows[0])
		u.form.desc.SetText("The red dress, front")
		u.form.selectJob(u.rows[1])
		if u.form.desc.Text != "" {
			t.Errorf("b.jpg shows a's description %q", u.form.desc.Text)
		}
		u.form.selectJob(0)
		test.Tap(u.form.button)
	})
	waitFor(t, "the uploads", func() bool {
		return u.snaps[u.rows[0]].State == uploader.Done && u.snaps[u.rows[1]].State == uploader.Done
	})
	got := map[string]string{}
	for _, r := range u.shared.demo.Requests() {
		got[r.FileName] = r.Claims.Fields["description"]
	}
	if got["a.jpg"] != "The red dress, front" || got["b.jpg"] != "The summer collection" {
		t.Errorf("descriptions sent: %v", got)
	}
}

// TestPresetKeepsWhatNoWidgetShows: a preset from the command line with
// settings the window has no widget for (coordinates, response fields, a
// list, remove-bg's other options, one overwrite flag alone) comes back out
// of the form unchanged. Before, applying it and saving it again lost them.
func TestPresetKeepsWhatNoWidgetShows(t *testing.T) {
	u := newTestUI(t, Config{Demo: true})
	no := false
	in := uploader.Options{
		CustomMetadata:    `{"brand":"acme","colors":["red","blue"],"sizes":[38,40]}`,
		CustomCoordinates: "1,2,3,4",
		ResponseFields:    "tags,customMetadata",
		Extensions:        `[{"name":"remove-bg","options":{"bg_color":"FFFFFF","semitransparency":true}}]`,
		OverwriteTags:     &no,
	}
	onUI(func() {
		u.form.presets.apply(preset.Preset{Options: in})
		out, err := u.form.more.options()
		if err != nil {
			t.Fatal(err)
		}
		if out.CustomMetadata != in.CustomMetadata || out.CustomCoordinates != in.CustomCoordinates || out.ResponseFields != in.ResponseFields {
			t.Errorf("metadata %s, coordinates %q, response fields %q", out.CustomMetadata, out.CustomCoordinates, out.ResponseFields)
		}
		if out.Extensions != `[{"name":"remove-bg","options":{"bg_color":"FFFFFF","semitransparency":true}}]` {
			t.Errorf("extensions %s", out.Extensions)
		}
		if out.OverwriteTags == nil || *out.OverwriteTags || out.OverwriteAITags != nil || out.OverwriteCustomMetadata != nil {
			t.Errorf("overwrite flags %v %v %v, want only overwriteTags=false", out.OverwriteTags, out.OverwriteAITags, out.OverwriteCustomMetadata)
		}
	})
}

// TestPauseInTheWindow: Pause now stops the uploads under way and queues
// them again; the rows say paused; the pause outlives a restart; Resume
// sends them all.
func TestPauseInTheWindow(t *testing.T) {
	u := newTestUI(t, Config{Demo: true, DemoThrottle: 40_000})
	dropSized(t, u, 4, 30_000)
	onUI(func() { test.Tap(u.form.button) })
	waitFor(t, "uploads under way", func() bool { return u.queue.Totals().Count[uploader.Uploading] > 0 })
	onUI(func() { u.setPaused(true, true) })
	waitFor(t, "all back in line", func() bool { return u.queue.Totals().Count[uploader.Queued] == 4 })
	waitFor(t, "the rows to say paused", func() bool {
		r := shownRows(u)["f0.jpg"]
		return r != nil && strings.HasSuffix(r.detail.Text, "· paused") && u.pauseBtn.Text == "Resume"
	})
	if !u.app.Preferences().Bool(prefPaused) {
		t.Error("the pause is not remembered for the next start")
	}
	onUI(func() { u.setPaused(false, false) })
	// A body the server had read whole when the pause cut its connection
	// is stored: sent again, it is found there (its name is made from its
	// bytes). Either way each file ends uploaded, stored once.
	waitFor(t, "all uploaded", func() bool {
		c := u.queue.Totals().Count
		return c[uploader.Done]+c[uploader.AlreadyUploaded] == 4
	})
	if n := len(u.shared.demo.Files()); n != 4 {
		t.Errorf("%d files stored, want 4", n)
	}
	if u.app.Preferences().Bool(prefPaused) {
		t.Error("still remembered as paused")
	}
}

// TestBatchEndNotifies: when a batch ends, the desktop is told how many
// files went up and how many failed.
func TestBatchEndNotifies(t *testing.T) {
	u := newTestUI(t, Config{Demo: true})
	u.shared.demo.Script(imagekittest.Fault{Status: 400, Message: "Your request contains invalid parameters."})
	test.AssertNotificationSent(t, fyne.NewNotification("Uploads finished, some failed", "2 files uploaded, 1 failed: see the list to retry it"), func() {
		drop(u, makeFiles(t, t.TempDir(), "a.jpg", "b.jpg", "c.jpg")...)
		waitFor(t, "rows", func() bool { return len(u.rows) == 3 })
		onUI(func() { test.Tap(u.form.button) })
		waitFor(t, "the batch to end", func() bool {
			c := u.queue.Totals().Count
			return c[uploader.Done]+c[uploader.Failed] == 3 && !u.batch.busy
		})
	})
}

// TestBytesUploadedBeforeArePassedOver: a file whose bytes went up to the
// folder before (from the command line too: one index) is not sent again;
// Retry asks, and then sends it.
func TestBytesUploadedBeforeArePassedOver(t *testing.T) {
	u := newTestUI(t, Config{Demo: true})
	dir := t.TempDir()
	a := filepath.Join(dir, "a.jpg")
	os.WriteFile(a, []byte("the same photo"), 0o644)
	drop(u, a)
	waitFor(t, "a row", func() bool { return len(u.rows) == 1 })
	onUI(func() { test.Tap(u.form.button) })
	waitFor(t, "the upload", func() bool { return u.snaps[u.rows[0]].State == uploader.Done })
	onUI(func() { u.removeFinished() })
	copyOf := filepath.Join(t.TempDir(), "copy.jpg")
	os.WriteFile(copyOf, []byte("the same photo"), 0o644)
	drop(u, copyOf)
	waitFor(t, "a row", func() bool { return len(u.rows) == 1 })
	onUI(func() { test.Tap(u.form.button) })
	waitFor(t, "the check", func() bool { return u.snaps[u.rows[0]].State == uploader.AlreadyUploaded })
	if n := len(u.shared.demo.Requests()); n != 1 {
		t.Fatalf("%d requests: the same bytes were sent again", n)
	}
	waitFor(t, "the row to say when", func() bool {
		r := shownRows(u)["copy.jpg"]
		return r != nil && strings.Contains(r.detail.Text, "Uploaded earlier")
	})
	onUI(func() {
		u.askRetry(u.rows[0])
		c := u.win.Canvas()
		if b, ok := c.Focused().(*button); !ok || b.Text != "Keep it as it is" {
			t.Fatalf("Retry asked nothing, or not with the focus on keeping the file: %T", c.Focused())
		}
		press(c, 0, fyne.KeyTab)
		press(c, 0, fyne.KeyReturn) // Upload again
	})
	waitFor(t, "sent anyway", func() bool { return u.snaps[u.rows[0]].State == uploader.Done })
}

// TestWatchedFolderInTheWindow: a folder watched from the window uploads
// a file that comes into it once it stops changing, with its row; the
// toolbar says it is watching; the list survives in the preferences.
func TestWatchedFolderInTheWindow(t *testing.T) {
	u := newTestUI(t, Config{Demo: true})
	dir := t.TempDir()
	onUI(func() { u.setWatchedFolders([]watchedFolder{{Path: dir}}) })
	waitFor(t, "the toolbar to say so", func() bool { return u.watchBtn.Visible() && u.watchBtn.Text == "Watching 1 folder" })
	os.MkdirAll(filepath.Join(dir, "sub"), 0o755)
	os.WriteFile(filepath.Join(dir, "sub", "new.jpg"), []byte("a new photo"), 0o644)
	waitFor(t, "its row, uploaded", func() bool {
		return len(u.rows) == 1 && u.snaps[u.rows[0]].State == uploader.Done
	})
	if fp := u.snaps[u.rows[0]].Result.FilePath; !strings.HasPrefix(fp, "/sub/new_") {
		t.Errorf("stored at %s, want under /sub", fp)
	}
	if got := u.watchedFolders(); len(got) != 1 || got[0].Path != dir {
		t.Errorf("watched folders kept as %v", got)
	}
	// A file of the person's own, dropped and left Ready, is not started by
	// the watcher; a watched file rewritten after its upload goes again.
	mine := filepath.Join(t.TempDir(), "mine.jpg")
	os.WriteFile(mine, []byte("mine, not to go yet"), 0o644)
	drop(u, mine)
	waitFor(t, "its row", func() bool { return len(u.rows) == 2 })
	os.WriteFile(filepath.Join(dir, "sub", "new.jpg"), []byte("the photo, edited"), 0o644)
	waitFor(t, "the edited photo uploaded", func() bool { return len(u.shared.demo.Requests()) == 2 })
	time.Sleep(500 * time.Millisecond)
	if s := u.queue.Totals().Count[uploader.Ready]; s != 1 || len(u.shared.demo.Requests()) != 2 {
		t.Errorf("%d ready, %d requests: the dropped file was started, or the edit sent twice", s, len(u.shared.demo.Requests()))
	}
	// Watched again (a restart, say): what went up is not listed again.
	rows := len(u.rows)
	onUI(func() { u.setWatchedFolders([]watchedFolder{{Path: dir}}) })
	time.Sleep(3 * time.Second)
	if len(u.rows) != rows || len(u.shared.demo.Requests()) != 2 {
		t.Errorf("watched again: %d rows (were %d), %d requests", len(u.rows), rows, len(u.shared.demo.Requests()))
	}
	onUI(func() { u.setWatchedFolders(nil) })
	waitFor(t, "the toolbar to stop saying so", func() bool { return !u.watchBtn.Visible() })
}

// TestPassedOverFilesCanGoAsNewVersions: when a batch ends with files
// passed over as uploaded before, the window asks what to do; as new
// versions, each goes to the earlier file's path as its next version.
func TestPassedOverFilesCanGoAsNewVersions(t *testing.T) {
	u := newTestUI(t, Config{Demo: true})
	a := filepath.Join(t.TempDir(), "a.jpg")
	os.WriteFile(a, []byte("the same photo"), 0o644)
	drop(u, a)
	waitFor(t, "a row", func() bool { return len(u.rows) == 1 })
	onUI(func() { test.Tap(u.form.button) })
	waitFor(t, "the upload", func() bool { return u.snaps[u.rows[0]].State == uploader.Done })
	first := u.snaps[u.rows[0]].Result.FilePath
	onUI(func() { u.removeFinished() })
	copyOf := filepath.Join(t.TempDir(), "copy.jpg")
	os.WriteFile(copyOf, []byte("the same photo"), 0o644)
	drop(u, copyOf)
	waitFor(t, "a row", func() bool { return len(u.rows) == 1 })
	onUI(func() { u.dialog = nil; test.Tap(u.form.button) })
	waitFor(t, "the question, once the batch ended", func() bool {
		return u.snaps[u.rows[0]].State == uploader.AlreadyUploaded && u.dialog != nil
	})
	onUI(func() { u.uploadPassedOver([]uploader.JobID{u.rows[0]}, true) })
	waitFor(t, "sent as a new version", func() bool { return u.snaps[u.rows[0]].State == uploader.Done })
	if r := u.snaps[u.rows[0]].Result; r.FilePath != first || r.Version() != "Version 2" {
		t.Fatalf("stored at %s as %q, want %s as Version 2", r.FilePath, r.Version(), first)
	}
}

// TestRetryKeepsTheClient: Upload and Retry with the same account keep the
// session's one client, and with it what it knows of the files (their
// SHA-256: a large file that failed is not read again to be retried) and
// the tokens fetched ahead. Before, each made a new client.
func TestRetryKeepsTheClient(t *testing.T) {
	u := newTestUI(t, Config{Demo: true})
	u.shared.demo.Script(imagekittest.Fault{Status: 400, Message: "Your request contains invalid parameters."})
	drop(u, makeFiles(t, t.TempDir(), "a.jpg")...)
	waitFor(t, "a row", func() bool { return len(u.rows) == 1 })
	onUI(func() { test.Tap(u.form.button) })
	waitFor(t, "the failure", func() bool { return u.snaps[u.rows[0]].State == uploader.Failed })
	first := u.session.Client()
	onUI(func() { u.askRetry(u.rows[0]) })
	waitFor(t, "the retry", func() bool { return u.snaps[u.rows[0]].State == uploader.Done })
	if u.session.Client() != first {
		t.Fatal("Retry made a new client: what the last one knew of the file is lost")
	}
}

// TestLostAnswerIsFoundInTheWindow: in the demo (whose key is no secret,
// so the library is always read), a new version whose answer was lost
// ends uploaded on its row and in the History, with its URL, stored once.
func TestLostAnswerIsFoundInTheWindow(t *testing.T) {
	u := newTestUI(t, Config{Demo: true})
	onUI(func() {
		u.form.unique.SetChecked(false)
		u.form.overwrite.SetChecked(true)
	})
	u.shared.demo.Script(imagekittest.Fault{StoreThenDrop: true})
	drop(u, makeFiles(t, t.TempDir(), "banner.jpg")...)
	waitFor(t, "a row", func() bool { return len(u.rows) == 1 })
	onUI(func() { test.Tap(u.form.button) })
	waitFor(t, "its end", func() bool { return u.snaps[u.rows[0]].State.Finished() })
	j := u.snaps[u.rows[0]]
	if j.State != uploader.Done || !j.Result.FoundInLibrary || u.urlOf(j) == "" {
		t.Fatalf("%s %v %+v", j.State, j.Err, j.Result)
	}
	if f := u.shared.demo.Files(); len(f) != 1 || len(f[0].Versions) != 1 {
		t.Fatalf("the demo's library: %+v", f)
	}
	waitFor(t, "the History line", func() bool {
		es := u.history.search("banner.jpg")
		return len(es) == 1 && es[0].Status == "uploaded" && es[0].URL != ""
	})
}

// TestPresetNameSavesOnEnter: Enter in the preset-name dialog saves, as its
// Save button does. Before, it did nothing.
func TestPresetNameSavesOnEnter(t *testing.T) {
	u := newTestUI(t, Config{Demo: true})
	onUI(func() {
		u.form.folder.SetText("/enter")
		u.form.presets.saveAs()
		var name *entry
		for _, o := range test.LaidOutObjects(u.win.Canvas().Overlays().Top()) {
			if e, ok := o.(*entry); ok {
				name = e
			}
		}
		if name == nil {
			t.Fatal("no name field in the dialog")
		}
		name.SetText("Enter test")
		name.TypedKey(&fyne.KeyEvent{Name: fyne.KeyReturn})
	})
	waitFor(t, "the preset saved", func() bool {
		p, err := u.form.presets.file.Load()
		return err == nil && p["Enter test"].Folder == "/enter"
	})
}

// TestPickingAPresetKeepsThePaneWidth: a preset with a long name does not
// widen the settings pane when picked. Before, the split moved to fit it.
func TestPickingAPresetKeepsThePaneWidth(t *testing.T) {
	storage := t.TempDir()
	long := "Spring campaign, hero banners for the shop and the newsletter"
	if err := (preset.File{Path: filepath.Join(storage, "presets.json")}).Save(long, preset.Preset{Folder: "/campaigns/spring/{yyyy}/{mm}/hero-banners-for-the-web-shop", Tags: "spring,hero,banner,web,newsletter,campaign",
		Options: uploader.Options{CustomMetadata: `{"brand":"acme","campaign":"spring-hero-banners-2027"}`, Extensions: `[{"name":"google-auto-tagging","maxTags":5,"minConfidence":80}]`,
			Transformation: `{"pre":"w-2000,h-2000,c-at_max","post":[{"type":"transformation","value":"w-400"}]}`}}); err != nil {
		t.Fatal(err)
	}
	u := newTestUI(t, Config{Demo: true, StorageDir: storage})
	waitFor(t, "the presets", func() bool { return len(u.form.presets.pick.Options) == 1 })
	onUI(func() {
		before := u.form.object.MinSize().Width
		u.form.presets.pick.SetSelected(long)
		if after := u.form.object.MinSize().Width; after != before {
			t.Errorf("the settings pane's least width went from %v to %v", before, after)
		}
	})
}

// TestOtherExtensionsInTheWindow: extensions with no widgets of their own
// (ai-tasks, saved-extension) are kept, shown and edited as JSON in More
// options. Before, the window dropped them.
func TestOtherExtensionsInTheWindow(t *testing.T) {
	u := newTestUI(t, Config{Demo: true})
	exts := `[{"name":"google-auto-tagging","maxTags":5,"minConfidence":90},` +
		`{"name":"ai-tasks","tasks":[{"type":"select_tags","instruction":"What is shown?","vocabulary":["dress","shoe"]}]},` +
		`{"name":"saved-extension","id":"ext_1"}]`
	onUI(func() {
		m := u.form.more
		m.set(uploader.Options{Extensions: exts})
		if !strings.Contains(m.otherExts.Text, `"ai-tasks"`) || !strings.Contains(m.otherExts.Text, `"ext_1"`) || strings.Contains(m.otherExts.Text, "google") {
			t.Errorf("other extensions shown: %q", m.otherExts.Text)
		}
		o, err := m.options()
		if err != nil {
			t.Fatal(err)
		}
		var got, want []map[string]any
		json.Unmarshal([]byte(o.Extensions), &got)
		json.Unmarshal([]byte(exts), &want)
		if !reflect.DeepEqual(got, want) {
			t.Errorf("extensions back out of the window:\n%s\nwant\n%s", o.Extensions, exts)
		}
		m.otherExts.SetText(`[{"name":"saved-extension"}]`)
		if err := m.otherExts.Validate(); err == nil || !strings.Contains(err.Error(), `needs the "id"`) {
			t.Errorf("a saved extension with no id: %v", err)
		}
	})
}

// TestCopyWhenDone: with Settings › When a drop is done on, the links of a
// drop's files go on the clipboard, in the list's order, when the last of
// them has uploaded; off, nothing is copied.
func TestCopyWhenDone(t *testing.T) {
	u := newTestUI(t, Config{Demo: true})
	onUI(func() {
		sel := u.copyWhenDoneChoice()
		sel.SetSelected("Its links as URL")
	})
	drop(u, makeFiles(t, t.TempDir(), "a.jpg", "b.jpg")...)
	waitFor(t, "rows", func() bool { return len(u.rows) == 2 })
	onUI(func() {
		u.app.Clipboard().SetContent("before")
		test.Tap(u.form.button)
	})
	waitFor(t, "the links on the clipboard", func() bool { return u.app.Clipboard().Content() != "before" })
	onUI(func() {
		a, b := u.snaps[u.rows[0]].Result, u.snaps[u.rows[1]].Result
		if got := u.app.Clipboard().Content(); a == nil || b == nil || got != a.URL+"\n"+b.URL {
			t.Errorf("clipboard %q", got)
		}
		u.copyWhenDoneChoice().SetSelected("Nothing")
		u.app.Clipboard().SetContent("kept")
	})
	drop(u, makeFiles(t, t.TempDir(), "c.jpg")...)
	waitFor(t, "the third row", func() bool { return len(u.rows) == 3 })
	onUI(func() { test.Tap(u.form.button) })
	waitFor(t, "its upload", func() bool { return allDone(u, 3) })
	time.Sleep(200 * time.Millisecond)
	onUI(func() {
		if got := u.app.Clipboard().Content(); got != "kept" {
			t.Errorf("turned off, the clipboard became %q", got)
		}
	})
}

// TestCopyWhenDonePerPreset: a preset's After a drop overrides Settings'
// for the drops made while it is picked: Markdown with Settings at
// Nothing, and nothing with Settings at URL.
func TestCopyWhenDonePerPreset(t *testing.T) {
	storage := t.TempDir()
	file := preset.File{Path: filepath.Join(storage, "presets.json")}
	file.Save("notes", preset.Preset{Folder: "/notes", CopyWhenDone: "Markdown"})
	file.Save("quiet", preset.Preset{Folder: "/quiet", CopyWhenDone: "none"})
	u := newTestUI(t, Config{Demo: true, StorageDir: storage})
	waitFor(t, "the presets", func() bool { return len(u.form.presets.pick.Options) == 2 })
	onUI(func() {
		u.copyWhenDoneChoice().SetSelected("Nothing")
		u.form.presets.pick.SetSelected("notes")
		u.app.Clipboard().SetContent("before")
	})
	drop(u, makeFiles(t, t.TempDir(), "a.jpg")...)
	waitFor(t, "a row", func() bool { return len(u.rows) == 1 })
	onUI(func() { test.Tap(u.form.button) })
	waitFor(t, "the Markdown link", func() bool { return strings.HasPrefix(u.app.Clipboard().Content(), "![a_") })

	onUI(func() {
		u.copyWhenDoneChoice().SetSelected("Its links as URL")
		u.form.presets.pick.SetSelected("quiet")
		u.app.Clipboard().SetContent("kept")
	})
	drop(u, makeFiles(t, t.TempDir(), "b.jpg")...)
	waitFor(t, "the second row", func() bool { return len(u.rows) == 2 })
	onUI(func() { test.Tap(u.form.button) })
	waitFor(t, "its upload", func() bool { return allDone(u, 2) })
	time.Sleep(200 * time.Millisecond)
	onUI(func() {
		if got := u.app.Clipboard().Content(); got != "kept" {
			t.Errorf("the quiet preset's drop copied %q", got)
		}
		p, _ := u.form.presets.current()
		if p.CopyWhenDone != "none" {
			t.Errorf("the form as a preset: %q", p.CopyWhenDone)
		}
	})
	for _, v := range []string{"", "none", "URL", "Markdown", "HTML <img>"} {
		if got := afterDropChoice(v).value(); got != v {
			t.Errorf("%q comes back as %q", v, got)
		}
	}
}

// TestSettingsKeepTheirOwnAfterADrop: opening Settings while a preset with
// its own After a drop is picked saved the preset's as Settings' own.
func TestSettingsKeepTheirOwnAfterADrop(t *testing.T) {
	u := newTestUI(t, Config{Demo: true})
	onUI(func() {
		u.form.presets.apply(preset.Preset{CopyWhenDone: "Markdown"})
		if sel := u.copyWhenDoneChoice(); sel.Selected != "Nothing" {
			t.Errorf("Settings show %q", sel.Selected)
		}
		if got := u.app.Preferences().String(prefCopyWhenDone); got != "" {
			t.Errorf("Settings' own became %q", got)
		}
	})
}
