// Package ui is the desktop window: drop files, set the upload fields, watch
// each upload, keep a history. It reads the engine's state and sends it
// commands; all disk, keyring and network work happens off the UI goroutine,
// and every change from another goroutine goes through fyne.Do.
package ui

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"net/url"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/widget"

	"imagekit-uploader/keystore"
	"imagekit-uploader/signer"
	"imagekit-uploader/uploader"
	"imagekit-uploader/uploader/imagekittest"
)

// runOnUI runs f on the UI goroutine: every change to the screen made from
// another goroutine goes through it. Fyne's test driver runs fyne.Do on the
// caller's goroutine, so the tests replace it with one that serializes, as
// the real driver does.
var runOnUI = fyne.Do

// Config is what the window starts with.
type Config struct {
	Paths []string // files and folders to add at once (command line, "Open with")
	Demo  bool     // upload to a local ImageKit-compatible server with the demo key
	// DemoThrottle slows the demo server's reads to this many bytes a second, like a real network.
	DemoThrottle int64
	Secrets      keystore.KeyStore // where secrets live; keystore.DefaultKeyStore in the app
	// StorageDir holds the history and the pending list; the app's storage by default.
	StorageDir string
}

// UI is the main window and what it shows. Its state lives in two places,
// by who may touch it: shared (workers and the UI goroutine, under its lock)
// and screen (the UI goroutine only); the rest is set in New and then only read.
type UI struct {
	app     fyne.App
	open    func(*url.URL) error // the system's opener: app.OpenURL
	win     fyne.Window
	cfg     Config
	queue   *uploader.Queue
	cancel  context.CancelFunc
	secrets secrets
	history *history
	journal *uploader.Journal // nil when it could not be opened
	// journalReady is closed once the journal was opened (or failed to):
	// files are added to the queue only after, so each is in it.
	journalReady chan struct{}
	thumbs       *thumbnails

	shared shared
	screen

	stopTicker chan struct{}
	tickDone   chan struct{}
	redraw     atomic.Bool // a thumbnail arrived: draw the rows again on the next tick
	closeOnce  sync.Once
}

// shared is what the UI goroutine and the workers (the queue's callbacks,
// disk and keyring work) both use: every access holds mu.
type shared struct {
	mu      sync.Mutex
	account Account
	demo    *imagekittest.Server
	demoKey *signer.Signer              // signs for the demo server only
	signer  *signer.Signer              // the account's, kept across batches so tokens stay distinct
	changed map[uploader.JobID]struct{} // jobs the queue said changed since the last tick
	earlier map[uploader.JobID]string   // for jobs ImageKit already had: the URL, where the history knew it
}

// screen is owned by the UI goroutine: only code that runs there (event
// handlers, work handed over with fyne.Do) reads or writes it.
type screen struct {
	rows     []uploader.JobID
	index    map[uploader.JobID]int
	snaps    map[uploader.JobID]uploader.Job // what the rows show: read from the queue on each tick
	selected uploader.JobID
	dialog   dialog.Dialog
	settings *settingsDialog // the one open, or nil

	jobs       *jobsView
	form       *uploadForm
	histView   *historyView
	footer     *widget.Label
	notice     *widget.Label
	banner     *fyne.Container
	tabs       *container.AppTabs
	lastNotice time.Time
}

// New builds the window. It does not show it.
func New(a fyne.App, cfg Config) *UI {
	if cfg.StorageDir == "" {
		cfg.StorageDir = a.Storage().RootURI().Path()
	}
	u := &UI{
		app:          a,
		open:         a.OpenURL,
		cfg:          cfg,
		secrets:      secrets{store: cfg.Secrets},
		journalReady: make(chan struct{}),
		shared: shared{
			account: loadAccount(a.Preferences()),
			changed: map[uploader.JobID]struct{}{},
			earlier: map[uploader.JobID]string{},
		},
		screen: screen{
			index: map[uploader.JobID]int{},
			snaps: map[uploader.JobID]uploader.Job{},
		},
		stopTicker: make(chan struct{}),
		tickDone:   make(chan struct{}),
	}
	u.history = newHistory(cfg.StorageDir)
	ctx, cancel := context.WithCancel(context.Background())
	u.cancel = cancel
	u.queue = uploader.NewQueue(ctx, uploader.NewClient(u.shared.account.Endpoint, nil), u.shared.account.Concurrency, u.shared.account.Plan)
	u.queue.OnChange = u.onJobChange
	u.queue.OnFinish = u.onJobFinish
	u.thumbs = newThumbnails(func(uploader.JobID) { u.redraw.Store(true) }) // drawn on the next tick

	u.win = a.NewWindow("ImageKit Uploader")
	u.win.SetContent(u.build())
	u.win.Resize(fyne.NewSize(1100, 720))
	u.win.SetOnDropped(u.onDropped)
	u.win.SetCloseIntercept(u.onClose)
	u.addShortcuts()
	go func() {
		err := u.history.load()
		runOnUI(func() {
			if err != nil {
				u.showNotice("The upload history could not be read: " + err.Error())
			}
			u.histView.reload()
		})
	}()
	firstRun := !cfg.Demo && !u.shared.account.configured()
	if cfg.Demo || firstRun {
		// With no account yet, the demo runs behind the welcome dialog, so a
		// first start can upload at once; saving real keys ends it.
		u.startDemo()
	}
	go u.tick()
	go u.openJournal()
	if len(cfg.Paths) > 0 {
		u.AddPaths(cfg.Paths)
	}
	if firstRun {
		u.showSettings(true)
	}
	return u
}

// Window is the main window.
func (u *UI) Window() fyne.Window { return u.win }

// Close stops uploads, the demo server and the background work. Results are
// already in the history (each is written as its upload ends); the journal is
// closed before the uploads are stopped, so the files stopped here are
// offered again next time rather than recorded as canceled.
func (u *UI) Close() {
	u.closeOnce.Do(func() {
		close(u.stopTicker)
		<-u.tickDone
		<-u.journalReady
		if u.journal != nil {
			u.journal.Close()
		}
		u.cancel()
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		u.queue.Wait(ctx) // the uploads that end now still reach the history
		cancel()
		u.shared.mu.Lock()
		demo := u.shared.demo
		u.shared.demo = nil
		u.shared.mu.Unlock()
		if demo != nil {
			demo.Close()
		}
	})
}

func (u *UI) build() fyne.CanvasObject {
	u.jobs = newJobsView(u)
	u.form = newUploadForm(u)
	u.histView = newHistoryView(u)
	u.footer = widget.NewLabel("")
	u.footer.Truncation = fyne.TextTruncateEllipsis
	u.notice = widget.NewLabel("")
	u.notice.Wrapping = fyne.TextWrapWord
	u.notice.Hide()
	u.banner = demoBanner(u)
	u.banner.Hide()

	uploads := container.NewBorder(nil, u.footer, nil, nil,
		container.NewHSplit(u.form.object, u.jobs.object))
	uploads.Objects[0].(*container.Split).SetOffset(0.28)
	u.tabs = container.NewAppTabs(
		container.NewTabItem("Uploads", uploads),
		container.NewTabItem("History", u.histView.object),
	)
	u.tabs.OnSelected = func(t *container.TabItem) {
		if t.Text == "History" {
			u.histView.reload()
		}
	}
	return container.NewBorder(container.NewVBox(u.toolbar(), u.banner, u.notice), nil, nil, nil, u.tabs)
}

func (u *UI) addShortcuts() {
	c := u.win.Canvas()
	c.AddShortcut(&desktop.CustomShortcut{KeyName: fyne.KeyO, Modifier: fyne.KeyModifierShortcutDefault}, func(fyne.Shortcut) { u.pickFiles() })
	for _, k := range []fyne.KeyName{fyne.KeyReturn, fyne.KeyEnter} {
		c.AddShortcut(&desktop.CustomShortcut{KeyName: k, Modifier: fyne.KeyModifierShortcutDefault}, func(fyne.Shortcut) { u.form.upload() })
	}
	c.AddShortcut(&desktop.CustomShortcut{KeyName: fyne.KeyComma, Modifier: fyne.KeyModifierShortcutDefault}, func(fyne.Shortcut) { u.showSettings(false) })
	c.SetOnTypedKey(func(ev *fyne.KeyEvent) {
		if ev.Name == fyne.KeyEscape && u.dialog != nil {
			u.dialog.Hide()
		}
	})
}

// show opens a dialog and remembers it, so Esc can close it; onClosed runs
// when it closes.
func (u *UI) show(d dialog.Dialog, onClosed ...func()) {
	u.dialog = d
	d.SetOnClosed(func() {
		if u.dialog == d {
			u.dialog = nil
		}
		for _, f := range onClosed {
			f()
		}
	})
	d.Show()
}

// showError shows err in a dialog; nil shows nothing.
func (u *UI) showError(title string, err error) {
	if err == nil {
		return
	}
	u.show(dialog.NewError(fmt.Errorf("%s: %w", title, err), u.win))
}

// showNotice shows a quiet line under the toolbar for a few seconds.
func (u *UI) showNotice(text string) {
	u.notice.SetText(text)
	u.notice.Show()
	u.lastNotice = time.Now()
}

// AddPaths queues files and folders (dropped, picked or given on the command
// line). The disk walk runs off the UI goroutine.
func (u *UI) AddPaths(paths []string) {
	if len(paths) == 0 {
		return
	}
	fields := u.form.fields() // widgets are read here, on the UI goroutine
	go func() {
		items, skipped := uploader.Collect(paths)
		<-u.journalReady
		ids, dups := u.queue.Add(items, fields)
		jobs := make([]uploader.Job, 0, len(ids))
		for _, id := range ids {
			if j, ok := u.queue.Job(id); ok {
				jobs = append(jobs, j)
			}
		}
		runOnUI(func() {
			u.appendRows(jobs)
			if msg := addedNotice(len(ids), dups, skipped); msg != "" {
				u.showNotice(msg)
			}
		})
	}()
}

func addedNotice(added, dups int, skipped []uploader.Skip) string {
	var parts []string
	if dups > 0 {
		parts = append(parts, fmt.Sprintf("%d already in the list, queued once", dups))
	}
	reasons := map[string]int{}
	for _, s := range skipped {
		r := s.Reason
		if strings.HasPrefix(r, "given twice") {
			r = "given twice"
		}
		reasons[r]++
	}
	keys := make([]string, 0, len(reasons))
	for r := range reasons {
		keys = append(keys, r)
	}
	sort.Strings(keys)
	for _, r := range keys {
		parts = append(parts, fmt.Sprintf("%d skipped (%s)", reasons[r], r))
	}
	if len(parts) == 0 {
		return ""
	}
	return fmt.Sprintf("Added %d files; %s.", added, strings.Join(parts, ", "))
}

func (u *UI) appendRows(jobs []uploader.Job) {
	for _, j := range jobs {
		u.index[j.ID] = len(u.rows)
		u.rows = append(u.rows, j.ID)
		u.snaps[j.ID] = j
	}
	u.jobs.refresh()
	u.form.refreshState()
}

func (u *UI) onDropped(_ fyne.Position, uris []fyne.URI) {
	var paths []string
	for _, uri := range uris {
		if uri.Scheme() == "file" {
			paths = append(paths, uri.Path())
		}
	}
	u.AddPaths(paths)
}

func (u *UI) pickFiles() {
	d := dialog.NewFileOpen(func(r fyne.URIReadCloser, err error) {
		if err != nil || r == nil {
			u.showError("Cannot open the file", err)
			return
		}
		r.Close()
		u.AddPaths([]string{r.URI().Path()})
	}, u.win)
	u.show(d)
}

func (u *UI) pickFolder() {
	d := dialog.NewFolderOpen(func(l fyne.ListableURI, err error) {
		if err != nil || l == nil {
			u.showError("Cannot open the folder", err)
			return
		}
		u.AddPaths([]string{l.Path()})
	}, u.win)
	u.show(d)
}

// onJobChange is the queue's notice, on its goroutines: it only notes which
// job changed; the tick reads the job's state from the queue.
func (u *UI) onJobChange(id uploader.JobID) {
	u.shared.mu.Lock()
	u.shared.changed[id] = struct{}{}
	u.shared.mu.Unlock()
}

// onJobFinish records a finished upload in the history the moment the engine
// learns of it, on the job's goroutine, so a crash a moment later loses no
// URL. Canceled jobs are not results.
func (u *UI) onJobFinish(j uploader.Job) {
	if j.State == uploader.Canceled {
		return
	}
	e := entryOf(j, u.demoOn())
	if j.State == uploader.AlreadyUploaded && e.FilePath != "" {
		// Known when this computer recorded the earlier upload's answer.
		e.URL = u.history.urlOf(e.FilePath)
		u.shared.mu.Lock()
		u.shared.earlier[j.ID] = e.URL
		u.shared.mu.Unlock()
	}
	if err := u.history.add(e); err != nil {
		runOnUI(func() { u.showNotice("The history could not be saved: " + err.Error()) })
	}
}

// tick shows the queue's state at most ten times a second: it reads the jobs
// that changed from the queue (the one owner of their state), off the UI
// goroutine, then refreshes the list once on it.
func (u *UI) tick() {
	defer close(u.tickDone)
	t := time.NewTicker(100 * time.Millisecond)
	defer t.Stop()
	for {
		select {
		case <-u.stopTicker:
			return
		case <-t.C:
		}
		u.shared.mu.Lock()
		ids := u.shared.changed
		u.shared.changed = map[uploader.JobID]struct{}{}
		u.shared.mu.Unlock()
		changed := make([]uploader.Job, 0, len(ids))
		for id := range ids {
			if j, ok := u.queue.Job(id); ok {
				changed = append(changed, j)
			}
		}
		totals := u.queue.Totals()
		redraw := u.redraw.Swap(false)
		if len(changed) == 0 && totals.Active == 0 && !redraw {
			continue
		}
		runOnUI(func() {
			for _, j := range changed {
				if _, shown := u.index[j.ID]; !shown {
					continue
				}
				before := u.snaps[j.ID].State
				u.snaps[j.ID] = j
				if j.ID == u.selected && before != j.State {
					u.form.selectJob(j.ID) // renaming is open only before the upload
				}
			}
			// One refresh a tick: it updates only the rows on screen. (In Fyne
			// 2.7 each List.RefreshItem refreshes the whole list as well, so a
			// call per changed row would cost rows × visible rows.)
			u.jobs.list.Refresh()
			u.footer.SetText(footerText(totals))
			u.form.refreshState()
			if u.notice.Visible() && time.Since(u.lastNotice) > 10*time.Second {
				u.notice.Hide()
			}
		})
	}
}

// openJournal opens the journal of unfinished uploads, off the UI goroutine,
// and offers again what it holds from last time.
func (u *UI) openJournal() {
	jn, left, err := uploader.OpenJournal(filepath.Join(u.cfg.StorageDir, "journal.jsonl"))
	if err == nil {
		jn.OnError = func(err error) { runOnUI(func() { u.showNotice(err.Error()) }) }
		u.journal = jn
		u.queue.SetJournal(jn)
	}
	close(u.journalReady)
	runOnUI(func() {
		if err != nil {
			u.showNotice(sentence(err.Error()) + ": files that do not finish will not be offered again after a restart.")
			return
		}
		if len(left) > 0 {
			u.askPending(left)
		}
	})
}

func (u *UI) askPending(files []uploader.Unfinished) {
	sent := 0
	for _, f := range files {
		if f.Sent {
			sent++
		}
	}
	msg := fmt.Sprintf("%d files were not uploaded when the app last closed. Add them to the list again?", len(files))
	if sent > 0 {
		msg += fmt.Sprintf("\n\n%d of them had started uploading, so ImageKit may already have some. "+
			"Where names are not made unique, a file ImageKit already has is shown as uploaded earlier, not uploaded twice.", sent)
	}
	d := dialog.NewConfirm("Unfinished uploads", msg, func(ok bool) {
		if !ok {
			go u.journal.Forget(files)
			return
		}
		u.restorePending(files)
	}, u.win)
	d.SetConfirmText("Add them")
	d.SetDismissText("Forget them")
	u.show(d)
}

// restorePending lists the files again, each with the settings it had; only
// those whose upload had begun are treated as possibly on the server.
func (u *UI) restorePending(files []uploader.Unfinished) {
	go func() {
		ids := u.queue.Restore(files)
		restored := make([]uploader.Job, 0, len(ids))
		for _, id := range ids {
			if j, ok := u.queue.Job(id); ok {
				restored = append(restored, j)
			}
		}
		runOnUI(func() { u.appendRows(restored) })
	}()
}

func (u *UI) onClose() {
	t := u.queue.Totals()
	if t.Active == 0 {
		u.Close()
		u.win.Close()
		return
	}
	d := dialog.NewConfirm("Quit while uploading?",
		fmt.Sprintf("%d uploads have not finished. Quit anyway? They will be offered again next time.", t.Active),
		func(quit bool) {
			if quit {
				u.Close() // saves the unfinished list, then stops the uploads
				u.win.Close()
			}
		}, u.win)
	d.SetConfirmText("Quit")
	d.SetDismissText("Keep uploading")
	u.show(d)
}

// startDemo runs the local ImageKit-compatible server in this process.
func (u *UI) startDemo() {
	var opts []imagekittest.Option
	if u.cfg.DemoThrottle > 0 {
		opts = append(opts, imagekittest.WithReadRate(u.cfg.DemoThrottle))
	}
	srv, err := imagekittest.Listen("127.0.0.1:0", opts...)
	if err != nil {
		u.showError("The demo server could not start", err)
		return
	}
	sg, _ := signer.New(imagekittest.DemoPublicKey, imagekittest.DemoPrivateKey)
	u.shared.mu.Lock()
	u.shared.demo, u.shared.demoKey = srv, sg
	u.shared.mu.Unlock()
	u.banner.Show()
	if u.form != nil {
		u.form.refreshState()
	}
}

// demoOn says whether the demo server runs.
func (u *UI) demoOn() bool {
	u.shared.mu.Lock()
	defer u.shared.mu.Unlock()
	return u.shared.demo != nil
}

// demoClient is the upload client for the demo server, when it runs.
func (u *UI) demoClient() (*uploader.Client, bool) {
	u.shared.mu.Lock()
	defer u.shared.mu.Unlock()
	if u.shared.demo == nil {
		return nil, false
	}
	return uploader.NewClient(u.shared.demo.UploadURL, uploader.LocalTokens{Signer: u.shared.demoKey}), true
}

// openURL opens an uploaded file's URL in the browser, if it is one: the
// URL comes from the server's answer, and the system opener would as gladly
// run a file:// program or reach for an SMB share.
func (u *UI) openURL(raw string) {
	parsed, err := webURL(raw)
	if err == nil {
		err = u.open(parsed)
	}
	if err != nil {
		u.showNotice(fmt.Sprintf("Not opened: %q: %v. Copy it if you trust it.", raw, err))
	}
}

// webURL accepts https, and plain http to this computer (the demo server).
func webURL(raw string) (*url.URL, error) {
	u, err := url.Parse(raw)
	switch {
	case err != nil:
		return nil, errors.New("it is not a valid URL")
	case u.Host == "" || u.Opaque != "":
		return nil, errors.New("it is not a web address")
	case u.Scheme == "https":
		return u, nil
	case u.Scheme == "http" && uploader.IsLoopback(u.Hostname()):
		return u, nil
	}
	return nil, fmt.Errorf("only https addresses are opened, and this one is %s", cmp.Or(u.Scheme, "without a scheme"))
}

func (u *UI) copyText(s string) {
	u.app.Clipboard().SetContent(s)
	u.showNotice("Copied " + s)
}

func footerText(t uploader.Totals) string {
	total := t.Count[uploader.Ready] + t.Count[uploader.Queued] + t.Count[uploader.Uploading] + t.Count[uploader.Retrying] +
		t.Count[uploader.Done] + t.Count[uploader.Failed] + t.Count[uploader.AlreadyUploaded]
	if total == 0 && t.Count[uploader.Canceled] == 0 {
		return "No files yet."
	}
	uploaded := fmt.Sprintf("%d of %d uploaded", t.Count[uploader.Done]+t.Count[uploader.AlreadyUploaded], total)
	if n := t.Count[uploader.AlreadyUploaded]; n > 0 {
		uploaded += fmt.Sprintf(" (%d earlier)", n)
	}
	parts := []string{uploaded}
	if n := t.Count[uploader.Failed]; n > 0 {
		parts = append(parts, fmt.Sprintf("%d failed", n))
	}
	if n := t.Count[uploader.Canceled]; n > 0 {
		parts = append(parts, fmt.Sprintf("%d canceled", n))
	}
	parts = append(parts, uploader.FormatSize(t.Sent)+" of "+uploader.FormatSize(t.Bytes))
	if t.Active > 0 && t.Speed > 0 {
		parts = append(parts, uploader.FormatSize(int64(t.Speed))+"/s", aboutLeft(t.ETA))
	}
	return strings.Join(parts, " · ")
}

// aboutLeft words an ETA: "12 s left", "3 min left".
func aboutLeft(d time.Duration) string {
	switch {
	case d < time.Second:
		return "less than a second left"
	case d < time.Minute:
		return fmt.Sprintf("%d s left", int(d.Seconds()+0.5))
	case d < time.Hour:
		return fmt.Sprintf("%d min left", int(d.Minutes()+0.5))
	}
	return fmt.Sprintf("%.1f h left", d.Hours())
}
