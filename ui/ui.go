// Package ui is the desktop window: drop files, set the upload fields, watch
// each upload, keep a history. It reads the engine's state and sends it
// commands; all disk, keyring and network work happens off the UI goroutine,
// and every change from another goroutine goes through fyne.Do.
package ui

import (
	"context"
	"net/url"
	"path/filepath"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/widget"

	"imagekit-uploader/emulator"
	"imagekit-uploader/internal/pasteboard"
	"imagekit-uploader/keystore"
	"imagekit-uploader/preset"
	"imagekit-uploader/signer"
	"imagekit-uploader/uploader"
)

// runOnUI runs f on the UI goroutine: every change to the screen made from
// another goroutine goes through it. Fyne's test driver runs fyne.Do on the
// caller's goroutine, so the tests replace it with one that serializes, as
// the real driver does.
var runOnUI = fyne.Do

// waitOnUI runs f on the UI goroutine and waits for it (tests: under their lock).
var waitOnUI = fyne.DoAndWait

// Config is what the window starts with.
type Config struct {
	Paths []string // files and folders to add at once (command line, "Open with")
	Demo  bool     // upload to a local ImageKit-compatible server with the demo key
	// DemoThrottle slows the demo server's reads of all uploads together to
	// this many bytes a second, as one network link would.
	DemoThrottle int64
	Secrets      keystore.KeyStore // where secrets live; keystore.DefaultKeyStore in the app
	// StorageDir holds the history and the journal of unfinished uploads; the app's storage by default.
	StorageDir string
	// PresetsFile holds the presets, shared with the command line; preset.DefaultPath() by default.
	PresetsFile string
	// IndexFile is the index of uploaded files, shared with the command
	// line; uploader.DefaultIndexPath() by default.
	IndexFile string
	// EndpointListen is where Settings › Editors' apps listens:
	// localendpoint.DefaultListen (PicGo's address) by default.
	EndpointListen string
}

// UI is the main window and what it shows. Its state lives in two places,
// by who may touch it: shared (workers and the UI goroutine, under its lock)
// and screen (the UI goroutine only); the rest is set in New and then only read.
type UI struct {
	app     fyne.App
	open    func(*url.URL) error // the system's opener: app.OpenURL
	win     fyne.Window
	cfg     Config
	session *uploader.Session // owns the run: queue, client, journal, index
	queue   *uploader.Queue   // the session's
	cancel  context.CancelFunc
	secrets secrets
	history *history
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

	tray     *tray     // nil where the desktop has none
	endpoint *endpoint // Settings › Editors' apps, while on
	watching int       // folders watched, as the toolbar says

	// readClipboard reads what was copied (pasteboard.Read; tests put
	// theirs); pasting is true while a paste reads it.
	readClipboard func(time.Duration) (pasteboard.Contents, error)
	pasting       atomic.Bool
}

// shared is what the UI goroutine and the workers (the queue's callbacks,
// disk and keyring work) both use: every access holds mu.
type shared struct {
	mu      sync.Mutex
	account Account
	demo    *emulator.Server
	demoKey *signer.Signer              // signs for the demo server only
	signer  *signer.Signer              // the account's, kept across batches so tokens stay distinct
	changed map[uploader.JobID]struct{} // jobs the queue said changed since the last tick
	// passedOver are the jobs of the batch under way whose bytes went up
	// before: what to do with them is asked when it ends.
	passedOver []uploader.JobID
	// drops are the files of each drop (or Add files…) while Settings ›
	// After a drop is on: when the last of a drop's ends, its links are
	// copied.
	drops []*dropGroup
}

// screen is owned by the UI goroutine: only code that runs there (event
// handlers, work handed over with fyne.Do) reads or writes it.
type screen struct {
	rows     []uploader.JobID
	index    map[uploader.JobID]int
	snaps    map[uploader.JobID]uploader.Job // what the rows show: read from the queue on each tick
	selected uploader.JobID
	descs    map[uploader.JobID]string           // a file's own description, in place of the batch's
	dialog   dialog.Dialog                       // the top one of dialogs
	dialogs  []dialog.Dialog                     // those open, the newest last
	overlays map[dialog.Dialog]fyne.CanvasObject // each one's overlay on the canvas
	settings *settingsDialog                     // the one open, or nil

	jobs       *jobsView
	form       *uploadForm
	histView   *historyView
	footer     *widget.Label
	notice     *widget.Label
	banner     *fyne.Container
	tabs       *container.AppTabs
	pauseBtn   *button
	toolbarRow *toolbarLayout     // the toolbar's row, which drops labels where it is short of room
	unfollow   []func()           // the scrolled areas that follow the focus (followScroll)
	watchBtn   *button            // "Watching N folders"; hidden when none
	stopWatch  context.CancelFunc // the watchers running, or nil
	batch      struct {
		busy  bool
		start uploader.Totals // when the batch began
	}
	lastNotice time.Time
	lastFooter time.Time // when the footer was last written (twice a second while uploading)
}

// New builds the window. It does not show it.
func New(a fyne.App, cfg Config) *UI {
	if err := useLanguage(chosenLanguage(a.Preferences())); err != nil {
		fyne.LogError("Translations", err) // the window speaks English
	}
	a.Settings().SetTheme(focusTheme{a.Settings().Theme()})
	if cfg.StorageDir == "" {
		cfg.StorageDir = a.Storage().RootURI().Path()
	}
	if cfg.IndexFile == "" {
		p, err := uploader.DefaultIndexPath()
		if err != nil {
			p = filepath.Join(cfg.StorageDir, "uploaded.db")
		}
		cfg.IndexFile = p
	}
	if cfg.PresetsFile == "" {
		p, err := preset.DefaultPath()
		if err != nil { // no config folder: the presets live with the history
			p = filepath.Join(cfg.StorageDir, "presets.json")
		}
		cfg.PresetsFile = p
	}
	u := &UI{
		app:           a,
		open:          a.OpenURL,
		readClipboard: pasteboard.Read,
		cfg:           cfg,
		secrets:       secrets{store: cfg.Secrets},
		journalReady:  make(chan struct{}),
		shared: shared{
			account: loadAccount(a.Preferences()),
			changed: map[uploader.JobID]struct{}{},
		},
		screen: screen{
			index:    map[uploader.JobID]int{},
			snaps:    map[uploader.JobID]uploader.Job{},
			descs:    map[uploader.JobID]string{},
			overlays: map[dialog.Dialog]fyne.CanvasObject{},
		},
		stopTicker: make(chan struct{}),
		tickDone:   make(chan struct{}),
	}
	u.history = newHistory(cfg.StorageDir)
	ctx, cancel := context.WithCancel(context.Background())
	u.cancel = cancel
	// No way to sign yet: the keyring is read when a batch is sent.
	unsigned := u.shared.account.settings(nil, nil)
	unsigned.Proxy = uploader.ProxyNone
	u.session, _ = uploader.NewSession(ctx, unsigned) // no proxy to read: no error
	u.queue = u.session.Queue
	u.queue.OnChange = u.onJobChange
	u.session.OnFinish(u.onJobFinish)
	u.thumbs = newThumbnails(func(uploader.JobID) { u.redraw.Store(true) }) // drawn on the next tick
	u.thumbs.onScreen = func(id uploader.JobID) (on bool) {
		waitOnUI(func() { on = u.jobs.onScreen(id) })
		return on
	}

	u.win = a.NewWindow("ImageKit Uploader")
	u.win.SetContent(u.build())
	if a.Preferences().Bool(prefPaused) { // paused when the app last closed: still paused
		u.queue.Pause(false)
		u.showPaused()
	}
	u.win.Resize(fyne.NewSize(1100, 720))
	u.win.SetOnDropped(u.onDropped)
	u.setupTray() // before the close intercept: Fyne's tray window sets its own (hide)
	u.win.SetCloseIntercept(u.onClose)
	u.addShortcuts()
	go func() {
		err := u.history.load()
		runOnUI(func() {
			if err != nil {
				u.showNotice(lang.L("The upload history could not be read: {{.Err}}", args{"Err": err.Error()}))
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
	u.startWatching()
	u.applyEndpoint()
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
		for _, stop := range u.unfollow {
			stop()
		}
		if u.stopWatch != nil {
			u.stopWatch()
		}
		if u.endpoint != nil {
			u.endpoint.close()
		}
		close(u.stopTicker)
		<-u.tickDone
		<-u.journalReady
		if jn := u.journal(); jn != nil {
			jn.Close()
		}
		u.cancel()
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		u.session.Close(ctx) // the uploads that end now still reach the history
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
	uploads.Objects[0].(*container.Split).SetOffset(0.32)
	historyTab := container.NewTabItem(lang.L("History"), u.histView.object)
	u.tabs = container.NewAppTabs(
		container.NewTabItem(lang.L("Uploads"), uploads),
		historyTab,
	)
	u.tabs.OnSelected = func(t *container.TabItem) {
		if t == historyTab {
			u.histView.reload()
		}
	}
	return container.NewBorder(container.NewVBox(u.toolbar(), u.banner, u.notice), nil, nil, nil, u.tabs)
}

// show opens a dialog over the others open and remembers it, so Esc can
// close it (the top one only); onClosed runs when it closes.
func (u *UI) show(d dialog.Dialog, onClosed ...func()) {
	u.dialogs = append(u.dialogs, d)
	u.dialog = d
	d.SetOnClosed(func() {
		i := slices.Index(u.dialogs, d)
		if i < 0 {
			return
		}
		// Fyne takes every overlay above a closing one away with it, without
		// a word to them: a question shown while Settings' save was under
		// way vanished when Settings closed. They are put back.
		above := slices.Clone(u.dialogs[i+1:])
		u.dialogs = u.dialogs[:i]
		delete(u.overlays, d)
		u.dialog = nil
		if i > 0 {
			u.dialog = u.dialogs[i-1]
		}
		for _, f := range onClosed {
			f()
		}
		overlays := u.win.Canvas().Overlays()
		for _, a := range above {
			u.dialogs = append(u.dialogs, a)
			u.dialog = a
			if o := u.overlays[a]; o != nil && !slices.Contains(overlays.List(), o) {
				overlays.Add(o)
			}
		}
	})
	d.Show()
	u.overlays[d] = u.win.Canvas().Overlays().Top()
}

// closeTop is Esc: it closes what is on top, a dialog of the window's or
// one Fyne opened over it (the folder picker's New Folder), alone.
func (u *UI) closeTop() {
	top := u.win.Canvas().Overlays().Top()
	switch {
	case top == nil:
	case u.dialog != nil && u.overlays[u.dialog] == top:
		u.dialog.Hide()
	default:
		top.Hide()
	}
}

// showError shows err in a dialog; nil shows nothing. title is already
// translated: lang.L("Cannot export").
func (u *UI) showError(title string, err error) {
	if err == nil {
		return
	}
	text := widget.NewLabel(lang.L("{{.Title}}: {{.Err}}", args{"Title": title, "Err": err.Error()}))
	text.Wrapping = fyne.TextWrapWord
	d := u.ask(title, text, 0, 0, answer{label: lang.L("Close")})
	d.Resize(fyne.NewSize(480, d.MinSize().Height+60))
}

// showNotice shows a quiet line under the toolbar for a few seconds.
func (u *UI) showNotice(text string) {
	u.notice.SetText(text)
	u.notice.Show()
	u.lastNotice = time.Now()
}

func (u *UI) onClose() {
	if u.closeToTray() {
		return
	}
	u.quit()
}

// quit ends the app, asking first while uploads are under way.
func (u *UI) quit() {
	t := u.queue.Totals()
	if t.Active == 0 {
		u.Close()
		u.win.Close()
		u.app.Quit() // the tray keeps the app running after its window
		return
	}
	u.confirm(lang.L("Quit while uploading?"),
		lang.N("{{.Count}} uploads have not finished. Quit anyway? They will be offered again next time.", t.Active, args{"Count": t.Active}),
		lang.L("Quit"), lang.L("Keep uploading"), func() {
			u.Close() // saves the unfinished list, then stops the uploads
			u.win.Close()
			u.app.Quit()
		})
}
