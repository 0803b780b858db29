package ui

import (
	"testing"

	"fyne.io/fyne/v2/test"
)

// TestSnapshots keeps the markup of the main states in testdata/: a change
// to the screens shows up as a diff to review. The demo's server is not in
// them: only files added, never uploaded, so nothing varies between runs.
func TestSnapshots(t *testing.T) {
	u := newTestUI(t, Config{Demo: true})
	onUI(func() { test.AssertRendersToMarkup(t, "empty.xml", u.win.Canvas()) })

	drop(u, makeFiles(t, t.TempDir(), "beach.txt", "a-very-long-file-name-that-goes-on-and-on-and-on-until-it-must-be-truncated.txt")...)
	waitFor(t, "2 rows", func() bool { return len(u.rows) == 2 }) // added and drawn in one piece of UI work
	onUI(func() { test.AssertRendersToMarkup(t, "ready.xml", u.win.Canvas()) })

	onUI(func() {
		u.form.tags.SetText("sale, 100%")
		test.AssertRendersToMarkup(t, "invalid_tags.xml", u.win.Canvas())
		u.form.tags.SetText("")
	})

	onUI(func() {
		u.showSettings(true)
		test.AssertRendersToMarkup(t, "settings.xml", u.win.Canvas())
	})
}
