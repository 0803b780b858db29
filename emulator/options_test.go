package emulator

import (
	"bytes"
	"image"
	"image/jpeg"
	"reflect"
	"strings"
	"testing"
)

// TestOptionRefusals: the JSON fields, lists, coordinates and URLs are
// checked for ImageKit's shapes, and a wrong one is a 400 that names it.
func TestOptionRefusals(t *testing.T) {
	s, sg := newServer(t)
	for field, bad := range map[string]string{
		"customMetadata":    `["acme"]`,
		"extensions":        `[{"name": "google-auto-tagging"}]`,
		"transformation":    `{"pre": "w-1", "after": []}`,
		"responseFields":    "tags,AITags",
		"customCoordinates": "1,2,3",
		"webhookUrl":        "ftp://example.com",
	} {
		a := send(t, s, sg, upload{fields: map[string]string{"fileName": "a.txt", field: bad}, file: []byte("x")})
		msg, _ := a.body["message"].(string)
		if a.status != 400 || !strings.Contains(msg, field) {
			t.Errorf("%s=%s: %d %q, want 400 naming %s", field, bad, a.status, msg, field)
		}
	}
	for _, bad := range []string{`{"w": {"h": 1}}`, `{"brand": null}`, `{"a": 1`} {
		if a := send(t, s, sg, upload{fields: map[string]string{"fileName": "a.txt", "customMetadata": bad}, file: []byte("x")}); a.status != 400 {
			t.Errorf("customMetadata %s: %d", bad, a.status)
		}
	}
	if n := len(s.Files()); n != 0 {
		t.Fatalf("%d files stored", n)
	}
}

// TestOptionsAnswered: the answer carries what the options asked for: the
// description, the fake tagger's AI tags (the same for the same bytes),
// each extension's status, and the fields responseFields names.
func TestOptionsAnswered(t *testing.T) {
	s, sg := newServer(t)
	fields := map[string]string{
		"fileName": "dress.png", "description": "A red dress",
		"customMetadata":    `{"brand": "acme", "price": 129}`,
		"extensions":        `[{"name": "google-auto-tagging", "maxTags": 4, "minConfidence": 80}, {"name": "remove-bg"}]`,
		"customCoordinates": "10,20,30,40",
		"responseFields":    "tags,customMetadata,customCoordinates,isPublished",
		"webhookUrl":        "https://cms.example.com/hook",
		"transformation":    `{"pre": "w-2560", "post": [{"type": "thumbnail", "value": "w-150"}]}`,
		"checks":            `"file.size" < "1mb"`,
		"isPublished":       "true",
	}
	img := pngBytes(t, 64, 48)
	a := send(t, s, sg, upload{fields: fields, file: img, fileName: "dress.png"})
	if a.status != 200 {
		t.Fatalf("%d %v", a.status, a.body)
	}
	b := a.body
	if b["description"] != "A red dress" {
		t.Errorf("description %v", b["description"])
	}
	if want := map[string]any{"brand": "acme", "price": float64(129)}; !reflect.DeepEqual(b["customMetadata"], want) {
		t.Errorf("customMetadata %v, want %v", b["customMetadata"], want)
	}
	if b["customCoordinates"] != "10,20,30,40" || b["isPublished"] != true {
		t.Errorf("customCoordinates %v, isPublished %v", b["customCoordinates"], b["isPublished"])
	}
	if want := map[string]any{"google-auto-tagging": "success", "remove-bg": "pending"}; !reflect.DeepEqual(b["extensionStatus"], want) {
		t.Errorf("extensionStatus %v, want %v", b["extensionStatus"], want)
	}
	tags, _ := b["AITags"].([]any)
	if len(tags) == 0 || len(tags) > 4 {
		t.Fatalf("AITags %v: want 1 to 4", b["AITags"])
	}
	for _, tag := range tags {
		m := tag.(map[string]any)
		if c, _ := m["confidence"].(float64); c < 80 || c > 100 || m["source"] != "google-auto-tagging" || m["name"] == "" {
			t.Errorf("AI tag %v", m)
		}
	}
	fields["fileName"] = "again.png"
	if again := send(t, s, sg, upload{fields: fields, file: img, fileName: "again.png"}); !reflect.DeepEqual(again.body["AITags"], b["AITags"]) {
		t.Errorf("the same bytes were tagged %v, then %v", b["AITags"], again.body["AITags"])
	}
	// Not asked for: not answered.
	plain := send(t, s, sg, upload{fields: map[string]string{"fileName": "plain.png"}, file: img})
	for _, f := range []string{"customMetadata", "customCoordinates", "isPublished", "description"} {
		if _, ok := plain.body[f]; ok {
			t.Errorf("%s answered without being asked for", f)
		}
	}
	if plain.body["AITags"] != nil {
		t.Errorf("AITags %v without a tagger", plain.body["AITags"])
	}
}

// TestNewVersionKeepsWhatItIsTold: a new version without tags removes the
// file's tags and metadata, unless overwriteTags=false and the others keep
// them (ImageKit's rule).
func TestNewVersionKeepsWhatItIsTold(t *testing.T) {
	s, sg := newServer(t)
	base := map[string]string{"fileName": "a.txt", "useUniqueFileName": "false", "responseFields": "tags,customMetadata"}
	with := func(extra map[string]string) map[string]string {
		m := map[string]string{}
		for k, v := range base {
			m[k] = v
		}
		for k, v := range extra {
			m[k] = v
		}
		return m
	}
	v1 := send(t, s, sg, upload{fields: with(map[string]string{"tags": "a,b", "customMetadata": `{"brand": "acme"}`}), file: []byte("1")})
	v2 := send(t, s, sg, upload{fields: with(map[string]string{"overwriteTags": "false", "overwriteCustomMetadata": "false"}), file: []byte("2")})
	v3 := send(t, s, sg, upload{fields: base, file: []byte("3")})
	for i, a := range []answer{v1, v2, v3} {
		if a.status != 200 {
			t.Fatalf("version %d: %d %v", i+1, a.status, a.body)
		}
	}
	if want := []any{"a", "b"}; !reflect.DeepEqual(v2.body["tags"], want) || !reflect.DeepEqual(v2.body["customMetadata"], map[string]any{"brand": "acme"}) {
		t.Errorf("kept: tags %v, customMetadata %v", v2.body["tags"], v2.body["customMetadata"])
	}
	if v3.body["tags"] != nil || !reflect.DeepEqual(v3.body["customMetadata"], map[string]any{}) {
		t.Errorf("by default a new version without them removes them: tags %v, customMetadata %v", v3.body["tags"], v3.body["customMetadata"])
	}
}

// TestEmbeddedMetadata: asked for, embeddedMetadata holds the JPEG's EXIF
// tags and its size.
func TestEmbeddedMetadata(t *testing.T) {
	s, sg := newServer(t)
	// A JPEG whose EXIF says Make "Canon" (little-endian TIFF, one IFD0 entry).
	tiff := []byte("II*\x00\x08\x00\x00\x00\x01\x00\x0f\x01\x02\x00\x06\x00\x00\x00\x1a\x00\x00\x00\x00\x00\x00\x00Canon\x00")
	app1 := append([]byte("Exif\x00\x00"), tiff...)
	var img bytes.Buffer
	jpeg.Encode(&img, image.NewGray(image.Rect(0, 0, 32, 24)), nil)
	photo := append([]byte{0xFF, 0xD8, 0xFF, 0xE1, byte((len(app1) + 2) >> 8), byte(len(app1) + 2)}, app1...)
	photo = append(photo, img.Bytes()[2:]...)
	a := send(t, s, sg, upload{fields: map[string]string{"fileName": "p.jpg", "responseFields": "embeddedMetadata"}, file: photo})
	want := map[string]any{"Make": "Canon", "ImageWidth": float64(32), "ImageHeight": float64(24)}
	if a.status != 200 || !reflect.DeepEqual(a.body["embeddedMetadata"], want) {
		t.Fatalf("%d: embeddedMetadata %v, want %v", a.status, a.body["embeddedMetadata"], want)
	}
}

// TestNewerExtensions: ai-tasks and saved-extension, in ImageKit's API
// since 2025, are taken as ImageKit takes them. Before: "unknown extension".
func TestNewerExtensions(t *testing.T) {
	s, sg := newServer(t)
	img := pngBytes(t, 8, 8)
	aiTasks := `[{"name":"ai-tasks","tasks":[{"type":"select_tags","instruction":"What is shown?","vocabulary":["dress","shoe"]},` +
		`{"type":"yes_no","instruction":"Outdoors?","on_yes":{"add_tags":["outdoor"]}}]},{"name":"saved-extension","id":"ext_123"}]`
	a := send(t, s, sg, upload{fields: map[string]string{"fileName": "x.png", "extensions": aiTasks}, file: img})
	if a.status != 200 || !reflect.DeepEqual(a.body["extensionStatus"], map[string]any{"ai-tasks": "pending"}) {
		t.Errorf("%d %v", a.status, a.body)
	}
	for ext, says := range map[string]string{
		`[{"name":"ai-tasks","tasks":[]}]`:                                                   "needs tasks",
		`[{"name":"ai-tasks","tasks":[{"type":"select_metadata","instruction":"Season?"}]}]`: "names no field",
		`[{"name":"saved-extension"}]`:                                                       "needs the id",
	} {
		a := send(t, s, sg, upload{fields: map[string]string{"fileName": "x.png", "extensions": ext}, file: img})
		if msg, _ := a.body["message"].(string); a.status != 400 || !strings.Contains(msg, says) {
			t.Errorf("%s: %d %v", ext, a.status, a.body)
		}
	}
}

// TestAnswerDetails: the answer holds what ImageKit's holds and no more.
// Before, extensionStatus was {} when no extension was asked for, a
// non-image had "thumbnailUrl": "", metadata and selectedFieldsSchema were
// taken in responseFields but never returned, and a space after a comma
// in responseFields was refused.
func TestAnswerDetails(t *testing.T) {
	s, sg := newServer(t)
	a := send(t, s, sg, upload{fields: map[string]string{"fileName": "notes.txt", "responseFields": "tags, metadata, selectedFieldsSchema"},
		file: []byte("plain text, not an image")})
	if a.status != 200 {
		t.Fatalf("%d %v", a.status, a.body)
	}
	for _, k := range []string{"extensionStatus", "thumbnailUrl", "width", "height"} {
		if v, ok := a.body[k]; ok {
			t.Errorf("a text file's answer has %s: %v", k, v)
		}
	}
	if m, _ := a.body["metadata"].(map[string]any); m["size"] != float64(24) {
		t.Errorf("metadata %v", a.body["metadata"])
	}
	if _, ok := a.body["selectedFieldsSchema"].(map[string]any); !ok {
		t.Errorf("selectedFieldsSchema %v", a.body["selectedFieldsSchema"])
	}
	a = send(t, s, sg, upload{fields: map[string]string{"fileName": "p.png", "responseFields": "metadata"}, file: pngBytes(t, 30, 20)})
	if m, _ := a.body["metadata"].(map[string]any); m["width"] != float64(30) || m["format"] != "png" || a.body["thumbnailUrl"] == nil {
		t.Errorf("an image's answer: %v", a.body)
	}
}
