package emulator

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"strings"
)

// Bounds on what a request may make the server hold before its token is
// checked. ImageKit knows 18 fields, 19 with the token.
const (
	maxFields     = 64
	maxFieldBytes = 1 << 20 // names and values of all fields, the token and the file part's name included
)

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
