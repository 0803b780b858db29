package ui

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"imagekit-uploader/uploader"
)

const (
	prefOptions  = "form.options"  // the More options, as uploader.Options JSON
	prefMetaKeys = "form.metaKeys" // custom metadata keys used before, newline-separated
)

var (
	jsonNumber  = regexp.MustCompile(`^-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?$`)
	wholeNumber = regexp.MustCompile(`^(0|[1-9][0-9]*)$`)
)

// widgetShown are the options shown by widgets of their own, besides
// moreOptions.texts.
var widgetShown = map[string]bool{"description": true, "customMetadata": true, "extensions": true, "transformation": true,
	"overwriteTags": true, "overwriteAITags": true, "overwriteCustomMetadata": true, "isPublished": true}

// metaTypes are the kinds of custom metadata value the form offers.
var metaTypes = []string{"Text", "Number", "Yes/No", "Date", "List"}

// moreOptions is the form's "More options": ImageKit's upload options as
// widgets a person can fill without writing JSON.
type moreOptions struct {
	f           *uploadForm
	description *widget.Entry
	metaRows    *fyne.Container
	rows        []*metaRow
	google, aws *widget.Check
	maxTags     *widget.Entry
	minConf     *widget.Entry
	removeBg    *widget.Check
	bgShadow    *widget.Check
	bgColor     *widget.Entry
	aiDescribe  *widget.Check
	otherExts   *widget.Entry // extensions with no widgets of their own (ai-tasks, saved-extension), as JSON
	pre, post   *widget.Entry
	texts       map[string]*widget.Entry // the options shown as one line of text each, by key
	keep        *widget.Check
	published   *widget.Check
	object      fyne.CanvasObject
	loading     bool // set while widgets are filled from saved options: no saving back
	// What a preset (or the command line) set that no widget shows: kept
	// as it was, so applying and saving it again loses nothing.
	extra     uploader.Options // such as customCoordinates and responseFields
	bgRest    map[string]any   // remove-bg's options besides the shadow and the colour
	overwrite [3]*bool         // overwriteTags, overwriteAITags, overwriteCustomMetadata as set, until Keep is changed here
}

type metaRow struct {
	key   *widget.SelectEntry
	typ   *widget.Select
	value *widget.Entry
	box   fyne.CanvasObject
}

func newMoreOptions(f *uploadForm) *moreOptions {
	m := &moreOptions{f: f, loading: true} // nothing is saved back while the widgets are made
	changed := func() {
		if !m.loading {
			m.save()
		}
	}
	entry := func(placeholder string, check func(string) error) *widget.Entry {
		e := widget.NewEntry()
		e.SetPlaceHolder(placeholder)
		e.Validator = check
		e.OnChanged = func(string) { changed() }
		return e
	}
	m.description = widget.NewMultiLineEntry()
	m.description.SetPlaceHolder("What the files show, for search and accessibility")
	m.description.SetMinRowsVisible(2)
	m.description.Wrapping = fyne.TextWrapWord
	m.description.OnChanged = func(string) { changed() }
	m.metaRows = container.NewVBox()
	addMeta := widget.NewButtonWithIcon("Add a field", theme.ContentAddIcon(), func() {
		m.addRow("", metaTypes[0], "")
		changed()
	})
	addMeta.Importance = widget.LowImportance

	check := func(label string) *widget.Check {
		return widget.NewCheck(label, func(bool) { changed() })
	}
	m.google = check("Google auto-tagging")
	m.aws = check("AWS auto-tagging")
	m.maxTags = entry("5", func(s string) error { return wholeIn(s, 1, 1000, "max tags") })
	m.minConf = entry("90", func(s string) error { return wholeIn(s, 0, 100, "confidence") })
	m.removeBg = check("Remove background")
	m.bgShadow = check("with a shadow")
	m.bgColor = entry("background: transparent, or FFFFFF", func(s string) error {
		if s != "" && !uploader.IsColour(s) {
			return errors.New("a hex colour (FFFFFF, fff) or a colour name (green)")
		}
		return nil
	})
	m.aiDescribe = check("AI description")
	m.otherExts = widget.NewMultiLineEntry()
	m.otherExts.SetPlaceHolder(`[{"name": "saved-extension", "id": "ext_…"}]`)
	m.otherExts.SetMinRowsVisible(2)
	m.otherExts.Wrapping = fyne.TextWrapBreak
	m.otherExts.Validator = func(s string) error {
		if strings.TrimSpace(s) == "" {
			return nil
		}
		return (uploader.Options{Extensions: s}).Check()
	}
	m.otherExts.OnChanged = func(string) { changed() }
	m.pre = entry("w-2560,q-80", nil)
	m.post = widget.NewMultiLineEntry()
	m.post.SetPlaceHolder("w-400\nthumbnail w-150\ngif-to-video\nabs hls sr-240_360_480")
	m.post.SetMinRowsVisible(2)
	m.post.Validator = func(s string) error { _, err := postLines(s); return err }
	m.post.OnChanged = func(string) { changed() }
	text := func(key, placeholder string) *widget.Entry {
		op, _ := uploader.LookupOption(key)
		e := entry(placeholder, func(s string) error { return op.Check(strings.TrimSpace(s)) })
		m.texts[key] = e
		return e
	}
	m.texts = map[string]*widget.Entry{}
	checks := text("checks", `"file.size" < "10mb"`)
	webhook := text("webhookUrl", "https://cms.example.com/imagekit")
	m.keep = widget.NewCheck("Keep the existing tags and metadata", func(bool) {
		if !m.loading {
			m.overwrite = [3]*bool{} // a person's choice now: all three
			m.save()
		}
	})
	m.published = check("Published (off: a draft; enterprise plans)")
	m.published.SetChecked(true)

	tagLimits := container.NewHBox(widget.NewLabel("at most"), sized(m.maxTags, 56), widget.NewLabel("tags, ≥"), sized(m.minConf, 56), widget.NewLabel("%"))
	item := widget.NewAccordionItem("More options", container.NewVBox(
		field("Description", m.description),
		field("Custom metadata", m.metaRows, container.NewHBox(addMeta),
			hint("The fields must exist in your ImageKit account (dashboard: Settings › Custom metadata).")),
		field("Extensions", m.google, m.aws, tagLimits, m.removeBg,
			container.NewBorder(nil, nil, widget.NewLabel("   "), nil, container.NewVBox(m.bgShadow, m.bgColor)), m.aiDescribe,
			m.otherExts, hint("Others as ImageKit's API takes them, a JSON list: ai-tasks, saved-extension.")),
		field("Transform on upload", m.pre, hint("Changes what is stored, e.g. w-2560,q-80.")),
		field("Derived versions", m.post,
			hint("One per line: a transformation (w-400), thumbnail w-150, gif-to-video, abs hls sr-240_360_480.")),
		field("Checks", checks,
			hint(`The server refuses files that fail them: "file.size" < "10mb" AND "mediaMetadata.width" >= 1200.`)),
		field("Webhook URL", webhook, hint("Gets the extensions' final status.")),
		widget.NewSeparator(),
		m.keep,
		hint("A new version without tags removes the file's tags and coordinates (ImageKit's rule); this keeps tags, AI tags and custom metadata."),
		m.published,
	))
	m.object = widget.NewAccordion(item)
	m.load()
	m.loading = false
	return m
}

// field is a labelled part of More options: the label above, so the
// settings pane stays narrow.
func field(label string, objs ...fyne.CanvasObject) fyne.CanvasObject {
	return container.NewVBox(append([]fyne.CanvasObject{widget.NewLabelWithStyle(label, fyne.TextAlignLeading, fyne.TextStyle{Bold: true})}, objs...)...)
}

// hint is a form field's explanation, in small text that wraps.
func hint(text string) fyne.CanvasObject {
	t := widget.NewRichText(&widget.TextSegment{Text: text, Style: widget.RichTextStyle{
		SizeName: theme.SizeNameCaptionText, ColorName: theme.ColorNamePlaceHolder, Inline: true}})
	t.Wrapping = fyne.TextWrapWord
	return t
}

// sized gives an entry a fixed width.
func sized(o fyne.CanvasObject, w float32) fyne.CanvasObject {
	return container.NewGridWrap(fyne.NewSize(w, o.MinSize().Height), o)
}

func wholeIn(s string, lo, hi int, what string) error {
	if s == "" {
		return nil // the placeholder's value
	}
	n, err := strconv.Atoi(s)
	if err != nil || !wholeNumber.MatchString(s) || n < lo || n > hi {
		return fmt.Errorf("%s: a whole number from %d to %d", what, lo, hi)
	}
	return nil
}

func (m *moreOptions) addRow(key, typ, value string) {
	r := &metaRow{}
	r.key = widget.NewSelectEntry(m.usedKeys())
	r.key.SetPlaceHolder("field")
	r.key.SetText(key)
	r.typ = widget.NewSelect(metaTypes, nil)
	r.typ.SetSelected(typ)
	r.value = widget.NewEntry()
	r.value.SetPlaceHolder("value")
	r.value.SetText(value)
	r.value.Validator = func(s string) error { _, err := metaValue(r.typ.Selected, s); return err }
	remove := widget.NewButtonWithIcon("", theme.ContentRemoveIcon(), func() {
		for i, x := range m.rows {
			if x == r {
				m.rows = append(m.rows[:i], m.rows[i+1:]...)
				break
			}
		}
		m.metaRows.Remove(r.box)
		m.save()
	})
	remove.Importance = widget.LowImportance
	changed := func() {
		if !m.loading {
			r.value.Validate()
			m.save()
		}
	}
	r.key.OnChanged = func(string) { changed() }
	r.typ.OnChanged = func(string) { changed() }
	r.value.OnChanged = func(string) { changed() }
	// Two lines, the field and its type, then the value: three columns as
	// wide as the type's list made the pane wider than it is, and cut its
	// right edge off.
	r.box = container.NewVBox(container.NewBorder(nil, nil, nil, container.NewHBox(r.typ, remove), r.key), r.value)
	m.rows = append(m.rows, r)
	m.metaRows.Add(r.box)
}

// metaValue is a custom metadata value typed as its kind.
func metaValue(kind, s string) (any, error) {
	s = strings.TrimSpace(s)
	switch kind {
	case "Number":
		// As JSON writes numbers: Go would also read +5, 05, .5, Inf and
		// 0x1p3, which no JSON reader takes.
		if f, err := strconv.ParseFloat(s, 64); err != nil || !jsonNumber.MatchString(s) || math.IsInf(f, 0) {
			return nil, errors.New("a number, such as 129, -3 or 4.5")
		}
		return json.Number(s), nil
	case "Yes/No":
		switch strings.ToLower(s) {
		case "yes", "true":
			return true, nil
		case "no", "false":
			return false, nil
		}
		return nil, errors.New("yes or no")
	case "Date":
		if _, err := time.Parse("2006-01-02", s); err != nil {
			return nil, errors.New("a date as 2026-03-31")
		}
	case "List": // a multi-select field: red, blue; numbers stay numbers
		list := []any{}
		for e := range strings.SplitSeq(s, ",") {
			if e = strings.TrimSpace(e); e == "" {
				continue
			} else if jsonNumber.MatchString(e) {
				list = append(list, json.Number(e))
			} else {
				list = append(list, e)
			}
		}
		return list, nil
	}
	return s, nil
}

// usedKeys are the custom metadata keys used before, offered again.
func (m *moreOptions) usedKeys() []string {
	var keys []string
	for k := range strings.SplitSeq(m.f.u.app.Preferences().String(prefMetaKeys), "\n") {
		if k != "" {
			keys = append(keys, k)
		}
	}
	return keys
}

// rememberKeys adds the keys of an upload to those offered again.
func (m *moreOptions) rememberKeys() {
	seen := map[string]bool{}
	keys := m.usedKeys()
	for _, k := range keys {
		seen[k] = true
	}
	for _, r := range m.rows {
		if k := strings.TrimSpace(r.key.Text); k != "" && !seen[k] {
			seen[k] = true
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	if len(keys) > 100 {
		keys = keys[len(keys)-100:]
	}
	m.f.u.app.Preferences().SetString(prefMetaKeys, strings.Join(keys, "\n"))
	for _, r := range m.rows {
		r.key.SetOptions(keys)
	}
}

// options builds ImageKit's options from the widgets; err names the first
// field that does not make one.
func (m *moreOptions) options() (uploader.Options, error) {
	var o uploader.Options
	o.Description = strings.TrimSpace(m.description.Text)
	if len(m.rows) > 0 {
		meta := map[string]any{}
		for _, r := range m.rows {
			key := strings.TrimSpace(r.key.Text)
			if key == "" && strings.TrimSpace(r.value.Text) == "" {
				continue
			}
			if key == "" {
				return o, errors.New("custom metadata: a value has no field name")
			}
			v, err := metaValue(r.typ.Selected, r.value.Text)
			if err != nil {
				return o, fmt.Errorf("custom metadata %q: %v", key, err)
			}
			meta[key] = v
		}
		if len(meta) > 0 {
			b, err := json.Marshal(meta)
			if err != nil {
				return o, fmt.Errorf("custom metadata: %v", err)
			}
			o.CustomMetadata = string(b)
		}
	}
	var exts []map[string]any
	for _, t := range []struct {
		on   *widget.Check
		name string
	}{{m.google, "google-auto-tagging"}, {m.aws, "aws-auto-tagging"}} {
		if !t.on.Checked {
			continue
		}
		maxTags, minConf := orDefault(m.maxTags.Text, "5"), orDefault(m.minConf.Text, "90")
		if err := wholeIn(maxTags, 1, 1000, "max tags"); err != nil {
			return o, err
		}
		if err := wholeIn(minConf, 0, 100, "confidence"); err != nil {
			return o, err
		}
		exts = append(exts, map[string]any{"name": t.name, "maxTags": json.Number(maxTags), "minConfidence": json.Number(minConf)})
	}
	if m.removeBg.Checked {
		ext := map[string]any{"name": "remove-bg"}
		opts := map[string]any{}
		for k, v := range m.bgRest {
			opts[k] = v
		}
		if m.bgShadow.Checked {
			opts["add_shadow"] = true
		}
		if c := strings.TrimSpace(m.bgColor.Text); c != "" {
			if !uploader.IsColour(c) {
				return o, errors.New("background colour: a hex colour (FFFFFF, fff) or a colour name (green)")
			}
			if strings.Trim(c, "0123456789abcdefABCDEF") == "" {
				c = strings.ToUpper(c) // a hex code, written as ImageKit's examples write it
			}
			opts["bg_color"] = c
		}
		if len(opts) > 0 {
			ext["options"] = opts
		}
		exts = append(exts, ext)
	}
	if m.aiDescribe.Checked {
		exts = append(exts, map[string]any{"name": "ai-auto-description"})
	}
	if raw := strings.TrimSpace(m.otherExts.Text); raw != "" {
		var others []map[string]any
		d := json.NewDecoder(strings.NewReader(raw))
		d.UseNumber()
		if err := d.Decode(&others); err != nil {
			return o, fmt.Errorf("other extensions: a JSON list of objects, such as [{\"name\": \"saved-extension\", \"id\": \"ext_1\"}]")
		}
		exts = append(exts, others...)
	}
	if len(exts) > 0 {
		b, err := json.Marshal(exts)
		if err != nil {
			return o, fmt.Errorf("extensions: %v", err)
		}
		o.Extensions = string(b)
	}
	post, err := postLines(m.post.Text)
	if err != nil {
		return o, err
	}
	if pre := strings.TrimSpace(m.pre.Text); pre != "" || len(post) > 0 {
		t := map[string]any{}
		if pre != "" {
			t["pre"] = pre
		}
		if len(post) > 0 {
			t["post"] = post
		}
		b, _ := json.Marshal(t)
		o.Transformation = string(b)
	}
	for key, e := range m.texts {
		op, _ := uploader.LookupOption(key)
		op.Set(&o, strings.TrimSpace(e.Text))
	}
	o = o.Over(m.extra)
	switch {
	case m.overwrite != [3]*bool{}:
		o.OverwriteTags, o.OverwriteAITags, o.OverwriteCustomMetadata = m.overwrite[0], m.overwrite[1], m.overwrite[2]
	case m.keep.Checked:
		no := false
		o.OverwriteTags, o.OverwriteAITags, o.OverwriteCustomMetadata = &no, &no, &no
	}
	if !m.published.Checked {
		no := false
		o.IsPublished = &no
	}
	return o, o.Check()
}

func orDefault(s, def string) string {
	if s = strings.TrimSpace(s); s == "" {
		return def
	}
	return s
}

// postLines reads the derived versions, one per line.
func postLines(s string) ([]map[string]string, error) {
	var post []map[string]string
	for line := range strings.SplitSeq(s, "\n") {
		f := strings.Fields(line)
		switch {
		case len(f) == 0:
			continue
		case f[0] == "gif-to-video" && len(f) <= 2, f[0] == "thumbnail" && len(f) <= 2, f[0] == "transformation" && len(f) == 2:
			p := map[string]string{"type": f[0]}
			if len(f) == 2 {
				p["value"] = f[1]
			}
			post = append(post, p)
		case f[0] == "abs" && len(f) == 3 && (f[1] == "hls" || f[1] == "dash"):
			post = append(post, map[string]string{"type": "abs", "protocol": f[1], "value": f[2]})
		case len(f) == 1 && !strings.ContainsAny(f[0], `{}"`):
			post = append(post, map[string]string{"type": "transformation", "value": f[0]})
		default:
			return nil, fmt.Errorf("derived version %q: write w-400, thumbnail w-150, gif-to-video or abs hls sr-240_360", strings.TrimSpace(line))
		}
	}
	return post, nil
}

// set fills the widgets from options (a preset's, or the saved ones);
// what cannot be shown as widgets is left as it is.
func (m *moreOptions) set(o uploader.Options) {
	m.loading = true
	defer func() { m.loading = false }()
	m.description.SetText(o.Description)
	m.rows = nil
	m.metaRows.RemoveAll()
	var meta map[string]any
	d := json.NewDecoder(strings.NewReader(o.CustomMetadata))
	d.UseNumber()
	if o.CustomMetadata != "" && d.Decode(&meta) == nil {
		keys := make([]string, 0, len(meta))
		for k := range meta {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			switch v := meta[k].(type) {
			case json.Number:
				m.addRow(k, "Number", v.String())
			case bool:
				m.addRow(k, "Yes/No", map[bool]string{true: "yes", false: "no"}[v])
			case string:
				if _, err := time.Parse("2006-01-02", v); err == nil {
					m.addRow(k, "Date", v)
				} else {
					m.addRow(k, "Text", v)
				}
			case []any:
				parts := make([]string, 0, len(v))
				for _, e := range v {
					parts = append(parts, fmt.Sprint(e))
				}
				m.addRow(k, "List", strings.Join(parts, ", "))
			}
		}
	}
	var exts []map[string]any
	json.Unmarshal([]byte(o.Extensions), &exts)
	m.google.SetChecked(false)
	m.aws.SetChecked(false)
	m.removeBg.SetChecked(false)
	m.bgRest = nil
	m.bgShadow.SetChecked(false)
	m.bgColor.SetText("")
	m.aiDescribe.SetChecked(false)
	var others []map[string]any
	for _, e := range exts {
		switch e["name"] {
		case "google-auto-tagging", "aws-auto-tagging":
			if e["name"] == "google-auto-tagging" {
				m.google.SetChecked(true)
			} else {
				m.aws.SetChecked(true)
			}
			if n, ok := e["maxTags"].(float64); ok {
				m.maxTags.SetText(strconv.Itoa(int(n)))
			}
			if n, ok := e["minConfidence"].(float64); ok {
				m.minConf.SetText(strconv.Itoa(int(n)))
			}
		case "remove-bg":
			m.removeBg.SetChecked(true)
			opts, _ := e["options"].(map[string]any)
			m.bgRest = map[string]any{}
			for k, v := range opts {
				if k != "add_shadow" && k != "bg_color" {
					m.bgRest[k] = v
				}
			}
			shadow, _ := opts["add_shadow"].(bool)
			colour, _ := opts["bg_color"].(string)
			m.bgShadow.SetChecked(shadow)
			m.bgColor.SetText(colour)
		case "ai-auto-description":
			m.aiDescribe.SetChecked(true)
		default:
			others = append(others, e)
		}
	}
	m.otherExts.SetText("")
	if len(others) > 0 {
		b, _ := json.Marshal(others)
		m.otherExts.SetText(string(b))
	}
	var t struct {
		Pre  string              `json:"pre"`
		Post []map[string]string `json:"post"`
	}
	json.Unmarshal([]byte(o.Transformation), &t)
	m.pre.SetText(t.Pre)
	var lines []string
	for _, p := range t.Post {
		switch p["type"] {
		case "transformation":
			lines = append(lines, p["value"])
		case "abs":
			lines = append(lines, "abs "+p["protocol"]+" "+p["value"])
		default:
			lines = append(lines, strings.TrimSpace(p["type"]+" "+p["value"]))
		}
	}
	m.post.SetText(strings.Join(lines, "\n"))
	m.extra = uploader.Options{}
	for _, op := range uploader.OptionTable {
		v, _ := op.Get(o)
		if e, shown := m.texts[op.Key]; shown {
			e.SetText(v)
		} else if !widgetShown[op.Key] {
			op.Set(&m.extra, v)
		}
	}
	m.overwrite = [3]*bool{o.OverwriteTags, o.OverwriteAITags, o.OverwriteCustomMetadata}
	m.keep.SetChecked(o.OverwriteTags != nil && !*o.OverwriteTags)
	m.published.SetChecked(o.IsPublished == nil || *o.IsPublished)
}

// save keeps the options for the next start, and tells the form.
func (m *moreOptions) save() {
	if o, err := m.options(); err == nil {
		b, _ := json.Marshal(o)
		m.f.u.app.Preferences().SetString(prefOptions, string(b))
	}
	m.f.refreshState()
}

// load restores the options saved last time.
func (m *moreOptions) load() {
	var o uploader.Options
	if json.Unmarshal([]byte(m.f.u.app.Preferences().String(prefOptions)), &o) == nil {
		m.set(o)
	}
}
