package uploader

import (
	"context"
	"errors"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

func yes() *bool { b := true; return &b }
func no() *bool  { b := false; return &b }

// TestOptionsCheck: each option is checked for ImageKit's shape before
// anything is sent, and refused with the field and a reason.
func TestOptionsCheck(t *testing.T) {
	good := []Options{
		{Description: "A red dress, front"},
		{CustomMetadata: `{"brand": "acme", "price": 129, "onSale": true, "sizes": ["S", "M"], "launch": "2026-03-01"}`},
		{Extensions: `[{"name": "google-auto-tagging", "maxTags": 5, "minConfidence": 95}, {"name": "remove-bg", "options": {"add_shadow": true, "bg_color": "FFFFFF"}}, {"name": "ai-auto-description"}]`},
		{Extensions: `[{"name":"aws-auto-tagging","maxTags":10,"minConfidence":0}]`},
		{Extensions: `[{"name": "remove-bg", "options": {"bg_color": "green", "semitransparency": false}}, {"name": "saved-extension", "id": "ext_a1"}, {"name": "saved-extension", "id": "ext_b2"}]`},
		{Extensions: `[{"name": "ai-tasks", "tasks": [{"type": "select_tags", "instruction": "What is shown?", "vocabulary": ["dress", "shoe"], "max_selections": 2},` +
			` {"type": "select_metadata", "field": "season", "instruction": "Which season?", "vocabulary": ["SS26", "AW26", 2027, true]},` +
			` {"type": "yes_no", "instruction": "Is it outdoors?", "on_yes": {"add_tags": ["outdoor"], "set_metadata": [{"field": "place", "value": "out"}]}, "on_no": {"remove_tags": ["outdoor"], "unset_metadata": [{"field": "place"}]}, "on_unknown": {}}]}]`},
		{Extensions: `[{"name":"aws-auto-tagging","maxTags":5.0,"minConfidence":9e1}]`},
		{Transformation: `{"pre": "w-2560,q-80", "post": [{"type": "transformation", "value": "w-400"}, {"type": "gif-to-video"}, {"type": "thumbnail", "value": "w-150"}, {"type": "abs", "protocol": "hls", "value": "sr-240_360_480"}]}`},
		{Transformation: `{"pre":"w-100"}`},
		{Checks: `"file.size" < "10mb" AND "mediaMetadata.width" >= 1200`},
		{WebhookURL: "https://cms.example.com/imagekit-hook"},
		{CustomCoordinates: "10,20,300,400"},
		{ResponseFields: "tags,customCoordinates,isPrivateFile,embeddedMetadata,isPublished,customMetadata,metadata,selectedFieldsSchema"},
		{OverwriteTags: no(), OverwriteAITags: no(), OverwriteCustomMetadata: no(), IsPublished: yes()},
	}
	for _, o := range good {
		if err := o.Check(); err != nil {
			t.Errorf("%+v refused: %v", o, err)
		}
	}
	bad := []struct {
		o     Options
		field string
		says  string
	}{
		{Options{Description: "\xff"}, "description", "UTF-8"},
		{Options{CustomMetadata: `{"brand": "acme"`}, "customMetadata", "not valid JSON"},
		{Options{CustomMetadata: `["acme"]`}, "customMetadata", "JSON object"},
		{Options{CustomMetadata: `{"a": 1} {"b": 2}`}, "customMetadata", "more follows"},
		{Options{CustomMetadata: `{"dims": {"w": 1}}`}, "customMetadata", `"dims" is an object`},
		{Options{CustomMetadata: `{"brand": null}`}, "customMetadata", `"brand" is null`},
		{Options{CustomMetadata: `{"a": 1e400}`}, "customMetadata", "too large"},
		{Options{Extensions: `{"name": "remove-bg"}`}, "extensions", "JSON array"},
		{Options{Extensions: `[{"name": "auto-tagging"}]`}, "extensions", `unknown extension "auto-tagging"`},
		{Options{Extensions: `[{"name": "google-auto-tagging", "maxTags": 5}]`}, "extensions", "minConfidence is required"},
		{Options{Extensions: `[{"name": "google-auto-tagging", "maxTags": 5.5, "minConfidence": 90}]`}, "extensions", "whole number"},
		{Options{Extensions: `[{"name": "google-auto-tagging", "maxTags": 5, "minConfidence": 101}]`}, "extensions", "from 0 to 100"},
		{Options{Extensions: `[{"name": "remove-bg", "options": {"bg_color": "#FFFFFF"}}]`}, "extensions", "hex colour"},
		{Options{Extensions: `[{"name": "saved-extension"}]`}, "extensions", `needs the "id"`},
		{Options{Extensions: `[{"name": "remove-bg", "options": {"bg_color": "ffff"}}]`}, "extensions", "hex colour"},
		{Options{Extensions: `[{"name": "ai-tasks", "tasks": [{"type": "select_tags", "instruction": "x", "min_selections": 3, "max_selections": 1}]}]`}, "extensions", "more than max_selections"},
		{Options{Extensions: `[{"name": "ai-tasks", "tasks": [{"type": "yes_no", "instruction": "x", "on_yes": {"add_tags": ["50%"]}}]}]`}, "extensions", "without %"},
		{Options{Extensions: `[{"name": "ai-tasks", "tasks": []}]`}, "extensions", `needs "tasks"`},
		{Options{Extensions: `[{"name": "ai-tasks", "tasks": [{"type": "describe", "instruction": "x"}]}]`}, "extensions", "not one of select_tags"},
		{Options{Extensions: `[{"name": "ai-tasks", "tasks": [{"type": "select_tags"}]}]`}, "extensions", "needs an instruction"},
		{Options{Extensions: `[{"name": "ai-tasks", "tasks": [{"type": "select_metadata", "instruction": "Season?"}]}]`}, "extensions", "field to set"},
		{Options{Extensions: `[{"name": "ai-tasks", "tasks": [{"type": "yes_no", "instruction": "Outdoor?", "on_yes": {"add_tag": ["x"]}}]}]`}, "extensions", `"add_tag" is not an action`},
		{Options{Extensions: `[{"name": "remove-bg", "options": {"shadow": true}}]`}, "extensions", `unknown option "shadow"`},
		{Options{Extensions: `[{"name": "ai-auto-description"}, {"name": "ai-auto-description"}]`}, "extensions", "twice"},
		{Options{Extensions: `[{"name": "ai-auto-description", "language": "fr"}]`}, "extensions", `takes no "language"`},
		{Options{Transformation: `"w-400"`}, "transformation", "JSON object"},
		{Options{Transformation: `{}`}, "transformation", "empty"},
		{Options{Transformation: `{"pre": 400}`}, "transformation", `"pre" must be`},
		{Options{Transformation: `{"post": [{"type": "resize", "value": "w-1"}]}`}, "transformation", `unknown type "resize"`},
		{Options{Transformation: `{"post": [{"type": "transformation"}]}`}, "transformation", `needs a "value"`},
		{Options{Transformation: `{"post": [{"type": "abs", "protocol": "rtmp", "value": "sr-240"}]}`}, "transformation", "hls"},
		{Options{Transformation: `{"pre": "w-1", "after": []}`}, "transformation", `unknown member "after"`},
		{Options{Checks: `   `}, "checks", "blank"},
		{Options{Checks: `"file.size < "10mb"`}, "checks", "unclosed quote"},
		{Options{WebhookURL: "ftp://example.com/hook"}, "webhookUrl", "http(s) URL"},
		{Options{WebhookURL: "example.com/hook"}, "webhookUrl", "http(s) URL"},
		{Options{CustomCoordinates: "10,20,300"}, "customCoordinates", "x,y,width,height"},
		{Options{CustomCoordinates: "10, 20, 300, 400"}, "customCoordinates", "x,y,width,height"},
		{Options{CustomCoordinates: "-1,20,300,400"}, "customCoordinates", "x,y,width,height"},
		{Options{CustomCoordinates: "10,20,0,400"}, "customCoordinates", "more than 0"},
		{Options{ResponseFields: "tags,AITags"}, "responseFields", `unknown response field "AITags"`},
		{Options{ResponseFields: "tags, customMetadata"}, "responseFields", "no spaces"},
	}
	for _, c := range bad {
		err := c.o.Check()
		var ce *CheckError
		if !errors.As(err, &ce) || ce.Field != c.field || !strings.Contains(err.Error(), c.says) {
			t.Errorf("%+v: got %v, want a %s check error saying %q", c.o, err, c.field, c.says)
		}
	}
}

// TestOptionsReachTheServer: every option set goes in the form and in the
// token, byte for byte as given; options not set are not sent at all.
func TestOptionsReachTheServer(t *testing.T) {
	srv := newTestServer(t)
	dir := t.TempDir()
	paths := writeFiles(t, dir, 2, 1024)
	fields := DefaultFields()
	fields.Options = Options{
		Description:       "A red dress, front",
		CustomMetadata:    `{"brand": "acme",  "price": 129}`, // two spaces: sent as typed
		Extensions:        `[{"name": "google-auto-tagging", "maxTags": 5, "minConfidence": 95}]`,
		Transformation:    `{"pre": "w-2560,q-80"}`,
		Checks:            `"file.size" < "10mb"`,
		WebhookURL:        "https://cms.example.com/hook",
		CustomCoordinates: "10,20,300,400",
		ResponseFields:    "tags,customMetadata",
		OverwriteTags:     no(),
		IsPublished:       yes(),
	}
	q := NewQueue(context.Background(), newClient(t, srv), 2, PlanFree)
	q.Add([]Item{{Path: paths[0]}}, fields)
	q.Add([]Item{{Path: paths[1]}}, DefaultFields())
	q.Start()
	runQueue(t, q)
	for _, j := range q.Jobs() {
		if j.State != Done {
			t.Fatalf("%s: %s %v", filepath.Base(j.Request.Path), j.State, j.Err)
		}
	}
	want := map[string]string{
		"description": fields.Description, "customMetadata": fields.CustomMetadata,
		"extensions": fields.Extensions, "transformation": fields.Transformation, "checks": fields.Checks,
		"webhookUrl": fields.WebhookURL, "customCoordinates": fields.CustomCoordinates,
		"responseFields": fields.ResponseFields, "overwriteTags": "false", "isPublished": "true",
	}
	for _, r := range srv.Requests() {
		with := r.FileName == filepath.Base(paths[0])
		for k, v := range want {
			form, inForm := r.Fields[k]
			claim, inToken := r.Claims.Fields[k]
			switch {
			case with && (form != v || claim != v):
				t.Errorf("%s: form %q, token %q, want %q in both", k, form, claim, v)
			case !with && (inForm || inToken):
				t.Errorf("%s sent for a file that did not set it", k)
			}
		}
		if _, ok := r.Fields["overwriteAITags"]; ok {
			t.Error("overwriteAITags sent though not set")
		}
	}
}

// TestBadOptionsAreNotSent: a file whose options ImageKit would refuse
// fails its check before a byte is sent.
func TestBadOptionsAreNotSent(t *testing.T) {
	srv := newTestServer(t)
	paths := writeFiles(t, t.TempDir(), 1, 1024)
	fields := DefaultFields()
	fields.CustomMetadata = `{"brand": acme}`
	q := NewQueue(context.Background(), newClient(t, srv), 1, PlanFree)
	q.Add([]Item{{Path: paths[0]}}, fields)
	q.Start()
	runQueue(t, q)
	j := q.Jobs()[0]
	var ce *CheckError
	if j.State != Failed || !errors.As(j.Err, &ce) || ce.Field != "customMetadata" {
		t.Fatalf("%s %v, want a customMetadata check error", j.State, j.Err)
	}
	if n := len(srv.Requests()); n != 0 {
		t.Fatalf("%d requests sent", n)
	}
}

func TestParseSize(t *testing.T) {
	for in, want := range map[string]int64{"200MB": 200 << 20, "1.5 GB": 3 << 29, "512k": 512 << 10, "4096": 4096, "2gb": 2 << 30, "10 B": 10} {
		if got, err := ParseSize(in); err != nil || got != want {
			t.Errorf("ParseSize(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	for _, in := range []string{"", "MB", "-5MB", "0", "ten MB", "5TB", "1e20GB", "NaN", "0.1", "0.5B"} {
		if _, err := ParseSize(in); err == nil {
			t.Errorf("ParseSize(%q) took it", in)
		}
	}
}

// TestMaxFileSizeOverridesThePlan: an account's own limit replaces the
// plan's in the pre-check, and says so.
func TestMaxFileSizeOverridesThePlan(t *testing.T) {
	srv := newTestServer(t)
	paths := writeFiles(t, t.TempDir(), 2, 4096)
	q := NewQueue(context.Background(), newClient(t, srv), 1, PlanFree)
	q.SetMaxFileSize(2048)
	q.Add([]Item{{Path: paths[0]}}, DefaultFields())
	q.Start()
	runQueue(t, q)
	if j := q.Jobs()[0]; j.State != Failed || j.Err == nil || !strings.Contains(j.Err.Error(), "the size limit set for the account is 2.0 KB") {
		t.Fatalf("%s %v, want refused by the account's limit", j.State, j.Err)
	}
	q.SetMaxFileSize(0)
	q.Add([]Item{{Path: paths[1]}}, DefaultFields())
	q.Start()
	runQueue(t, q)
	if j := q.Jobs()[1]; j.State != Done {
		t.Fatalf("%s %v: the plan's limit is back, 4 KB passes", j.State, j.Err)
	}
}

func TestExpandFolder(t *testing.T) {
	day := time.Date(2026, 3, 7, 23, 0, 0, 0, time.UTC)
	for in, want := range map[string]string{
		"/shoots/{yyyy}/{mm}/{dd}": "/shoots/2026/03/07",
		"/{yyyy}-{mm}":             "/2026-03",
		"/plain":                   "/plain",
	} {
		if got, err := ExpandFolder(in, day); err != nil || got != want {
			t.Errorf("ExpandFolder(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, in := range []string{"/{yy}", "/{date}/x", "/{yyyy"} {
		if _, err := ExpandFolder(in, day); err == nil || !strings.Contains(err.Error(), "placeholder") {
			t.Errorf("ExpandFolder(%q): %v, want an unknown placeholder refused", in, err)
		}
	}
}

// TestItemsWithoutKeysAreEachListed: items made by hand (no file key) are
// told apart by their paths. Before, every one after the first in a call
// was taken for a duplicate of it.
func TestItemsWithoutKeysAreEachListed(t *testing.T) {
	q := NewQueue(context.Background(), &Client{}, 1, PlanFree)
	added, dups := q.Add([]Item{{Path: "/a.jpg"}, {Path: "/b.jpg"}, {Path: "/a.jpg"}}, DefaultFields())
	if len(added) != 2 || dups != 1 {
		t.Fatalf("added %d, %d duplicates; want 2 and 1", len(added), dups)
	}
}

// TestOptionTableCoversOptions: every field of Options has one entry in
// OptionTable, under its JSON name, with a flag, and what Set puts in Get
// gives back: the form, presets, flags and the window all go by the table,
// so a field left out of it would be silently never sent.
func TestOptionTableCoversOptions(t *testing.T) {
	typ := reflect.TypeFor[Options]()
	if typ.NumField() != len(OptionTable) {
		t.Fatalf("Options has %d fields, the table %d entries", typ.NumField(), len(OptionTable))
	}
	keys, flags := map[string]bool{}, map[string]bool{}
	for i := range typ.NumField() {
		sf := typ.Field(i)
		key, _, _ := strings.Cut(sf.Tag.Get("json"), ",")
		op, ok := LookupOption(key)
		if !ok {
			t.Errorf("%s (%q) is not in OptionTable", sf.Name, key)
			continue
		}
		if keys[key] || flags[op.Flag] || op.Flag == "" {
			t.Errorf("%s: key or flag %q given twice or empty", key, op.Flag)
		}
		keys[key], flags[op.Flag] = true, true
		value := "x"
		if op.IsBool() != (sf.Type.Kind() == reflect.Pointer) {
			t.Errorf("%s: the table says bool %v for a %s", key, op.IsBool(), sf.Type)
		}
		if op.IsBool() {
			value = "false"
		}
		var o Options
		if err := op.Set(&o, value); err != nil {
			t.Fatal(err)
		}
		if reflect.ValueOf(o).Field(i).IsZero() {
			t.Errorf("%s: Set did not set the field %s", key, sf.Name)
		}
		if got, set := op.Get(o); !set || got != value {
			t.Errorf("%s: Get after Set %q gave %q, %v", key, value, got, set)
		}
		m := map[string]string{}
		o.put(m)
		if len(m) != 1 || m[key] != value {
			t.Errorf("%s: sent as %v", key, m)
		}
		if op.Set(&o, ""); !reflect.ValueOf(o).IsZero() {
			t.Errorf("%s: Set \"\" left %+v", key, o)
		}
	}
}

// TestOptionsOver: a layer's set options replace, its unset ones leave.
func TestOptionsOver(t *testing.T) {
	no := false
	base := Options{Description: "base", Checks: `"file.size" < "1mb"`, IsPublished: &no}
	got := base.Over(Options{Description: "top", ResponseFields: "tags"})
	want := Options{Description: "top", Checks: base.Checks, ResponseFields: "tags", IsPublished: &no}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got %+v, want %+v", got, want)
	}
}
