package results

import (
	"encoding/json"
	"testing"

	"imagekit-uploader/uploader"
)

// TestCopyAsTemplates: the window's built-in Copy as templates, and tr,
// print what a page or a document needs; texts from the server are
// escaped where the template says html.
func TestCopyAsTemplates(t *testing.T) {
	res := &uploader.Result{FileID: "f1", Name: `red "dress".jpg`, URL: "https://ik.imagekit.io/demo/red.jpg", FilePath: "/red.jpg",
		AITags: json.RawMessage(`[{"name":"dress","confidence":97,"source":"google-auto-tagging"}]`)}
	l := FromJob(uploader.Job{State: uploader.Done, Result: res, Request: uploader.Request{Path: "/home/x/red.jpg"}})
	for text, want := range map[string]string{
		`{{.url}}`:            "https://ik.imagekit.io/demo/red.jpg\n",
		`{{tr .url "w-800"}}`: "https://ik.imagekit.io/demo/red.jpg?tr=w-800\n",
		`{{tr "https://x/a.jpg?updatedAt=1" "w-1"}}`: "https://x/a.jpg?updatedAt=1&tr=w-1\n",
		`![{{.name}}]({{.url}})`:                     "![red \"dress\".jpg](https://ik.imagekit.io/demo/red.jpg)\n",
		`<img alt="{{html .name}}">`:                 "<img alt=\"red &#34;dress&#34;.jpg\">\n",
		`{{range .AITags}}{{.name}}{{end}}`:          "dress\n",
	} {
		f, err := ParseFormat(text)
		if err != nil {
			t.Fatalf("%s: %v", text, err)
		}
		got, err := f.Line(l)
		if err != nil || string(got) != want {
			t.Errorf("%s: %q, %v; want %q", text, got, err, want)
		}
	}
}
