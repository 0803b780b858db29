package emulator

import (
	"strings"
	"testing"
)

// TestChecksAreEvaluated: the checks sent with an upload decide whether it
// is stored, with ImageKit's syntax. Before, any checks were accepted and
// never evaluated, so a file that had to be refused was stored.
func TestChecksAreEvaluated(t *testing.T) {
	s, sg := newServer(t)
	img := pngBytes(t, 1200, 800) // a PNG of a few kilobytes
	for _, c := range []struct {
		checks string
		status int
		says   string
	}{
		{`"file.size" < "10mb"`, 200, ""},
		{`"file.size" < "10"`, 400, "did not pass the upload checks"},
		{`'file.size' < '100kb' AND "mediaMetadata.width" >= 1200`, 200, ""},
		{`"mediaMetadata.width" >= 1600 OR "mediaMetadata.height" = 800`, 200, ""},
		{`"mediaMetadata.width" >= 1600 AND ("request.folder" : "checks/" OR "file.size" < "1mb")`, 400, "did not pass"},
		{`"file.mime" : "image/png"`, 200, ""},
		{`"file.mime" IN ["image/jpeg", "image/webp"]`, 400, "did not pass"},
		{`"request.folder" : "/checks"`, 200, ""},
		{`"request.tags" : "summer" AND NOT "request.fileName" : "other.png"`, 200, ""},
		{`"request.tags" NOT IN ["winter"]`, 200, ""},
		{`file.size < 10mb`, 400, "invalid syntax for the checks parameter"},
		{`"file.size" < "10mb" AND`, 400, "invalid syntax"},
		{`"file.colour" : "red"`, 400, "invalid syntax"},
		{`"file.size" IN "10"`, 400, "invalid syntax"},
		{`"file.size" < "1e19"`, 200, ""},
		{`"file.size" < "10000000000gb"`, 200, ""},
		{`"file.size" < "inf"`, 400, "invalid syntax"},
		{`"file.size" > "nan"`, 400, "invalid syntax"},
		{strings.Repeat("NOT ", 40) + `"file.size" < "10mb"`, 400, "nests deeper"},
		{strings.Repeat("(", 40) + `"file.size" < "10mb"` + strings.Repeat(")", 40), 400, "nests deeper"},
		{strings.Repeat("NOT ", 6) + `"file.size" < "10mb"`, 200, ""},
	} {
		t.Run(c.checks, func(t *testing.T) {
			a := send(t, s, sg, upload{fields: map[string]string{"fileName": "c.png", "folder": "/checks", "tags": "summer,dress", "checks": c.checks}, file: img})
			msg, _ := a.body["message"].(string)
			if a.status != c.status || !strings.Contains(msg, c.says) {
				t.Errorf("%d %v, want %d saying %q", a.status, a.body, c.status, c.says)
			}
		})
	}
	for _, r := range s.Requests() {
		if r.Status == 400 && r.Result != nil {
			t.Errorf("%s: refused, yet stored", r.Fields["checks"])
		}
	}
}
