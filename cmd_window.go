package main

import (
	"context"
	"flag"
)

func cmdWindow(ctx context.Context, args []string, std stdio) error {
	if len(args) == 0 || args[0] == "--help" || args[0] == "-h" {
		printHelp(std.err)
		return flag.ErrHelp
	}
	return usagef("unknown command %q", args[0])
}
