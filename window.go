//go:build !nogui

package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime/pprof"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/app"

	"imagekit-uploader/assets"
	"imagekit-uploader/cli"
	"imagekit-uploader/internal/instance"
	"imagekit-uploader/keystore"
	"imagekit-uploader/results"
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
	others, handed, err := claimWindow(w)
	if handed || err != nil {
		return err
	}

	a := app.NewWithID(appID)
	a.SetIcon(fyne.NewStaticResource("Icon.png", assets.Icon))
	u := ui.New(a, ui.Config{Paths: w.Paths, Demo: w.Demo, DemoThrottle: w.DemoThrottle, Secrets: keystore.DefaultKeyStore})
	if others != nil { // a later launch's files join this window's list
		others.Handle(func(paths []string) {
			fyne.Do(func() {
				u.AddPaths(paths)
				u.Window().Show() // from the tray too
				u.Window().RequestFocus()
			})
		})
	}
	go func() {
		<-ctx.Done()
		fyne.Do(a.Quit)
	}()
	u.Window().ShowAndRun()
	if others != nil {
		others.Close() // first: a launch from now on opens its own window
	}
	u.Close()
	return nil
}

// claimWindow makes this launch the one window, or hands its paths to the
// window already open (handed: this launch is done). Where no local socket
// can be made, the window opens on its own.
func claimWindow(w cli.Window) (others *instance.Server, handed bool, err error) {
	dir, err := instance.Dir()
	if err != nil {
		return nil, false, nil
	}
	paths := make([]string, 0, len(w.Paths))
	for _, p := range w.Paths {
		if abs, err := filepath.Abs(p); err == nil {
			paths = append(paths, abs)
		}
	}
	others, handed, err = instance.Claim(dir, paths, 10*time.Second)
	switch {
	case errors.Is(err, instance.ErrNoAnswer):
		return nil, false, err
	case err != nil:
		return nil, false, nil
	case handed && len(paths) > 0:
		fmt.Printf("The window already open took %d %s.\n", len(paths), results.Plural(len(paths), "path", "paths"))
	case handed:
		fmt.Println("The window already open was brought forward.")
	}
	return others, handed, nil
}
