//go:build nogui

package main

import (
	"context"

	"imagekit-uploader/cli"
)

// openWindow is nil: this build has the commands only, and runs without cgo,
// GL or a display.
var openWindow func(context.Context, cli.Window) error
