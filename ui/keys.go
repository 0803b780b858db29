package ui

import (
	"cmp"
	"image/color"
	"runtime"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

// Fyne's widgets keep some keys to themselves: a focused button takes Space
// but not Enter, and a focused text field takes Esc and every shortcut, so
// Ctrl+Enter typed in Tags did not upload. button and entry hand those on.

// button is a widget.Button that Enter presses as Space does; Esc goes on
// to the window (which closes the dialog it is in). Its focus shows as a
// ring in the text's colour as well as Fyne's tint, which on a blue button
// (Upload, Retry) changed nothing that could be seen.
type button struct {
	widget.Button
	focused bool
	label   string // its text, while the toolbar shows it by its icon alone (short)
	short   bool
}

func (b *button) FocusGained() {
	b.focused = true
	b.Button.FocusGained()
	followFocus(b)
}

func (b *button) FocusLost() {
	b.focused = false
	b.Button.FocusLost()
}

func (b *button) CreateRenderer() fyne.WidgetRenderer {
	ring := canvas.NewRectangle(color.Transparent)
	ring.StrokeWidth = 2
	return &ringRenderer{WidgetRenderer: b.Button.CreateRenderer(), b: b, ring: ring}
}

// ringRenderer draws a button with its focus ring over it.
type ringRenderer struct {
	fyne.WidgetRenderer
	b    *button
	ring *canvas.Rectangle
}

func (r *ringRenderer) Layout(size fyne.Size) {
	r.WidgetRenderer.Layout(size)
	r.ring.Resize(size)
}

func (r *ringRenderer) Objects() []fyne.CanvasObject {
	return append(r.WidgetRenderer.Objects(), r.ring)
}

func (r *ringRenderer) Refresh() {
	r.WidgetRenderer.Refresh()
	th := r.b.Theme()
	r.ring.CornerRadius = th.Size(theme.SizeNameInputRadius)
	r.ring.StrokeColor = color.Transparent
	if r.b.focused && !r.b.Disabled() {
		r.ring.StrokeColor = th.Color(theme.ColorNameForeground, fyne.CurrentApp().Settings().ThemeVariant())
	}
	r.ring.Refresh()
}

func newButton(label string, tapped func()) *button { return newButtonWithIcon(label, nil, tapped) }

func newButtonWithIcon(label string, icon fyne.Resource, tapped func()) *button {
	b := &button{}
	b.Text, b.Icon, b.OnTapped = label, icon, tapped
	b.ExtendBaseWidget(b)
	return b
}

func (b *button) TypedKey(ev *fyne.KeyEvent) {
	switch {
	case ev.Name == fyne.KeyReturn || ev.Name == fyne.KeyEnter:
		b.Tapped(nil) // nothing when disabled
	case !windowKey(b, ev):
		b.Button.TypedKey(ev)
	}
}

// entry is a widget.Entry that hands the window's shortcuts (Ctrl+Enter,
// Ctrl+O) and Esc on to it.
type entry struct{ widget.Entry }

func newEntry() *entry {
	e := &entry{}
	e.Wrapping = fyne.TextWrapOff
	e.ExtendBaseWidget(e)
	return e
}

func newPasswordEntry() *entry {
	e := newEntry()
	e.Password = true
	return e
}

func newMultiLineEntry() *entry {
	e := newEntry()
	e.MultiLine = true
	e.Wrapping = fyne.TextWrapWord
	return e
}

func (e *entry) FocusGained() {
	e.Entry.FocusGained()
	followFocus(e)
}

func (e *entry) TypedKey(ev *fyne.KeyEvent) {
	if !windowKey(e, ev) {
		e.Entry.TypedKey(ev)
	}
}

// AcceptsTab is false: Tab leaves a field, even one of several lines (a
// tab typed there, it had kept the focus for good).
func (e *entry) AcceptsTab() bool { return false }

// TypedShortcut hands the window's own shortcuts to it; the rest, word
// editing with Ctrl+Backspace and Ctrl+Left among them, are the field's.
func (e *entry) TypedShortcut(s fyne.Shortcut) {
	if !windowShortcutFrom(e, s) {
		e.Entry.TypedShortcut(s)
	}
}

// selectEntry is a widget.SelectEntry (a field with suggestions) that
// behaves as entry does.
type selectEntry struct{ widget.SelectEntry }

func newSelectEntry(options []string) *selectEntry {
	e := &selectEntry{}
	e.ExtendBaseWidget(e)
	e.Wrapping = fyne.TextWrapOff
	e.SetOptions(options)
	return e
}

func (e *selectEntry) FocusGained() {
	e.SelectEntry.FocusGained()
	followFocus(e)
}

func (e *selectEntry) AcceptsTab() bool { return false }

func (e *selectEntry) TypedKey(ev *fyne.KeyEvent) {
	if !windowKey(e, ev) {
		e.SelectEntry.TypedKey(ev)
	}
}

func (e *selectEntry) TypedShortcut(s fyne.Shortcut) {
	if !windowShortcutFrom(e, s) {
		e.SelectEntry.TypedShortcut(s)
	}
}

// windowKey hands Esc and F1, the window's keys, from a focused widget to
// the window; it says whether it did.
func windowKey(o fyne.CanvasObject, ev *fyne.KeyEvent) bool {
	if ev.Name != fyne.KeyEscape && ev.Name != fyne.KeyF1 {
		return false
	}
	toWindow(o, ev)
	return true
}

// windowShortcutFrom hands one of the window's shortcuts from a focused
// field to the window; it says whether it did.
func windowShortcutFrom(o fyne.CanvasObject, s fyne.Shortcut) bool {
	cs, ok := s.(*desktop.CustomShortcut)
	if !ok || !windowShortcut[*cs] {
		return false
	}
	if sc, ok := canvasOf(o).(fyne.Shortcutable); ok {
		sc.TypedShortcut(s)
		return true
	}
	return false
}

func canvasOf(o fyne.CanvasObject) fyne.Canvas {
	if a := fyne.CurrentApp(); a != nil {
		return a.Driver().CanvasForObject(o)
	}
	return nil
}

// toWindow gives a key a focused widget does not use to the window's own handler.
func toWindow(o fyne.CanvasObject, ev *fyne.KeyEvent) {
	if c := canvasOf(o); c != nil && c.OnTypedKey() != nil {
		c.OnTypedKey()(ev)
	}
}

// answer is one of a question's buttons.
type answer struct {
	label string
	do    func() // nil: only closes
}

// ask shows a question answered by buttons. The focus starts on
// answers[def], which Enter presses; Esc, like closing it any other way,
// runs answers[safe].do: the answer that changes nothing.
func (u *UI) ask(title string, body fyne.CanvasObject, def, safe int, answers ...answer) dialog.Dialog {
	var d dialog.Dialog
	answered := false
	buttons := make([]fyne.CanvasObject, len(answers))
	var first *button
	for i, a := range answers {
		b := newButton(a.label, func() {
			answered = true
			d.Hide()
			if a.do != nil {
				a.do()
			}
		})
		if i == def { // the focus shows it: a blue button besides would look like a second focus
			first = b
		}
		buttons[i] = b
	}
	d = dialog.NewCustomWithoutButtons(title, container.NewBorder(nil,
		container.NewCenter(container.NewHBox(buttons...)), nil, nil, body), u.win)
	u.show(d, func() {
		if !answered && answers[safe].do != nil {
			answers[safe].do()
		}
	})
	u.win.Canvas().Focus(first)
	return d
}

// keyLabel writes a shortcut as this system does: Ctrl+Shift+O, or ⌘⇧O on macOS.
func keyLabel(mod fyne.KeyModifier, key fyne.KeyName) string {
	name := string(key)
	switch key {
	case fyne.KeyReturn:
		name = lang.L("Enter")
	case fyne.KeyEscape:
		name = lang.L("Esc")
	}
	mac := runtime.GOOS == "darwin"
	var parts []string
	for _, m := range []struct {
		mod       fyne.KeyModifier
		name, mac string
	}{
		{fyne.KeyModifierControl, lang.L("Ctrl"), "⌃"},
		{fyne.KeyModifierAlt, lang.L("Alt"), "⌥"},
		{fyne.KeyModifierShift, lang.L("Shift"), "⇧"},
		{fyne.KeyModifierSuper, lang.L("Super"), "⌘"},
	} {
		switch {
		case mod&m.mod == 0:
		case mac:
			parts = append(parts, m.mac)
		default:
			parts = append(parts, m.name)
		}
	}
	if mac {
		return strings.Join(parts, "") + name
	}
	return strings.Join(append(parts, name), "+")
}

// shortcut is one of the window's keyboard shortcuts.
type shortcut struct {
	mod  fyne.KeyModifier
	key  fyne.KeyName
	what string // later(): Help › Keyboard lists it
	do   func()
}

const cmd = fyne.KeyModifierShortcutDefault // Ctrl, or ⌘ on macOS

// shortcuts are the window's keyboard shortcuts, in the order Help ›
// Keyboard lists them.
func (u *UI) shortcuts() []shortcut {
	return []shortcut{
		{cmd, fyne.KeyO, later("Add files…"), u.pickFiles},
		{cmd | fyne.KeyModifierShift, fyne.KeyO, later("Add folder…"), u.pickFolder},
		{cmd, fyne.KeyV, later("Paste: upload what was copied (outside a text field)"), nil}, // Fyne's paste shortcut
		{cmd, fyne.KeyReturn, later("Upload"), func() { u.form.upload() }},
		{cmd | fyne.KeyModifierShift, fyne.KeyC, later("Copy the selected file's URL"), u.copySelected},
		{cmd, fyne.KeyR, later("Retry failed"), func() { u.retry() }},
		{cmd, fyne.KeyP, later("Pause or resume"), func() { u.setPaused(!u.queue.Paused(), false) }},
		{cmd, fyne.KeyM, later("Open or close More options"), u.toggleMoreOptions},
		{cmd, fyne.Key1, later("Show Uploads"), func() { u.tabs.SelectIndex(0) }},
		{cmd, fyne.Key2, later("Show History"), func() { u.tabs.SelectIndex(1) }},
		{cmd, fyne.KeyComma, later("Settings"), func() { u.showSettings(false) }},
		{cmd, fyne.KeySlash, later("Keyboard shortcuts"), u.showKeyboard},
		{0, fyne.KeyF1, later("Keyboard shortcuts"), u.showKeyboard}, // the window's key handler: not where a list or a box has the focus
	}
}

// windowShortcut are the window's shortcuts, which a text field hands on.
var windowShortcut = map[desktop.CustomShortcut]bool{}

// addShortcuts registers the window's shortcuts, and Esc. They act on the
// window, so they wait while a dialog or a menu is open over it: Ctrl+Enter
// typed in Settings had uploaded the list behind it.
func (u *UI) addShortcuts() {
	c := u.win.Canvas()
	onWindow := func(do func()) func(fyne.Shortcut) {
		return func(fyne.Shortcut) {
			if c.Overlays().Top() == nil {
				do()
			}
		}
	}
	for _, s := range u.shortcuts() {
		if s.do == nil || s.mod == 0 {
			continue
		}
		keys := []fyne.KeyName{s.key}
		if s.key == fyne.KeyReturn {
			keys = append(keys, fyne.KeyEnter) // the keypad's Enter too
		}
		for _, k := range keys {
			sc := desktop.CustomShortcut{KeyName: k, Modifier: s.mod}
			windowShortcut[sc] = true
			c.AddShortcut(&sc, onWindow(s.do))
		}
	}
	c.AddShortcut(&fyne.ShortcutPaste{}, onWindow(u.paste)) // a text field that has the focus takes its own
	c.SetOnTypedKey(func(ev *fyne.KeyEvent) {
		switch ev.Name {
		case fyne.KeyEscape:
			u.closeTop()
		case fyne.KeyF1:
			if c.Overlays().Top() == nil {
				u.showKeyboard()
			}
		}
	})
}

// copySelected copies the selected file's URL, when it has one.
func (u *UI) copySelected() {
	if url := u.urlOf(u.snaps[u.selected]); u.selected != 0 && url != "" {
		u.copyText(url)
		return
	}
	u.showNotice(lang.L("Select an uploaded file in the list first (Tab to the list, then the arrow keys and Space)."))
}

// showKeyboard is Help › Keyboard: the shortcuts, and how to move without a mouse.
func (u *UI) showKeyboard() {
	grid := container.NewGridWithColumns(2)
	row := func(keys, what string) {
		grid.Add(widget.NewLabelWithStyle(keys, fyne.TextAlignTrailing, fyne.TextStyle{Bold: true}))
		grid.Add(widget.NewLabel(what))
	}
	all := u.shortcuts()
	for i, s := range all {
		if i > 0 && all[i-1].what == s.what {
			continue // listed with the one before
		}
		keys := keyLabel(s.mod, s.key)
		if i+1 < len(all) && all[i+1].what == s.what {
			keys += ", " + keyLabel(all[i+1].mod, all[i+1].key)
		}
		row(keys, lang.L(s.what))
	}
	row(lang.L("Tab, Shift+Tab"), lang.L("Move to the next or previous control"))
	row(lang.L("Space, Enter"), lang.L("Press the button that has the focus"))
	row(lang.L("Space"), lang.L("Tick a box; open a list of choices"))
	row(lang.L("↑ ↓, Space"), lang.L("Move in a list of files; select one"))
	row(lang.L("Esc"), lang.L("Close a dialog or menu, changing nothing"))
	d := u.ask(lang.L("Keyboard shortcuts"), container.NewVScroll(grid), 0, 0, answer{label: lang.L("Close")})
	d.Resize(fyne.NewSize(640, min(grid.MinSize().Height+140, 640)))
}

// helpMenu is the toolbar's Help: the keyboard shortcuts, and what this app is.
func (u *UI) helpMenu() *fyne.Menu {
	return fyne.NewMenu("",
		fyne.NewMenuItem(lang.L("Keyboard shortcuts")+"  ("+keyLabel(cmd, fyne.KeySlash)+")", u.showKeyboard),
		fyne.NewMenuItem(lang.L("About ImageKit Uploader"), u.showAbout),
	)
}

// showAbout says what the app is and which version, in the desktop entry's
// words (its GenericName and Comment, which the Linux package translates
// from these).
func (u *UI) showAbout() {
	meta := u.app.Metadata()
	title := widget.NewLabelWithStyle("ImageKit Uploader", fyne.TextAlignCenter, fyne.TextStyle{Bold: true})
	kind := widget.NewLabelWithStyle(lang.L("File Uploader"), fyne.TextAlignCenter, fyne.TextStyle{Italic: true})
	what := widget.NewLabelWithStyle(lang.L("Upload files and folders to ImageKit.io"), fyne.TextAlignCenter, fyne.TextStyle{})
	version := widget.NewLabelWithStyle(lang.L("Version {{.Version}}", args{"Version": cmp.Or(meta.Version, "dev")}), fyne.TextAlignCenter, fyne.TextStyle{})
	u.ask(lang.L("About ImageKit Uploader"), container.NewVBox(title, kind, what, version), 0, 0, answer{label: lang.L("Close")})
}

// toggleMoreOptions opens More options, scrolled into view with the focus on
// its first field, or closes it.
func (u *UI) toggleMoreOptions() {
	acc := u.form.more.object.(*widget.Accordion)
	if acc.Items[0].Open {
		acc.Close(0) // the focus, if in it, goes too (newHiding)
		sc := u.form.scroll
		sc.ScrollToOffset(fyne.NewPos(0, max(0, acc.Position().Y+acc.MinSize().Height-sc.Size().Height)))
		return
	}
	acc.Open(0)
	u.form.scroll.ScrollToOffset(fyne.NewPos(0, acc.Position().Y))
	u.win.Canvas().Focus(u.form.more.description)
}

// confirm asks yes or no: no, the answer that changes nothing, has the
// focus, so Enter and Esc both keep things as they are.
func (u *UI) confirm(title, msg, yes, no string, do func()) {
	text := widget.NewLabel(msg)
	text.Wrapping = fyne.TextWrapWord
	d := u.ask(title, text, 0, 0, answer{label: no}, answer{label: yes, do: do})
	d.Resize(fyne.NewSize(480, d.MinSize().Height+60))
}

// edit shows a dialog of fields with Cancel and a confirm button (Save):
// Enter presses the one with the focus, Esc and closing are Cancel. It
// returns the confirm button, for a form to turn off while it is invalid.
func (u *UI) edit(title, confirm string, content fyne.CanvasObject, ok func()) (dialog.Dialog, *button) {
	var d dialog.Dialog
	cancel := newButton(lang.L("Cancel"), func() { d.Hide() })
	save := newButton(confirm, func() {
		d.Hide()
		ok()
	})
	save.Importance = widget.HighImportance
	d = dialog.NewCustomWithoutButtons(title, container.NewBorder(nil,
		container.NewHBox(layout.NewSpacer(), cancel, save), nil, nil, content), u.win)
	u.show(d)
	return d, save
}
