package emulator

import (
	"encoding/json"
	"fmt"
	"image"
	"net/http"
	"os"
	"strings"

	"imagekit-uploader/exif"
)

// Result is a successful upload's answer.
type Result struct {
	FileID       string            `json:"fileId"`
	Name         string            `json:"name"`
	FilePath     string            `json:"filePath"`
	URL          string            `json:"url"`
	ThumbnailURL string            `json:"thumbnailUrl"`
	Size         int64             `json:"size"`
	VersionID    string            `json:"-"`
	VersionName  string            `json:"-"`
	meta         fileMeta          // the file's, after this upload
	extensions   map[string]string // each extension asked for: success or pending
	options      options
}

type apiError struct {
	status        int
	message, help string
}

func (e *apiError) Error() string { return e.message }

func badRequest(format string, args ...any) *apiError {
	return &apiError{status: http.StatusBadRequest, message: fmt.Sprintf(format, args...)}
}

func writeError(w http.ResponseWriter, status int, message, help string) {
	if help == "" {
		help = "For support kindly contact us at support@imagekit.io ."
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(map[string]string{"message": message, "help": help})
}

func (s *Server) writeResult(w http.ResponseWriter, in incoming, res *Result) {
	fileType, width, height, format := "non-image", 0, 0, ""
	var embedded map[string]any
	if f, err := os.Open(s.blobOf(res.FilePath)); err == nil {
		if cfg, kind, err := image.DecodeConfig(f); err == nil {
			fileType, width, height, format = "image", cfg.Width, cfg.Height, kind
		}
		if strings.Contains(in.fields["responseFields"], "embeddedMetadata") {
			embedded = exif.Tags(f)
		}
		f.Close()
	}
	answer := map[string]any{
		"fileId": res.FileID, "name": res.Name, "filePath": res.FilePath, "url": res.URL,
		"thumbnailUrl": res.ThumbnailURL, "fileType": fileType, "size": res.Size,
		"height": height, "width": width, "tags": res.meta.Tags, "AITags": res.meta.AITags,
		"versionInfo": map[string]string{"id": res.VersionID, "name": res.VersionName},
	}
	if _, asked := in.fields["extensions"]; asked { // "if no extension was requested, this parameter is not returned"
		answer["extensionStatus"] = res.extensions
	}
	if res.meta.Description != "" {
		answer["description"] = res.meta.Description
	}
	if fileType != "image" { // a thumbnail, a height and a width are an image's
		delete(answer, "thumbnailUrl")
		delete(answer, "height")
		delete(answer, "width")
	}
	for f := range strings.SplitSeq(in.fields["responseFields"], ",") {
		switch f = strings.TrimSpace(f); f {
		case "isPrivateFile":
			answer[f] = in.fields["isPrivateFile"] == "true"
		case "isPublished":
			answer[f] = in.fields["isPublished"] != "false"
		case "customCoordinates":
			if v := res.meta.Coordinates; v != "" {
				answer[f] = v
			} else {
				answer[f] = nil
			}
		case "customMetadata":
			if res.meta.CustomMetadata != nil {
				answer[f] = res.meta.CustomMetadata
			} else {
				answer[f] = map[string]any{}
			}
		case "embeddedMetadata":
			// What the file says of itself: its EXIF tags, and its size.
			if embedded == nil {
				embedded = map[string]any{}
			}
			if fileType == "image" {
				embedded["ImageWidth"], embedded["ImageHeight"] = width, height
			}
			answer[f] = embedded
		case "metadata": // ImageKit's older summary of the file
			m := map[string]any{"size": res.Size, "hasColorProfile": false, "exif": map[string]any{}}
			if fileType == "image" {
				m["height"], m["width"], m["format"] = height, width, format
			}
			answer[f] = m
		case "selectedFieldsSchema":
			// The custom metadata fields a path policy selects for the
			// file's path: this server has no path policies.
			answer[f] = map[string]any{}
		}
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusOK)
	json.NewEncoder(w).Encode(answer)
}
