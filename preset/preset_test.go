package preset

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"

	"imagekit-uploader/strip"
	"imagekit-uploader/uploader"
)

func yes() *bool { b := true; return &b }
func no() *bool  { b := false; return &b }

func TestSaveLoadDelete(t *testing.T) {
	f := File{Path: filepath.Join(t.TempDir(), "sub", "presets.json")}
	if all, err := f.Load(); err != nil || len(all) != 0 {
		t.Fatalf("no file yet: %v, %v", all, err)
	}
	shoot := Preset{Folder: "/shoots/{yyyy}/{mm}", Tags: "summer, dress", UseUniqueFileName: no(),
		Options: uploader.Options{CustomMetadata: `{"brand": "acme"}`, OverwriteTags: no()}}
	if err := f.Save("Summer shoot", shoot); err != nil {
		t.Fatal(err)
	}
	if err := f.Save("web", Preset{Options: uploader.Options{Transformation: `{"pre": "w-2560"}`}}); err != nil {
		t.Fatal(err)
	}
	all, err := f.Load()
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(all["Summer shoot"], shoot) || !reflect.DeepEqual(Names(all), []string{"Summer shoot", "web"}) {
		t.Fatalf("loaded %+v", all)
	}
	if err := f.Delete("web"); err != nil {
		t.Fatal(err)
	}
	if err := f.Delete("web"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("deleting it again: %v", err)
	}
	if all, _ := f.Load(); len(all) != 1 {
		t.Fatalf("after delete: %v", Names(all))
	}
	if left, _ := filepath.Glob(filepath.Join(filepath.Dir(f.Path), ".presets-*")); len(left) != 0 {
		t.Fatalf("temporary files left: %v", left)
	}
}

// TestBadPresetsAreRefused: a preset that could not be uploaded with, or a
// name that is not one, is refused with the reason, and the file stays.
func TestBadPresetsAreRefused(t *testing.T) {
	f := File{Path: filepath.Join(t.TempDir(), "presets.json")}
	for name, p := range map[string]Preset{
		"bad folder":      {Folder: "/my photos"},
		"bad placeholder": {Folder: "/{year}"},
		"bad tags":        {Tags: "100%"},
		"bad metadata":    {Options: uploader.Options{CustomMetadata: "[1]"}},
	} {
		if err := f.Save(name, p); err == nil {
			t.Errorf("%s: saved", name)
		}
	}
	for _, name := range []string{"", " padded", "new\nline", strings.Repeat("x", 65)} {
		if err := f.Save(name, Preset{Tags: "a"}); err == nil {
			t.Errorf("name %q: saved", name)
		}
	}
	if _, err := os.Stat(f.Path); !os.IsNotExist(err) {
		t.Fatalf("a file was written: %v", err)
	}
}

// TestDamagedFileIsNotReplaced: a presets file that cannot be read is
// reported with its path, and saving does not overwrite it.
func TestDamagedFileIsNotReplaced(t *testing.T) {
	f := File{Path: filepath.Join(t.TempDir(), "presets.json")}
	damaged := []byte(`{"presets": {"a": {"folder": "/x"`)
	os.WriteFile(f.Path, damaged, 0o600)
	if _, err := f.Load(); err == nil || !strings.Contains(err.Error(), f.Path) {
		t.Fatalf("load: %v", err)
	}
	if err := f.Save("b", Preset{Tags: "t"}); err == nil {
		t.Fatal("saved over a damaged file")
	}
	if b, _ := os.ReadFile(f.Path); string(b) != string(damaged) {
		t.Fatal("the damaged file was changed")
	}
}

// TestApply: the preset's settings replace the form's; what it leaves
// empty stays.
func TestApply(t *testing.T) {
	f := uploader.DefaultFields()
	f.Folder, f.Tags, f.Description = "/mine", []string{"kept"}, "kept description"
	got := Preset{Folder: "/theirs", IsPrivateFile: yes(), Options: uploader.Options{IsPublished: no(), Checks: `"file.size" < "1mb"`}}.Apply(f)
	if got.Folder != "/theirs" || !got.IsPrivateFile || got.IsPublished == nil || *got.IsPublished ||
		got.Checks == "" || !reflect.DeepEqual(got.Tags, []string{"kept"}) || got.Description != "kept description" || !got.UseUniqueFileName {
		t.Fatalf("applied: %+v", got)
	}
}

func TestReplace(t *testing.T) {
	f := File{Path: filepath.Join(t.TempDir(), "presets.json")}
	f.Save("old", Preset{Tags: "a"})
	if err := f.Replace(map[string]Preset{"new": {Tags: "b"}, "bad": {Tags: "%"}}); err == nil {
		t.Fatal("imported a bad preset")
	}
	if err := f.Replace(map[string]Preset{"new": {Tags: "b"}}); err != nil {
		t.Fatal(err)
	}
	if all, _ := f.Load(); !reflect.DeepEqual(Names(all), []string{"new"}) {
		t.Fatalf("after import: %v", Names(all))
	}
}

// TestSavesAtOnceKeepEveryPreset: saves from many writers at once (the
// window and a script) each read what the last one wrote. Before, 52 of 60
// were kept.
func TestSavesAtOnceKeepEveryPreset(t *testing.T) {
	f := File{Path: filepath.Join(t.TempDir(), "presets.json")}
	var wg sync.WaitGroup
	for i := range 30 {
		wg.Go(func() {
			if err := f.Save(fmt.Sprintf("p%02d", i), Preset{Tags: "x"}); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if all, err := f.Load(); err != nil || len(all) != 30 {
		t.Fatalf("%d presets kept of 30: %v", len(all), err)
	}
}

// TestOddFilesAreDamage: a file with a second object after the first, or
// null, is damaged, not empty: never replaced. A presets file that is a
// link stays a link, its target saved.
func TestOddFilesAreDamage(t *testing.T) {
	dir := t.TempDir()
	for _, body := range []string{`{"presets":{}} {"presets":{"lost":{}}}`, `null`} {
		f := File{Path: filepath.Join(dir, "presets.json")}
		os.WriteFile(f.Path, []byte(body), 0o600)
		if err := f.Save("x", Preset{Tags: "a"}); err == nil || !strings.Contains(err.Error(), "damaged") {
			t.Errorf("%s: %v", body, err)
		}
		if b, _ := os.ReadFile(f.Path); string(b) != body {
			t.Errorf("%s was replaced", body)
		}
	}
	if err := CheckName("Family 👨‍👩‍👧"); err != nil {
		t.Errorf("an emoji name: %v", err)
	}
	target := filepath.Join(dir, "elsewhere.json")
	link := filepath.Join(dir, "link.json")
	if err := os.Symlink(target, link); err != nil {
		// Windows makes links only with a privilege (or developer mode).
		t.Skipf("this system makes no symbolic link here: %v", err)
	}
	if _, err := os.Lstat(link); err != nil {
		// wine 8 makes a link to a file not made yet, then cannot see it.
		t.Skipf("this system cannot see the link it made: %v", err)
	}
	if err := (File{Path: link}).Save("x", Preset{Tags: "a"}); err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Lstat(link); err != nil || fi.Mode()&os.ModeSymlink == 0 {
		t.Fatal("the link was replaced by a file")
	}
	if all, err := (File{Path: target}).Load(); err != nil || len(all) != 1 {
		t.Fatalf("the link's target: %v, %v", all, err)
	}
}

// TestStripSpellings: a preset's strip is read as --strip reads it: a file
// written by hand with "location" or "keep" did the wrong thing before
// ("keep" stripped everything, and the window showed "location" as keep).
func TestStripSpellings(t *testing.T) {
	for in, want := range map[strip.Mode]strip.Mode{"location": strip.Location, "gps": strip.Location, "keep": strip.Keep,
		"none": strip.Keep, "all": strip.All, "": strip.All} {
		f := uploader.DefaultFields()
		f.Strip = strip.All // the form's, which an empty preset field leaves
		if got := (Preset{Strip: in}).Apply(f).Strip; got != want {
			t.Errorf("%q: %q, want %q", in, got, want)
		}
	}
}
