package ui

import (
	"fmt"
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/test"
)

// press sends a key to c the way Fyne's desktop driver routes it (glfw's
// processKeyPressed): Tab moves the focus unless the focused widget takes
// tabs; a key with Ctrl, Alt or Super is a shortcut, for the focused widget
// when it takes shortcuts, else for the window; any other key goes to the
// focused widget, else to the window. Run it on the UI goroutine.
func press(c fyne.Canvas, mod fyne.KeyModifier, key fyne.KeyName) {
	ev := &fyne.KeyEvent{Name: key}
	focused := c.Focused()
	if key == fyne.KeyTab && mod&^fyne.KeyModifierShift == 0 {
		if t, ok := focused.(fyne.Tabbable); !ok || !t.AcceptsTab() {
			if mod == fyne.KeyModifierShift {
				test.FocusPrevious(c)
			} else {
				test.FocusNext(c)
			}
			return
		}
	}
	if mod != 0 && mod != fyne.KeyModifierShift {
		var s fyne.Shortcut = &desktop.CustomShortcut{KeyName: key, Modifier: mod}
		if mod == fyne.KeyModifierShortcutDefault {
			switch key {
			case fyne.KeyV:
				s = &fyne.ShortcutPaste{Clipboard: fyne.CurrentApp().Clipboard()}
			case fyne.KeyC:
				s = &fyne.ShortcutCopy{Clipboard: fyne.CurrentApp().Clipboard()}
			}
		}
		if sc, ok := focused.(fyne.Shortcutable); ok {
			sc.TypedShortcut(s)
		} else {
			c.(fyne.Shortcutable).TypedShortcut(s)
		}
		return
	}
	if focused != nil {
		focused.TypedKey(ev)
	} else if c.OnTypedKey() != nil {
		c.OnTypedKey()(ev)
	}
}

// typeText types s into the focused widget, as the keyboard would.
func typeText(c fyne.Canvas, s string) {
	for _, r := range s {
		c.Focused().TypedRune(r)
	}
}

// tabTo presses Tab until target has the focus: it fails when Tab never
// reaches it.
func tabTo(t *testing.T, c fyne.Canvas, target fyne.Focusable) {
	t.Helper()
	for range 300 {
		if c.Focused() == target {
			return
		}
		press(c, 0, fyne.KeyTab)
	}
	t.Fatalf("Tab never reaches %T", target)
}

// TestTheMainFlowsByKeyboardAlone drives the window with key events only:
// the crash-recovery question, the file dialog (what it picks, a drop
// stands for), folder and tags, Upload, a URL copied from the list and from
// a row's button, Settings, History and the keyboard shortcuts.
func TestTheMainFlowsByKeyboardAlone(t *testing.T) {
	storage := t.TempDir()
	first := newTestUI(t, Config{Demo: true, StorageDir: storage})
	drop(first, makeFiles(t, t.TempDir(), "a.jpg", "b.jpg")...)
	waitFor(t, "2 rows", func() bool { return len(first.rows) == 2 })
	first.Close()

	u := newTestUI(t, Config{Demo: true, StorageDir: storage})
	c := u.win.Canvas()
	waitFor(t, "the crash-recovery question", func() bool { return u.dialog != nil })
	onUI(func() { press(c, 0, fyne.KeyReturn) }) // its default: add them
	waitFor(t, "the 2 files back", func() bool { return len(u.rows) == 2 && u.dialog == nil })

	onUI(func() { press(c, fyne.KeyModifierShortcutDefault, fyne.KeyO) })
	waitFor(t, "the file dialog", func() bool { return u.dialog != nil })
	onUI(func() { press(c, 0, fyne.KeyEscape) })
	waitFor(t, "the file dialog to close", func() bool { return u.dialog == nil })

	onUI(func() {
		tabTo(t, c, u.form.folder)
		typeText(c, "/keys")
		tabTo(t, c, u.form.tags)
		typeText(c, "kb, only")
		press(c, fyne.KeyModifierShortcutDefault, fyne.KeyReturn) // typed in Tags: uploads
	})
	waitFor(t, "both uploaded", func() bool { return allDone(u, 2) })
	for _, r := range u.shared.demo.Requests() {
		if r.Claims.Fields["folder"] != "/keys" || r.Claims.Fields["tags"] != "kb,only" {
			t.Errorf("sent fields %v", r.Claims.Fields)
		}
	}

	onUI(func() {
		u.app.Clipboard().SetContent("")
		tabTo(t, c, u.jobs.list)
		press(c, 0, fyne.KeySpace) // selects the first row
		if u.selected != u.rows[0] {
			t.Fatalf("Space in the list selected %v, not the first row", u.selected)
		}
		press(c, fyne.KeyModifierShortcutDefault|fyne.KeyModifierShift, fyne.KeyC)
		if got, want := u.app.Clipboard().Content(), u.snaps[u.rows[0]].Result.URL; got != want || want == "" {
			t.Errorf("Ctrl+Shift+C copied %q, want the first file's URL %q", got, want)
		}
		u.app.Clipboard().SetContent("")
		row := shownRows(u)["b.jpg"]
		tabTo(t, c, row.copyBtn)
		press(c, 0, fyne.KeyReturn)
		if got, want := u.app.Clipboard().Content(), u.snaps[row.id].Result.URL; got != want {
			t.Errorf("Enter on b.jpg's Copy URL copied %q, want %q", got, want)
		}
	})

	onUI(func() { press(c, fyne.KeyModifierShortcutDefault, fyne.KeyComma) })
	waitFor(t, "Settings", func() bool { return u.settings != nil && u.dialog != nil })
	onUI(func() {
		test.FocusNext(c) // a text field in Settings has the focus: Esc still closes it
		if _, ok := c.Focused().(*entry); !ok {
			t.Errorf("the first control of Settings is %T, not a text field", c.Focused())
		}
		press(c, 0, fyne.KeyEscape)
	})
	waitFor(t, "Settings to close", func() bool { return u.dialog == nil })

	onUI(func() {
		press(c, fyne.KeyModifierShortcutDefault, fyne.Key2)
		if u.tabs.SelectedIndex() != 1 {
			t.Errorf("Ctrl+2 shows tab %d, not History", u.tabs.SelectedIndex())
		}
		press(c, fyne.KeyModifierShortcutDefault, fyne.KeySlash)
	})
	waitFor(t, "the keyboard shortcuts", func() bool { return u.dialog != nil })
	onUI(func() { press(c, 0, fyne.KeyReturn) }) // Close has the focus
	waitFor(t, "the shortcuts to close", func() bool { return u.dialog == nil })
}

// TestQuestionsDefaultAndEsc: the crash-recovery question starts with the
// focus on its default answer, and Esc leaves the files for next time:
// neither added nor forgotten.
func TestQuestionsDefaultAndEsc(t *testing.T) {
	storage := t.TempDir()
	first := newTestUI(t, Config{Demo: true, StorageDir: storage})
	drop(first, makeFiles(t, t.TempDir(), "a.jpg")...)
	waitFor(t, "a row", func() bool { return len(first.rows) == 1 })
	first.Close()

	u := newTestUI(t, Config{Demo: true, StorageDir: storage})
	c := u.win.Canvas()
	waitFor(t, "the crash-recovery question", func() bool { return u.dialog != nil })
	onUI(func() {
		b, ok := c.Focused().(*button)
		if !ok || !strings.Contains(b.Text, "Add") {
			t.Errorf("the focus starts on %T %+v, not the default answer", c.Focused(), c.Focused())
		}
		press(c, 0, fyne.KeyEscape)
	})
	waitFor(t, "the question to close", func() bool { return u.dialog == nil })
	onUI(func() {
		if len(u.rows) != 0 {
			t.Errorf("Esc added %d files", len(u.rows))
		}
	})
	if left := offered(t, u); len(left) != 1 {
		t.Errorf("after Esc the journal keeps %d files, not the 1 for next time", len(left))
	}
}

// unreachable lists what a pointer could press on screen that Tab can never
// reach: a tappable that takes no focus, outside a focusable widget (a
// list's rows are the list's: arrows and Space) and not disabled. Fyne's
// own are left out: the tabs (Ctrl+1, Ctrl+2 choose them), scroll bars
// (the wheel's) and a dialog's backdrop (Esc's).
func unreachable(o fyne.CanvasObject) []string {
	var out []string
	walkShown(o, func(o fyne.CanvasObject) bool {
		if d, ok := o.(fyne.Disableable); ok && d.Disabled() {
			return false
		}
		if _, ok := o.(fyne.Focusable); ok {
			return false // its inside is its own: a Select's, an Entry's, a List's rows
		}
		if _, ok := o.(fyne.Tappable); ok {
			switch name := fmt.Sprintf("%T", o); name {
			case "*container.tabButton", "*widget.scrollBarArea", "*widget.PopUp":
			default:
				out = append(out, name)
			}
		}
		return true
	})
	return out
}

// walkShown calls visit for o and, depth first, for what it holds that
// shows; visit says whether to go inside.
func walkShown(o fyne.CanvasObject, visit func(fyne.CanvasObject) bool) {
	if o == nil || !o.Visible() || !visit(o) {
		return
	}
	switch x := o.(type) {
	case *fyne.Container:
		for _, c := range x.Objects {
			walkShown(c, visit)
		}
	case fyne.Widget:
		for _, c := range test.WidgetRenderer(x).Objects() {
			walkShown(c, visit)
		}
	}
}

// onScreen is the window's content, and the dialog over it if one is open.
func onScreen(c fyne.Canvas) fyne.CanvasObject {
	if top := c.Overlays().Top(); top != nil {
		return top
	}
	return c.Content()
}

// TestEveryActionTakesTheFocus: on each screen, whatever can be pressed can
// be reached with Tab too.
func TestEveryActionTakesTheFocus(t *testing.T) {
	u := newTestUI(t, Config{Demo: true})
	c := u.win.Canvas()
	check := func(screen string) {
		t.Helper()
		onUI(func() {
			if bad := unreachable(onScreen(c)); len(bad) > 0 {
				t.Errorf("%s: Tab cannot reach %v", screen, bad)
			}
		})
	}
	eachScreen(t, u, check)
}

// eachScreen shows the window's screens in turn and has check look at
// each: empty, with files, with them uploaded and one selected, More
// options, History, and every dialog.
func eachScreen(t *testing.T, u *UI, check func(screen string)) {
	t.Helper()
	check("the empty window")
	drop(u, makeFiles(t, t.TempDir(), "a.jpg", "b.png")...)
	waitFor(t, "2 rows", func() bool { return len(u.rows) == 2 })
	check("the window with files")
	onUI(func() { test.Tap(u.form.button) })
	waitFor(t, "both uploaded", func() bool { return allDone(u, 2) })
	onUI(func() { u.form.selectJob(u.rows[0]) })
	check("the window with uploaded files")
	onUI(func() { u.toggleMoreOptions() })
	check("More options")
	onUI(func() { u.tabs.SelectIndex(1) })
	check("History")
	eachDialog(t, u, check)
}

// eachDialog opens each of the window's dialogs in turn, has check look at
// it, and closes it with Esc.
func eachDialog(t *testing.T, u *UI, check func(name string)) {
	t.Helper()
	for name, open := range map[string]func(){
		"Settings":           func() { u.showSettings(false) },
		"Keyboard shortcuts": u.showKeyboard,
		"About":              u.showAbout,
		"Watch folders":      u.editWatchedFolders,
		"Copy as templates":  u.editCopyTemplates,
		"Quit":               func() { u.confirm(lang.L("Quit while uploading?"), "", lang.L("Quit"), lang.L("Keep uploading"), nil) },
	} {
		onUI(open)
		check(name)
		onUI(func() { press(u.win.Canvas(), 0, fyne.KeyEscape) })
		waitFor(t, name+" to close", func() bool { return u.dialog == nil })
	}
}

// TestTabScrollsToTheFocus: in a window too short for the form, Tab into
// a field below the fold scrolls the form until it shows, and Shift+Tab
// back up scrolls back (Fyne moves the focus without scrolling).
func TestTabScrollsToTheFocus(t *testing.T) {
	u := newTestUI(t, Config{Demo: true})
	c := u.win.Canvas()
	onUI(func() { u.win.Resize(fyne.NewSize(1100, 420)) })
	shows := func(o fyne.CanvasObject) bool {
		d := fyne.CurrentApp().Driver()
		top := d.AbsolutePositionForObject(o).Y - d.AbsolutePositionForObject(u.form.scroll).Y
		return top >= 0 && top+o.Size().Height <= u.form.scroll.Size().Height
	}
	onUI(func() {
		if shows(u.form.private) {
			t.Fatal("the window is not short enough for this test")
		}
		tabTo(t, c, u.form.private)
		if !shows(u.form.private) {
			t.Errorf("Private file has the focus out of sight (offset %v)", u.form.scroll.Offset)
		}
		for c.Focused() != u.form.folder {
			press(c, fyne.KeyModifierShift, fyne.KeyTab)
		}
		if !shows(u.form.folder) {
			t.Errorf("Folder has the focus out of sight (offset %v)", u.form.scroll.Offset)
		}
	})
}
