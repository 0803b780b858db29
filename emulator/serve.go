package emulator

import (
	"net/http"
	"os"
	"path"
	"strings"
)

func (s *Server) blobOf(p string) string {
	v, ok := s.store.latest(p)
	if !ok {
		return ""
	}
	return v.blob
}

// serveFile answers GET /files/<path> and /thumbnails/<path> with the newest
// version's bytes.
func (s *Server) serveFile(w http.ResponseWriter, r *http.Request) {
	// Uploaded bytes are anyone's: never let them run as a page of this
	// server's origin, nor be taken for another type than the one sent.
	h := w.Header()
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Content-Security-Policy", "sandbox")
	p, ok := strings.CutPrefix(r.URL.Path, "/files")
	if !ok {
		p, ok = strings.CutPrefix(r.URL.Path, "/thumbnails")
	}
	v, found := s.store.latest(p)
	if !ok || !found {
		writeError(w, http.StatusNotFound, "No file at this URL.", "")
		return
	}
	f, err := os.Open(v.blob)
	if err != nil {
		writeError(w, http.StatusInternalServerError, "The file cannot be read.", "")
		return
	}
	defer f.Close()
	if v.ContentType != "" {
		h.Set("Content-Type", v.ContentType)
	}
	h.Set("ETag", `"`+v.SHA256+`"`)
	// ServeContent, not ServeFile: the stored bytes as they are, even for a
	// name ServeFile would redirect (index.html).
	http.ServeContent(w, r, path.Base(p), v.Created, f)
}
