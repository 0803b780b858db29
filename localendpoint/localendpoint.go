// Package localendpoint is an upload endpoint on this computer that speaks
// PicGo's HTTP API, so that editors' apps (Typora, Obsidian's image
// plugins, SiYuan and others) upload through this program, with its keys,
// settings and records:
//
//	POST /upload     {"list": ["/abs/path/a.png", …]}
//	-> 200 {"success": true, "result": ["https://ik.imagekit.io/…/a.png", …]}
//	POST /upload     (no body: the clipboard's image, where Clipboard is set)
//	POST /heartbeat  -> {"success": true, "result": "alive"}
//
// It must not become a way in to this computer: it answers no browser (a
// request with an Origin, or a Sec-Fetch-Site other than "none", is
// refused), only JSON (no form a web page can post), only a Host header that
// names this computer (no DNS rebinding), only files of the kinds ImageKit
// serves, by absolute path, and, where a secret is set, only requests that
// carry it (Authorization: Bearer, X-PicGo-Secret, or ?key= as PicList).
package localendpoint

import (
	"bytes"
	"context"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
)

// EnvSecret is the environment variable that holds the endpoint's
// optional secret.
const EnvSecret = "IMAGEKIT_LOCAL_ENDPOINT_SECRET"

// DefaultListen is PicGo's address: what editors' apps call by default.
const DefaultListen = "127.0.0.1:36677"

// Limits of one request.
const (
	maxBody  = 1 << 20
	maxFiles = 100
)

// Result is one file's upload: its URL, or why it failed.
type Result struct {
	URL string
	Err error
}

// Uploader uploads files by absolute path, and says what became of each,
// in order.
type Uploader func(ctx context.Context, paths []string) []Result

// Handler is the endpoint.
type Handler struct {
	Upload Uploader
	// Clipboard, when set, saves the clipboard's image to a file and
	// returns its path (a body-less /upload); the window sets it.
	Clipboard func() (string, error)
	// Secret, when set, must come with every request.
	Secret string
	// Log is told of every request: its outcome, never a secret.
	Log func(Request)
}

// Request is what Log is told.
type Request struct {
	Remote  string
	Files   []string
	Results []Result
	Refused string // why it was refused before any upload, or ""
}

type answer struct {
	Success bool     `json:"success"`
	Result  any      `json:"result,omitempty"`
	Message string   `json:"message,omitempty"`
	Failed  []string `json:"failed,omitempty"` // with success false: each failed file and why
}

func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	refuse := func(status int, why string) {
		if h.Log != nil {
			h.Log(Request{Remote: r.RemoteAddr, Refused: why})
		}
		reply(w, status, answer{Message: why})
	}
	if why := h.refused(r); why != "" {
		refuse(http.StatusForbidden, why)
		return
	}
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		refuse(http.StatusMethodNotAllowed, "use POST")
		return
	}
	switch r.URL.Path {
	case "/heartbeat":
		reply(w, http.StatusOK, answer{Success: true, Result: "alive"})
		return
	case "/upload":
	default:
		refuse(http.StatusNotFound, "no such endpoint: POST /upload, or POST /heartbeat")
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, maxBody+1))
	if err != nil || len(body) > maxBody {
		refuse(http.StatusRequestEntityTooLarge, fmt.Sprintf("the request is larger than %d bytes, or was cut", maxBody))
		return
	}
	var paths []string
	if len(bytes.TrimSpace(body)) == 0 {
		if h.Clipboard == nil {
			refuse(http.StatusBadRequest, `no "list" of files: the clipboard's image is uploaded by the window's endpoint only; send {"list": ["/path/to/image.png"]}`)
			return
		}
		p, err := h.Clipboard()
		if err != nil {
			refuse(http.StatusBadRequest, err.Error())
			return
		}
		paths = []string{p}
	} else {
		if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt != "application/json" {
			refuse(http.StatusUnsupportedMediaType, "send JSON (Content-Type: application/json): {\"list\": [\"/path/to/image.png\"]}")
			return
		}
		var in struct {
			List []string `json:"list"`
		}
		dec := json.NewDecoder(bytes.NewReader(body))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&in); err != nil || dec.More() {
			refuse(http.StatusBadRequest, `the body is not {"list": ["/path/to/image.png", …]}`)
			return
		}
		if len(in.List) == 0 || len(in.List) > maxFiles {
			refuse(http.StatusBadRequest, fmt.Sprintf(`"list" needs 1 to %d files`, maxFiles))
			return
		}
		for _, p := range in.List {
			if err := CheckMediaFile(p); err != nil {
				refuse(http.StatusBadRequest, err.Error())
				return
			}
		}
		paths = in.List
	}
	results := h.Upload(r.Context(), paths)
	if h.Log != nil {
		h.Log(Request{Remote: r.RemoteAddr, Files: paths, Results: results})
	}
	urls := make([]string, len(results))
	var failed []string
	for i, res := range results {
		urls[i] = res.URL
		if res.Err != nil || res.URL == "" {
			why := "no URL"
			if res.Err != nil {
				why = res.Err.Error()
			}
			failed = append(failed, paths[i]+": "+why)
		}
	}
	if len(failed) > 0 {
		// PicGo's shape: success false and a message; the URLs of those that
		// went are there too, in order, "" for the others.
		reply(w, http.StatusOK, answer{Message: fmt.Sprintf("%d of %d not uploaded: %s", len(failed), len(paths), strings.Join(failed, "; ")), Result: urls, Failed: failed})
		return
	}
	reply(w, http.StatusOK, answer{Success: true, Result: urls})
}

// refused says why a request is not one this endpoint answers, or "".
func (h *Handler) refused(r *http.Request) string {
	if r.Header.Get("Origin") != "" {
		return "refused: a web page may not use this endpoint (the request has an Origin)"
	}
	if s := r.Header.Get("Sec-Fetch-Site"); s != "" && s != "none" {
		return "refused: a web page may not use this endpoint (Sec-Fetch-Site: " + s + ")"
	}
	if !localHost(r.Host) {
		return "refused: the request is for another host than this computer (" + r.Host + ")"
	}
	if !fromThisUser(r) {
		return "refused: the request comes from another user of this computer"
	}
	if h.Secret != "" {
		given := r.URL.Query().Get("key")
		if a, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer "); ok {
			given = a
		}
		if x := r.Header.Get("X-PicGo-Secret"); x != "" {
			given = x
		}
		if subtle.ConstantTimeCompare([]byte(given), []byte(h.Secret)) != 1 {
			return "refused: the secret is missing or wrong (Authorization: Bearer SECRET, X-PicGo-Secret, or ?key=)"
		}
	}
	return ""
}

// localHost says whether a Host header names this computer: a loopback
// address or localhost, with any port.
func localHost(host string) bool {
	h, _, err := net.SplitHostPort(host)
	if err != nil {
		h = host
	}
	return loopbackName(strings.Trim(h, "[]"))
}

// loopbackName says whether h (no port) is a loopback address or localhost.
func loopbackName(h string) bool {
	if strings.EqualFold(h, "localhost") {
		return true
	}
	ip := net.ParseIP(h)
	return ip != nil && ip.IsLoopback()
}

// CheckListen refuses an address that is not this computer's loopback.
func CheckListen(addr string) error {
	h, _, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("%q: give HOST:PORT, e.g. %s", addr, DefaultListen)
	}
	if !loopbackName(h) {
		return fmt.Errorf("%q is not this computer's loopback (127.0.0.1, ::1 or localhost): the endpoint uploads files of this computer, so it never listens on a network", addr)
	}
	return nil
}

// mediaExt are the kinds of file the endpoint uploads: what ImageKit
// serves as images, videos and documents.
var mediaExt = map[string]bool{
	".jpg": true, ".jpeg": true, ".png": true, ".gif": true, ".webp": true, ".avif": true, ".heic": true, ".heif": true,
	".bmp": true, ".tif": true, ".tiff": true, ".svg": true, ".ico": true, ".psd": true, ".jxl": true,
	".mp4": true, ".mov": true, ".webm": true, ".mkv": true, ".m4v": true, ".ogv": true, ".mpeg": true, ".mpg": true,
	".pdf": true,
}

// checkFile says why path is not a file the endpoint uploads.
// CheckMediaFile says why path is not a file an app may have uploaded:
// an image, video or PDF, by absolute path, a regular file.
func CheckMediaFile(path string) error {
	switch {
	case path == "":
		return errors.New("an empty path")
	case !filepath.IsAbs(path):
		return fmt.Errorf("%s: give the file's absolute path", path)
	case !mediaExt[strings.ToLower(filepath.Ext(path))]:
		return fmt.Errorf("%s: only images, videos and PDFs are uploaded here", path)
	}
	info, err := os.Stat(path)
	switch {
	case err != nil:
		return fmt.Errorf("%s: no such file", path)
	case !info.Mode().IsRegular():
		return fmt.Errorf("%s: not a regular file", path)
	}
	return nil
}

func reply(w http.ResponseWriter, status int, a answer) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(a)
}
