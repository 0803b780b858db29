package ui

import (
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"imagekit-uploader/uploader"
)

// Ctrl+Backspace / Ctrl+Left in a text field: the app's entry vs Fyne's
func TestZZWordShortcuts(t *testing.T) {
	a := test.NewTempApp(t)
	w := a.NewWindow("x")
	mine, fynes := newEntry(), widget.NewEntry()
	w.SetContent(container.NewVBox(mine, fynes))
	c := w.Canvas()
	for _, e := range []fyne.Focusable{mine, fynes} {
		c.Focus(e)
		typeText(c, "hello world")
		press(c, fyne.KeyModifierControl, fyne.KeyBackspace)
		press(c, fyne.KeyModifierControl, fyne.KeyLeft)
		var text string
		var col int
		switch x := e.(type) {
		case *entry:
			text, col = x.Text, x.CursorColumn
		case *widget.Entry:
			text, col = x.Text, x.CursorColumn
		}
		t.Logf("%T: after Ctrl+Backspace, Ctrl+Left: %q, cursor at %d", e, text, col)
	}
}

// Ctrl+Enter typed in a Settings field uploads behind the dialog
func TestZZCtrlEnterBehindSettings(t *testing.T) {
	u := newTestUI(t, Config{Demo: true})
	c := u.win.Canvas()
	drop(u, makeFiles(t, t.TempDir(), "a.jpg")...)
	waitFor(t, "a row", func() bool { return len(u.rows) == 1 })
	onUI(func() { press(c, fyne.KeyModifierShortcutDefault, fyne.KeyComma) })
	waitFor(t, "Settings", func() bool { return u.settings != nil })
	onUI(func() {
		test.FocusNext(c)
		t.Logf("focused %T; Settings open: %v", c.Focused(), u.dialog != nil)
		press(c, fyne.KeyModifierShortcutDefault, fyne.KeyReturn)
	})
	time.Sleep(2 * time.Second)
	onUI(func() {
		t.Logf("a.jpg state after Ctrl+Enter typed in Settings: %v (Ready is %v); Settings still open: %v", u.snaps[u.rows[0]].State, uploader.Ready, u.dialog != nil)
	})
}
