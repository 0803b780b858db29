package uploader

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Options are ImageKit's upload fields beyond folder, tags and names. Each
// text is kept exactly as it is sent, in the form and in the token; a nil
// boolean is not sent, and ImageKit's default (true) applies.
type Options struct {
	Description             string `json:"description,omitempty"`
	CustomMetadata          string `json:"customMetadata,omitempty"`    // a JSON object: {"brand": "acme", "price": 129}
	Extensions              string `json:"extensions,omitempty"`        // a JSON array: [{"name": "google-auto-tagging", ...}]
	Transformation          string `json:"transformation,omitempty"`    // a JSON object: {"pre": "...", "post": [...]}
	Checks                  string `json:"checks,omitempty"`            // "file.size" < "10mb" AND ...
	WebhookURL              string `json:"webhookUrl,omitempty"`        // http(s)
	CustomCoordinates       string `json:"customCoordinates,omitempty"` // x,y,width,height
	ResponseFields          string `json:"responseFields,omitempty"`    // tags,customMetadata,...
	OverwriteTags           *bool  `json:"overwriteTags,omitempty"`
	OverwriteAITags         *bool  `json:"overwriteAITags,omitempty"`
	OverwriteCustomMetadata *bool  `json:"overwriteCustomMetadata,omitempty"`
	IsPublished             *bool  `json:"isPublished,omitempty"`
}

// ResponseFieldNames are the names responseFields may list.
var ResponseFieldNames = []string{"tags", "customCoordinates", "isPrivateFile", "embeddedMetadata",
	"isPublished", "customMetadata", "metadata", "selectedFieldsSchema"}

// ExtensionNames are the extensions ImageKit runs on upload.
var ExtensionNames = []string{"google-auto-tagging", "aws-auto-tagging", "remove-bg", "ai-auto-description", "ai-tasks", "saved-extension"}

// An Option is one of ImageKit's upload options, described once: the form
// encoding, Check, presets, the command line's flags, the window and the
// token server's allow-list all come from OptionTable. Adding an option is
// a field of Options, an entry here, and, if the window shows it, a widget.
type Option struct {
	Key     string // ImageKit's field: in the form, the token, presets and the window's saved options
	Flag    string // the command line's flag, without its dashes
	Usage   string // what it does, for the flag's help
	Reaches bool   // ImageKit fetches, calls or runs something on another machine for it: a token endpoint signs it only when told
	check   func(string) error
	text    func(*Options) *string // a text option; "" is not sent
	boolean func(*Options) **bool  // a true/false option; nil is not sent (ImageKit's default, true)
}

// OptionTable is every option of Options, in the order flags and help list them.
var OptionTable = []Option{
	{Key: "description", Flag: "description", Usage: "the files' description",
		check: checkText, text: func(o *Options) *string { return &o.Description }},
	{Key: "customMetadata", Flag: "custom-metadata", Usage: `custom metadata, a JSON object: '{"brand":"acme","price":129}' (the fields must exist in the account)`,
		check: checkCustomMetadata, text: func(o *Options) *string { return &o.CustomMetadata }},
	{Key: "extensions", Flag: "extensions", Reaches: true, Usage: `extensions to run, a JSON array: '[{"name":"google-auto-tagging","maxTags":5,"minConfidence":95}]'; also aws-auto-tagging, remove-bg, ai-auto-description, ai-tasks, saved-extension`,
		check: checkExtensions, text: func(o *Options) *string { return &o.Extensions }},
	{Key: "transformation", Flag: "transformation", Reaches: true, Usage: `transformations, a JSON object: '{"pre":"w-2560,q-80","post":[{"type":"transformation","value":"w-400"}]}'`,
		check: checkTransformation, text: func(o *Options) *string { return &o.Transformation }},
	{Key: "checks", Flag: "checks", Reaches: true, Usage: `checks the server makes before storing: '"file.size" < "10mb"'`,
		check: checkChecks, text: func(o *Options) *string { return &o.Checks }},
	{Key: "webhookUrl", Flag: "webhook-url", Reaches: true, Usage: "http(s) URL that gets the extensions' final status",
		check: checkWebhook, text: func(o *Options) *string { return &o.WebhookURL }},
	{Key: "customCoordinates", Flag: "custom-coordinates", Usage: "area of interest: x,y,width,height",
		check: checkCoordinates, text: func(o *Options) *string { return &o.CustomCoordinates }},
	{Key: "responseFields", Flag: "response-fields", Usage: "more fields in each answer, comma-separated: " + strings.Join(ResponseFieldNames, ","),
		check: checkResponseFields, text: func(o *Options) *string { return &o.ResponseFields }},
	{Key: "overwriteTags", Flag: "overwrite-tags", Usage: "=false: a new version keeps the file's tags (default: ImageKit's, true)",
		boolean: func(o *Options) **bool { return &o.OverwriteTags }},
	{Key: "overwriteAITags", Flag: "overwrite-ai-tags", Usage: "=false: a new version keeps the file's AI tags (default: ImageKit's, true)",
		boolean: func(o *Options) **bool { return &o.OverwriteAITags }},
	{Key: "overwriteCustomMetadata", Flag: "overwrite-custom-metadata", Usage: "=false: a new version keeps the file's custom metadata (default: ImageKit's, true)",
		boolean: func(o *Options) **bool { return &o.OverwriteCustomMetadata }},
	{Key: "isPublished", Flag: "published", Usage: "=false: upload as drafts (enterprise plans; default: ImageKit's, true)",
		boolean: func(o *Options) **bool { return &o.IsPublished }},
}

// LookupOption is the option whose Key is key.
func LookupOption(key string) (Option, bool) {
	for _, op := range OptionTable {
		if op.Key == key {
			return op, true
		}
	}
	return Option{}, false
}

// IsBool says whether the option is true or false, not a text.
func (op Option) IsBool() bool { return op.boolean != nil }

// Check says why ImageKit would refuse v for this option, or nil; "" is
// not sent, so never refused.
func (op Option) Check(v string) error {
	if v == "" || op.check == nil {
		return nil
	}
	return op.check(v)
}

// Text is where o keeps a text option; nil for a true/false one.
func (op Option) Text(o *Options) *string {
	if op.text == nil {
		return nil
	}
	return op.text(o)
}

// Get is the option's value in o as it is sent, and whether it is set.
func (op Option) Get(o Options) (string, bool) {
	if op.boolean != nil {
		if b := *op.boolean(&o); b != nil {
			return strconv.FormatBool(*b), true
		}
		return "", false
	}
	v := *op.text(&o)
	return v, v != ""
}

// Set sets the option in o to v, as it would be sent; "" unsets it. A
// true/false option takes what strconv.ParseBool takes.
func (op Option) Set(o *Options, v string) error {
	if op.boolean == nil {
		*op.text(o) = v
		return nil
	}
	if v == "" {
		*op.boolean(o) = nil
		return nil
	}
	b, err := strconv.ParseBool(v)
	if err != nil {
		return fmt.Errorf("%q: use true or false", v)
	}
	*op.boolean(o) = &b
	return nil
}

// Over lays the options set in top over o: what top leaves unset stays.
func (o Options) Over(top Options) Options {
	for _, op := range OptionTable {
		if v, set := op.Get(top); set {
			op.Set(&o, v)
		}
	}
	return o
}

// put adds the options that are set to an upload's fields.
func (o Options) put(m map[string]string) {
	for _, op := range OptionTable {
		if v, set := op.Get(o); set {
			m[op.Key] = v
		}
	}
}

// Check says why ImageKit would refuse these options, or nil: the first
// problem, as a *CheckError naming the field.
func (o Options) Check() error {
	for _, op := range OptionTable {
		v, _ := op.Get(o)
		if err := op.Check(v); err != nil {
			return &CheckError{Field: op.Key, Reason: err.Error()}
		}
	}
	return nil
}

func checkText(s string) error {
	if !utf8.ValidString(s) {
		return errors.New("not valid UTF-8 text")
	}
	return nil
}

// decodeJSON reads s as exactly one JSON value, numbers kept as written.
func decodeJSON(s string) (any, error) {
	d := json.NewDecoder(strings.NewReader(s))
	d.UseNumber()
	var v any
	if err := d.Decode(&v); err != nil {
		return nil, fmt.Errorf("not valid JSON: %v", err)
	}
	if _, err := d.Token(); err != io.EOF {
		return nil, errors.New("not valid JSON: more follows the value")
	}
	return v, nil
}

func jsonKind(v any) string {
	switch v.(type) {
	case map[string]any:
		return "an object"
	case []any:
		return "an array"
	case string:
		return "a string"
	case json.Number:
		return "a number"
	case bool:
		return "true or false"
	}
	return "null"
}

func checkCustomMetadata(s string) error {
	v, err := decodeJSON(s)
	if err != nil {
		return err
	}
	obj, ok := v.(map[string]any)
	if !ok {
		return fmt.Errorf(`must be a JSON object such as {"brand": "acme", "price": 129}, not %s`, jsonKind(v))
	}
	for k, v := range obj {
		if k == "" {
			return errors.New("a field name is empty")
		}
		switch v := v.(type) {
		case json.Number:
			if f, err := v.Float64(); err != nil || math.IsInf(f, 0) {
				return fmt.Errorf("%q is %s: a number too large for ImageKit to keep", k, v)
			}
		case string, bool:
		case []any: // a multi-select field
			for _, e := range v {
				if kind := jsonKind(e); kind == "an object" || kind == "an array" || kind == "null" {
					return fmt.Errorf("%q: a list holds texts, numbers or true/false, not %s", k, kind)
				}
			}
		default:
			return fmt.Errorf("%q is %s: a field holds a text, a number, true/false, a date or a list", k, jsonKind(v))
		}
	}
	return nil
}

func checkExtensions(s string) error {
	v, err := decodeJSON(s)
	if err != nil {
		return err
	}
	list, ok := v.([]any)
	if !ok {
		return fmt.Errorf(`must be a JSON array such as [{"name": "google-auto-tagging", "maxTags": 5, "minConfidence": 95}], not %s`, jsonKind(v))
	}
	seen := map[string]bool{}
	for i, e := range list {
		ext, ok := e.(map[string]any)
		if !ok {
			return fmt.Errorf("item %d is %s, not an object with a name", i+1, jsonKind(e))
		}
		name, _ := ext["name"].(string)
		if !slices.Contains(ExtensionNames, name) {
			return fmt.Errorf("item %d: unknown extension %q; known: %s", i+1, name, strings.Join(ExtensionNames, ", "))
		}
		id, _ := ext["id"].(string)
		if seen[name+" "+id] {
			return fmt.Errorf("%s is given twice", strings.TrimSpace(name+" "+id))
		}
		seen[name+" "+id] = true
		allowed := map[string]bool{"name": true}
		switch name {
		case "saved-extension":
			allowed["id"] = true
			if strings.TrimSpace(id) == "" {
				return errors.New(`saved-extension needs the "id" of an extension saved in the ImageKit dashboard`)
			}
		case "ai-tasks":
			allowed["tasks"] = true
			if err := checkAITasks(ext["tasks"]); err != nil {
				return fmt.Errorf("ai-tasks: %v", err)
			}
		case "google-auto-tagging", "aws-auto-tagging":
			allowed["maxTags"], allowed["minConfidence"] = true, true
			if err := wholeIn(ext, "maxTags", 1, 1000); err != nil {
				return fmt.Errorf("%s: %v", name, err)
			}
			if err := wholeIn(ext, "minConfidence", 0, 100); err != nil {
				return fmt.Errorf("%s: %v", name, err)
			}
		case "remove-bg":
			allowed["options"] = true
			if opts, ok := ext["options"]; ok {
				if err := checkRemoveBg(opts); err != nil {
					return fmt.Errorf("remove-bg: %v", err)
				}
			}
		}
		for k := range ext {
			if !allowed[k] {
				return fmt.Errorf("%s takes no %q", name, k)
			}
		}
	}
	return nil
}

// checkAITasks checks ai-tasks' list of tasks, as ImageKit's API reference
// (2026) gives them: select_tags, select_metadata and yes_no.
func checkAITasks(v any) error {
	tasks, ok := v.([]any)
	if !ok || len(tasks) == 0 {
		return errors.New(`needs "tasks", a list such as [{"type": "select_tags", "instruction": "What is shown?", "vocabulary": ["dress", "shoe"]}]`)
	}
	for i, t := range tasks {
		task, ok := t.(map[string]any)
		if !ok {
			return fmt.Errorf("task %d is %s, not an object", i+1, jsonKind(t))
		}
		typ, _ := task["type"].(string)
		if in, _ := task["instruction"].(string); strings.TrimSpace(in) == "" {
			return fmt.Errorf("task %d needs an instruction", i+1)
		}
		allowed := map[string]bool{"type": true, "instruction": true}
		switch typ {
		case "select_tags", "select_metadata":
			allowed["vocabulary"], allowed["max_selections"], allowed["min_selections"] = true, true, true
			for _, k := range []string{"max_selections", "min_selections"} {
				if _, ok := task[k]; ok {
					if err := wholeIn(task, k, 0, 1000); err != nil {
						return fmt.Errorf("task %d: %v", i+1, err)
					}
				}
			}
			lo, hasLo := task["min_selections"].(json.Number)
			hi, hasHi := task["max_selections"].(json.Number)
			if a, _ := lo.Float64(); hasLo && hasHi {
				if b, _ := hi.Float64(); a > b {
					return fmt.Errorf("task %d: min_selections %s is more than max_selections %s", i+1, lo, hi)
				}
			}
			if voc, ok := task["vocabulary"]; ok {
				list, ok := voc.([]any)
				if !ok {
					return fmt.Errorf("task %d: vocabulary is a list", i+1)
				}
				total := 0
				for _, w := range list {
					s, isText := w.(string)
					if typ == "select_tags" && (!isText || strings.Contains(s, "%")) {
						return fmt.Errorf("task %d: a tag vocabulary holds texts without %%", i+1)
					}
					total += len(s)
				}
				if typ == "select_tags" && total > 500 {
					return fmt.Errorf("task %d: the vocabulary is %d characters; at most 500", i+1, total)
				}
			}
			if typ == "select_metadata" {
				allowed["field"] = true
				if f, _ := task["field"].(string); strings.TrimSpace(f) == "" {
					return fmt.Errorf("task %d: select_metadata needs the custom metadata field to set", i+1)
				}
			}
		case "yes_no":
			for _, k := range []string{"on_yes", "on_no", "on_unknown"} {
				allowed[k] = true
				if a, ok := task[k]; ok {
					if err := checkTaskActions(a); err != nil {
						return fmt.Errorf("task %d: %s: %v", i+1, k, err)
					}
				}
			}
		default:
			return fmt.Errorf("task %d: type %q is not one of select_tags, select_metadata, yes_no", i+1, typ)
		}
		for k := range task {
			if !allowed[k] {
				return fmt.Errorf("task %d (%s) takes no %q", i+1, typ, k)
			}
		}
	}
	return nil
}

// checkTaskActions checks what a yes_no task does with its answer.
func checkTaskActions(v any) error {
	acts, ok := v.(map[string]any)
	if !ok {
		return errors.New("is an object of add_tags, remove_tags, set_metadata, unset_metadata")
	}
	for k, a := range acts {
		list, ok := a.([]any)
		if !ok {
			return fmt.Errorf("%s is a list", k)
		}
		for _, e := range list {
			switch k {
			case "add_tags", "remove_tags":
				if tag, ok := e.(string); !ok || tag == "" || strings.Contains(tag, "%") {
					return fmt.Errorf("%s holds tags, as texts without %%", k)
				}
			case "set_metadata", "unset_metadata":
				m, ok := e.(map[string]any)
				if f, _ := m["field"].(string); !ok || f == "" {
					return fmt.Errorf(`%s holds objects with a "field"`, k)
				}
			default:
				return fmt.Errorf("%q is not an action (add_tags, remove_tags, set_metadata, unset_metadata)", k)
			}
		}
	}
	return nil
}

// wholeIn says whether obj[key] is a whole number from lo to hi.
func wholeIn(obj map[string]any, key string, lo, hi int64) error {
	n, ok := obj[key].(json.Number)
	if !ok {
		return fmt.Errorf("%s is required, a number from %d to %d", key, lo, hi)
	}
	f, err := n.Float64() // 5, 5.0 and 5e0 are the same number to every JSON reader
	if err != nil || f != math.Trunc(f) || f < float64(lo) || f > float64(hi) {
		return fmt.Errorf("%s must be a whole number from %d to %d, not %s", key, lo, hi, n)
	}
	return nil
}

// colour is remove-bg's bg_color as ImageKit's reference gives it: a hex
// code ("81d4fa", "fff") or a colour name ("green").
var colour = regexp.MustCompile(`^(?:[0-9A-Fa-f]{3}|[0-9A-Fa-f]{6}|[A-Za-z]{3,20})$`)

// IsColour says whether s is a colour remove-bg takes: "FFFFFF", "fff" or
// "green". Letters that are all hex digits are a hex code, of 3 or 6.
func IsColour(s string) bool {
	if strings.Trim(s, "0123456789abcdefABCDEF") == "" && len(s) != 3 && len(s) != 6 {
		return false // "ffff" is a hex code gone wrong, not a name
	}
	return colour.MatchString(s)
}

func checkRemoveBg(v any) error {
	opts, ok := v.(map[string]any)
	if !ok {
		return fmt.Errorf("options must be an object, not %s", jsonKind(v))
	}
	for k, v := range opts {
		switch k {
		case "add_shadow", "semitransparency":
			if _, ok := v.(bool); !ok {
				return fmt.Errorf("%s must be true or false", k)
			}
		case "bg_color":
			if s, ok := v.(string); !ok || !IsColour(s) {
				return fmt.Errorf(`bg_color must be a hex colour such as "FFFFFF" or "fff", or a colour name such as "green"`)
			}
		case "bg_image_url":
			if s, ok := v.(string); !ok || checkWebhook(s) != nil {
				return fmt.Errorf("bg_image_url must be an http(s) URL")
			}
		default:
			return fmt.Errorf("unknown option %q (add_shadow, bg_color, bg_image_url, semitransparency)", k)
		}
	}
	if opts["bg_color"] != nil && opts["bg_image_url"] != nil {
		return errors.New("give bg_color or bg_image_url, not both")
	}
	return nil
}

// PostTransformations are the kinds of transformation.post items.
var PostTransformations = []string{"transformation", "gif-to-video", "thumbnail", "abs"}

func checkTransformation(s string) error {
	v, err := decodeJSON(s)
	if err != nil {
		return err
	}
	obj, ok := v.(map[string]any)
	if !ok {
		return fmt.Errorf(`must be a JSON object such as {"pre": "w-2560,q-80", "post": [{"type": "transformation", "value": "w-400"}]}, not %s`, jsonKind(v))
	}
	if len(obj) == 0 {
		return errors.New(`is empty: give "pre", "post" or both`)
	}
	for k, v := range obj {
		switch k {
		case "pre":
			if s, ok := v.(string); !ok || strings.TrimSpace(s) == "" {
				return errors.New(`"pre" must be a transformation string such as "w-2560,q-80"`)
			}
		case "post":
			list, ok := v.([]any)
			if !ok {
				return fmt.Errorf(`"post" must be an array, not %s`, jsonKind(v))
			}
			for i, e := range list {
				if err := checkPost(e); err != nil {
					return fmt.Errorf("post item %d: %v", i+1, err)
				}
			}
		default:
			return fmt.Errorf(`unknown member %q: a transformation has "pre" and "post"`, k)
		}
	}
	return nil
}

func checkPost(v any) error {
	item, ok := v.(map[string]any)
	if !ok {
		return fmt.Errorf("is %s, not an object with a type", jsonKind(v))
	}
	typ, _ := item["type"].(string)
	if !slices.Contains(PostTransformations, typ) {
		return fmt.Errorf("unknown type %q; known: %s", typ, strings.Join(PostTransformations, ", "))
	}
	value, hasValue := item["value"].(string)
	if _, ok := item["value"]; ok && !hasValue {
		return fmt.Errorf("%s: value must be a string", typ)
	}
	allowed := map[string]bool{"type": true, "value": true}
	switch typ {
	case "transformation":
		if strings.TrimSpace(value) == "" {
			return errors.New(`transformation needs a "value" such as "w-400"`)
		}
	case "gif-to-video":
	case "thumbnail":
	case "abs":
		allowed["protocol"] = true
		if p, _ := item["protocol"].(string); p != "hls" && p != "dash" {
			return errors.New(`abs needs "protocol": "hls" or "dash"`)
		}
		if strings.TrimSpace(value) == "" {
			return errors.New(`abs needs a "value" such as "sr-240_360_480"`)
		}
	}
	for k := range item {
		if !allowed[k] {
			return fmt.Errorf("%s takes no %q", typ, k)
		}
	}
	return nil
}

func checkChecks(s string) error {
	if strings.TrimSpace(s) == "" {
		return errors.New(`is blank; write an expression such as "file.size" < "10mb"`)
	}
	if strings.Count(s, `"`)%2 != 0 {
		return errors.New(`has an unclosed quote; write it as "file.size" < "10mb"`)
	}
	return checkText(s)
}

func checkWebhook(s string) error {
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("%q is not an http(s) URL", s)
	}
	return nil
}

var coordinates = regexp.MustCompile(`^(\d{1,9}),(\d{1,9}),(\d{1,9}),(\d{1,9})$`)

func checkCoordinates(s string) error {
	m := coordinates.FindStringSubmatch(s)
	if m == nil {
		return fmt.Errorf("%q is not x,y,width,height: four whole numbers such as 10,10,100,100", s)
	}
	if strings.Trim(m[3], "0") == "" || strings.Trim(m[4], "0") == "" {
		return fmt.Errorf("%q: the width and height must be more than 0", s)
	}
	return nil
}

func checkResponseFields(s string) error {
	for f := range strings.SplitSeq(s, ",") {
		if !slices.Contains(ResponseFieldNames, f) {
			if strings.TrimSpace(f) != f {
				return fmt.Errorf("%q: no spaces around the names (tags,customMetadata)", s)
			}
			return fmt.Errorf("unknown response field %q; known: %s", f, strings.Join(ResponseFieldNames, ", "))
		}
	}
	return nil
}
