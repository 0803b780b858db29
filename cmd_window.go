package main

import (
	"context"
	"errors"
	"flag"
	"os"
	"runtime"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/app"

	"imagekit-uploader/assets"
	"imagekit-uploader/keystore"
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
	cfg := ui.Config{Secrets: keystore.DefaultKeyStore}
	for i := 0; i < len(args); i++ {
		a := args[i]
		switch {
		case a == "--demo":
			cfg.Demo = true
		case strings.HasPrefix(a, "--demo-throttle="):
			rate, err := parseSize(strings.TrimPrefix(a, "--demo-throttle="))
			if err != nil {
				return usagef("--demo-throttle: %v", err)
			}
			cfg.Demo, cfg.DemoThrottle = true, rate
		case a == "--":
			cfg.Paths = append(cfg.Paths, args[i+1:]...)
			i = len(args)
		case strings.HasPrefix(a, "-"):
			return usagef("unknown flag %q (the window takes --demo, --demo-throttle=RATE and paths)", a)
		default:
			cfg.Paths = append(cfg.Paths, a)
		}
	}
	return openWindow(ctx, cfg)
}

func openWindow(ctx context.Context, cfg ui.Config) error {
	if err := checkDisplay(); err != nil {
		return err
	}
	a := app.NewWithID(appID)
	a.SetIcon(fyne.NewStaticResource("Icon.png", assets.Icon))
	u := ui.New(a, cfg)
	go func() {
		<-ctx.Done() // Ctrl+C in the terminal that started it
		fyne.Do(a.Quit)
	}()
	u.Window().ShowAndRun()
	u.Close()
	return nil
}

// checkDisplay stops the window before the toolkit panics on a system whose
// windows need an X11 or Wayland display and there is none (ssh, a server).
func checkDisplay() error {
	switch runtime.GOOS {
	case "linux", "freebsd", "openbsd", "netbsd":
		if os.Getenv("DISPLAY") == "" && os.Getenv("WAYLAND_DISPLAY") == "" {
			return configError{errors.New("no display: the window needs a desktop session (DISPLAY or WAYLAND_DISPLAY); for headless use run 'imagekit-uploader upload ...'")}
		}
	}
	return nil
}
