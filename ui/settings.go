package ui

import (
	"cmp"
	"context"
	"errors"
	"strconv"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/widget"

	"imagekit-uploader/keystore"
	"imagekit-uploader/uploader"
)

// The signing modes and plans Settings offers, in the order shown, with
// their labels (translated where they are shown).
var (
	modeChoices = []struct {
		mode  SigningMode
		label string
	}{
		{SignLocally, later("The private key, kept on this computer")},
		{SignByRequest, later("A team's token endpoint")},
	}
	planChoices = []struct {
		plan  uploader.Plan
		label string
	}{
		{uploader.PlanFree, later("Free")},
		{uploader.PlanLite, later("Lite")},
		{uploader.PlanPro, later("Pro")},
	}
)

// settingsDialog edits the account: keys (saved only to the OS keyring),
// endpoint, signing mode, plan and concurrency.
type settingsDialog struct {
	u                               *UI
	d                               dialog.Dialog
	scroll                          *container.Scroll // the fields, which follow the focus
	publicKey, privateKey           *entry
	keyStatus                       *widget.Label
	deleteKey                       *button
	mode                            *choice
	tokenURL, tokenSecret, endpoint *entry
	plan, concurrency               *choice
	maxFileSize, limitRate          *entry
	proxyMode                       *choice
	proxyURL                        *entry
	readLibrary                     *check
	problem                         *widget.Label
	save                            *button
}

func (u *UI) showSettings(first bool) {
	u.shared.mu.Lock()
	acct := u.shared.account
	u.shared.mu.Unlock()
	s := &settingsDialog{u: u}
	s.publicKey = newEntry()
	s.publicKey.SetPlaceHolder("public_…")
	s.publicKey.SetText(acct.PublicKey)
	s.privateKey = newPasswordEntry()
	s.privateKey.SetPlaceHolder(lang.L("private_… (leave empty to keep the saved one)"))
	s.keyStatus = widget.NewLabel("")
	s.keyStatus.Wrapping = fyne.TextWrapWord
	s.deleteKey = newButton(lang.L("Delete the saved key"), s.onDelete)
	s.deleteKey.Importance = widget.DangerImportance
	s.deleteKey.Hide()
	s.tokenURL = newEntry()
	s.tokenURL.SetPlaceHolder("https://cms.example.com/auth")
	s.tokenURL.SetText(acct.TokenURL)
	s.tokenSecret = newPasswordEntry()
	s.tokenSecret.SetPlaceHolder(lang.L("bearer secret (leave empty to keep the saved one)"))
	s.endpoint = newEntry()
	s.endpoint.SetText(acct.Endpoint)
	var modes, plans []string
	for _, c := range modeChoices {
		modes = append(modes, lang.L(c.label))
	}
	for _, c := range planChoices {
		plans = append(plans, lang.L(c.label))
	}
	s.mode = newSelect(modes, nil) // not a radio group: Fyne's radio items keep Esc and F1 to themselves
	for i, c := range modeChoices {
		if c.mode == acct.Mode {
			s.mode.SetSelectedIndex(i)
		}
	}
	s.mode.OnChanged = func(string) { s.refresh() }
	s.plan = newSelect(plans, nil)
	for i, c := range planChoices {
		if c.plan == acct.Plan {
			s.plan.SetSelectedIndex(i)
		}
	}
	s.maxFileSize = newEntry()
	s.maxFileSize.SetPlaceHolder(lang.L("the plan's (e.g. 500MB for an enterprise plan)"))
	if acct.MaxFileSize > 0 {
		s.maxFileSize.SetText(uploader.FormatSize(acct.MaxFileSize))
	}
	s.maxFileSize.Validator = optionalSize
	s.limitRate = newEntry()
	s.limitRate.SetPlaceHolder(lang.L("no limit (e.g. 2MB a second)"))
	if acct.LimitRate > 0 {
		s.limitRate.SetText(uploader.FormatSize(acct.LimitRate))
	}
	s.limitRate.Validator = optionalSize
	var counts []string
	for i := 1; i <= uploader.MaxConcurrency; i++ {
		counts = append(counts, strconv.Itoa(i))
	}
	s.readLibrary = newCheck(lang.L("Read the media library"), nil)
	s.readLibrary.SetChecked(acct.ReadLibrary)
	s.proxyURL = newEntry()
	s.proxyURL.SetPlaceHolder("http://user:password@proxy.example:3128")
	s.proxyMode = newSelect([]string{lang.L(proxyFromSystem), lang.L(proxyNone), lang.L(proxyThis)}, func(string) { s.refresh() })
	switch acct.Proxy {
	case uploader.ProxyEnvironment:
		s.proxyMode.SetSelectedIndex(proxyFromSystemIndex)
	case uploader.ProxyNone:
		s.proxyMode.SetSelectedIndex(proxyNoneIndex)
	default:
		s.proxyMode.SetSelectedIndex(proxyThisIndex)
		s.proxyURL.SetText(acct.Proxy)
	}
	s.concurrency = newSelect(counts, nil)
	s.concurrency.SetSelected(strconv.Itoa(min(max(acct.Concurrency, 1), uploader.MaxConcurrency)))
	s.problem = widget.NewLabel("")
	s.problem.Wrapping = fyne.TextWrapWord
	s.problem.Importance = widget.DangerImportance
	s.problem.Hide()

	form := widget.NewForm(
		widget.NewFormItem(lang.L("Public key"), s.publicKey),
		widget.NewFormItem(lang.L("Private key"), s.privateKey),
		widget.NewFormItem("", container.NewVBox(s.keyStatus, container.NewHBox(s.deleteKey))),
		widget.NewFormItem(lang.L("Sign uploads with"), s.mode),
		widget.NewFormItem(lang.L("Token endpoint"), s.tokenURL),
		widget.NewFormItem(lang.L("Bearer secret"), s.tokenSecret),
		widget.NewFormItem(lang.L("Upload endpoint"), s.endpoint),
		widget.NewFormItem(lang.L("Plan"), s.plan),
		widget.NewFormItem(lang.L("Largest file"), s.maxFileSize),
		widget.NewFormItem(lang.L("Uploads at once"), s.concurrency),
		widget.NewFormItem(lang.L("Upload speed"), s.limitRate),
		widget.NewFormItem(lang.L("Proxy"), container.NewVBox(s.proxyMode, s.proxyURL)),
		widget.NewFormItem(lang.L("Lost answers"), container.NewVBox(s.readLibrary, hint(
			lang.L("Looks for a file whose answer was lost, instead of marking it \"may already be uploaded\". ImageKit's library can be read only with the private key: this sends it to ImageKit's API, over HTTPS (uploads never send it); with a token endpoint, its /lookup reads it, and the key stays there.")))),
		widget.NewFormItem(lang.L("Copy as"), container.NewHBox(newButton(lang.L("Edit the templates…"), u.editCopyTemplates))),
		widget.NewFormItem(lang.L("After a drop"), u.copyWhenDoneChoice()),
		widget.NewFormItem(lang.L("Pasted images"), container.NewVBox(u.pasteNameEntry(), hint(
			lang.L("Their name; {yyyy} {mm} {dd} {hh} {mi} {ss} are when they were pasted.")))),
		widget.NewFormItem(lang.L("Watch folders"), container.NewHBox(newButton(lang.L("Choose…"), u.editWatchedFolders))),
		widget.NewFormItem(lang.L("Editors' apps"), container.NewVBox(u.endpointChoice(), hint(
			lang.L("Typora, Obsidian and SiYuan upload pasted images through it, as through PicGo; only apps on this computer can reach it, never a web page.")))),
		widget.NewFormItem(lang.L("Language"), u.languageChoice()),
	)
	form.Items[1].HintText = lang.L("Saved only in the OS keyring, never in a file.")
	form.Items[6].HintText = lang.L("ImageKit's, or a local server such as {{.URL}}", args{"URL": "http://127.0.0.1:8087/api/v2/files/upload"})
	form.Items[7].HintText = lang.L("For the size check before sending (Free: 25 MB, videos 100 MB).")
	form.Items[8].HintText = lang.L("Your account's own limit per file, where it has one; empty: the plan's.")
	form.Items[10].HintText = lang.L("Bytes a second for all uploads together, so others can use the network; applies at once.")
	form.Items[11].HintText = lang.L("From the environment: HTTPS_PROXY. A password goes in the proxy's URL.")
	form.Items[14].HintText = lang.L("When a drop's last file has uploaded, its links go on the clipboard.")

	intro := widget.NewLabel(lang.L("Your keys are in the ImageKit dashboard under Developer options."))
	if first {
		intro.SetText(lang.L("Welcome. To upload to ImageKit, enter your account's keys (dashboard, Developer options). The private key is kept only in this computer's keyring. No account yet? Continue with the demo: uploads stay on this computer."))
	}
	intro.Wrapping = fyne.TextWrapWord
	demo := newButton(lang.L("Try the demo (no account)"), func() {
		s.d.Hide()
		if !u.demoOn() {
			u.startDemo()
		}
	})
	if u.demoOn() {
		demo.SetText(lang.L("Continue with the demo"))
		if !first {
			demo.Hide()
		}
	}
	cancel := newButton(lang.L("Cancel"), func() { s.d.Hide() })
	s.save = newButton(lang.L("Save"), s.onSave)
	s.save.Importance = widget.HighImportance
	buttons := container.NewHBox(demo, layout.NewSpacer(), cancel, s.save)
	s.scroll = container.NewVScroll(form)
	scroll := s.scroll
	content := container.NewBorder(intro, container.NewVBox(s.problem, buttons), nil, nil, scroll)
	s.d = dialog.NewCustomWithoutButtons(lang.L("Settings"), content, u.win)
	s.d.Resize(fyne.NewSize(640, 640))
	s.refresh()
	u.settings = s
	unfollow := followScroll(u.win.Canvas(), scroll)
	u.show(s.d, func() {
		unfollow()
		// A closed dialog keeps no secret: the entries are emptied, and
		// nothing holds on to the dialog.
		s.privateKey.SetText("")
		s.tokenSecret.SetText("")
		if u.settings == s {
			u.settings = nil
		}
	})
	s.checkKeyring()
	// Another public key: whether its private key is saved is asked again,
	// once the typing pauses (each ask may reach a locked keyring).
	var again *time.Timer
	s.publicKey.OnChanged = func(string) {
		if again != nil {
			again.Stop()
		}
		again = time.AfterFunc(keyCheckPause, func() {
			runOnUI(func() {
				select {
				case <-s.u.stopTicker: // the window closed meanwhile
					return
				default:
				}
				if s.u.settings == s { // still open
					s.checkKeyring()
				}
			})
		})
	}
}

func (s *settingsDialog) selectedMode() SigningMode {
	if i := s.mode.SelectedIndex(); i >= 0 && i < len(modeChoices) {
		return modeChoices[i].mode
	}
	return SignLocally
}

// selectedPlan is the Plan chosen.
func (s *settingsDialog) selectedPlan() uploader.Plan {
	if i := s.plan.SelectedIndex(); i >= 0 && i < len(planChoices) {
		return planChoices[i].plan
	}
	return "" // none chosen (a plan this version does not know)
}

func (s *settingsDialog) refresh() {
	local := s.selectedMode() == SignLocally
	for _, e := range []*entry{s.tokenURL, s.tokenSecret} {
		if local {
			e.Disable()
		} else {
			e.Enable()
		}
	}
	if local {
		s.privateKey.Enable()
	} else {
		s.privateKey.Disable()
	}
	if s.proxyMode.SelectedIndex() == proxyThisIndex {
		s.proxyURL.Enable()
	} else {
		s.proxyURL.Disable()
	}
}

// The proxy choices' labels (translated where they are shown), and their
// places in the list.
var (
	proxyFromSystem = later("From the environment")
	proxyNone       = later("None")
	proxyThis       = later("This one:")
)

const (
	proxyFromSystemIndex = iota
	proxyNoneIndex
	proxyThisIndex
)

// proxySetting is the proxy the dialog says (see uploader.ProxyFunc).
func (s *settingsDialog) proxySetting() string {
	switch s.proxyMode.SelectedIndex() {
	case proxyNoneIndex:
		return uploader.ProxyNone
	case proxyThisIndex:
		return strings.TrimSpace(s.proxyURL.Text)
	}
	return uploader.ProxyEnvironment
}

// keyCheckPause is how long the public key must stay as typed before the
// keyring is asked about it.
var keyCheckPause = 400 * time.Millisecond

// checkKeyring says whether a private key is saved, reading the keyring off
// the UI goroutine; a keyring that cannot be used says what to do.
func (s *settingsDialog) checkKeyring() {
	pk := strings.TrimSpace(s.publicKey.Text)
	s.keyStatus.SetText(lang.L("Checking the keyring…"))
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		// With no public key yet, a name that is never saved still shows
		// whether the keyring can be reached, locked or missing.
		_, err := s.u.secrets.store.Load(ctx, cmp.Or(pk, "reachable?"))
		runOnUI(func() {
			if strings.TrimSpace(s.publicKey.Text) != pk {
				return // the public key changed meanwhile: its own check says
			}
			s.keyStatus.Importance = widget.MediumImportance
			switch {
			case pk == "" && errors.Is(err, keystore.ErrNoKey):
				s.keyStatus.SetText(lang.L("The OS keyring is ready. No key saved yet."))
				s.deleteKey.Hide()
			case err == nil:
				s.keyStatus.SetText(lang.L("A private key for this public key is saved in the OS keyring."))
				s.deleteKey.Show()
			case errors.Is(err, keystore.ErrNoKey):
				s.keyStatus.SetText(lang.L("No private key is saved for this public key yet."))
				s.deleteKey.Hide()
			default:
				s.keyStatus.SetText(err.Error())
				s.keyStatus.Importance = widget.DangerImportance
				s.keyStatus.Refresh()
			}
		})
	}()
}

func (s *settingsDialog) onDelete() {
	pk := strings.TrimSpace(s.publicKey.Text)
	s.deleteKey.Disable()
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		defer cancel()
		err := s.u.secrets.store.Delete(ctx, pk)
		if errors.Is(err, keystore.ErrNoKey) {
			err = nil
		}
		runOnUI(func() {
			s.deleteKey.Enable()
			if err != nil {
				s.showProblem(err)
				return
			}
			s.u.shared.mu.Lock()
			s.u.shared.signer = nil
			s.u.shared.mu.Unlock()
			s.checkKeyring()
		})
	}()
}

// optionalSize checks a size that may be left empty.
func optionalSize(v string) error {
	if strings.TrimSpace(v) == "" {
		return nil
	}
	_, err := uploader.ParseSize(v)
	return err
}

func (s *settingsDialog) showProblem(err error) {
	s.problem.SetText(err.Error())
	s.problem.Show()
}

// onSave checks the fields, saves the secrets to the keyring (off the UI
// goroutine: a locked keyring waits for its password), then the rest to
// preferences.
func (s *settingsDialog) onSave() {
	n, _ := strconv.Atoi(s.concurrency.Selected)
	var maxSize, rate int64
	for _, f := range []struct {
		e       *entry
		to      *int64
		problem string // a later() template of Err
	}{{s.maxFileSize, &maxSize, later("largest file: {{.Err}}")}, {s.limitRate, &rate, later("upload speed: {{.Err}}")}} {
		if v := strings.TrimSpace(f.e.Text); v != "" {
			var err error
			if *f.to, err = uploader.ParseSize(v); err != nil {
				s.showProblem(wrapError(lang.L(f.problem, args{"Err": err}), err))
				return
			}
		}
	}
	acct := Account{
		PublicKey:   strings.TrimSpace(s.publicKey.Text),
		Endpoint:    strings.TrimSpace(s.endpoint.Text),
		Mode:        s.selectedMode(),
		TokenURL:    strings.TrimSpace(s.tokenURL.Text),
		Plan:        s.selectedPlan(),
		MaxFileSize: maxSize,
		LimitRate:   rate,
		Concurrency: n,
		Proxy:       s.proxySetting(),
		ReadLibrary: s.readLibrary.Checked,
	}
	if acct.Endpoint == "" {
		acct.Endpoint = uploader.DefaultEndpoint
	}
	if rate > 0 && rate < 32<<10 {
		s.showProblem(errors.New(lang.L("upload speed: at least 32 KB a second (slower, uploads would look stalled)")))
		return
	}
	if err := acct.check(); err != nil {
		s.showProblem(err)
		return
	}
	priv := strings.TrimSpace(s.privateKey.Text)
	secret := strings.TrimSpace(s.tokenSecret.Text)
	if strings.HasPrefix(priv, "public_") {
		s.showProblem(errors.New(lang.L("that is a public key; paste the private key (it starts with private_)")))
		return
	}
	s.save.Disable()
	s.problem.SetText(lang.L("Saving to the keyring…"))
	s.problem.Show()
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		defer cancel()
		var err error
		if priv != "" && acct.Mode == SignLocally {
			err = s.u.secrets.store.Save(ctx, acct.PublicKey, priv)
		}
		if err == nil && secret != "" && acct.Mode == SignByRequest {
			err = s.u.secrets.store.Save(ctx, tokenSecretName(acct.TokenURL), secret)
		}
		runOnUI(func() {
			s.save.Enable()
			if err != nil {
				s.showProblem(err)
				return
			}
			s.u.applyAccount(acct, priv != "")
			s.d.Hide()
		})
	}()
}

// applyAccount makes acct the account uploads use from now on; a configured
// account ends the demo.
func (u *UI) applyAccount(acct Account, newKey bool) {
	acct.save(u.app.Preferences())
	u.shared.mu.Lock()
	u.shared.account = acct
	if newKey || (u.shared.signer != nil && u.shared.signer.PublicKey() != acct.PublicKey) {
		u.shared.signer = nil
	}
	demo := u.shared.demo
	if acct.configured() {
		u.shared.demo, u.shared.demoKey = nil, nil
		u.session.Journal().SetTag("")
	}
	u.shared.mu.Unlock()
	if demo != nil && acct.configured() {
		// What was queued for the demo stops with it: sending it to the real
		// account unasked could surprise, and the demo server is going away.
		if n := u.queue.Totals().Active; n > 0 {
			u.queue.CancelAll()
			u.showNotice(lang.N("The demo ended: {{.Count}} files that had not finished stopped. Retry sends them to your account.", n, args{"Count": n}))
		}
		u.banner.Hide()
		go demo.Close()
	}
	set := acct.settings(nil, nil)
	u.session.SetLimits(set.Concurrency, set.Limit, set.LimitRate) // the rate of the uploads under way too; the client is made again on the next Upload
	if u.stopWatch != nil {
		u.startWatching() // the watched folders go to this account now (the demo may have ended)
	}
	u.form.refreshState()
}
