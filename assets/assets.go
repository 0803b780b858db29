// Package assets holds the files bundled into the binary.
package assets

import _ "embed"

// Icon is the app's icon, 1024x1024 PNG (drawn by scripts/make-icon.sh).
//
//go:embed Icon.png
var Icon []byte
