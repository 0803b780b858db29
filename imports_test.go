package main

import (
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// TestImportsPointOneWay keeps docs/ARCHITECTURE.md true: nothing below the
// window imports Fyne or the window, and the emulator, the independent check
// on the client, imports nothing of the client.
func TestImportsPointOneWay(t *testing.T) {
	forbidden := func(pkg, imp string) string {
		switch {
		case pkg == "." || pkg == "ui" || strings.HasPrefix(pkg, "scripts"):
			return ""
		case strings.HasPrefix(imp, "fyne.io/"):
			return "Fyne"
		case imp == "imagekit-uploader/ui":
			return "the window"
		case pkg == "emulator" && (imp == "imagekit-uploader/uploader" || strings.HasPrefix(imp, "imagekit-uploader/uploader/")):
			return "the client it checks"
		}
		return ""
	}
	checked := 0
	err := filepath.WalkDir(".", func(p string, d fs.DirEntry, err error) error {
		if err == nil && d.IsDir() && p != "." && (strings.HasPrefix(d.Name(), ".") || d.Name() == "testdata" || d.Name() == "dist") {
			return filepath.SkipDir // caches, fixtures and builds: no source of the module
		}
		if err != nil || d.IsDir() || !strings.HasSuffix(p, ".go") || strings.HasSuffix(p, "_test.go") {
			return err
		}
		f, err := parser.ParseFile(token.NewFileSet(), p, nil, parser.ImportsOnly)
		if err != nil {
			return err
		}
		pkg := filepath.ToSlash(filepath.Dir(p))
		for _, spec := range f.Imports {
			imp, _ := strconv.Unquote(spec.Path.Value)
			if what := forbidden(pkg, imp); what != "" {
				t.Errorf("%s imports %s (%s)", p, what, imp)
			}
		}
		checked++
		return nil
	})
	if err != nil || checked < 50 {
		t.Fatalf("%d files read: %v", checked, err)
	}
}
