package main

import (
	"context"
	"flag"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/app"

	"imagekit-uploader/signer"
	"imagekit-uploader/ui"
)

// appID is the app's reverse-DNS id, as in FyneApp.toml.
const appID = "io.imagekit.uploader"

// cmdWindow opens the desktop app; paths given (the command line, "Open
// with") are added to the list at once.
func cmdWindow(ctx context.Context, args []string, std stdio) error {
	if len(args) > 0 && (args[0] == "--help" || args[0] == "-h") {
		printHelp(std.err)
		return flag.ErrHelp
	}
	demo := false
	var paths []string
	for i, a := range args {
		switch {
		case a == "--demo":
			demo = true
		case a == "--":
			paths = append(paths, args[i+1:]...)
			return openWindow(ctx, demo, paths)
		case strings.HasPrefix(a, "-"):
			return usagef("unknown flag %q (the window takes --demo and paths)", a)
		default:
			paths = append(paths, a)
		}
	}
	return openWindow(ctx, demo, paths)
}

func openWindow(ctx context.Context, demo bool, paths []string) error {
	a := app.NewWithID(appID)
	u := ui.New(a, ui.Config{Paths: paths, Demo: demo, Secrets: signer.DefaultKeyStore})
	go func() {
		<-ctx.Done() // Ctrl+C in the terminal that started it
		fyne.Do(a.Quit)
	}()
	u.Window().ShowAndRun()
	u.Close()
	return nil
}
