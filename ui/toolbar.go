package ui

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
)

// toolbarLayout lays the toolbar out in a row. Where the row with every
// label is wider than the window (German's "Fehlgeschlagene wiederholen",
// a text scale of 1.5), some buttons show their icon alone, the least used
// first, rather than making the window wider than the screen: the row
// asks only for the width of its icons.
type toolbarLayout struct {
	shrink []*button // in the order their labels go
}

func (l *toolbarLayout) MinSize(objs []fyne.CanvasObject) fyne.Size {
	s := layout.NewHBoxLayout().MinSize(objs)
	for _, b := range l.shrink {
		if b.Visible() && !b.short {
			s.Width -= labelWidth(b)
		}
	}
	return s
}

func (l *toolbarLayout) Layout(objs []fyne.CanvasObject, size fyne.Size) {
	full := layout.NewHBoxLayout().MinSize(objs).Width
	for _, b := range l.shrink {
		if b.Visible() && b.short {
			full += labelWidth(b)
		}
	}
	excess := full - size.Width
	for _, b := range l.shrink {
		short := excess > 0 && b.Visible() && b.label != ""
		if short {
			excess -= labelWidth(b)
		}
		b.setShort(short)
	}
	layout.NewHBoxLayout().Layout(objs, size)
}

// labelWidth is what a button's label adds to its width (Fyne's button: the
// text in bold, and a padding from the icon); a test holds it to Fyne's.
func labelWidth(b *button) float32 {
	if b.label == "" {
		return 0
	}
	th := b.Theme()
	text := fyne.MeasureText(b.label, th.Size(theme.SizeNameText), fyne.TextStyle{Bold: true})
	return text.Width + th.Size(theme.SizeNamePadding)
}

// setLabel sets a toolbar button's text, shown unless the row is short of room.
func (b *button) setLabel(s string) {
	b.label = s
	if !b.short {
		b.SetText(s)
	}
}

func (b *button) setShort(short bool) {
	if short == b.short {
		return
	}
	b.short = short
	if short {
		b.SetText("")
	} else {
		b.SetText(b.label)
	}
}
