package results

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

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

// TestTemplatesThatWouldNotEnd: a {{range}} over a number is refused when
// the template is read; before, {{range 100000000000}}{{end}} ran for hours
// printing nothing, past Ctrl-C, and froze the window's template editor.
func TestTemplatesThatWouldNotEnd(t *testing.T) {
	for _, text := range []string{`{{range 100000000000}}{{end}}x`, `{{range .size}}.{{end}}`, `{{if .url}}{{range .error.status}}{{end}}{{end}}`} {
		if _, err := ParseFormat(text); err == nil || !strings.Contains(err.Error(), "range") {
			t.Errorf("%s: %v", text, err)
		}
	}
	if _, err := ParseFormat(`{{range .AITags}}{{.name}}{{end}}{{range $k, $v := .customMetadata}}{{$k}}{{end}}`); err != nil {
		t.Errorf("ranges over lists and maps: %v", err)
	}
}

// TestTemplatesThatWouldNotEndAtRunTime: what the reading cannot see is
// bounded as the template runs: a {{range}} over a number reached through
// {{with}} or a {{template}}, and templates that call each other until the
// work doubles past any end. Each is an error, as on a real line. Before,
// the trial at parse time spun for minutes, past SIGTERM.
func TestTemplatesThatWouldNotEndAtRunTime(t *testing.T) {
	var doubling strings.Builder
	for i := range 60 {
		fmt.Fprintf(&doubling, `{{define "t%d"}}{{template "t%d" .}}{{template "t%d" .}}{{end}}`, i, i+1, i+1)
	}
	doubling.WriteString(`{{define "t60"}}{{.name}}{{end}}{{template "t0" .}}`)
	for name, text := range map[string]string{
		"range over dot":      `{{with 100000000000}}{{range .}}{{end}}{{end}}`,
		"range in a template": `{{define "n"}}{{range .}}{{end}}{{end}}{{template "n" 100000000000}}`,
		"doubling templates":  doubling.String(),
	} {
		done := make(chan error, 1)
		go func() { _, err := ParseFormat(text); done <- err }()
		select {
		case err := <-done:
			if err == nil {
				t.Errorf("%s: accepted", name)
			}
		case <-time.After(time.Minute):
			t.Fatalf("%s: still running after a minute", name)
		}
	}
	// Texts kept in variables grow where they are made: each maker is
	// bounded. Before, these ran the process out of memory.
	for _, text := range []string{
		`{{$a := printf "%1000000d" 1}}{{$a = print $a $a $a $a $a $a $a $a $a $a}}{{$a = print $a $a $a $a $a $a $a $a $a $a}}{{len $a}}`,
		`{{$a := "xxxxxxxxxxxxxxxx"}}{{range .tags}}{{$a = print $a $a}}{{$a = printf "%s%s" $a $a}}{{end}}{{len $a}}`,
	} {
		f, err := ParseFormat(text)
		if err == nil {
			_, err = f.Line(Line{Status: "uploaded", Tags: make([]string, 28)})
		}
		if err == nil || !strings.Contains(err.Error(), "1 MiB") {
			t.Errorf("%.40s…: %v", text, err)
		}
	}
	// A range over a list a variable holds is fine.
	if _, err := ParseFormat(`{{range $.tags}}{{.}}{{end}}{{$t := .tags}}{{range $t}}{{.}}{{end}}`); err != nil {
		t.Errorf("range over $.tags: %v", err)
	}

	// A line the trial passes, but whose real values would not end: its own
	// error, not a hang.
	f, err := ParseFormat(`{{range .tags}}{{template "x" $}}{{end}}{{define "x"}}{{range .tags}}{{template "y" $}}{{end}}{{end}}{{define "y"}}{{range .tags}}{{template "z" $}}{{end}}{{end}}{{define "z"}}{{range .tags}}{{range .tags}}{{range .tags}}{{range .tags}}{{end}}{{end}}{{end}}{{end}}{{end}}`)
	if err != nil {
		t.Fatal(err)
	}
	tags := make([]string, 30)
	if _, err := f.Line(Line{Status: "uploaded", Tags: tags}); err == nil {
		t.Fatal("30^7 steps taken")
	}
}

// TestIndexOfAMissingKey: index gives "" for a key a free-form map lacks,
// as a field does; extensions' names have dashes, so index is the way.
func TestIndexOfAMissingKey(t *testing.T) {
	f, err := ParseFormat(`[{{index .extensionStatus "remove-bg"}}][{{index .customMetadata "brand"}}][{{.customMetadata.season}}]`)
	if err != nil {
		t.Fatal(err)
	}
	l := Line{Status: "uploaded", URL: "u", ExtensionStatus: json.RawMessage(`{"remove-bg":"pending"}`), CustomMetadata: json.RawMessage(`{"other":1}`)}
	if got, err := f.Line(l); err != nil || string(got) != "[pending][][]\n" {
		t.Errorf("%q, %v", got, err)
	}
}
