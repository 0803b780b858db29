package main

import (
	_ "embed"
	"regexp"
)

// FyneApp.toml is the one place the version lives: fyne package reads it for
// the packages' metadata, and the binary reads it here.
//
//go:embed FyneApp.toml
var fyneAppTOML string

var versionRE = regexp.MustCompile(`(?m)^\s*Version\s*=\s*"([^"]+)"`)

// version is FyneApp.toml's [Details] Version.
var version = func() string {
	if m := versionRE.FindStringSubmatch(fyneAppTOML); m != nil {
		return m[1]
	}
	return "unknown"
}()
