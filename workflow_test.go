package main

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestWorkflowsPinActionsAndScopeWrites: every action is pinned by a commit
// (a tag can be moved to other code), the token is read-only by default, and
// only the job that publishes may write. Before, every job had contents:
// write and every action was pinned by tag.
func TestWorkflowsPinActionsAndScopeWrites(t *testing.T) {
	files, _ := filepath.Glob(".github/workflows/*.yml")
	if len(files) == 0 {
		t.Fatal("no workflows found")
	}
	uses := regexp.MustCompile(`(?m)^\s*-?\s*uses:\s*(\S+)`)
	pinned := regexp.MustCompile(`^[\w.-]+/[\w./-]+@[0-9a-f]{40}$`)
	writes := regexp.MustCompile(`(?m)^(\s*)contents:\s*write`)
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		text := string(b)
		for _, m := range uses.FindAllStringSubmatch(text, -1) {
			if !pinned.MatchString(m[1]) {
				t.Errorf("%s: %s is not pinned by a commit", f, m[1])
			}
		}
		if !regexp.MustCompile(`(?m)^permissions:\s*\n\s+contents:\s*read`).MatchString(text) {
			t.Errorf("%s: the default permissions are not read-only", f)
		}
		for _, m := range writes.FindAllStringSubmatch(text, -1) {
			if len(m[1]) < 6 { // under a job's permissions, not the workflow's
				t.Errorf("%s: contents: write for every job", f)
			}
		}
		if strings.Contains(text, "macos-13") {
			t.Errorf("%s: macos-13 is a retired runner label", f)
		}
	}
}
