package uploader

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
	"path"
	"strconv"
	"strings"
	"time"
)

// The library: what ImageKit holds, read through its API (list and search,
// a file's versions). Only reads: nothing here writes or deletes. ImageKit
// lets its API be read with the private key only (HTTP Basic), so a
// library is used only where the person asked for it (verify, --read-library,
// the window's setting), or through a team's token-server /lookup, which
// keeps the key on the server.

// LibraryFile is a file, or one version of it, as ImageKit's API describes it.
type LibraryFile struct {
	FileID      string    `json:"fileId"`
	Name        string    `json:"name"`
	FilePath    string    `json:"filePath"`
	URL         string    `json:"url"`
	Size        int64     `json:"size"`
	VersionInfo *Version  `json:"versionInfo,omitempty"`
	CreatedAt   time.Time `json:"createdAt"`
	UpdatedAt   time.Time `json:"updatedAt"`
}

// Version is a file's versionInfo: the first version's id is the fileId,
// its name "Version 1".
type Version struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

// Library reads what ImageKit holds.
type Library interface {
	// Files lists the files directly in folder; with name, only the one of
	// that name (at most one).
	Files(ctx context.Context, folder, name string) ([]LibraryFile, error)
	// Versions lists the versions of the file fileID, oldest first.
	Versions(ctx context.Context, fileID string) ([]LibraryFile, error)
}

// APILibrary reads the library through ImageKit's API with the private key,
// sent over HTTPS as ImageKit asks (the user name of HTTP Basic).
type APILibrary struct {
	Endpoint   string // https://api.imagekit.io (LibraryEndpoint), or a local server's origin
	PrivateKey string
	HTTP       *http.Client // NewHTTPClient when nil
	Gate       *Gate        // shared with the uploads: a 429 holds them all
}

// LibraryEndpoint is where the library of the upload endpoint is read:
// ImageKit's API for ImageKit's upload endpoint, the same origin for any
// other (the emulator, a test server).
func LibraryEndpoint(uploadEndpoint string) string {
	u, err := url.Parse(uploadEndpoint)
	if err != nil || u.Host == "" {
		return ""
	}
	if u.Hostname() == "upload.imagekit.io" {
		return "https://api.imagekit.io"
	}
	return u.Scheme + "://" + u.Host
}

// libraryPage is how many files one list call asks for (ImageKit's most).
const libraryPage = 1000

// Files lists the files directly in folder (by name, when given), page by page.
func (l APILibrary) Files(ctx context.Context, folder, name string) ([]LibraryFile, error) {
	var all []LibraryFile
	for skip := 0; ; skip += libraryPage {
		q := url.Values{"type": {"file"}, "path": {folder}, "limit": {strconv.Itoa(libraryPage)}, "skip": {strconv.Itoa(skip)}}
		if name != "" {
			q.Set("searchQuery", `name = "`+strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(name)+`"`)
		}
		var page []LibraryFile
		if err := l.get(ctx, "/v1/files?"+q.Encode(), &page); err != nil {
			return nil, err
		}
		for _, f := range page {
			if path.Dir(f.FilePath) == path.Clean("/"+folder) && (name == "" || f.Name == name) {
				all = append(all, f)
			}
		}
		if len(page) < libraryPage {
			return all, nil
		}
	}
}

// Versions lists the versions of the file fileID.
func (l APILibrary) Versions(ctx context.Context, fileID string) ([]LibraryFile, error) {
	var vs []LibraryFile
	err := l.get(ctx, "/v1/files/"+url.PathEscape(fileID)+"/versions", &vs)
	return vs, err
}

// libraryTries is how many times a call that may pass (429, 5xx, a network
// error) is made.
const libraryTries = 4

// get reads one answer of ImageKit's API into v, waiting as a 429 says
// (X-RateLimit-Reset, in milliseconds).
func (l APILibrary) get(ctx context.Context, p string, v any) error {
	hc := l.HTTP
	if hc == nil {
		hc = defaultHTTP
	}
	var last error
	for try := range libraryTries {
		if try > 0 {
			wait := time.Duration(1<<try) * 250 * time.Millisecond
			if ae := new(APIError); errors.As(last, &ae) && ae.Retry > 0 {
				wait = ae.Retry
			}
			select {
			case <-time.After(wait):
			case <-ctx.Done():
				return context.Cause(ctx)
			}
		}
		if err := l.Gate.enter(ctx); err != nil {
			return err
		}
		last = l.once(ctx, hc, p, v)
		l.Gate.leave(last)
		if last == nil || !retryable(last) {
			break
		}
	}
	if last == nil {
		return nil
	}
	if se := setupProblem(last, "ImageKit's API"); se != nil {
		return se
	}
	return last
}

func (l APILibrary) once(ctx context.Context, hc *http.Client, p string, v any) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, strings.TrimSuffix(l.Endpoint, "/")+p, nil)
	if err != nil {
		return &SetupError{Reason: "the library's address cannot be used: " + err.Error(), Err: err}
	}
	req.SetBasicAuth(l.PrivateKey, "")
	req.Header.Set("Accept", "application/json")
	resp, err := hc.Do(req)
	if err != nil {
		return &NetworkError{Err: err}
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
	if err != nil {
		return &NetworkError{Err: err}
	}
	if resp.StatusCode != http.StatusOK {
		ae := &APIError{Status: resp.StatusCode, RequestID: resp.Header.Get("x-ik-requestId"), Retry: retryAfter(resp.Header)}
		var e struct{ Message, Help string }
		if json.Unmarshal(raw, &e) == nil && e.Message != "" {
			ae.Message, ae.Help = clip(e.Message), clip(e.Help)
		} else {
			ae.Message = describeNonJSON(resp, raw)
		}
		return ae
	}
	if err := json.Unmarshal(raw, v); err != nil {
		return &APIError{Status: resp.StatusCode, Message: "ImageKit's API answered, but not with its list of files: " + describeNonJSON(resp, raw)}
	}
	return nil
}

// FindUpload looks in lib for the version an upload to filePath of size
// bytes made, begun at since (in the server's time): a version made since
// then (a minute's clock difference allowed) with that size. found is the
// number of such versions: 1 is most likely the upload, 0 none (most
// likely not stored, but the library can lag), more a tie that only a
// person can settle.
func FindUpload(ctx context.Context, lib Library, filePath string, size int64, since time.Time) (v LibraryFile, found int, err error) {
	files, err := lib.Files(ctx, path.Dir(filePath), path.Base(filePath))
	if err != nil || len(files) == 0 {
		return LibraryFile{}, 0, err
	}
	versions, err := lib.Versions(ctx, files[0].FileID)
	if err != nil {
		return LibraryFile{}, 0, err
	}
	for _, ver := range versions {
		made := ver.CreatedAt // a version's own
		if made.IsZero() {
			made = ver.UpdatedAt
		}
		if ver.Size == size && !made.Before(since.Add(-time.Minute)) {
			v, found = ver, found+1
		}
	}
	if found == 1 && v.URL == "" {
		v.URL = files[0].URL
	}
	return v, found, nil
}

// result is what an upload's answer would have said of v.
func (v LibraryFile) result() *Result {
	r := &Result{FileID: v.FileID, Name: v.Name, FilePath: v.FilePath, URL: v.URL, Size: v.Size, FoundInLibrary: true}
	if v.VersionInfo != nil {
		r.VersionInfo = &struct {
			ID   string `json:"id"`
			Name string `json:"name"`
		}{v.VersionInfo.ID, v.VersionInfo.Name}
	}
	return r
}

// RemoteLibrary reads the library through a token server's POST /lookup
// (LookupURL), which keeps the private key on the server: the same bearer
// secret as its /auth, and only the folders its policy answers for.
type RemoteLibrary struct {
	URL    string // https://cms.example.com/lookup
	Secret string
	HTTP   *http.Client // NewHTTPClient when nil
}

// LookupURL is the /lookup beside a token endpoint's /auth.
func LookupURL(tokenEndpoint string) string {
	return strings.TrimSuffix(strings.TrimSuffix(tokenEndpoint, "/"), "/auth") + "/lookup"
}

func (l RemoteLibrary) Files(ctx context.Context, folder, name string) ([]LibraryFile, error) {
	q := map[string]string{"folder": folder}
	if name != "" {
		q["name"] = name
	}
	return l.ask(ctx, q)
}

func (l RemoteLibrary) Versions(ctx context.Context, fileID string) ([]LibraryFile, error) {
	return l.ask(ctx, map[string]string{"fileId": fileID})
}

func (l RemoteLibrary) ask(ctx context.Context, q map[string]string) ([]LibraryFile, error) {
	hc := l.HTTP
	if hc == nil {
		hc = defaultHTTP
	}
	body, _ := json.Marshal(q)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, l.URL, strings.NewReader(string(body)))
	if err != nil {
		return nil, &SetupError{Reason: "the lookup endpoint's address cannot be used: " + err.Error(), Err: err}
	}
	req.Header.Set("Authorization", "Bearer "+l.Secret)
	req.Header.Set("Content-Type", "application/json")
	resp, err := hc.Do(req)
	if err != nil {
		return nil, &NetworkError{Err: err}
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
	if err != nil {
		return nil, &NetworkError{Err: err}
	}
	var answer struct {
		Files   []LibraryFile `json:"files"`
		Message string        `json:"message"`
	}
	if json.Unmarshal(raw, &answer) != nil || resp.StatusCode == http.StatusOK && answer.Files == nil {
		answer.Message = "the lookup endpoint answered, but not with its list of files: " + describeNonJSON(resp, raw)
	}
	if resp.StatusCode != http.StatusOK || answer.Files == nil {
		return nil, &TokenEndpointError{Status: resp.StatusCode, Message: clip(answer.Message)}
	}
	return answer.Files, nil
}
