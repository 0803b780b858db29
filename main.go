// Command imagekit-uploader uploads files to ImageKit.io: a desktop window by
// default, and subcommands for scripts, teams and tests.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"imagekit-uploader/cli"
	_ "imagekit-uploader/internal/plainlocale"
	"imagekit-uploader/internal/winconsole"
)

func main() {
	winconsole.Attach(os.Args[1:]) // the Windows window build's commands print where they were typed
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	context.AfterFunc(ctx, stop) // the first Ctrl-C stops gently; a second one, at once
	code := cli.Run(ctx, os.Args[1:], cli.Stdio{In: os.Stdin, Out: os.Stdout, Err: os.Stderr},
		cli.App{Version: version, OpenWindow: openWindow})
	stop()
	os.Exit(code)
}
