package ui

import (
	"encoding/csv"
	"net/url"
	"strings"
	"testing"

	"fyne.io/fyne/v2/test"
)

// TestOpenOnlyWebAddresses: Open hands the server's URL to the system only
// when it is https (or http to this computer, the demo). Before, any URL
// from an answer or the history went to xdg-open / rundll32.
func TestOpenOnlyWebAddresses(t *testing.T) {
	u := newTestUI(t, Config{Demo: true})
	var opened []string
	u.open = func(l *url.URL) error {
		opened = append(opened, l.String())
		return nil
	}
	hostile := []string{
		"file:///home/editor/x.exe",
		`\\attacker.example\share\x.exe`,
		"smb://attacker.example/share",
		"javascript:alert(1)",
		"http://ik.imagekit.io/demo/a.jpg", // plain http to another machine
		"https:///no-host",
		"data:text/html,<script>1</script>",
		"https://ik.imagekit.io/a.jpg\x00.exe",
		"",
	}
	for _, raw := range hostile {
		onUI(func() { u.openURL(raw) })
		if len(opened) != 0 {
			t.Fatalf("%q was opened", raw)
		}
		onUI(func() {
			if !strings.HasPrefix(u.notice.Text, "Not opened") {
				t.Errorf("%q: notice %q", raw, u.notice.Text)
			}
		})
	}
	for _, ok := range []string{"https://ik.imagekit.io/demo/a.jpg", "http://127.0.0.1:8000/files/a.jpg", "http://localhost:8000/a.jpg"} {
		onUI(func() { u.openURL(ok) })
	}
	if len(opened) != 3 {
		t.Fatalf("opened %v, want the 3 web addresses", opened)
	}
}

// TestSettingsForgetTheKeyWhenClosed: the private key typed into Settings
// does not outlive the dialog. Before, the last dialog, with the entry's
// text, was kept for the app's lifetime.
func TestSettingsForgetTheKeyWhenClosed(t *testing.T) {
	u := newTestUI(t, Config{Demo: true})
	var s *settingsDialog
	onUI(func() {
		u.showSettings(false)
		s = u.settings
		test.Type(s.privateKey, "private_typed_then_canceled")
		test.Type(s.tokenSecret, "bearer_typed_then_canceled")
		s.d.Hide()
	})
	onUI(func() {
		if u.settings != nil || s.privateKey.Text != "" || s.tokenSecret.Text != "" {
			t.Fatalf("after closing: dialog kept %v, private key %q, secret %q", u.settings != nil, s.privateKey.Text, s.tokenSecret.Text)
		}
	})
}

// TestSettingsRefuseAPrivateKeyAsThePublicOne: it would travel as every
// token's kid.
func TestSettingsRefuseAPrivateKeyAsThePublicOne(t *testing.T) {
	u := newTestUI(t, Config{Demo: true})
	onUI(func() {
		u.showSettings(false)
		s := u.settings
		s.publicKey.SetText("private_pasted_in_the_wrong_field")
		test.Tap(s.save)
		if !strings.Contains(s.problem.Text, "private key") || u.shared.account.PublicKey == "private_pasted_in_the_wrong_field" {
			t.Fatalf("saved a private key as the public one (problem %q)", s.problem.Text)
		}
	})
}

// TestCSVExportDefusesFormulas: a name or message from the server that
// starts like a formula stays text in a spreadsheet.
func TestCSVExportDefusesFormulas(t *testing.T) {
	var b strings.Builder
	err := writeCSV(&b, []Entry{{Status: "uploaded", Name: `=HYPERLINK("https://evil.example","x")`, URL: "https://ik.imagekit.io/a.jpg",
		Error: "+cmd|' /C calc'!A0", FilePath: "-2+3", RequestID: "@SUM(1)", File: "\tx"}})
	if err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(strings.NewReader(b.String())).ReadAll()
	if err != nil || len(rows) != 2 {
		t.Fatalf("%v %v", rows, err)
	}
	for _, cell := range rows[1] {
		if cell != "" && strings.ContainsRune("=+-@\t\r", rune(cell[0])) {
			t.Errorf("cell %q would be a formula", cell)
		}
	}
	if rows[1][5] != "https://ik.imagekit.io/a.jpg" {
		t.Errorf("a plain URL changed: %q", rows[1][5])
	}
}
