package emulator

import (
	"errors"
	"fmt"
	"strings"
	"unicode"
)

// The upload fields ImageKit's v2 API knows; any other field is refused.
var knownFields = map[string]bool{
	"fileName": true, "useUniqueFileName": true, "tags": true, "folder": true,
	"isPrivateFile": true, "isPublished": true, "overwriteFile": true,
	"overwriteAITags": true, "overwriteTags": true, "overwriteCustomMetadata": true,
	"customCoordinates": true, "responseFields": true, "customMetadata": true,
	"extensions": true, "transformation": true, "checks": true,
	"webhookUrl": true, "description": true,
}

var boolFields = []string{"useUniqueFileName", "isPrivateFile", "isPublished", "overwriteFile",
	"overwriteAITags", "overwriteTags", "overwriteCustomMetadata"}

const (
	maxTagsLen     = 500
	maxFolderDepth = 50
	maxVersions    = 100
)

// sanitizeName does what ImageKit does to a file name: letters (Unicode too),
// digits, '.' and '-' stay, anything else becomes '_'.
func sanitizeName(name string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.IsMark(r) || r == '.' || r == '-' {
			return r
		}
		return '_'
	}, name)
}

// cleanFolder checks a folder field and returns it as "/a/b" ("/" for the root).
func cleanFolder(folder string) (string, error) {
	var parts []string
	for p := range strings.SplitSeq(folder, "/") {
		if p == "" {
			continue
		}
		for _, r := range p {
			if !(unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.IsMark(r) || r == '_' || r == '-') {
				return "", fmt.Errorf("folder %q contains %q: a folder may hold letters, digits, '/', '_' and '-' only", folder, r)
			}
		}
		parts = append(parts, p)
	}
	if len(parts) > maxFolderDepth {
		return "", fmt.Errorf("folder %q is %d levels deep; at most %d are allowed", folder, len(parts), maxFolderDepth)
	}
	return "/" + strings.Join(parts, "/"), nil
}

func checkTags(tags string) error {
	switch {
	case len(tags) > maxTagsLen:
		return fmt.Errorf("tags are %d characters long; at most %d are allowed", len(tags), maxTagsLen)
	case strings.Contains(tags, "%"):
		return errors.New("tags must not contain '%'")
	}
	return nil
}

// splitTags turns "a, b,,c" into [a b c]; nil for none, as ImageKit answers.
func splitTags(tags string) []string {
	var out []string
	for t := range strings.SplitSeq(tags, ",") {
		if t = strings.TrimSpace(t); t != "" {
			out = append(out, t)
		}
	}
	return out
}
