package ui

import (
	"sync"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/widget"
)

// Fyne 2.7 moves the focus without scrolling to it: Tab into a field below
// the fold of the form, Settings or More options left the focus out of
// sight. The window's widgets tell followFocus when they gain it, and the
// scrolled area that holds them scrolls until they show.

var (
	scrollsMu sync.Mutex
	scrolls   = map[fyne.Canvas][]*container.Scroll{} // what may need scrolling, innermost last
)

// followScroll makes sc follow the focus in c until the returned func is called.
func followScroll(c fyne.Canvas, sc *container.Scroll) (stop func()) {
	scrollsMu.Lock()
	defer scrollsMu.Unlock()
	scrolls[c] = append(scrolls[c], sc)
	return func() {
		scrollsMu.Lock()
		defer scrollsMu.Unlock()
		list := scrolls[c]
		for i, s := range list {
			if s == sc {
				scrolls[c] = append(list[:i:i], list[i+1:]...)
				break
			}
		}
		if len(scrolls[c]) == 0 {
			delete(scrolls, c)
		}
	}
}

// followFocus scrolls the area that holds o (o just gained the focus) so
// that o shows whole.
func followFocus(o fyne.CanvasObject) {
	c := canvasOf(o)
	if c == nil {
		return
	}
	scrollsMu.Lock()
	list := append([]*container.Scroll(nil), scrolls[c]...)
	scrollsMu.Unlock()
	d := fyne.CurrentApp().Driver()
	at := d.AbsolutePositionForObject(o)
	for i := len(list) - 1; i >= 0; i-- {
		sc := list[i]
		if !sc.Visible() || !holds(sc.Content, o) {
			continue // not in this area: Save below Settings' fields, Upload below the form
		}
		top := at.Y - d.AbsolutePositionForObject(sc).Y // where o is in the area's view
		off, h, view := sc.Offset, o.Size().Height, sc.Size().Height
		const margin = 8
		switch {
		case top < 0:
			off.Y += top - margin
		case top+h > view:
			off.Y += top + h - view + margin
		default:
			return
		}
		sc.ScrollToOffset(off)
		return
	}
}

// check is a widget.Check that the scrolled area follows.
type check struct{ widget.Check }

func newCheck(label string, changed func(bool)) *check {
	c := &check{}
	c.Text, c.OnChanged = label, changed
	c.ExtendBaseWidget(c)
	return c
}

func (c *check) FocusGained() {
	c.Check.FocusGained()
	followFocus(c)
}

// TypedKey hands Esc and F1 to the window, as button and entry do: Esc
// on a tick box had left its dialog open.
func (c *check) TypedKey(ev *fyne.KeyEvent) {
	if !windowKey(c, ev) {
		c.Check.TypedKey(ev)
	}
}

// choice is a widget.Select that the scrolled area follows.
type choice struct{ widget.Select }

func newSelect(options []string, changed func(string)) *choice {
	s := &choice{}
	s.Options, s.OnChanged, s.PlaceHolder = options, changed, lang.L("(Select one)")
	s.ExtendBaseWidget(s)
	return s
}

func (s *choice) FocusGained() {
	s.Select.FocusGained()
	followFocus(s)
}

func (s *choice) TypedKey(ev *fyne.KeyEvent) {
	if !windowKey(s, ev) {
		s.Select.TypedKey(ev)
	}
}

// hiding holds what a part of the window shows (More options' fields) and
// takes the focus along when it is hidden: Fyne leaves it on a hidden field,
// where what was typed next went, unseen, into the Description and up with
// the files.
type hiding struct {
	widget.BaseWidget
	content fyne.CanvasObject
}

func newHiding(content fyne.CanvasObject) *hiding {
	h := &hiding{content: content}
	h.ExtendBaseWidget(h)
	return h
}

func (h *hiding) CreateRenderer() fyne.WidgetRenderer { return widget.NewSimpleRenderer(h.content) }

func (h *hiding) Hide() {
	if c := canvasOf(h); c != nil {
		if f, ok := c.Focused().(fyne.CanvasObject); ok && holds(h.content, f) {
			c.Unfocus()
		}
	}
	h.BaseWidget.Hide()
}

// holds says whether o is root or inside it, through the containers and
// widgets the scrolled areas are made of (a form's fields, More options).
func holds(root, o fyne.CanvasObject) bool {
	if root == nil {
		return false
	}
	if root == o {
		return true
	}
	switch x := root.(type) {
	case *fyne.Container:
		for _, c := range x.Objects {
			if holds(c, o) {
				return true
			}
		}
	case *widget.Form:
		for _, it := range x.Items {
			if holds(it.Widget, o) {
				return true
			}
		}
	case *widget.Accordion:
		for _, it := range x.Items {
			if it.Open && holds(it.Detail, o) {
				return true
			}
		}
	case *container.Scroll:
		return holds(x.Content, o)
	case *hiding:
		return x.Visible() && holds(x.content, o)
	}
	return false
}
