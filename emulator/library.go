package emulator

import (
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"path"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"
)

// LibraryPath is where the read-only part of ImageKit's API is served, as
// on api.imagekit.io: GET /v1/files (list and search), GET
// /v1/files/{id}/details and GET /v1/files/{id}/versions.
const LibraryPath = "/v1/files"

// The library API's subset of searchQuery: name = "x.jpg".
var nameQuery = regexp.MustCompile(`^\s*name\s*=\s*"((?:[^"\\]|\\.)*)"\s*$`)

// library answers the list, details and versions calls, authenticated as
// ImageKit's API is: HTTP Basic with a private key as the user name.
func (s *Server) library(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", http.MethodGet)
		writeError(w, http.StatusMethodNotAllowed, "The library is read here with GET.", "")
		return
	}
	if !s.privateKeyGiven(r) {
		w.Header().Set("WWW-Authenticate", `Basic realm="ImageKit"`)
		writeError(w, http.StatusUnauthorized, "Your request does not contain a valid private API key.", "")
		return
	}
	if wait := s.libraryWait(); wait > 0 {
		w.Header().Set("X-RateLimit-Limit", strconv.Itoa(s.cfg.libraryRate))
		w.Header().Set("X-RateLimit-Interval", "1000")
		w.Header().Set("X-RateLimit-Reset", strconv.FormatInt(wait.Milliseconds(), 10))
		writeError(w, http.StatusTooManyRequests, "Too many requests.", "")
		return
	}
	rest := strings.TrimPrefix(r.URL.Path, LibraryPath)
	switch {
	case rest == "" || rest == "/":
		s.listFiles(w, r)
	case strings.HasSuffix(rest, "/details"):
		id := strings.TrimSuffix(strings.TrimPrefix(rest, "/"), "/details")
		f, ok := s.store.byID(id)
		if !ok {
			writeError(w, http.StatusNotFound, "The requested file does not exist.", "")
			return
		}
		writeJSON(w, s.fileObject(f, len(f.Versions)-1))
	case strings.HasSuffix(rest, "/versions"):
		id := strings.TrimSuffix(strings.TrimPrefix(rest, "/"), "/versions")
		f, ok := s.store.byID(id)
		if !ok {
			writeError(w, http.StatusNotFound, "The requested file does not exist.", "")
			return
		}
		out := make([]map[string]any, 0, len(f.Versions))
		for i := range f.Versions {
			v := s.fileObject(f, i)
			v["createdAt"] = f.Versions[i].Created.UTC().Format(time.RFC3339Nano) // a version's own
			out = append(out, v)
		}
		writeJSON(w, out)
	default:
		writeError(w, http.StatusNotFound, "Not found.", "")
	}
}

// listFiles answers GET /v1/files: the files directly in path (every file
// without it), those whose name searchQuery names, newest first, a page of
// limit (at most 1000) after skip.
func (s *Server) listFiles(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	if t := q.Get("type"); t != "" && t != "file" && t != "all" {
		writeJSON(w, []any{}) // no folders or bare versions are kept here
		return
	}
	folder := q.Get("path")
	if folder != "" {
		folder = "/" + strings.Trim(folder, "/")
	}
	name, byName := "", false
	if sq := q.Get("searchQuery"); sq != "" {
		m := nameQuery.FindStringSubmatch(sq)
		if m == nil {
			writeError(w, http.StatusBadRequest, `Invalid search query: this server reads name = "x.jpg" only.`, "")
			return
		}
		name, byName = strings.ReplaceAll(strings.ReplaceAll(m[1], `\"`, `"`), `\\`, `\`), true
	}
	limit, skip := 1000, 0
	for _, p := range []struct {
		key      string
		to       *int
		min, max int
	}{{"limit", &limit, 1, 1000}, {"skip", &skip, 0, 1 << 30}} {
		if v := q.Get(p.key); v != "" {
			n, err := strconv.Atoi(v)
			if err != nil || n < p.min || n > p.max {
				writeError(w, http.StatusBadRequest, "Invalid "+p.key+".", "")
				return
			}
			*p.to = n
		}
	}
	var match []StoredFile
	for _, f := range s.store.files() {
		if folder != "" && path.Dir(f.Path) != folder || byName && path.Base(f.Path) != name {
			continue
		}
		match = append(match, f)
	}
	sort.Slice(match, func(i, j int) bool {
		a, b := match[i].Versions[len(match[i].Versions)-1].Created, match[j].Versions[len(match[j].Versions)-1].Created
		if !a.Equal(b) {
			return a.After(b)
		}
		return match[i].Path < match[j].Path
	})
	out := []map[string]any{}
	for i := skip; i < len(match) && len(out) < limit; i++ {
		out = append(out, s.fileObject(match[i], len(match[i].Versions)-1))
	}
	writeJSON(w, out)
}

// fileObject is one version of f as ImageKit's API describes a file.
func (s *Server) fileObject(f StoredFile, version int) map[string]any {
	v := f.Versions[version]
	tags := f.Tags
	if tags == nil {
		tags = []string{}
	}
	return map[string]any{
		"type": "file", "fileId": f.FileID, "name": path.Base(f.Path), "filePath": f.Path,
		"url": s.URL + "/files" + f.Path, "thumbnail": s.URL + "/thumbnails" + f.Path,
		"size": v.Size, "mime": v.ContentType, "isPrivateFile": f.Private, "tags": tags,
		"versionInfo": map[string]string{"id": v.ID, "name": v.Name},
		"createdAt":   f.Versions[0].Created.UTC().Format(time.RFC3339Nano),
		"updatedAt":   v.Created.UTC().Format(time.RFC3339Nano),
	}
}

// privateKeyGiven says whether r carries one of the server's private keys
// as its Basic user name (the password empty, as ImageKit's SDKs send it).
func (s *Server) privateKeyGiven(r *http.Request) bool {
	user, _, ok := r.BasicAuth()
	if !ok {
		if h := r.Header.Get("Authorization"); strings.HasPrefix(h, "Basic ") {
			b, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(h, "Basic "))
			user, ok = strings.TrimSuffix(string(b), ":"), err == nil
		}
	}
	if !ok || user == "" {
		return false
	}
	for _, priv := range s.cfg.keys {
		if subtle.ConstantTimeCompare([]byte(user), []byte(priv)) == 1 {
			return true
		}
	}
	return false
}

// libraryWait is how long a caller must wait under WithLibraryRate, or 0:
// each second allows that many calls.
func (s *Server) libraryWait() time.Duration {
	if s.cfg.libraryRate <= 0 {
		return 0
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	if now.Sub(s.libWindow) >= time.Second {
		s.libWindow, s.libCalls = now, 0
	}
	if s.libCalls >= s.cfg.libraryRate {
		return s.libWindow.Add(time.Second).Sub(now)
	}
	s.libCalls++
	return 0
}

// WithLibraryRate lets the library API answer n calls a second, and 429
// with X-RateLimit-Reset (milliseconds) past that, as ImageKit's API does.
func WithLibraryRate(n int) Option { return func(c *config) { c.libraryRate = n } }

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(v)
}

// byID is the file whose FileID is id.
func (s *store) byID(id string) (StoredFile, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, f := range s.by {
		if f.FileID == id {
			c := *f
			c.Versions = append([]Version(nil), f.Versions...)
			return c, true
		}
	}
	return StoredFile{}, false
}
