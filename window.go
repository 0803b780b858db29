//go:build !nogui

package main

import (
	"context"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/app"

	"imagekit-uploader/assets"
	"imagekit-uploader/cli"
	"imagekit-uploader/keystore"
	"imagekit-uploader/ui"
)

// appID is the app's reverse-DNS id, as in FyneApp.toml.
const appID = "io.imagekit.uploader"

// openWindow runs the desktop app until it is closed or ctx ends (Ctrl+C in
// the terminal that started it).
func openWindow(ctx context.Context, w cli.Window) error {
	a := app.NewWithID(appID)
	a.SetIcon(fyne.NewStaticResource("Icon.png", assets.Icon))
	u := ui.New(a, ui.Config{Paths: w.Paths, Demo: w.Demo, DemoThrottle: w.DemoThrottle, Secrets: keystore.DefaultKeyStore})
	go func() {
		<-ctx.Done()
		fyne.Do(a.Quit)
	}()
	u.Window().ShowAndRun()
	u.Close()
	return nil
}
