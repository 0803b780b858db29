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
var ExtensionNames = []string{"google-auto-tagging", "aws-auto-tagging", "remove-bg", "ai-auto-description"}

// put adds the options that are set to an upload's fields.
func (o Options) put(m map[string]string) {
	for name, v := range map[string]string{
		"description": o.Description, "customMetadata": o.CustomMetadata, "extensions": o.Extensions,
		"transformation": o.Transformation, "checks": o.Checks, "webhookUrl": o.WebhookURL,
		"customCoordinates": o.CustomCoordinates, "responseFields": o.ResponseFields,
	} {
		if v != "" {
			m[name] = v
		}
	}
	for name, v := range map[string]*bool{
		"overwriteTags": o.OverwriteTags, "overwriteAITags": o.OverwriteAITags,
		"overwriteCustomMetadata": o.OverwriteCustomMetadata, "isPublished": o.IsPublished,
	} {
		if v != nil {
			m[name] = strconv.FormatBool(*v)
		}
	}
}

// Check says why ImageKit would refuse these options, or nil: the first
// problem, as a *CheckError naming the field.
func (o Options) Check() error {
	for _, c := range []struct {
		field, value string
		check        func(string) error
	}{
		{"description", o.Description, checkText},
		{"customMetadata", o.CustomMetadata, checkCustomMetadata},
		{"extensions", o.Extensions, checkExtensions},
		{"transformation", o.Transformation, checkTransformation},
		{"checks", o.Checks, checkChecks},
		{"webhookUrl", o.WebhookURL, checkWebhook},
		{"customCoordinates", o.CustomCoordinates, checkCoordinates},
		{"responseFields", o.ResponseFields, checkResponseFields},
	} {
		if c.value == "" {
			continue
		}
		if err := c.check(c.value); err != nil {
			return &CheckError{Field: c.field, Reason: err.Error()}
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
		if seen[name] {
			return fmt.Errorf("%s is given twice", name)
		}
		seen[name] = true
		allowed := map[string]bool{"name": true}
		switch name {
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

var hexColour = regexp.MustCompile(`^[0-9A-Fa-f]{6}$`)

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
			if s, ok := v.(string); !ok || !hexColour.MatchString(s) {
				return fmt.Errorf(`bg_color must be six hex digits such as "FFFFFF"`)
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
