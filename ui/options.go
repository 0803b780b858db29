package ui

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/lang"
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

// metaTypes are the kinds of custom metadata value the form offers, in
// English: the row's list shows them translated, and is read by index.
var metaTypes = []string{later("Text"), later("Number"), later("Yes/No"), later("Date"), later("List")}

// moreOptions is the form's "More options": ImageKit's upload options as
// widgets a person can fill without writing JSON.
type moreOptions struct {
	f           *uploadForm
	description *entry
	metaRows    *fyne.Container
	rows        []*metaRow
	google, aws *check
	maxTags     *entry
	minConf     *entry
	removeBg    *check
	bgShadow    *check
	bgColor     *entry
	aiDescribe  *check
	otherExts   *entry // extensions with no widgets of their own (ai-tasks, saved-extension), as JSON
	pre, post   *entry
	texts       map[string]*entry // the options shown as one line of text each, by key
	keep        *check
	published   *check
	object      fyne.CanvasObject
	loading     bool // set while widgets are filled from saved options: no saving back
	// What a preset (or the command line) set that no widget shows: kept
	// as it was, so applying and saving it again loses nothing.
	extra     uploader.Options // such as customCoordinates and responseFields
	bgRest    map[string]any   // remove-bg's options besides the shadow and the colour
	overwrite [3]*bool         // overwriteTags, overwriteAITags, overwriteCustomMetadata as set, until Keep is changed here
}

type metaRow struct {
	key   *selectEntry
	typ   *choice
	value *entry
	box   fyne.CanvasObject
}

func newMoreOptions(f *uploadForm) *moreOptions {
	m := &moreOptions{f: f, loading: true} // nothing is saved back while the widgets are made
	changed := func() {
		if !m.loading {
			m.save()
		}
	}
	lineEntry := func(placeholder string, check func(string) error) *entry {
		e := newEntry()
		e.SetPlaceHolder(placeholder)
		e.Validator = check
		e.OnChanged = func(string) { changed() }
		return e
	}
	m.description = newMultiLineEntry()
	m.description.SetPlaceHolder(lang.L("What the files show, for search and accessibility"))
	m.description.SetMinRowsVisible(2)
	m.description.Wrapping = fyne.TextWrapWord
	m.description.OnChanged = func(string) { changed() }
	m.metaRows = container.NewVBox()
	addMeta := newButtonWithIcon(lang.L("Add a field"), theme.ContentAddIcon(), func() {
		m.addRow("", metaTypes[0], "")
		changed()
	})
	addMeta.Importance = widget.LowImportance

	check := func(label string) *check {
		return newCheck(label, func(bool) { changed() })
	}
	m.google = check(lang.L("Google auto-tagging"))
	m.aws = check(lang.L("AWS auto-tagging"))
	m.maxTags = lineEntry("5", func(s string) error { return wholeIn(s, 1, 1000, lang.L("max tags")) })
	m.minConf = lineEntry("90", func(s string) error { return wholeIn(s, 0, 100, lang.L("confidence")) })
	m.removeBg = check(lang.L("Remove background"))
	m.bgShadow = check(lang.L("with a shadow"))
	m.bgColor = lineEntry(lang.L("background: transparent, or FFFFFF"), func(s string) error {
		if s != "" && !uploader.IsColour(s) {
			return errors.New(lang.L("a hex colour ({{.Hex}}) or a colour name ({{.Name}})", args{"Hex": "FFFFFF, fff", "Name": "green"}))
		}
		return nil
	})
	m.aiDescribe = check(lang.L("AI description"))
	m.otherExts = newMultiLineEntry()
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
	m.pre = lineEntry("w-2560,q-80", nil)
	m.post = newMultiLineEntry()
	m.post.SetPlaceHolder("w-400\nthumbnail w-150\ngif-to-video\nabs hls sr-240_360_480")
	m.post.SetMinRowsVisible(2)
	m.post.Validator = func(s string) error { _, err := postLines(s); return err }
	m.post.OnChanged = func(string) { changed() }
	text := func(key, placeholder string) *entry {
		op, _ := uploader.LookupOption(key)
		e := lineEntry(placeholder, func(s string) error { return op.Check(strings.TrimSpace(s)) })
		m.texts[key] = e
		return e
	}
	m.texts = map[string]*entry{}
	checks := text("checks", `"file.size" < "10mb"`)
	webhook := text("webhookUrl", "https://cms.example.com/imagekit")
	m.keep = newCheck(lang.L("Keep the existing tags and metadata"), func(bool) {
		if !m.loading {
			m.overwrite = [3]*bool{} // a person's choice now: all three
			m.save()
		}
	})
	m.published = check(lang.L("Published (off: a draft; enterprise plans)"))
	m.published.SetChecked(true)

	// The sentence around the two numbers is one, in the order the language puts its parts.
	tagLimits := container.NewHBox(inline(lang.L("at most {{.MaxTags}} tags, ≥ {{.MinConfidence}} %", args{"MaxTags": slot(0), "MinConfidence": slot(1)}),
		sized(m.maxTags, 56), sized(m.minConf, 56))...)
	item := widget.NewAccordionItem(lang.L("More options"), newHiding(container.NewVBox(
		field(lang.X("label.description", "Description"), m.description),
		field(lang.L("Custom metadata"), m.metaRows, container.NewHBox(addMeta),
			hint(lang.L("The fields must exist in your ImageKit account (dashboard: {{.Where}}).", args{"Where": "Settings › Custom metadata"}))),
		field(lang.L("Extensions"), m.google, m.aws, tagLimits, m.removeBg,
			container.NewBorder(nil, nil, widget.NewLabel("   "), nil, container.NewVBox(m.bgShadow, m.bgColor)), m.aiDescribe,
			m.otherExts, hint(lang.L("Others as ImageKit's API takes them, a JSON list: {{.Names}}.", args{"Names": "ai-tasks, saved-extension"}))),
		field(lang.L("Transform on upload"), m.pre, hint(lang.L("Changes what is stored, e.g. {{.Example}}.", args{"Example": "w-2560,q-80"}))),
		field(lang.L("Derived versions"), m.post,
			hint(lang.L("One per line: a transformation ({{.Example}}), {{.Others}}.", args{"Example": "w-400", "Others": "thumbnail w-150, gif-to-video, abs hls sr-240_360_480"}))),
		field(lang.L("Checks"), checks,
			hint(lang.L("The server refuses files that fail them: {{.Example}}.", args{"Example": `"file.size" < "10mb" AND "mediaMetadata.width" >= 1200`}))),
		field(lang.L("Webhook URL"), webhook, hint(lang.L("Gets the extensions' final status."))),
		widget.NewSeparator(),
		m.keep,
		hint(lang.L("A new version without tags removes the file's tags and coordinates (ImageKit's rule); this keeps tags, AI tags and custom metadata.")),
		m.published,
	)))
	m.object = widget.NewAccordion(item)
	m.load()
	m.loading = false
	return m
}

// slot marks where the i-th widget goes in a sentence given to inline.
func slot(i int) string { return fmt.Sprintf("\x00%d\x00", i) }

// inline lays out a translated sentence with widgets in it, each where its
// slot(i) is: the words between become labels, so a language puts the
// widgets where its sentence needs them.
func inline(sentence string, widgets ...fyne.CanvasObject) []fyne.CanvasObject {
	var out []fyne.CanvasObject
	for i, part := range strings.Split(sentence, "\x00") {
		if i%2 == 1 {
			if n, err := strconv.Atoi(part); err == nil && n >= 0 && n < len(widgets) {
				out = append(out, widgets[n])
			}
			continue
		}
		if part = strings.TrimSpace(part); part != "" {
			out = append(out, widget.NewLabel(part))
		}
	}
	return out
}

// field is a labelled part of More options: the label above, so the
// settings pane stays narrow. label is translated already.
func field(label string, objs ...fyne.CanvasObject) fyne.CanvasObject {
	return container.NewVBox(append([]fyne.CanvasObject{widget.NewLabelWithStyle(label, fyne.TextAlignLeading, fyne.TextStyle{Bold: true})}, objs...)...)
}

// hint is a form field's explanation, in small text that wraps; text is
// translated already.
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
		return errors.New(lang.L("{{.Field}}: a whole number from {{.Low}} to {{.High}}", args{"Field": what, "Low": lo, "High": hi}))
	}
	return nil
}

func (m *moreOptions) addRow(key, typ, value string) {
	r := &metaRow{}
	r.key = newSelectEntry(m.usedKeys())
	r.key.SetPlaceHolder(lang.L("field"))
	r.key.SetText(key)
	kinds := make([]string, len(metaTypes))
	for i, k := range metaTypes {
		kinds[i] = lang.L(k)
	}
	r.typ = newSelect(kinds, nil)
	r.typ.SetSelectedIndex(slices.Index(metaTypes, typ))
	r.value = newEntry()
	r.value.SetPlaceHolder(lang.L("value"))
	r.value.SetText(value)
	r.value.Validator = func(s string) error { _, err := metaValue(r.kind(), s); return err }
	remove := newButtonWithIcon("", theme.ContentRemoveIcon(), func() {
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

// kind is the row's kind of value, one of metaTypes (English), or "".
func (r *metaRow) kind() string {
	if i := r.typ.SelectedIndex(); i >= 0 {
		return metaTypes[i]
	}
	return ""
}

// metaValue is a custom metadata value typed as its kind, one of metaTypes.
// Yes/No takes yes, no, true and false, and the language's yes and no.
func metaValue(kind, s string) (any, error) {
	s = strings.TrimSpace(s)
	switch kind {
	case "Number":
		// As JSON writes numbers: Go would also read +5, 05, .5, Inf and
		// 0x1p3, which no JSON reader takes.
		if f, err := strconv.ParseFloat(s, 64); err != nil || !jsonNumber.MatchString(s) || math.IsInf(f, 0) {
			return nil, errors.New(lang.L("a number, such as 129, -3 or 4.5"))
		}
		return json.Number(s), nil
	case "Yes/No":
		switch s := strings.ToLower(s); s {
		case "yes", "true", strings.ToLower(lang.L("yes")):
			return true, nil
		case "no", "false", strings.ToLower(lang.L("no")):
			return false, nil
		}
		return nil, errors.New(lang.L("yes or no"))
	case "Date":
		if _, err := time.Parse("2006-01-02", s); err != nil {
			return nil, errors.New(lang.L("a date as {{.Example}}", args{"Example": "2026-03-31"}))
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
				return o, errors.New(lang.L("custom metadata: a value has no field name"))
			}
			v, err := metaValue(r.kind(), r.value.Text)
			if err != nil {
				return o, errors.New(lang.L("custom metadata {{.Field}}: {{.Err}}", args{"Field": strconv.Quote(key), "Err": err.Error()}))
			}
			meta[key] = v
		}
		if len(meta) > 0 {
			b, err := json.Marshal(meta)
			if err != nil {
				return o, errors.New(lang.L("custom metadata: {{.Err}}", args{"Err": err.Error()}))
			}
			o.CustomMetadata = string(b)
		}
	}
	var exts []map[string]any
	for _, t := range []struct {
		on   *check
		name string
	}{{m.google, "google-auto-tagging"}, {m.aws, "aws-auto-tagging"}} {
		if !t.on.Checked {
			continue
		}
		maxTags, minConf := orDefault(m.maxTags.Text, "5"), orDefault(m.minConf.Text, "90")
		if err := wholeIn(maxTags, 1, 1000, lang.L("max tags")); err != nil {
			return o, err
		}
		if err := wholeIn(minConf, 0, 100, lang.L("confidence")); err != nil {
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
				return o, errors.New(lang.L("background colour: a hex colour ({{.Hex}}) or a colour name ({{.Name}})", args{"Hex": "FFFFFF, fff", "Name": "green"}))
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
			return o, errors.New(lang.L("other extensions: a JSON list of objects, such as {{.Example}}", args{"Example": `[{"name": "saved-extension", "id": "ext_1"}]`}))
		}
		exts = append(exts, others...)
	}
	if len(exts) > 0 {
		b, err := json.Marshal(exts)
		if err != nil {
			return o, errors.New(lang.L("extensions: {{.Err}}", args{"Err": err.Error()}))
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
			return nil, errors.New(lang.L("derived version {{.Line}}: write {{.Transformation}}, {{.Thumbnail}}, {{.GIFToVideo}} or {{.ABS}}",
				args{"Line": strconv.Quote(strings.TrimSpace(line)), "Transformation": "w-400", "Thumbnail": "thumbnail w-150", "GIFToVideo": "gif-to-video", "ABS": "abs hls sr-240_360"}))
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
				m.addRow(k, "Yes/No", map[bool]string{true: lang.L("yes"), false: lang.L("no")}[v])
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
