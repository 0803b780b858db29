//go:build !windows

package cli

func editUserPath(string, bool) error { return errNotWindows }
