package ui

import (
	"context"
	"errors"
	"log"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"fyne.io/fyne/v2/test"
	"github.com/zalando/go-keyring"

	"imagekit-uploader/keystore"
	"imagekit-uploader/uploader"
	"imagekit-uploader/uploader/imagekittest"
)

// TestFirstStartThenSaveKeys: with no account, the app opens Settings over a
// running demo; saving keys puts the private key in the keyring (nowhere
// else), ends the demo, and uploads then go to the configured server.
func TestFirstStartThenSaveKeys(t *testing.T) {
	const pub, priv = "public_settings_test", "private_settings_test_value"
	srv := imagekittest.NewServer(imagekittest.WithKey(pub, priv), imagekittest.WithWatch(priv))
	var logs strings.Builder
	log.SetOutput(&logs)
	defer log.SetOutput(os.Stderr)
	defer srv.Close()
	storage := t.TempDir()
	u := newTestUI(t, Config{StorageDir: storage})
	if !u.demoOn() {
		t.Fatal("no demo on first start")
	}
	var s *settingsDialog
	onUI(func() {
		if u.dialog == nil {
			t.Fatal("Settings did not open on first start")
		}
		u.dialog.Hide()
		u.showSettings(false)
		s = u.settings
		test.Type(s.publicKey, pub)
		test.Type(s.privateKey, priv)
		s.endpoint.SetText("http://example.com/upload") // plain http to another host: refused
		test.Tap(s.save)
		if !strings.Contains(s.problem.Text, "plain http") {
			t.Errorf("problem %q, want the endpoint refused", s.problem.Text)
		}
		s.endpoint.SetText(srv.UploadURL)
		test.Tap(s.save)
	})
	waitFor(t, "the account to be saved", func() bool { return u.shared.account.PublicKey == pub })
	if got, err := keystore.DefaultKeyStore.Load(context.Background(), pub); err != nil || got != priv {
		t.Fatalf("keyring holds %q, %v", got, err)
	}
	if u.demoOn() {
		t.Fatal("the demo still runs after a real account was saved")
	}
	drop(u, makeFiles(t, t.TempDir(), "real.jpg")...)
	waitFor(t, "a row", func() bool { return len(u.rows) == 1 })
	onUI(func() { test.Tap(u.form.button) })
	waitFor(t, "done", func() bool { return allDone(u, 1) })
	onUI(func() {
		if j := u.snaps[u.rows[0]]; j.Result == nil || !strings.HasPrefix(j.Result.URL, srv.URL) {
			t.Fatalf("%s %v", j.State, j.Err)
		}
	})
	u.Close()
	if srv.Leaks() != 0 {
		t.Fatal("the private key went over the wire")
	}
	if strings.Contains(logs.String(), priv) {
		t.Fatal("the private key is in the log")
	}
	// The private key is in no file the app wrote (preferences, history, pending).
	filepath.Walk(storage, func(p string, info os.FileInfo, err error) error {
		if err == nil && !info.IsDir() {
			if b, _ := os.ReadFile(p); strings.Contains(string(b), priv) {
				t.Errorf("the private key is in %s", p)
			}
		}
		return nil
	})
	for _, k := range []string{prefPublicKey, prefEndpoint, prefMode, prefTokenURL, prefPlan, prefFolder, prefTags} {
		if strings.Contains(u.app.Preferences().String(k), priv) {
			t.Errorf("the private key is in preference %s", k)
		}
	}
}

// TestSettingsSayWhatToDoWhenTheKeyringIsUnavailable: no Secret Service
// means advice in Settings, and Save keeps the dialog open with the reason.
func TestSettingsSayWhatToDoWhenTheKeyringIsUnavailable(t *testing.T) {
	u := newTestUI(t, Config{Demo: true})
	keyring.MockInitWithError(errors.New("The name org.freedesktop.secrets was not provided by any .service files"))
	defer keyring.MockInit()
	var s *settingsDialog
	onUI(func() {
		u.showSettings(false)
		s = u.settings
		test.Type(s.publicKey, "public_x")
		s.checkKeyring()
	})
	waitFor(t, "the keyring's advice", func() bool { return strings.Contains(s.keyStatus.Text, "install gnome-keyring") })
	onUI(func() {
		test.Type(s.privateKey, "private_x")
		test.Tap(s.save)
	})
	waitFor(t, "the save to fail with the advice", func() bool {
		return strings.Contains(s.problem.Text, "install gnome-keyring") && !s.save.Disabled()
	})
	onUI(func() {
		if u.shared.account.PublicKey == "public_x" {
			t.Error("the account was saved although the key could not be")
		}
		// The window does not read the environment: advice about it helps nobody here.
		for _, text := range []string{s.keyStatus.Text, s.problem.Text} {
			if strings.Contains(text, keystore.EnvPrivateKey) {
				t.Errorf("the window's advice names %s, which the window ignores: %q", keystore.EnvPrivateKey, text)
			}
		}
	})
}

// TestSettingsShowTheKeyringAtOnce: with no public key yet, Settings still
// says at once whether the keyring can be used, and what to do if not.
// Before, it said "No key saved yet." and the reason came only after Save.
func TestSettingsShowTheKeyringAtOnce(t *testing.T) {
	u := newTestUI(t, Config{Demo: true})
	keyring.MockInitWithError(errors.New("The name org.freedesktop.secrets was not provided by any .service files"))
	defer keyring.MockInit()
	var s *settingsDialog
	onUI(func() {
		u.showSettings(false)
		s = u.settings
	})
	waitFor(t, "the keyring's advice", func() bool { return strings.Contains(s.keyStatus.Text, "install gnome-keyring") })
	keyring.MockInit()
	onUI(func() { s.checkKeyring() })
	waitFor(t, "the keyring ready", func() bool { return strings.Contains(s.keyStatus.Text, "keyring is ready") })
}

// TestSettingsProxy: a proxy is chosen in Settings, kept across restarts,
// and a wrong one is refused with the reason.
func TestSettingsProxy(t *testing.T) {
	u := newTestUI(t, Config{Demo: true})
	onUI(func() {
		u.showSettings(false)
		s := u.settings
		s.publicKey.SetText("public_proxy")
		s.privateKey.SetText("private_proxy")
		s.proxyMode.SetSelected(proxyThis)
		s.proxyURL.SetText("proxy.example:3128")
		test.Tap(s.save)
		if !strings.Contains(s.problem.Text, "not a proxy URL") {
			t.Errorf("a wrong proxy: %q", s.problem.Text)
		}
		s.proxyURL.SetText("http://proxy.example:3128")
		test.Tap(s.save)
	})
	waitFor(t, "the account saved", func() bool { return u.shared.account.PublicKey == "public_proxy" })
	if got := loadAccount(u.app.Preferences()).Proxy; got != "http://proxy.example:3128" {
		t.Fatalf("proxy after a restart: %q", got)
	}
}

// saveSettings opens Settings with an account's keys, lets fill set the
// rest (and try saving on its own), then saves and waits until it is.
func saveSettings(t *testing.T, u *UI, publicKey string, fill func(s *settingsDialog)) {
	t.Helper()
	onUI(func() {
		u.showSettings(false)
		s := u.settings
		s.publicKey.SetText(publicKey)
		s.privateKey.SetText("private_" + strings.TrimPrefix(publicKey, "public_"))
		fill(s)
		test.Tap(s.save)
	})
	waitFor(t, "the account saved", func() bool { return u.shared.account.PublicKey == publicKey })
}

// TestSettingsLargestFile: an account's own size limit replaces the plan's
// in the check before sending, and survives a restart.
func TestSettingsLargestFile(t *testing.T) {
	u := newTestUI(t, Config{Demo: true})
	saveSettings(t, u, "public_big", func(s *settingsDialog) {
		s.maxFileSize.SetText("lots")
		test.Tap(s.save)
		if !strings.Contains(s.problem.Text, "largest file") {
			t.Errorf("a wrong size: %q", s.problem.Text)
		}
		s.maxFileSize.SetText("1KB")
	})
	if got := loadAccount(u.app.Preferences()).MaxFileSize; got != 1024 {
		t.Fatalf("largest file after a restart: %d", got)
	}
	// Back to the demo, whose uploads the same check guards.
	onUI(func() { u.startDemo() })
	dir := t.TempDir()
	p := filepath.Join(dir, "big.jpg")
	os.WriteFile(p, make([]byte, 2048), 0o644)
	drop(u, p)
	waitFor(t, "a row", func() bool { return len(u.rows) == 1 })
	onUI(func() { test.Tap(u.form.button) })
	waitFor(t, "the check", func() bool { return u.snaps[u.rows[0]].State == uploader.Failed })
	if err := u.snaps[u.rows[0]].Err; err == nil || !strings.Contains(err.Error(), "the size limit set for the account is 1.0 KB") {
		t.Fatalf("failed with %v", err)
	}
}

// TestSettingsUploadSpeed: the speed limit applies at once, to every
// client the window makes, and survives a restart.
func TestSettingsUploadSpeed(t *testing.T) {
	u := newTestUI(t, Config{Demo: true})
	saveSettings(t, u, "public_speed", func(s *settingsDialog) { s.limitRate.SetText("2MB") })
	if got := u.session.Rate(); got != 2<<20 {
		t.Fatalf("rate now %d, want 2 MB", got)
	}
	if got := loadAccount(u.app.Preferences()).LimitRate; got != 2<<20 {
		t.Fatalf("rate after a restart: %d", got)
	}
	onUI(func() { u.startDemo() })
	before := u.session.Client()
	set, err := u.uploadSettings()
	if err == nil {
		err = u.session.Apply(set)
	}
	if c := u.session.Client(); err != nil || c == before || c.Limit == nil || c.Limit.Rate() != 2<<20 || c.Gate == nil || c.Gate != before.Gate {
		t.Fatalf("the demo's client: %v, a new one %v, the limit %v, the same gate %v", err, c != before, c.Limit, c.Gate == before.Gate)
	}
}

// TestKeyStatusFollowsThePublicKey: Settings asks the keyring again when
// the public key changes: a key with no private key saved says so. Before,
// it went on saying a key was saved.
func TestKeyStatusFollowsThePublicKey(t *testing.T) {
	u := newTestUI(t, Config{Demo: true})
	if err := u.secrets.store.Save(context.Background(), "public_saved", "private_saved"); err != nil {
		t.Fatal(err)
	}
	var s *settingsDialog
	onUI(func() {
		u.showSettings(false)
		s = u.settings
		s.publicKey.SetText("public_saved")
	})
	waitFor(t, "the saved key found", func() bool { return strings.Contains(s.keyStatus.Text, "is saved") })
	onUI(func() { s.publicKey.SetText("public_other") })
	waitFor(t, "the other key's status", func() bool { return strings.Contains(s.keyStatus.Text, "No private key is saved") })
}
