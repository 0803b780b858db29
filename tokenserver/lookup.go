package tokenserver

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"path"
	"strconv"
	"time"

	"imagekit-uploader/uploader"
)

// LookupHandler serves POST /lookup beside /auth: what an uploader needs
// to settle a lost answer, read from the media library with the key this
// server keeps, so that editors need no private key for it either. The same
// clients, rate and audit as /auth; only paths under the policy's
// FolderPrefix; only a file's path, size, version, times and URL. It reads,
// never writes.
//
//	{"folder": "/web/2026", "name": "a.jpg"}  ->  {"files": [...]}  (name optional: the whole folder)
//	{"fileId": "..."}                         ->  {"files": [...]}  (its versions, oldest first)
type LookupHandler struct {
	Auth    *TokenHandler // who may ask, the policy, the rate and the audit
	Library uploader.Library
}

// lookupFile is all /lookup tells of a file.
type lookupFile struct {
	FileID      string            `json:"fileId"`
	Name        string            `json:"name"`
	FilePath    string            `json:"filePath"`
	URL         string            `json:"url,omitempty"`
	Size        int64             `json:"size"`
	VersionInfo *uploader.Version `json:"versionInfo,omitempty"`
	CreatedAt   time.Time         `json:"createdAt"`
	UpdatedAt   time.Time         `json:"updatedAt"`
}

func (h *LookupHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	status, msg := h.serve(w, r)
	if h.Auth.Log != nil {
		h.Auth.Log("%s %q %d %q", r.Method, r.URL.Path, status, msg)
	}
}

func (h *LookupHandler) serve(w http.ResponseWriter, r *http.Request) (int, string) {
	a := h.Auth
	hdr := w.Header()
	hdr.Set("Access-Control-Allow-Origin", cmp.Or(a.AllowOrigin, "*"))
	hdr.Set("Cache-Control", "no-store")
	switch r.Method {
	case http.MethodOptions:
		hdr.Set("Access-Control-Allow-Methods", "POST, OPTIONS")
		hdr.Set("Access-Control-Allow-Headers", "Authorization, Content-Type")
		w.WriteHeader(http.StatusNoContent)
		return http.StatusNoContent, "preflight"
	case http.MethodPost:
	default:
		hdr.Set("Allow", "POST, OPTIONS")
		return fail(w, http.StatusMethodNotAllowed, "use POST to look a file up")
	}
	client, ok := a.authorized(r.Header.Get("Authorization"))
	if !ok {
		hdr.Set("WWW-Authenticate", `Bearer realm="imagekit-uploader"`)
		return fail(w, http.StatusUnauthorized, "missing or wrong bearer secret in the Authorization header")
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, 64<<10))
	if err != nil {
		return fail(w, http.StatusBadRequest, "could not read the request body (at most 64 KiB)")
	}
	members, err := strictObject(body)
	if err != nil {
		return fail(w, http.StatusBadRequest, err.Error())
	}
	var q struct{ Folder, Name, FileID string }
	for k, v := range members {
		var s string
		if json.Unmarshal(v, &s) != nil {
			return fail(w, http.StatusBadRequest, fmt.Sprintf("%q must be a string", k))
		}
		switch k {
		case "folder":
			q.Folder = s
		case "name":
			q.Name = s
		case "fileId":
			q.FileID = s
		default:
			return fail(w, http.StatusBadRequest, fmt.Sprintf("unknown member %q: give folder (and name), or fileId", k))
		}
	}
	if (q.FileID == "") == (q.Folder == "") || q.FileID != "" && q.Name != "" {
		return fail(w, http.StatusBadRequest, "give folder (and name), or fileId")
	}
	if q.Folder != "" && !underFolder(q.Folder, cmp.Or(a.Policy.FolderPrefix, "/")) {
		return fail(w, http.StatusForbidden, (&PolicyError{Rule: "folder-prefix", Reason: "folder must be " + a.Policy.FolderPrefix + " or a folder inside it"}).Error())
	}
	if ok, wait := a.limit.allow(client, a.Policy.Rate); !ok {
		hdr.Set("Retry-After", strconv.Itoa(int(wait/time.Second)+1))
		return fail(w, http.StatusTooManyRequests, fmt.Sprintf("client %s has had its %d requests a minute; try again in a moment", client, a.Policy.Rate))
	}
	ctx, cancel := context.WithTimeout(r.Context(), time.Minute)
	defer cancel()
	var files []uploader.LibraryFile
	if q.FileID != "" {
		files, err = h.Library.Versions(ctx, q.FileID)
	} else {
		files, err = h.Library.Files(ctx, path.Clean("/"+q.Folder), q.Name)
	}
	if err != nil {
		var ae *uploader.APIError
		if errors.As(err, &ae) && ae.Status == http.StatusNotFound {
			files, err = nil, nil
		} else {
			return fail(w, http.StatusBadGateway, "the media library could not be read: "+uploader.Explain(err).Message)
		}
	}
	out := []lookupFile{}
	for _, f := range files {
		if !underFolder(path.Dir(f.FilePath), cmp.Or(a.Policy.FolderPrefix, "/")) {
			return fail(w, http.StatusForbidden, "that file is outside the folders this endpoint answers for (policy: folder-prefix)")
		}
		out = append(out, lookupFile{f.FileID, f.Name, f.FilePath, f.URL, f.Size, f.VersionInfo, f.CreatedAt, f.UpdatedAt})
	}
	a.audit(client, r.RemoteAddr, map[string]string{"lookup": cmp.Or(q.FileID, path.Join("/", q.Folder, q.Name))}, 0)
	hdr.Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(map[string]any{"files": out})
	return http.StatusOK, fmt.Sprintf("lookup for %s: %d files", client, len(out))
}
