//go:build !(linux || freebsd || openbsd || netbsd)

package ui

// trayHost: Windows and macOS always show the tray (the menu bar).
func trayHost() bool { return true }
