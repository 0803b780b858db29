package cli

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
)

// cmdUserPath is for the Windows installer, not for people, so no help
// lists it: "user-path add" puts the folder of this program on the user's
// PATH, "user-path remove" takes it off again (the MSI's custom actions
// run them; wixl has no Environment table).
func cmdUserPath(_ context.Context, args []string, _ Stdio) error {
	if len(args) != 1 || (args[0] != "add" && args[0] != "remove") {
		return usagef("user-path add|remove")
	}
	exe, err := os.Executable()
	if err != nil {
		return err
	}
	return editUserPath(filepath.Dir(exe), args[0] == "add")
}

// withDir is list (PATH, ';'-separated) with dir taken out, or with dir
// once when add is set: where it was, else at the end. Entries compare as Windows compares folders:
// case aside, a trailing backslash aside.
func withDir(list, dir string, add bool) string {
	norm := func(s string) string { return strings.ToLower(strings.TrimRight(strings.TrimSpace(s), `\/`)) }
	var kept []string
	had := false
	for _, e := range strings.Split(list, ";") {
		switch {
		case e == "":
		case norm(e) != norm(dir):
			kept = append(kept, e)
		case add && !had: // there already: it keeps its place
			kept, had = append(kept, e), true
		}
	}
	if add && !had {
		kept = append(kept, dir)
	}
	return strings.Join(kept, ";")
}

var errNotWindows = errors.New("the user's PATH is changed this way on Windows only")
