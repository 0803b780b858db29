package ui

import (
	"image/color"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/theme"
)

// focusTheme is the system's theme (light or dark) with a focus that can be
// seen from across the desk: Fyne's own is a 16% tint of blue, which on a
// button, a box or a choice nearly vanishes in both variants. The focus
// here is the theme's primary colour at half strength.
type focusTheme struct{ fyne.Theme }

func (t focusTheme) Color(n fyne.ThemeColorName, v fyne.ThemeVariant) color.Color {
	if n == theme.ColorNameFocus {
		r, g, b, _ := t.Theme.Color(theme.ColorNamePrimary, v).RGBA()
		return color.NRGBA{R: uint8(r >> 8), G: uint8(g >> 8), B: uint8(b >> 8), A: 0x80}
	}
	return t.Theme.Color(n, v)
}
