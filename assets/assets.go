// Package assets holds the files bundled into the binary.
package assets

import (
	"embed"
	_ "embed"
)

// Icon is the app's icon, 1024x1024 PNG (drawn by scripts/make-icon.sh).
//
//go:embed Icon.png
var Icon []byte

// Lang holds the window's translations, lang/LANGUAGE.json in go-i18n's
// JSON format: en.json is the source, keyed by its English text.
//
//go:embed lang/*.json
var Lang embed.FS
