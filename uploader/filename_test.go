package uploader

import (
	"errors"
	"testing"
)

// A file name is one name: not a path, not a folder's "." or "..".
func TestCheckFileName(t *testing.T) {
	p := writeFiles(t, t.TempDir(), 1, 10)[0]
	check := func(name string) error {
		_, err := Check(Request{Path: p, FileName: name, Fields: DefaultFields()}, Limit{Plan: PlanFree})
		return err
	}
	for _, name := range []string{"", "  ", ".", "..", " .. ", "a/b.jpg", "/a.jpg", "../a.jpg"} {
		var ce *CheckError
		if err := check(name); !errors.As(err, &ce) || ce.Field != "fileName" {
			t.Errorf("FileName %q: %v; want a CheckError on fileName", name, err)
		}
	}
	for _, name := range []string{"a.jpg", "...", ".hidden", "a..b", "my photo.jpg", `a\b.jpg`} {
		if err := check(name); err != nil {
			t.Errorf("FileName %q refused: %v", name, err)
		}
	}
}
