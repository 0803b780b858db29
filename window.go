//go:build !nogui

package main

import (
	"context"
	"fmt"
	"os"
	"runtime/pprof"

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
	// IMAGEKIT_UPLOADER_CPUPROFILE=FILE writes a CPU profile of the window's
	// run, for `go tool pprof` (profile before optimising).
	if path := os.Getenv("IMAGEKIT_UPLOADER_CPUPROFILE"); path != "" {
		f, err := os.Create(path)
		if err != nil {
			return fmt.Errorf("IMAGEKIT_UPLOADER_CPUPROFILE: %w", err)
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return fmt.Errorf("IMAGEKIT_UPLOADER_CPUPROFILE: %w", err)
		}
		defer pprof.StopCPUProfile()
	}
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
