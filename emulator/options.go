package emulator

import (
	"encoding/json"
	"net/url"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
)

// AITag is a tag the fake tagger gives a file.
type AITag struct {
	Name       string  `json:"name"`
	Confidence float64 `json:"confidence"`
	Source     string  `json:"source"`
}

var responseFieldNames = []string{"tags", "customCoordinates", "isPrivateFile", "embeddedMetadata",
	"isPublished", "customMetadata", "metadata", "selectedFieldsSchema"}

var coordinatesRule = regexp.MustCompile(`^\d+,\d+,\d+,\d+$`)

// options are an upload's further fields, read and checked.
type options struct {
	customMetadata map[string]any
	extensions     []map[string]any
}

// readOptions checks the fields ImageKit takes as JSON, lists, coordinates
// or URLs, as ImageKit does: a field of the wrong shape is a 400 naming it.
func readOptions(fields map[string]string) (options, error) {
	var o options
	if v, ok := fields["customMetadata"]; ok {
		d := json.NewDecoder(strings.NewReader(v))
		d.UseNumber() // numbers as written: 1e400 is a number, not a broken object
		if err := d.Decode(&o.customMetadata); err != nil || o.customMetadata == nil {
			return o, badRequest("Invalid customMetadata: it must be a JSON object, such as {\"brand\": \"acme\"}.")
		}
		for k, e := range o.customMetadata {
			switch e.(type) {
			case map[string]any, nil:
				return o, badRequest("Invalid customMetadata: the value of %q must be a text, a number, a boolean, a date or a list.", k)
			}
		}
	}
	if v, ok := fields["extensions"]; ok {
		if err := json.Unmarshal([]byte(v), &o.extensions); err != nil {
			return o, badRequest("Invalid extensions: it must be a JSON array of objects, each with a name.")
		}
		for _, e := range o.extensions {
			name, _ := e["name"].(string)
			switch name {
			case "google-auto-tagging", "aws-auto-tagging":
				maxTags, ok1 := e["maxTags"].(float64)
				conf, ok2 := e["minConfidence"].(float64)
				if !ok1 || !ok2 || maxTags < 1 || maxTags != float64(int(maxTags)) || conf < 0 || conf > 100 {
					return o, badRequest("Invalid extensions: %s needs maxTags (a whole number from 1) and minConfidence (0 to 100).", name)
				}
			case "remove-bg", "ai-auto-description":
			case "ai-tasks":
				tasks, _ := e["tasks"].([]any)
				if len(tasks) == 0 {
					return o, badRequest("Invalid extensions: ai-tasks needs tasks, a list of select_tags, select_metadata or yes_no tasks.")
				}
				for i, t := range tasks {
					task, _ := t.(map[string]any)
					in, _ := task["instruction"].(string)
					switch typ, _ := task["type"].(string); {
					case typ != "select_tags" && typ != "select_metadata" && typ != "yes_no":
						return o, badRequest("Invalid extensions: ai-tasks task %d has type %q; it must be select_tags, select_metadata or yes_no.", i+1, typ)
					case in == "":
						return o, badRequest("Invalid extensions: ai-tasks task %d has no instruction.", i+1)
					case typ == "select_metadata" && task["field"] == nil:
						return o, badRequest("Invalid extensions: ai-tasks task %d (select_metadata) names no field.", i+1)
					}
				}
			case "saved-extension":
				if id, _ := e["id"].(string); id == "" {
					return o, badRequest("Invalid extensions: saved-extension needs the id of a saved extension.")
				}
			default:
				return o, badRequest("Invalid extensions: unknown extension %q.", name)
			}
		}
	}
	if v, ok := fields["transformation"]; ok {
		var t struct {
			Pre  *string          `json:"pre"`
			Post []map[string]any `json:"post"`
		}
		d := json.NewDecoder(strings.NewReader(v))
		d.DisallowUnknownFields()
		if err := d.Decode(&t); err != nil || (t.Pre == nil && t.Post == nil) {
			return o, badRequest("Invalid transformation: it must be a JSON object with pre, post or both.")
		}
		for _, p := range t.Post {
			switch p["type"] {
			case "transformation", "gif-to-video", "thumbnail", "abs":
			default:
				return o, badRequest("Invalid transformation: unknown post type %v.", p["type"])
			}
		}
	}
	if v, ok := fields["responseFields"]; ok {
		for f := range strings.SplitSeq(v, ",") {
			if f = strings.TrimSpace(f); !slices.Contains(responseFieldNames, f) {
				return o, badRequest("Invalid responseFields: %q is not a field the answer can hold.", f)
			}
		}
	}
	if v, ok := fields["customCoordinates"]; ok && !coordinatesRule.MatchString(v) {
		return o, badRequest("Invalid customCoordinates %q: it must be x,y,width,height.", v)
	}
	if v, ok := fields["webhookUrl"]; ok {
		if u, err := url.Parse(v); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return o, badRequest("Invalid webhookUrl %q: it must be an http(s) URL.", v)
		}
	}
	return o, nil
}

var fakeTagWords = []string{"clothing", "dress", "fashion", "red", "product", "studio", "person", "outdoor",
	"shoe", "bag", "portrait", "summer", "textile", "sleeve", "model", "pattern"}

// fakeTags is the deterministic fake tagger: the same bytes and options give
// the same tags, most confident first, none under minConfidence.
func fakeTags(sha, source string, maxTags, minConfidence float64) []AITag {
	var tags []AITag
	seen := map[string]bool{}
	for i := 0; i+1 < len(sha) && len(tags) < int(maxTags); i += 2 {
		n, _ := strconv.ParseUint(sha[i:i+2], 16, 8)
		word := fakeTagWords[int(n)%len(fakeTagWords)]
		if seen[word] {
			continue
		}
		seen[word] = true
		span := 100 - minConfidence
		tags = append(tags, AITag{Name: word, Source: source,
			Confidence: float64(int((minConfidence+span*float64(n)/255)*100)) / 100})
	}
	sort.SliceStable(tags, func(i, j int) bool { return tags[i].Confidence > tags[j].Confidence })
	return tags
}

// runExtensions runs what can run at once (the taggers) and says what
// waits: ImageKit answers "pending" for remove-bg and ai-auto-description.
func runExtensions(exts []map[string]any, sha string) (status map[string]string, tags []AITag) {
	status = map[string]string{}
	for _, e := range exts {
		name := e["name"].(string)
		switch name {
		case "google-auto-tagging", "aws-auto-tagging":
			tags = append(tags, fakeTags(sha, name, e["maxTags"].(float64), e["minConfidence"].(float64))...)
			status[name] = "success"
		case "saved-extension":
			// ImageKit reports the saved extension's own kind, which only
			// the account knows: this server has none saved to report.
		default:
			status[name] = "pending"
		}
	}
	return status, tags
}
