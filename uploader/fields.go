package uploader

import (
	"encoding/json"
	"fmt"
	"path"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"

	"imagekit-uploader/strip"
)

// Fields are the upload fields a person sets for a batch; Request turns them
// into the strings that go in both the form and the token.
type Fields struct {
	Folder            string   // destination, "/" by default
	Tags              []string // at most 500 characters joined, no '%'
	UseUniqueFileName bool     // ImageKit adds a random suffix
	OverwriteFile     bool     // with UseUniqueFileName false: a new version
	IsPrivateFile     bool
	Options           // description, custom metadata, extensions, ...
	// Strip is what of the file's metadata is taken out before it is sent
	// (its location, or all but orientation and colour profile): never a
	// field of the form, it changes the bytes sent.
	Strip strip.Mode `json:"strip,omitempty"`
}

// DefaultFields are ImageKit's defaults.
func DefaultFields() Fields {
	return Fields{Folder: "/", UseUniqueFileName: true, OverwriteFile: true}
}

// Limits ImageKit enforces.
const (
	MaxTagsLength  = 500
	MaxFolderDepth = 50
)

// form builds the field strings once, so form and token carry the same bytes.
func (f Fields) form(fileName, folder string) map[string]string {
	m := map[string]string{
		"fileName":          fileName,
		"useUniqueFileName": strconv.FormatBool(f.UseUniqueFileName),
	}
	if folder != "" && folder != "/" {
		m["folder"] = folder
	}
	if len(f.Tags) > 0 {
		m["tags"] = strings.Join(f.Tags, ",")
	}
	if !f.UseUniqueFileName {
		m["overwriteFile"] = strconv.FormatBool(f.OverwriteFile)
	}
	if f.IsPrivateFile {
		m["isPrivateFile"] = "true"
	}
	f.Options.put(m)
	return m
}

// resultFields are the upload fields that make the stored file what it is
// (who may see it, its tags and metadata, what is done to it), as opposed to
// where it goes and how a name is chosen: the same bytes uploaded with
// others are not the upload asked for.
var resultFields = []string{"isPrivateFile", "tags", "description", "customMetadata", "extensions", "transformation", "customCoordinates", "isPublished"}

// Settings are f's result fields as sent, in a form where two that mean
// the same are equal: tags as a sorted set, JSON with its keys in order and
// no spaces. Empty for ImageKit's defaults.
func (f Fields) Settings() map[string]string {
	form := f.form("", "")
	out := map[string]string{}
	for _, k := range resultFields {
		v, ok := form[k]
		if !ok {
			continue
		}
		switch k {
		case "tags":
			tags := slices.Clone(f.Tags)
			slices.Sort(tags)
			v = strings.Join(slices.Compact(tags), ",")
		case "customMetadata", "extensions", "transformation":
			d := json.NewDecoder(strings.NewReader(v))
			d.UseNumber()
			var x any
			if d.Decode(&x) == nil {
				if b, err := json.Marshal(x); err == nil {
					v = string(b)
				}
			}
		}
		out[k] = v
	}
	return out
}

// SettingsDiffer names the result fields whose values differ between two
// uploads' Settings, in a fixed order.
func SettingsDiffer(had, want map[string]string) []string {
	var names []string
	for _, k := range resultFields {
		if had[k] != want[k] {
			names = append(names, k)
		}
	}
	return names
}

// ParseTags splits "summer, dress,,sale" into [summer dress sale].
func ParseTags(s string) []string {
	var tags []string
	for t := range strings.SplitSeq(s, ",") {
		if t = strings.TrimSpace(t); t != "" {
			tags = append(tags, t)
		}
	}
	return tags
}

// CheckTags says why ImageKit would refuse these tags, or nil.
func CheckTags(tags []string) error {
	joined := strings.Join(tags, ",")
	if strings.Contains(joined, "%") {
		return &CheckError{Field: "tags", Reason: "tags cannot contain '%'"}
	}
	if n := len(joined); n > MaxTagsLength {
		return &CheckError{Field: "tags", Reason: fmt.Sprintf("tags are %d characters long together; ImageKit allows %d", n, MaxTagsLength)}
	}
	return nil
}

// CheckFileName says why a name to upload under is not one, or nil. ImageKit
// turns other odd characters into '_' itself; but "." and ".." would name the
// folder or its parent, and a '/' makes a path of the name.
func CheckFileName(name string) error {
	switch n := strings.TrimSpace(name); {
	case n == "":
		return &CheckError{Field: "fileName", Reason: "the file name is empty"}
	case n == "." || n == "..":
		return &CheckError{Field: "fileName", Reason: fmt.Sprintf("%q is not a file name: it names a folder", name)}
	case strings.Contains(name, "/"):
		return &CheckError{Field: "fileName", Reason: fmt.Sprintf("the file name %q contains '/': a name is not a path (use the folder for that)", name)}
	}
	return nil
}

func folderRune(r rune) bool {
	return unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.IsMark(r) || r == '_' || r == '-'
}

// CleanFolder checks a destination folder typed by a person and returns it
// as "/a/b" ("/" for the root).
func CleanFolder(folder string) (string, error) {
	var parts []string
	for p := range strings.SplitSeq(strings.TrimSpace(folder), "/") {
		if p == "" {
			continue
		}
		if p == "." || p == ".." {
			return "", &CheckError{Field: "folder", Reason: fmt.Sprintf("folder %q: '.' and '..' are not folder names", folder)}
		}
		for _, r := range p {
			if !folderRune(r) {
				return "", &CheckError{Field: "folder", Reason: fmt.Sprintf("folder %q contains %q; use letters, digits, '_', '-' and '/'", folder, r)}
			}
		}
		parts = append(parts, p)
	}
	if len(parts) > MaxFolderDepth {
		return "", &CheckError{Field: "folder", Reason: fmt.Sprintf("folder is %d levels deep; ImageKit allows %d", len(parts), MaxFolderDepth)}
	}
	return "/" + strings.Join(parts, "/"), nil
}

// folderName makes a local directory's name acceptable as an ImageKit
// folder name, the way ImageKit treats file names: other characters become '_'.
func folderName(name string) string {
	return strings.Map(func(r rune) rune {
		if folderRune(r) {
			return r
		}
		return '_'
	}, name)
}

// destination joins the batch folder and a file's relative directory (slash
// separated, already made of folder names).
func destination(base, rel string) (string, error) {
	folder, err := CleanFolder(base)
	if err != nil {
		return "", err
	}
	joined := path.Join(folder, rel)
	if n := strings.Count(strings.Trim(joined, "/"), "/") + 1; joined != "/" && n > MaxFolderDepth {
		return "", &CheckError{Field: "folder", Reason: fmt.Sprintf("%s is %d levels deep; ImageKit allows %d", joined, n, MaxFolderDepth)}
	}
	return joined, nil
}

// Plan is an ImageKit plan, for the size pre-check.
type Plan string

// The plans and their per-file limits (2026).
const (
	PlanFree Plan = "free"
	PlanLite Plan = "lite"
	PlanPro  Plan = "pro"
)

const mb = 1 << 20

// MaxSize is the largest file the plan accepts, for a video or another file.
func (p Plan) MaxSize(video bool) int64 {
	switch p {
	case PlanLite:
		return map[bool]int64{false: 40 * mb, true: 300 * mb}[video]
	case PlanPro:
		return map[bool]int64{false: 50 * mb, true: 2048 * mb}[video]
	default:
		return map[bool]int64{false: 25 * mb, true: 100 * mb}[video]
	}
}

// Limit is what the pre-check lets through: the plan's sizes, or the
// account's own where one is set (enterprise plans have their own).
type Limit struct {
	Plan        Plan
	MaxFileSize int64 // bytes, for every kind of file; 0: the plan's
}

// MaxSize is the largest file the limit lets through.
func (l Limit) MaxSize(video bool) int64 {
	if l.MaxFileSize > 0 {
		return l.MaxFileSize
	}
	return l.Plan.MaxSize(video)
}

// describe names the limit in a sentence: "the free plan accepts".
func (l Limit) describe() string {
	if l.MaxFileSize > 0 {
		return "the size limit set for the account is"
	}
	return fmt.Sprintf("the %s plan accepts up to", l.Plan)
}

// ParsePlan reads "free", "lite" or "pro".
func ParsePlan(s string) (Plan, error) {
	switch p := Plan(strings.ToLower(strings.TrimSpace(s))); p {
	case PlanFree, PlanLite, PlanPro:
		return p, nil
	}
	return "", fmt.Errorf("unknown plan %q: use free, lite or pro", s)
}

var videoExt = map[string]bool{".mp4": true, ".mov": true, ".webm": true, ".mkv": true, ".avi": true,
	".m4v": true, ".mpeg": true, ".mpg": true, ".3gp": true, ".ogv": true, ".wmv": true, ".flv": true}

// IsVideo says whether ImageKit counts the file as a video, by its name.
func IsVideo(name string) bool { return videoExt[strings.ToLower(filepath.Ext(name))] }

// ExpandFolder puts the date t into a folder's placeholders: {yyyy}, {mm}
// and {dd} ("/shoots/{yyyy}/{mm}" is "/shoots/2026/11" in November 2026).
// Any other {word} is refused.
func ExpandFolder(folder string, t time.Time) (string, error) {
	out := strings.NewReplacer("{yyyy}", t.Format("2006"), "{mm}", t.Format("01"), "{dd}", t.Format("02")).Replace(folder)
	if i := strings.IndexByte(out, '{'); i >= 0 {
		word := out[i:]
		if j := strings.IndexByte(word, '}'); j >= 0 {
			word = word[:j+1]
		}
		return "", &CheckError{Field: "folder", Reason: fmt.Sprintf("folder %q: unknown placeholder %s; use {yyyy}, {mm} and {dd}", folder, word)}
	}
	return out, nil
}
