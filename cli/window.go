package cli

import (
	"context"
	"errors"
	"flag"
	"os"
	"runtime"
)

// Window is what the window is opened with.
type Window struct {
	Paths        []string // files and folders to add at once (the command line, "Open with")
	Demo         bool
	DemoThrottle int64 // bytes a second, for the demo server; 0 for no limit
}

// cmdWindow opens the desktop app; paths given (the command line, "Open
// with") are added to the list at once.
func cmdWindow(ctx context.Context, args []string, std Stdio, open func(context.Context, Window) error) error {
	if len(args) > 0 && (args[0] == "--help" || args[0] == "-h") {
		printHelp(std.Out)
		return flag.ErrHelp
	}
	fs := newFlags(std, "", "[--demo] [--demo-throttle RATE] [PATH...]", "Open the app, with these files and folders added.")
	var cfg Window
	fs.BoolVar(&cfg.Demo, "demo", false, "a local server and the demo key: nothing leaves this computer")
	throttle := fs.String("demo-throttle", "", "the demo, with all uploads together slowed to RATE a second (e.g. 2MB), as on one network link")
	paths, err := fs.parseInterleaved(args)
	if err != nil {
		return err
	}
	cfg.Paths = paths
	if *throttle != "" {
		rate, err := parseSize(*throttle)
		if err != nil {
			return usagef("--demo-throttle: %v", err)
		}
		cfg.Demo, cfg.DemoThrottle = true, rate
	}
	if open == nil {
		return configError{errors.New("this build has no window (it was built with -tags nogui): use the commands, e.g. 'imagekit-uploader upload ...'")}
	}
	if err := checkDisplay(); err != nil {
		return err
	}
	return open(ctx, cfg)
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
