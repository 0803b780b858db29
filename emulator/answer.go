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
	fileType, width, height := "non-image", 0, 0
	var embedded map[string]any
	if f, err := os.Open(s.blobOf(res.FilePath)); err == nil {
		if cfg, _, err := image.DecodeConfig(f); err == nil {
			fileType, width, height = "image", cfg.Width, cfg.Height
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
		"versionInfo":     map[string]string{"id": res.VersionID, "name": res.VersionName},
		"extensionStatus": res.extensions,
	}
	if res.meta.Description != "" {
		answer["description"] = res.meta.Description
	}
	if fileType != "image" {
		answer["thumbnailUrl"] = ""
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
		}
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusOK)
	json.NewEncoder(w).Encode(answer)
}
