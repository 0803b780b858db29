package ui

import (
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"imagekit-uploader/uploader"
)

// The defects a hostile review of the keyboard and the languages found,
// each kept by a test that failed before its fix.

const ctrl = fyne.KeyModifierShortcutDefault

// withOneFile is a window with a.jpg listed, not yet uploaded.
func withOneFile(t *testing.T) (*UI, fyne.Canvas) {
	t.Helper()
	u := newTestUI(t, Config{Demo: true})
	drop(u, makeFiles(t, t.TempDir(), "a.jpg")...)
	waitFor(t, "a row", func() bool { return len(u.rows) == 1 })
	return u, u.win.Canvas()
}

// findButton finds the button labelled text on screen.
func findButton(c fyne.Canvas, text string) (found *button) {
	walkShown(onScreen(c), func(o fyne.CanvasObject) bool {
		if b, ok := o.(*button); ok && b.Text == text && found == nil {
			found = b
		}
		return true
	})
	return found
}

// TestMoreOptionsClosedByKeyTakesTheFocusAlong: Ctrl+M, Ctrl+M left the focus
// in the hidden Description, and what was typed next was uploaded with the
// files.
func TestMoreOptionsClosedByKeyTakesTheFocusAlong(t *testing.T) {
	u, c := withOneFile(t)
	onUI(func() {
		press(c, ctrl, fyne.KeyM)
		if c.Focused() != u.form.more.description {
			t.Fatalf("Ctrl+M put the focus on %T, not Description", c.Focused())
		}
		press(c, ctrl, fyne.KeyM)
		if f := c.Focused(); f == u.form.more.description {
			t.Fatal("More options closed with the focus still in its Description")
		}
		if c.Focused() != nil {
			typeText(c, "oops")
		}
		press(c, ctrl, fyne.KeyReturn)
	})
	waitFor(t, "the upload", func() bool { return allDone(u, 1) })
	for _, r := range u.shared.demo.Requests() {
		if d := r.Claims.Fields["description"]; d != "" {
			t.Errorf("uploaded with the description %q, typed where nothing showed", d)
		}
	}
}

// TestTabLeavesMultiLineFields: Tab in Description, Derived versions or a
// Copy as template typed a tab and kept the focus: Save could not be reached.
func TestTabLeavesMultiLineFields(t *testing.T) {
	u := newTestUI(t, Config{Demo: true})
	c := u.win.Canvas()
	onUI(func() {
		press(c, ctrl, fyne.KeyM)
		press(c, 0, fyne.KeyTab)
		if c.Focused() == u.form.more.description || strings.Contains(u.form.more.description.Text, "\t") {
			t.Errorf("Tab stayed in Description (%q)", u.form.more.description.Text)
		}
		press(c, fyne.KeyModifierShift, fyne.KeyTab)
		if c.Focused() != u.form.more.description {
			t.Errorf("Shift+Tab did not come back to Description: %T", c.Focused())
		}
	})
}

// TestWordEditingInTextFields: text fields handed every Ctrl shortcut to the
// window, Fyne's word editing (Ctrl+Backspace, Ctrl+Left) too.
func TestWordEditingInTextFields(t *testing.T) {
	u := newTestUI(t, Config{Demo: true})
	c := u.win.Canvas()
	onUI(func() {
		c.Focus(u.form.tags)
		typeText(c, "hello world")
		press(c, fyne.KeyModifierControl, fyne.KeyBackspace)
		if got := u.form.tags.Text; got != "hello " {
			t.Errorf("Ctrl+Backspace after %q left %q", "hello world", got)
		}
	})
}

// TestShortcutsWaitBehindADialog: Ctrl+Enter typed in a Settings field
// uploaded the list behind it, and Ctrl+, opened a second Settings.
func TestShortcutsWaitBehindADialog(t *testing.T) {
	u, c := withOneFile(t)
	onUI(func() { u.showSettings(false) })
	onUI(func() {
		test.FocusNext(c)
		press(c, ctrl, fyne.KeyReturn)
		press(c, ctrl, fyne.KeyComma)
		press(c, 0, fyne.KeyF1)
		if n := len(c.Overlays().List()); n != 1 {
			t.Errorf("%d dialogs open after Ctrl+, and F1 in Settings", n)
		}
	})
	onUI(func() {
		if s := u.snaps[u.rows[0]].State; s != uploader.Ready {
			t.Errorf("Ctrl+Enter in Settings started the upload behind it: %s", s)
		}
	})
}

// TestEscFromEveryKindOfControl: Esc with the focus on a choice or a tick
// box left Settings open.
func TestEscFromEveryKindOfControl(t *testing.T) {
	u := newTestUI(t, Config{Demo: true})
	c := u.win.Canvas()
	for name, focus := range map[string]func() fyne.Focusable{
		"Plan":                   func() fyne.Focusable { return u.settings.plan },
		"Read the media library": func() fyne.Focusable { return u.settings.readLibrary },
	} {
		onUI(func() { u.showSettings(false) })
		onUI(func() {
			c.Focus(focus())
			press(c, 0, fyne.KeyEscape)
		})
		waitFor(t, "Esc on "+name+" to close Settings", func() bool { return u.dialog == nil })
	}
}

// TestEscClosesTheTopDialogOnly: with Watch folders open over Settings, the
// second Esc did nothing; with the folder picker open over Watch folders,
// Esc closed both, losing the edits. F1 opened the shortcuts once a press.
func TestEscClosesTheTopDialogOnly(t *testing.T) {
	u := newTestUI(t, Config{Demo: true})
	c := u.win.Canvas()
	onUI(func() {
		u.showSettings(false)
		u.editWatchedFolders()
		press(c, 0, fyne.KeyEscape)
		if u.settings == nil || len(c.Overlays().List()) != 1 {
			t.Fatalf("Esc closed %d dialogs", 2-len(c.Overlays().List()))
		}
		press(c, 0, fyne.KeyEscape)
		if len(c.Overlays().List()) != 0 {
			t.Errorf("the second Esc left Settings open")
		}
	})
	onUI(func() {
		u.editWatchedFolders()
		test.Tap(findButton(c, "Watch a folder…"))
		press(c, 0, fyne.KeyEscape)
		if n := len(c.Overlays().List()); n != 1 {
			t.Errorf("Esc on the folder picker left %d dialogs, not Watch folders", n)
		}
		press(c, 0, fyne.KeyEscape)
	})
	onUI(func() {
		for range 3 {
			press(c, 0, fyne.KeyF1)
		}
		if n := len(c.Overlays().List()); n != 1 {
			t.Errorf("F1 three times opened %d dialogs", n)
		}
		press(c, 0, fyne.KeyEscape)
	})
}

// TestEnterPressesEveryDialogsButtons: Enter on a focused button of Watch
// folders, Copy as templates or Save preset did nothing (Fyne's buttons).
func TestEnterPressesEveryDialogsButtons(t *testing.T) {
	u := newTestUI(t, Config{Demo: true})
	c := u.win.Canvas()
	for name, open := range map[string]func(){
		"Watch folders":     u.editWatchedFolders,
		"Copy as templates": u.editCopyTemplates,
		"Save preset":       u.form.presets.saveAs,
		"an error":          func() { u.showError("Cannot upload", errString("no network")) },
	} {
		onUI(open)
		onUI(func() {
			b := findButton(c, lang.L("Cancel"))
			if name == "an error" {
				b = findButton(c, lang.L("Close"))
			}
			if b == nil {
				t.Fatalf("%s has no Cancel of the window's own", name)
			}
			tabTo(t, c, b)
			press(c, 0, fyne.KeyReturn)
		})
		waitFor(t, "Enter to close "+name, func() bool { return u.dialog == nil })
	}
}

type errString string

func (e errString) Error() string { return string(e) }

// TestLanguagesTheWindowDoesNotSpeak: a system in Russian (which Fyne
// speaks, and the window does not) gave "Upload 1 files" and Fyne's Russian
// beside English; a saved or given tag is read as the language it names.
func TestLanguagesTheWindowDoesNotSpeak(t *testing.T) {
	for given, want := range map[string]string{
		"de_DE.UTF-8": "de", "de-AT": "de", "pt_BR": "pt-BR", "zh_CN": "zh-Hans", "en-xa": Pseudo,
		"ru": "", "../../etc": "", "": "",
		"de_DE@euro": "de", "zh_TW": "", "zh-Hant": "", "pt_PT": "pt-BR", "en_GB": "en",
	} {
		if got := windowLanguage(given); got != want {
			t.Errorf("%q reads as %q, not %q", given, got, want)
		}
	}
	t.Setenv("LANGUAGE", "ru")
	t.Setenv("LC_ALL", "")
	t.Setenv("LANG", "ru_RU.UTF-8")
	speak(t, "")
	if got := lang.N("Upload {{.Count}} files", 1, args{"Count": 1}); got != "Upload 1 file" {
		t.Errorf("in Russian the button reads %q", got)
	}
	if got := lang.L("Folder"); got != "Folder" {
		t.Errorf("in Russian Folder reads %q: Fyne's Russian beside the window's English", got)
	}
}

// TestFocusOutsideTheScrolledAreaLeavesItAlone: Settings' form scrolled
// each time its Save or Cancel (below it) took the focus, and the upload
// form each time Upload did.
func TestFocusOutsideTheScrolledAreaLeavesItAlone(t *testing.T) {
	u, c := withOneFile(t)
	onUI(func() {
		for range 3 {
			c.Focus(u.form.button)
			c.Focus(u.form.folder)
		}
		if off := u.form.scroll.Offset; off.Y != 0 {
			t.Errorf("focusing Upload scrolled the form to %v", off)
		}
		u.showSettings(false)
		for range 3 {
			c.Focus(u.settings.save)
			c.Focus(u.settings.publicKey)
		}
		if off := u.settings.scroll.Offset; off.Y != 0 {
			t.Errorf("focusing Save scrolled Settings to %v", off)
		}
	})
}

// The second hostile pass, over the first one's fixes.

// TestAQuestionOverAClosingDialogStays: Settings closing (its save ends on
// its own) took a question shown over it away, unanswered.
func TestAQuestionOverAClosingDialogStays(t *testing.T) {
	u := newTestUI(t, Config{Demo: true})
	c := u.win.Canvas()
	onUI(func() {
		u.showSettings(false)
		u.confirm("Upload again?", "", "Upload again", "Keep it as it is", nil)
		u.settings.d.Hide()
		if n := len(c.Overlays().List()); n != 1 || u.dialog == nil {
			t.Fatalf("the question over Settings went with it: %d dialogs", n)
		}
		press(c, 0, fyne.KeyEscape)
		if n := len(c.Overlays().List()); n != 0 || u.dialog != nil {
			t.Errorf("Esc left %d dialogs", n)
		}
	})
}

// TestEscOnAFormFyneOpensOverADialog: Esc on the folder picker's New Folder
// form closed the picker with it.
func TestEscOnAFormFyneOpensOverADialog(t *testing.T) {
	u := newTestUI(t, Config{Demo: true})
	c := u.win.Canvas()
	onUI(func() {
		u.editWatchedFolders()
		test.Tap(findButton(c, "Watch a folder…"))
		picker := len(c.Overlays().List())
		dialog.ShowInformation("New Folder", "a form of Fyne's own", u.win) // as the picker's New Folder does
		press(c, 0, fyne.KeyEscape)
		if n := len(c.Overlays().List()); n != picker {
			t.Errorf("Esc on Fyne's form over the picker left %d dialogs, not the %d under it", n, picker)
		}
	})
}

// TestMoreOptionsClosedAnyWayTakesTheFocusAlong: closed by its header (a
// click), More options left the focus in its Description; closed by Ctrl+M
// with the focus in Tags, it took the focus from Tags.
func TestMoreOptionsClosedAnyWayTakesTheFocusAlong(t *testing.T) {
	u := newTestUI(t, Config{Demo: true})
	c := u.win.Canvas()
	acc := u.form.more.object.(*widget.Accordion)
	onUI(func() {
		press(c, ctrl, fyne.KeyM)
		acc.Close(0) // what its header does when clicked
		if c.Focused() == u.form.more.description {
			t.Error("More options closed by its header kept the focus in Description")
		}
		press(c, ctrl, fyne.KeyM)
		c.Focus(u.form.tags)
		press(c, ctrl, fyne.KeyM)
		if c.Focused() != u.form.tags {
			t.Errorf("Ctrl+M closing More options took the focus from Tags to %T", c.Focused())
		}
	})
}

// TestEveryFieldHandsOnTheWindowsKeys: a custom metadata field (Fyne's
// field with suggestions) kept Ctrl+Enter; Settings' signing choice (Fyne's
// radio items) kept Esc.
func TestEveryFieldHandsOnTheWindowsKeys(t *testing.T) {
	u, c := withOneFile(t)
	onUI(func() {
		press(c, ctrl, fyne.KeyM)
		u.form.more.addRow("", "Text", "")
		c.Focus(u.form.more.rows[len(u.form.more.rows)-1].key)
		press(c, ctrl, fyne.KeyReturn)
	})
	waitFor(t, "Ctrl+Enter in a metadata field to upload", func() bool { return allDone(u, 1) })
	onUI(func() { u.showSettings(false) })
	onUI(func() {
		c.Focus(u.settings.mode)
		press(c, 0, fyne.KeyEscape)
	})
	waitFor(t, "Esc on the signing choice to close Settings", func() bool { return u.dialog == nil })
}

// TestClosedDialogsAreForgotten: the window kept each closed dialog's
// overlay (and with it the dialog) for good, unless Esc had closed it.
func TestClosedDialogsAreForgotten(t *testing.T) {
	u := newTestUI(t, Config{Demo: true})
	c := u.win.Canvas()
	onUI(func() {
		u.showKeyboard()
		test.Tap(findButton(c, lang.L("Close")))
		u.showAbout()
		press(c, 0, fyne.KeyEscape)
		u.confirm("Upload again?", "", "Upload again", "Keep it as it is", nil)
		press(c, 0, fyne.KeyReturn)
		if n := len(u.overlays); n != 0 || u.dialog != nil || len(u.dialogs) != 0 {
			t.Errorf("after three dialogs closed, %d overlays and %d dialogs are kept", n, len(u.dialogs))
		}
	})
}
