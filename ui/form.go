package ui

import (
	"context"
	"errors"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"imagekit-uploader/emulator"
	"imagekit-uploader/strip"
	"imagekit-uploader/uploader"
)

const (
	prefFolder    = "form.folder"
	prefTags      = "form.tags"
	prefUnique    = "form.unique"
	prefOverwrite = "form.overwrite"
	prefPrivate   = "form.private"
	prefStrip     = "form.strip"
)

// stripChoices are the Metadata choices, in the order shown, with what
// each takes out of a photo before it is sent; labels are translated
// where they are shown.
var stripChoices = []struct {
	label string
	mode  strip.Mode
}{
	{later("Keep all"), strip.Keep},
	{later("Remove location (GPS)"), strip.Location},
	{later("Remove all but orientation"), strip.All},
}

// stripLabel is the Metadata choice of m, as shown.
func stripLabel(m strip.Mode) string {
	for _, c := range stripChoices {
		if c.mode == m {
			return lang.L(c.label)
		}
	}
	return lang.L(stripChoices[0].label)
}

// uploadForm is the upload fields, the selected file's name, and the Upload
// button with the reason it is off.
type uploadForm struct {
	u         *UI
	folder    *entry
	tags      *entry
	unique    *check
	overwrite *check
	private   *check
	strip     *choice // what of each photo's metadata is taken out
	// copyWhenDone is the picked preset's After a drop ("" for Settings').
	copyWhenDone string
	name         *entry
	desc         *entry // the selected file's own description
	nameHint     *widget.Label
	whole        *widget.Label // the selected file's line in full: a row cuts it
	button       *button
	reason       *widget.Label
	more         *moreOptions
	presets      *presetBar
	object       fyne.CanvasObject
	scroll       *container.Scroll // the fields above Upload
	busy         bool              // an Upload click is reading the keyring
}

// formFolder is the folder as typed, with {yyyy}, {mm} and {dd} filled with
// today's date, checked.
func formFolder(s string) (string, error) {
	folder, err := uploader.ExpandFolder(s, time.Now())
	if err != nil {
		return "", err
	}
	return uploader.CleanFolder(folder)
}

func newUploadForm(u *UI) *uploadForm {
	p := u.app.Preferences()
	f := &uploadForm{u: u}
	f.folder = newEntry()
	f.folder.SetPlaceHolder(lang.L("/ (the root)"))
	f.folder.SetText(p.StringWithFallback(prefFolder, "/"))
	f.folder.Validator = func(s string) error {
		_, err := formFolder(s)
		return err
	}
	f.tags = newEntry()
	f.tags.SetPlaceHolder(lang.L("summer, dress"))
	f.tags.SetText(p.String(prefTags))
	f.tags.Validator = func(s string) error { return uploader.CheckTags(uploader.ParseTags(s)) }
	f.unique = newCheck(lang.L("Use unique file name"), nil)
	f.unique.SetChecked(p.BoolWithFallback(prefUnique, true))
	f.overwrite = newCheck(lang.L("Overwrite existing: a new version"), nil)
	f.overwrite.SetChecked(p.BoolWithFallback(prefOverwrite, true))
	f.private = newCheck(lang.L("Private file"), nil)
	f.private.SetChecked(p.Bool(prefPrivate))
	labels := make([]string, len(stripChoices))
	for i, c := range stripChoices {
		labels[i] = lang.L(c.label)
	}
	f.strip = newSelect(labels, nil)
	f.strip.SetSelected(stripLabel(strip.Mode(p.String(prefStrip))))
	f.name = newEntry()
	f.name.SetPlaceHolder(lang.L("select a file in the list"))
	f.name.Disable()
	f.name.Validator = func(s string) error {
		if f.u.selected == 0 {
			return nil
		}
		if s == "" {
			return errors.New(lang.L("a file needs a name"))
		}
		return uploader.CheckFileName(s) // where it is typed, as the folder and tags are
	}
	f.desc = newEntry()
	f.desc.SetPlaceHolder(lang.L("the batch's (More options)"))
	f.desc.Disable()
	f.desc.OnChanged = f.describe
	f.nameHint = widget.NewLabel("")
	f.nameHint.Wrapping = fyne.TextWrapWord
	f.whole = widget.NewLabel("")
	f.whole.Wrapping = fyne.TextWrapBreak // URLs break anywhere
	f.whole.Selectable = true
	f.whole.Hide()
	f.nameHint.Hide()
	f.nameHint.Importance = widget.LowImportance

	save := func() {
		p.SetString(prefFolder, f.folder.Text)
		p.SetString(prefTags, f.tags.Text)
		p.SetBool(prefUnique, f.unique.Checked)
		p.SetBool(prefOverwrite, f.overwrite.Checked)
		p.SetBool(prefPrivate, f.private.Checked)
		p.SetString(prefStrip, string(f.stripMode()))
		f.refreshState()
	}
	f.folder.OnChanged = func(string) { save() }
	f.tags.OnChanged = func(string) { save() }
	f.unique.OnChanged = func(bool) { save() }
	f.overwrite.OnChanged = func(bool) { save() }
	f.private.OnChanged = func(bool) { save() }
	f.strip.OnChanged = func(string) { save() }
	f.name.OnChanged = f.rename

	f.button = newButtonWithIcon(lang.L("Upload"), theme.UploadIcon(), f.upload)
	f.button.Importance = widget.HighImportance
	f.reason = widget.NewLabel("")
	f.reason.Wrapping = fyne.TextWrapWord
	f.reason.Importance = widget.WarningImportance

	// Hints that wrap: the settings pane stays narrow.
	form := widget.NewForm(
		widget.NewFormItem(lang.L("Folder"), container.NewVBox(f.folder,
			hint(lang.L("Dropped folders keep their structure under it; {yyyy}, {mm} and {dd} are the upload's date.")))),
		widget.NewFormItem(lang.L("Tags"), container.NewVBox(f.tags, hint(lang.L("Comma-separated; at most 500 characters, no %.")))),
		widget.NewFormItem(lang.L("Metadata"), container.NewVBox(f.strip,
			hint(lang.L("Of JPEG, PNG and WebP, not re-encoded; colour profiles stay.")))),
	)
	nameForm := widget.NewForm(widget.NewFormItem(lang.L("File name"), f.name), widget.NewFormItem(lang.X("label.description", "Description"), f.desc))
	f.more = newMoreOptions(f)
	f.presets = newPresetBar(f)
	settings := container.NewVBox(
		widget.NewLabelWithStyle(lang.L("Upload settings"), fyne.TextAlignLeading, fyne.TextStyle{Bold: true}),
		f.presets.object,
		form,
		f.unique, f.overwrite, f.private,
		widget.NewSeparator(),
		widget.NewLabelWithStyle(lang.L("Selected file"), fyne.TextAlignLeading, fyne.TextStyle{Bold: true}),
		nameForm, f.nameHint, f.whole,
		widget.NewSeparator(),
		f.more.object,
	)
	// The settings scroll when More options is open; Upload stays in view.
	f.scroll = container.NewVScroll(container.NewPadded(settings))
	u.unfollow = append(u.unfollow, followScroll(u.win.Canvas(), f.scroll))
	f.object = container.NewBorder(nil, container.NewPadded(container.NewVBox(widget.NewSeparator(), f.button, f.reason)), nil, nil, f.scroll)
	f.refreshState()
	return f
}

// fields are the upload fields as the form shows them (valid or not).
func (f *uploadForm) fields() uploader.Fields {
	folder, err := formFolder(f.folder.Text)
	if err != nil {
		folder = f.folder.Text
	}
	options, _ := f.more.options()
	return uploader.Fields{
		Folder:            folder,
		Tags:              uploader.ParseTags(f.tags.Text),
		UseUniqueFileName: f.unique.Checked,
		OverwriteFile:     f.overwrite.Checked,
		IsPrivateFile:     f.private.Checked,
		Options:           options,
		Strip:             f.stripMode(),
	}
}

// stripMode is the Metadata choice.
func (f *uploadForm) stripMode() strip.Mode {
	if i := f.strip.SelectedIndex(); i >= 0 && i < len(stripChoices) {
		return stripChoices[i].mode
	}
	return strip.Keep
}

// why says why Upload is off, or "" when it is on; problem is true when the
// person has something to fix (rather than nothing to upload yet).
func (f *uploadForm) why() (reason string, problem bool) {
	u := f.u
	ready, active, failed := 0, 0, 0
	for _, id := range u.rows {
		switch j := u.snaps[id]; {
		case j.State == uploader.Ready:
			ready++
		case j.State == uploader.Queued || j.State == uploader.Uploading || j.State == uploader.Retrying:
			active++
		case j.State == uploader.Failed && !uploader.InDoubt(j):
			failed++
		}
	}
	demo := u.demoOn()
	u.shared.mu.Lock()
	acct := u.shared.account
	u.shared.mu.Unlock()
	switch {
	case f.busy:
		return lang.L("Reading the key from the keyring…"), false
	case ready == 0 && len(u.rows) == 0:
		return lang.L("Add files or folders to upload: drop them here, or use Add files… (Ctrl+O)."), false
	case ready == 0 && active > 0 && u.queue.Paused():
		return lang.N("Paused: {{.Count}} files are waiting. Resume to go on.", active, args{"Count": active}), false
	case ready == 0 && active > 0:
		return lang.N("Uploading {{.Count}} files. Files you add now can be uploaded too.", active, args{"Count": active}), false
	case ready == 0 && failed > 0:
		return lang.L("Every file in the list has finished. Add more, or retry the failed ones."), false
	case ready == 0:
		return lang.L("Every file in the list has finished. Add more to upload them."), false
	}
	if _, err := formFolder(f.folder.Text); err != nil {
		return lang.L("Fix the folder: {{.Err}}.", args{"Err": err}), true
	}
	if err := uploader.CheckTags(uploader.ParseTags(f.tags.Text)); err != nil {
		return lang.L("Fix the tags: {{.Err}}.", args{"Err": err}), true
	}
	if _, err := f.more.options(); err != nil {
		return lang.L("Fix More options: {{.Err}}.", args{"Err": err}), true
	}
	if f.u.selected != 0 && f.name.Text == "" && !f.name.Disabled() {
		return lang.L("The selected file needs a name."), true
	}
	if f.u.selected != 0 && !f.name.Disabled() {
		if err := uploader.CheckFileName(f.name.Text); err != nil {
			return lang.L("Fix the file name: {{.Err}}.", args{"Err": err}), true
		}
	}
	if !demo && !acct.configured() {
		return lang.L("Set up your ImageKit account in Settings first."), true
	}
	return "", false
}

// refreshState enables Upload, or disables it and says why.
func (f *uploadForm) refreshState() {
	if f.unique.Checked {
		f.overwrite.Disable()
	} else {
		f.overwrite.Enable()
	}
	reason, problem := f.why()
	importance := widget.MediumImportance
	if problem {
		importance = widget.WarningImportance
	}
	if f.reason.Importance != importance {
		f.reason.Importance, f.reason.Text = importance, reason
		f.reason.Refresh()
	} else {
		setText(f.reason, reason) // called every tick: lay text out only when it changed
	}
	label := lang.L("Upload")
	if reason == "" {
		n := 0
		for _, id := range f.u.rows {
			if f.u.snaps[id].State == uploader.Ready {
				n++
			}
		}
		label = lang.N("Upload {{.Count}} files", n, args{"Count": n})
	}
	if f.button.Text != label {
		f.button.SetText(label)
	}
	if (reason == "") == f.button.Disabled() {
		if reason == "" {
			f.button.Enable()
		} else {
			f.button.Disable()
		}
	}
	setHidden(f.reason, reason == "")
}

// selectJob shows the selected file's name for editing while it is Ready.
func (f *uploadForm) selectJob(id uploader.JobID) {
	f.u.selected = id
	j, ok := f.u.snaps[id]
	f.name.OnChanged, f.desc.OnChanged = nil, nil
	defer func() { f.name.OnChanged, f.desc.OnChanged = f.rename, f.describe }()
	if !ok {
		f.name.SetText("")
		f.name.Disable()
		f.desc.SetText("")
		f.desc.Disable()
		f.nameHint.SetText("")
		f.nameHint.Hide() // an empty label still takes a line
		f.whole.Hide()
		return
	}
	f.showWhole(j)
	f.nameHint.Show()
	f.name.SetText(j.Request.FileName)
	f.desc.SetText(f.u.descs[id])
	if j.State == uploader.Ready || j.State == uploader.Failed || j.State == uploader.Canceled {
		f.name.Enable()
		f.desc.Enable()
		f.nameHint.SetText(lang.L("The name it is uploaded under; ImageKit turns characters other than letters, digits, '.' and '-' into '_'."))
	} else {
		f.name.Disable()
		f.desc.Disable()
		f.nameHint.SetText(lockedNameHint(j.State))
	}
}

// lockedNameHint says why a file's name cannot change in state s: each
// state a sentence of its own, for translators.
func lockedNameHint(s uploader.State) string {
	switch s {
	case uploader.Queued:
		return lang.L("This file is queued; its name can change only before it uploads.")
	case uploader.Uploading:
		return lang.L("This file is uploading; its name can change only before it uploads.")
	case uploader.Retrying:
		return lang.L("This file is retrying; its name can change only before it uploads.")
	case uploader.AlreadyUploaded:
		return lang.L("This file is already uploaded; its name can change only before it uploads.")
	}
	return lang.L("This file is done; its name can change only before it uploads.")
}

// showWhole shows the selected file's line in full, when it holds more
// than the file's size and state: its URL, its error.
func (f *uploadForm) showWhole(j uploader.Job) {
	text := wholeText(j, uploader.FormatSize(j.Request.Size), f.u.urlOf(j))
	if j.State == uploader.Ready || j.State == uploader.Queued || j.State == uploader.Uploading {
		text = ""
	}
	setText(f.whole, text)
	setHidden(f.whole, text == "")
}

// describe gives the selected file a description of its own ("" gives
// it the batch's back).
func (f *uploadForm) describe(s string) {
	if id := f.u.selected; id != 0 {
		if s = strings.TrimSpace(s); s == "" {
			delete(f.u.descs, id)
		} else {
			f.u.descs[id] = s
		}
	}
}

func (f *uploadForm) rename(s string) {
	id := f.u.selected
	if id == 0 || s == "" {
		f.refreshState()
		return
	}
	if err := f.u.queue.Update(id, func(r *uploader.Request) { r.FileName = s }); err == nil {
		if j, ok := f.u.queue.Job(id); ok {
			f.u.snaps[id] = j
			f.u.jobs.refreshJob(id)
		}
	}
	f.refreshState()
}

// upload starts every Ready file with the form's fields. Reading the key
// from the keyring can block, so it happens off the UI goroutine.
func (f *uploadForm) upload() {
	if reason, _ := f.why(); reason != "" {
		return
	}
	u := f.u
	var ids []uploader.JobID
	for _, id := range u.rows {
		if u.snaps[id].State == uploader.Ready {
			ids = append(ids, id)
		}
	}
	f.start(ids)
}

// start uploads the rows ids with the form's settings.
func (f *uploadForm) start(ids []uploader.JobID) {
	u := f.u
	fields := f.fields()
	f.more.rememberKeys()
	f.busy = true
	f.refreshState()
	u.withClient(func(ok bool) {
		f.busy = false
		if !ok {
			f.refreshState()
			return
		}
		for _, id := range ids {
			own, hasOwn := u.descs[id]
			u.queue.Update(id, func(r *uploader.Request) {
				if !r.Resumed { // files offered again keep the settings they were queued with
					r.Fields = fields
					if hasOwn {
						r.Fields.Description = own
					}
				}
			})
		}
		u.beginBatch()
		u.queue.Start(ids...)
		f.refreshState()
	})
}

// withClient sets the session up with the current account (reading the
// key from the keyring off the UI goroutine), then calls then on the UI
// goroutine: ok is false when that failed, after saying why. The session
// keeps its client while the account is the same.
func (u *UI) withClient(then func(ok bool)) {
	go func() {
		set, err := u.uploadSettings()
		if err == nil {
			err = u.session.Apply(set)
		}
		runOnUI(func() {
			if err != nil {
				u.showError(lang.L("Cannot upload"), err)
				then(false)
				return
			}
			then(true)
		})
	}()
}

// askRetry retries one file, asking first where ImageKit may already have
// it: then another upload makes a new version or a second copy.
func (u *UI) askRetry(id uploader.JobID) {
	j := u.snaps[id]
	var au *uploader.AlreadyUploadedError
	var mu *uploader.MaybeUploadedError
	var msg string
	switch {
	case errors.As(j.Err, &au) && !au.Earlier.IsZero():
		u.confirm(lang.L("Upload again?"), lang.L("These bytes went up to {{.Path}} on {{.Date}} at {{.Time}}. Upload this file again anyway?",
			args{"Path": au.FilePath, "Date": au.Earlier.Format("2006-01-02"), "Time": au.Earlier.Format("15:04")}),
			lang.L("Upload again"), lang.L("Keep it as it is"), func() {
				u.queue.Update(id, func(r *uploader.Request) { r.UploadAgain = true })
				u.retry(id)
			})
		return
	case errors.As(j.Err, &au) && au.SameContent:
		u.showNotice(lang.L("ImageKit already has this file, the same bytes, at {{.Path}}: there is nothing to upload again.", args{"Path": au.FilePath}))
		return
	case errors.As(j.Err, &au):
		msg = lang.L("ImageKit already has {{.Path}}, most likely from an earlier upload of this file. Upload it again as a new version?", args{"Path": au.FilePath})
	case errors.As(j.Err, &mu):
		msg = lang.L("The whole file was sent, but no answer came back, so ImageKit may already have it. Upload it again? With unique names this can store a second copy.")
	default:
		u.retry(id)
		return
	}
	u.confirm(lang.L("Upload again?"), msg, lang.L("Upload again"), lang.L("Keep it as it is"), func() { u.retry(id) })
}

// retry queues failed files again, with the current account.
func (u *UI) retry(ids ...uploader.JobID) {
	u.withClient(func(ok bool) {
		if !ok {
			return
		}
		u.beginBatch()
		if len(ids) == 0 {
			if left := u.queue.RetryFailed(); left > 0 {
				u.showNotice(lang.N("{{.Count}} files that may already be on ImageKit were left as they are: retry them one by one if they are not there.",
					left, args{"Count": left}))
			}
			return
		}
		for _, id := range ids {
			u.queue.Retry(id)
		}
	})
}

// uploadSettings are what the session uploads with for the current account (or
// the demo): the keyring is read, so call it off the UI goroutine.
func (u *UI) uploadSettings() (uploader.Settings, error) {
	u.shared.mu.Lock()
	acct, cached := u.shared.account, u.shared.signer
	u.shared.mu.Unlock()
	notice := func(s string) { runOnUI(func() { u.showNotice(s) }) }
	if endpoint, tokens, ok := u.demoTokens(); ok {
		set := acct.settings(tokens, notice)
		set.Endpoint, set.Proxy = endpoint, uploader.ProxyNone
		// The demo's key is no secret: lost answers are always looked for.
		set.Library = uploader.APILibrary{Endpoint: uploader.LibraryEndpoint(endpoint), PrivateKey: emulator.DemoPrivateKey}
		return set, nil
	}
	if err := acct.check(); err != nil {
		return uploader.Settings{}, err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	ts, sg, err := u.secrets.tokenSource(ctx, acct, cached)
	if err != nil {
		return uploader.Settings{}, err
	}
	u.shared.mu.Lock()
	u.shared.signer = sg
	fresh := u.shared.account // Settings saved while the keyring was read: their limits, not the old ones
	u.shared.mu.Unlock()
	set := fresh.settings(ts, notice)
	set.Endpoint, set.Proxy = acct.Endpoint, acct.Proxy                       // what the tokens were made for
	acct.ReadLibrary = fresh.ReadLibrary                                      // turned off while the keyring was read: off
	if rt, remote := ts.(uploader.RemoteTokens); remote && acct.ReadLibrary { // the key stays on the token server: its /lookup reads
		set.Library = uploader.RemoteLibrary{URL: uploader.LookupURL(rt.URL), Secret: rt.Secret}
	} else if set.Library, err = u.secrets.library(ctx, acct); err != nil {
		return uploader.Settings{}, wrapError(lang.L("the media library cannot be read (Settings): {{.Err}}", args{"Err": err}), err)
	}
	return set, nil
}
