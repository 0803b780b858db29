// Command desktop-l10n prints the desktop entry's translated lines
// (GenericName[de]=…, Comment[de]=…), from the window's catalogue (the
// window's About says the same), for the Linux package:
//
//	go run ./scripts/desktop-l10n assets/lang >>imagekit-uploader.desktop
//
// FyneApp.toml's GenericName and Comment are the English; the app's name
// stays its own.
package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// keys are the entry's keys with their English, FyneApp.toml's, which are
// keys of the catalogue.
var keys = []struct{ key, english string }{
	{"GenericName", "File Uploader"},
	{"Comment", "Upload files and folders to ImageKit.io"},
}

// locales are the desktop entry's names of the catalogue's languages.
var locales = map[string]string{"pt-BR": "pt_BR", "zh-Hans": "zh_CN"}

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: desktop-l10n CATALOGUE-FOLDER")
		os.Exit(2)
	}
	files, _ := filepath.Glob(filepath.Join(os.Args[1], "*.json"))
	slices.Sort(files)
	n := 0
	for _, f := range files {
		tag := strings.TrimSuffix(filepath.Base(f), ".json")
		if tag == "en" || strings.Contains(tag, ".") {
			continue
		}
		b, err := os.ReadFile(f)
		if err != nil {
			fail(err)
		}
		var cat map[string]any
		if err := json.Unmarshal(b, &cat); err != nil {
			fail(fmt.Errorf("%s: %w", f, err))
		}
		if l, ok := locales[tag]; ok {
			tag = l
		}
		for _, k := range keys {
			s, ok := cat[k.english].(string)
			if !ok || s == "" || strings.ContainsAny(s, "\n\r") {
				fail(fmt.Errorf("%s: no one-line translation of %q", f, k.english))
			}
			fmt.Printf("%s[%s]=%s\n", k.key, tag, s)
		}
		n++
	}
	if n == 0 {
		fail(fmt.Errorf("no translations in %s", os.Args[1]))
	}
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "desktop-l10n:", err)
	os.Exit(1)
}
