package emulator

import (
	"bytes"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"image"
	_ "image/gif" // image sizes in answers
	_ "image/jpeg"
	_ "image/png"
	"io"
	"mime/multipart"
	"net/http"
	"os"
	"path"
	"slices"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"imagekit-uploader/signer"
)

// Request is what the server received in one upload request and how it answered.
type Request struct {
	ID          string            // the x-ik-requestId it answered with
	Status      int               // 0 when the connection was cut or dropped
	Message     string            // the error message, or "" on success
	Fields      map[string]string // form fields but file and token
	Claims      *signer.Claims    // the verified token, or nil
	Token       string
	FileName    string // the file part's file name
	ContentType string // the file part's content type
	Size        int64  // bytes in the file part
	SHA256      string // of the file part's bytes
	Header      http.Header
	Result      *Result // on success
	Cut         bool    // the connection was cut on purpose
	Fault       string  // the injected fault, if any
	At          time.Time
}

// Result is a successful upload's answer.
type Result struct {
	FileID       string `json:"fileId"`
	Name         string `json:"name"`
	FilePath     string `json:"filePath"`
	URL          string `json:"url"`
	ThumbnailURL string `json:"thumbnailUrl"`
	Size         int64  `json:"size"`
	VersionID    string `json:"-"`
	VersionName  string `json:"-"`
}

// Bounds on what a request may make the server hold before its token is
// checked. ImageKit knows 18 fields, 19 with the token.
const (
	maxFields     = 64
	maxFieldBytes = 1 << 20 // names and values of all fields, the token and the file part's name included
)

// errCut marks a connection cut on purpose by a fault.
var errCut = errors.New("connection cut by fault injection")

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

// incoming is one parsed upload request.
type incoming struct {
	fields      map[string]string
	token       string
	hasToken    bool
	blob        string
	fileName    string
	contentType string
	size        int64
	sha         string
	hasFile     bool
	tooBig      bool
}

func (s *Server) upload(w http.ResponseWriter, r *http.Request) {
	rec := Request{ID: newID(), Header: r.Header.Clone(), At: time.Now()}
	w.Header().Set("x-ik-requestId", rec.ID)
	fault := s.nextFault(r.ContentLength)
	rec.Fault = fault.String()
	defer func() { s.record(rec) }()

	if fault.Latency > 0 {
		select {
		case <-time.After(fault.Latency):
		case <-r.Context().Done():
			rec.Message = "client went away"
			return
		}
	}
	if r.ContentLength < 0 {
		rec.Status, rec.Message = http.StatusLengthRequired, "Content-Length is required."
		writeError(w, rec.Status, rec.Message, "Send the body with a Content-Length, not chunked.")
		return
	}
	rc := http.NewResponseController(w)
	var body io.Reader = &stallReader{r: r.Body, rc: rc, stall: s.cfg.stall}
	if fault.BytesPerSecond == 0 {
		fault.BytesPerSecond = s.cfg.readRate
	}
	if fault.BytesPerSecond > 0 {
		body = &slowReader{r: body, rate: fault.BytesPerSecond, ctx: r.Context()}
	}
	var cut *cutReader
	if fault.CutAfter > 0 {
		cut = &cutReader{r: body, left: fault.CutAfter}
		body = cut
	}
	var scan *watchReader
	if len(s.cfg.watch) > 0 {
		scan = &watchReader{r: body, secrets: s.cfg.watch}
		body = scan
		var hdr bytes.Buffer
		r.Header.Write(&hdr)
		scan.scan(hdr.Bytes())
		scan.flushWindow()
	}
	in, err := s.parse(r, body)
	if err == nil {
		// Read to the end (an epilogue after the last part), then wait for
		// the client without a deadline: whatever comes now (Hang) is ours.
		_, err = io.Copy(io.Discard, body)
		if err == nil {
			rc.SetReadDeadline(time.Time{})
		}
	}
	if in.blob != "" {
		defer os.Remove(in.blob) // a no-op once the blob was placed
	}
	rec.Fields, rec.Token, rec.FileName, rec.ContentType, rec.Size, rec.SHA256 =
		in.fields, in.token, in.fileName, in.contentType, in.size, in.sha
	reused := s.markSeen(in)
	if scan != nil && scan.found {
		s.mu.Lock()
		s.leaks++
		s.mu.Unlock()
	}
	if fault.Hang && err == nil { // read it all, then never answer
		<-r.Context().Done()
		rec.Message = "never answered (fault)"
		return
	}
	if cut != nil && cut.left <= 0 { // whatever the multipart reader made of the error
		rec.Cut, rec.Message = true, "connection cut after the fault's byte count"
		if conn, _, herr := http.NewResponseController(w).Hijack(); herr == nil {
			conn.Close()
		}
		return
	}
	if fault.Status != 0 {
		rec.Status, rec.Message = fault.Status, fault.message()
		fault.answer(w)
		return
	}
	var ae *apiError
	if err == nil {
		rec.Claims, rec.Result, err = s.accept(in, reused)
	}
	switch {
	case err == nil && fault.StoreThenDrop:
		rec.Message = "stored, then the connection dropped without an answer (fault)"
		if conn, _, herr := http.NewResponseController(w).Hijack(); herr == nil {
			conn.Close()
		}
	case err == nil:
		rec.Status = http.StatusOK
		s.writeResult(w, in, rec.Result)
	case errors.As(err, &ae):
		rec.Status, rec.Message = ae.status, ae.message
		writeError(w, ae.status, ae.message, ae.help)
	default: // the body broke off; the client is probably gone, but never answer an empty 200
		rec.Status, rec.Message = http.StatusBadRequest, "The request body could not be read: "+err.Error()
		writeError(w, rec.Status, rec.Message, "")
	}
}

// parse streams the multipart body: fields into memory (bounded), the file
// part to a temporary file while hashing it.
func (s *Server) parse(r *http.Request, body io.Reader) (in incoming, err error) {
	in.fields = map[string]string{}
	fields, left := 0, maxFieldBytes
	spend := func(n int) error {
		if left -= n; left < 0 {
			return badRequest("The form fields are larger than 1 MiB in all.")
		}
		return nil
	}
	ct := r.Header.Get("Content-Type")
	if !strings.HasPrefix(ct, "multipart/form-data") {
		return in, badRequest("The body must be multipart/form-data.")
	}
	r.Body = io.NopCloser(body)
	mr, err := r.MultipartReader()
	if err != nil {
		return in, badRequest("The multipart body cannot be read: %v.", err)
	}
	for {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			return in, nil
		}
		if err != nil {
			return in, readErr(err)
		}
		name := part.FormName()
		if err := spend(len(name)); err != nil {
			return in, err
		}
		switch {
		case name == "file" && part.FileName() != "":
			if in.hasFile {
				return in, badRequest("Only one file can be uploaded per request.")
			}
			in.hasFile, in.fileName, in.contentType = true, part.FileName(), part.Header.Get("Content-Type")
			if err := spend(len(in.fileName) + len(in.contentType)); err != nil {
				return in, err
			}
			if err := s.receiveFile(part, &in); err != nil {
				return in, err
			}
		case name == "file":
			return in, badRequest("Send the file as a file part; this server does not fetch URLs or decode base64.")
		case name == "":
			return in, badRequest("A form part has no name.")
		default:
			if fields++; fields > maxFields {
				return in, badRequest("The request has too many form fields: at most %d are accepted.", maxFields)
			}
			v, err := io.ReadAll(io.LimitReader(part, int64(left)+1))
			if err != nil {
				return in, readErr(err)
			}
			if err := spend(len(v)); err != nil {
				return in, err
			}
			if _, dup := in.fields[name]; dup || (name == "token" && in.hasToken) {
				return in, badRequest("The field %s is sent twice.", name)
			}
			if name == "token" {
				in.token, in.hasToken = string(v), true
				continue
			}
			in.fields[name] = string(v)
		}
	}
}

func readErr(err error) error {
	if errors.Is(err, errCut) {
		return errCut
	}
	return fmt.Errorf("reading the request: %w", err)
}

func (s *Server) receiveFile(part *multipart.Part, in *incoming) error {
	f, err := s.store.tempBlob()
	if err != nil {
		return &apiError{status: http.StatusInternalServerError, message: "The server could not store the file."}
	}
	in.blob = f.Name()
	h := sha256.New()
	limit := s.cfg.maxFileSize
	n, err := io.Copy(io.MultiWriter(f, h), io.LimitReader(part, limit+1))
	cerr := f.Close()
	in.size = n
	if err != nil {
		return readErr(err)
	}
	if cerr != nil {
		return &apiError{status: http.StatusInternalServerError, message: "The server could not store the file."}
	}
	if n > limit {
		// Keep reading (and counting) so the client gets the answer rather than a broken pipe.
		rest, err := io.Copy(io.Discard, part)
		in.size += rest
		in.tooBig = true
		if err != nil {
			return readErr(err)
		}
	}
	in.sha = hex.EncodeToString(h.Sum(nil))
	return nil
}

// markSeen records the token as used, whatever becomes of the request, and
// says whether it had been seen before. A token is remembered until its exp:
// from then on it is refused as expired anyway. A token none of this
// server's keys signed is not remembered at all, since it can never pass:
// so no one without a key can make the set grow.
func (s *Server) markSeen(in incoming) bool {
	if !in.hasToken || in.token == "" {
		return false
	}
	exp, now := s.tokenExpiry(in.token), s.now()
	s.mu.Lock()
	defer s.mu.Unlock()
	_, reused := s.seen[in.token]
	if exp.After(now) {
		s.seen[in.token] = exp
	}
	if !now.Before(s.nextSweep) {
		for t, e := range s.seen {
			if !e.After(now) {
				delete(s.seen, t)
			}
		}
		s.nextSweep = now.Add(s.cfg.sweepEvery)
	}
	return reused
}

// tokenExpiry returns the exp of a token signed with one of the server's
// keys, or the zero time.
func (s *Server) tokenExpiry(token string) time.Time {
	var claims jwt.RegisteredClaims
	_, err := jwt.ParseWithClaims(token, &claims, func(t *jwt.Token) (any, error) {
		kid, _ := t.Header["kid"].(string)
		key, ok := s.cfg.keys[kid]
		if !ok {
			return nil, signer.ErrUnknownKey
		}
		return []byte(key), nil
	}, jwt.WithValidMethods([]string{jwt.SigningMethodHS256.Alg()}), jwt.WithoutClaimsValidation())
	if err != nil || claims.ExpiresAt == nil {
		return time.Time{}
	}
	return claims.ExpiresAt.Time
}

// accept applies ImageKit's rules and stores the file.
func (s *Server) accept(in incoming, reused bool) (*signer.Claims, *Result, error) {
	if !in.hasToken || in.token == "" {
		return nil, nil, badRequest("Your request does not contain a token. Client-side uploads need a signed token field.")
	}
	if reused {
		return nil, nil, badRequest("This token has been used before. Every upload request, retries included, needs a new token.")
	}
	claims, err := s.verifier.Verify(in.token)
	var ve *signer.VerifyError
	switch {
	case errors.Is(err, signer.ErrUnknownKey):
		return nil, nil, &apiError{status: http.StatusUnauthorized, message: "Your account cannot be authenticated: the public key in the token is not valid.",
			help: "Check the public key in the ImageKit dashboard's Developer options."}
	case errors.As(err, &ve) && strings.Contains(ve.Reason, "signature"):
		return nil, nil, &apiError{status: http.StatusForbidden, message: "Your request's token could not be authenticated: it was not signed with this account's private key.",
			help: "Check that the private key matches the public key."}
	case err != nil:
		return nil, nil, badRequest("Invalid token: %v.", err)
	}
	if err := matchClaims(in.fields, claims.Fields); err != nil {
		return claims, nil, err
	}
	for k := range in.fields {
		if !knownFields[k] {
			return claims, nil, badRequest("Unknown parameter %s.", k)
		}
	}
	for _, k := range boolFields {
		if v, ok := in.fields[k]; ok && v != "true" && v != "false" {
			return claims, nil, badRequest("%s must be true or false, not %q.", k, v)
		}
	}
	if !in.hasFile {
		return claims, nil, badRequest("Missing file parameter for upload.")
	}
	name := in.fields["fileName"]
	if name == "" {
		return claims, nil, badRequest("Missing fileName parameter for upload.")
	}
	// Dots survive ImageKit's renaming, and "." or ".." joined to the folder
	// would name the folder itself or its parent: a new version of a file
	// elsewhere. Refused, as the uploader's own pre-check refuses them,
	// rather than stored under a name the sender never chose (such as "_").
	if name == "." || name == ".." {
		return claims, nil, badRequest("Invalid fileName %q: it names a folder, not a file.", name)
	}
	if err := checkTags(in.fields["tags"]); err != nil {
		return claims, nil, badRequest("%v.", err)
	}
	folder, err := cleanFolder(in.fields["folder"])
	if err != nil {
		return claims, nil, badRequest("%v.", err)
	}
	if in.tooBig {
		return claims, nil, &apiError{status: http.StatusRequestEntityTooLarge,
			message: fmt.Sprintf("The file is %d bytes; this account accepts files up to %d bytes.", in.size, s.cfg.maxFileSize),
			help:    "Upgrade the plan or upload a smaller file."}
	}
	if in.size == 0 {
		return claims, nil, badRequest("The file is empty.")
	}
	name = sanitizeName(name)
	unique := in.fields["useUniqueFileName"] != "false"
	mode := placeVersion
	switch {
	case unique:
		mode = placeNew
	case in.fields["overwriteFile"] == "false":
		mode = placeNoReplace
	}
	v := Version{Size: in.size, SHA256: in.sha, ContentType: in.contentType, Created: s.now()}
	private := in.fields["isPrivateFile"] == "true"
	for try := 0; ; try++ {
		final := name
		if unique {
			final = withSuffix(name)
		}
		p := path.Join(folder, final)
		f, ver, err := s.store.place(p, in.blob, v, mode, private, splitTags(in.fields["tags"]))
		var pe *placeError
		if errors.As(err, &pe) && mode == placeNew && try < 3 {
			continue
		}
		if errors.As(err, &pe) {
			return claims, nil, badRequest("%s", pe.msg)
		}
		if err != nil {
			return claims, nil, &apiError{status: http.StatusInternalServerError, message: "The server could not store the file."}
		}
		return claims, &Result{
			FileID: f.FileID, Name: final, FilePath: p, Size: ver.Size,
			URL: s.URL + "/files" + p, ThumbnailURL: s.URL + "/thumbnails" + p,
			VersionID: ver.ID, VersionName: ver.Name,
		}, nil
	}
}

// matchClaims demands that the form fields and the token's claims are the same
// set with the same values.
func matchClaims(fields, claims map[string]string) error {
	for k, v := range fields {
		c, ok := claims[k]
		switch {
		case !ok:
			return badRequest("Invalid token: the request sends %s but the token does not sign it.", k)
		case c != v:
			return badRequest("Invalid token: the request's %s differs from the value the token signs.", k)
		}
	}
	for k := range claims {
		if _, ok := fields[k]; !ok {
			return badRequest("Invalid token: the token signs %s but the request does not send it.", k)
		}
	}
	return nil
}

const suffixChars = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"

// withSuffix adds ImageKit's random suffix before the extension: a.jpg -> a_Xy12AbCd9.jpg.
func withSuffix(name string) string {
	ext := path.Ext(name)
	if ext == name {
		ext = ""
	}
	var b [10]byte
	rand.Read(b[:])
	for i := range b {
		b[i] = suffixChars[int(b[i])%len(suffixChars)]
	}
	return strings.TrimSuffix(name, ext) + "_" + string(b[:]) + ext
}

func (s *Server) writeResult(w http.ResponseWriter, in incoming, res *Result) {
	fileType, width, height := "non-image", 0, 0
	if f, err := os.Open(s.blobOf(res.FilePath)); err == nil {
		if cfg, _, err := image.DecodeConfig(f); err == nil {
			fileType, width, height = "image", cfg.Width, cfg.Height
		}
		f.Close()
	}
	tags := splitTags(in.fields["tags"])
	answer := map[string]any{
		"fileId": res.FileID, "name": res.Name, "filePath": res.FilePath, "url": res.URL,
		"thumbnailUrl": res.ThumbnailURL, "fileType": fileType, "size": res.Size,
		"height": height, "width": width, "tags": tags, "AITags": nil,
		"versionInfo":     map[string]string{"id": res.VersionID, "name": res.VersionName},
		"extensionStatus": map[string]string{},
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
			if v := in.fields[f]; v != "" {
				answer[f] = v
			} else {
				answer[f] = nil
			}
		case "customMetadata", "embeddedMetadata":
			answer[f] = map[string]any{}
		}
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusOK)
	json.NewEncoder(w).Encode(answer)
}

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

func (s *Server) record(rec Request) {
	s.mu.Lock()
	s.requests = append(s.requests, rec)
	if n := s.cfg.requestLog; n >= 0 && len(s.requests) > n {
		s.requests = slices.Delete(s.requests, 0, len(s.requests)-n)
	}
	s.mu.Unlock()
	if s.cfg.log != nil {
		s.cfg.log(rec)
	}
}
