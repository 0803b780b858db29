package uploader

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"imagekit-uploader/internal/winetest"
)

func touch(t *testing.T, p string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestCollectKeepsStructure(t *testing.T) {
	root := t.TempDir()
	summer := filepath.Join(root, "summer")
	touch(t, filepath.Join(summer, "dresses", "a.jpg"))
	touch(t, filepath.Join(summer, "b.jpg"))
	touch(t, filepath.Join(summer, "Sale Items", "c d.jpg"))
	touch(t, filepath.Join(summer, ".DS_Store"))
	touch(t, filepath.Join(summer, ".git", "config"))
	touch(t, filepath.Join(summer, "Thumbs.db"))
	single := filepath.Join(root, ".hidden-but-given.jpg")
	touch(t, single)

	items, skipped := Collect([]string{summer, single, filepath.Join(summer, "b.jpg"), filepath.Join(root, "nope.jpg")})
	got := map[string]string{}
	var errs []string
	for _, it := range items {
		if it.Err != nil {
			errs = append(errs, filepath.Base(it.Path)+": "+it.Err.Error())
			continue
		}
		got[filepath.Base(it.Path)] = it.Rel
	}
	want := map[string]string{"a.jpg": "summer/dresses", "b.jpg": "summer", "c d.jpg": "summer/Sale_Items", ".hidden-but-given.jpg": ""}
	if len(got) != len(want) {
		t.Errorf("items %v, want %v", got, want)
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s: rel %q, want %q", k, got[k], v)
		}
	}
	if len(errs) != 1 || !strings.Contains(errs[0], "nope.jpg: the file does not exist") {
		t.Errorf("errors %v", errs)
	}
	reasons := map[string]string{}
	for _, s := range skipped {
		reasons[filepath.Base(s.Path)] = s.Reason
	}
	for name, reason := range map[string]string{".DS_Store": "hidden", ".git": "hidden", "Thumbs.db": "system file", "b.jpg": "given twice"} {
		if !strings.Contains(reasons[name], reason) {
			t.Errorf("%s skipped as %q, want %q", name, reasons[name], reason)
		}
	}
	// With a destination folder, the structure lands under it.
	if d, err := destination("/shop", "summer/dresses"); err != nil || d != "/shop/summer/dresses" {
		t.Errorf("destination: %q %v", d, err)
	}
}

func TestCollectLinks(t *testing.T) {
	root := t.TempDir()
	top := filepath.Join(root, "top")
	touch(t, filepath.Join(top, "sub", "a.jpg"))
	winetest.SymlinkOrSkip(t, top, filepath.Join(top, "sub", "loop"))                              // leads back up
	winetest.SymlinkOrSkip(t, filepath.Join(top, "sub", "a.jpg"), filepath.Join(top, "alias.jpg")) // the same file again
	winetest.SymlinkOrSkip(t, filepath.Join(root, "gone"), filepath.Join(top, "broken.jpg"))
	other := filepath.Join(root, "other")
	touch(t, filepath.Join(other, "o.jpg"))
	winetest.SymlinkOrSkip(t, other, filepath.Join(top, "linked"))

	items, skipped := Collect([]string{top})
	var names []string
	for _, it := range items {
		if it.Err != nil {
			t.Errorf("%s: %v", it.Path, it.Err)
		}
		names = append(names, it.Rel+"/"+filepath.Base(it.Path))
	}
	sort.Strings(names)
	if strings.Join(names, " ") != "top/alias.jpg top/linked/o.jpg" && strings.Join(names, " ") != "top/linked/o.jpg top/sub/a.jpg" {
		t.Errorf("items %v", names)
	}
	reasons := map[string]string{}
	for _, s := range skipped {
		reasons[filepath.Base(s.Path)] = s.Reason
	}
	if !strings.Contains(reasons["loop"], "link loop") || !strings.Contains(reasons["broken.jpg"], "broken link") {
		t.Errorf("skipped %v", reasons)
	}
	if len(items) != 2 {
		t.Errorf("%d items: the file and its link must count once", len(items))
	}
}

// TestCollectStopsOnCancel: listing a tree far bigger than meant (a "/"
// given by mistake) stops once the context ends, and says why.
func TestCollectStopsOnCancel(t *testing.T) {
	root := t.TempDir()
	for i := range 300 {
		touch(t, filepath.Join(root, fmt.Sprintf("d%03d", i), "sub", "a.jpg"))
	}
	if items, _, err := CollectContext(context.Background(), []string{root}); err != nil || len(items) != 300 {
		t.Fatalf("%d items, err %v; want 300 and no error", len(items), err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	items, _, err := CollectContext(ctx, []string{root, filepath.Join(root, "d000")})
	if !errors.Is(err, context.Canceled) || len(items) != 0 {
		t.Fatalf("canceled: %d items, err %v; want none and context.Canceled", len(items), err)
	}
}

func TestQueueAddSkipsDuplicates(t *testing.T) {
	p := filepath.Join(t.TempDir(), "a.jpg")
	touch(t, p)
	q := NewQueue(t.Context(), &Client{}, 1, PlanFree)
	items, _ := Collect([]string{p})
	if ids, dup := q.Add(items, DefaultFields()); len(ids) != 1 || dup != 0 {
		t.Fatalf("first add: %v %d", ids, dup)
	}
	items, _ = Collect([]string{p})
	if ids, dup := q.Add(items, DefaultFields()); len(ids) != 0 || dup != 1 {
		t.Fatalf("second add of the same file: %v %d", ids, dup)
	}
}

func TestFieldChecks(t *testing.T) {
	for in, want := range map[string]string{"": "/", "/": "/", "shop/summer/": "/shop/summer", "//a//b": "/a/b", "/Früh-jahr_2025": "/Früh-jahr_2025"} {
		if got, err := CleanFolder(in); err != nil || got != want {
			t.Errorf("CleanFolder(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, bad := range []string{"/my photos", "/a/../b", "/50%", strings.Repeat("/d", 51)} {
		if _, err := CleanFolder(bad); err == nil {
			t.Errorf("CleanFolder(%q) accepted", bad)
		}
	}
	if _, err := destination(strings.Repeat("/d", 49), "x/y"); err == nil {
		t.Error("49 levels + 2 from the dropped folder accepted")
	}
	if err := CheckTags([]string{strings.Repeat("t", 501)}); err == nil {
		t.Error("501 characters of tags accepted")
	}
	if err := CheckTags(ParseTags(" summer, dress ,,sale")); err != nil {
		t.Error(err)
	}
	if got := ParseTags(" summer, dress ,,sale"); strings.Join(got, ",") != "summer,dress,sale" {
		t.Errorf("ParseTags: %v", got)
	}
	f := DefaultFields()
	f.UseUniqueFileName, f.Tags, f.IsPrivateFile = false, []string{"a", "b"}, true
	m := f.form("x.jpg", "/f")
	want := map[string]string{"fileName": "x.jpg", "useUniqueFileName": "false", "overwriteFile": "true", "tags": "a,b", "isPrivateFile": "true", "folder": "/f"}
	if len(m) != len(want) {
		t.Errorf("form %v, want %v", m, want)
	}
	for k, v := range want {
		if m[k] != v {
			t.Errorf("form[%s] = %q, want %q", k, m[k], v)
		}
	}
}
