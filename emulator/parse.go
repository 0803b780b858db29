package emulator

import (
	"bufio"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
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
	fileURL     string // file given as an http(s) URL: fetched once the request is authenticated
	serverKey   bool   // Basic auth with one of the server's private keys: a server-side upload
	basicAuth   bool   // an Authorization header was sent at all
	limitSeen   int64  // the size limit a download stopped past
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
			if err := s.receiveFile(part, &in, true); err != nil {
				return in, err
			}
		case name == "file":
			// ImageKit's file is also a field: an http(s) URL to fetch, or
			// the bytes in base64 (a data: URI's too).
			if in.hasFile {
				return in, badRequest("Only one file can be uploaded per request.")
			}
			in.hasFile = true
			if err := s.receiveField(part, &in, spend); err != nil {
				return in, err
			}
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

// receiveField reads a file sent as a form field: an http(s) URL, kept
// for later, or base64, decoded into a blob as a file part would be. Both
// are bounded: this runs before the request is authenticated.
func (s *Server) receiveField(part io.Reader, in *incoming, spend func(int) error) error {
	br := bufio.NewReaderSize(part, 4096)
	head, _ := br.Peek(80)
	if h := strings.ToLower(strings.TrimLeft(string(head), " \t\r\n")); strings.HasPrefix(h, "http://") || strings.HasPrefix(h, "https://") {
		v, err := io.ReadAll(io.LimitReader(br, 8<<10+1))
		if err != nil {
			return readErr(err)
		}
		if len(v) > 8<<10 {
			return badRequest("The file URL is longer than 8 KiB.")
		}
		if err := spend(len(v)); err != nil {
			return err
		}
		in.fileURL = strings.TrimSpace(string(v))
		return nil
	}
	if h, _ := br.Peek(5); string(h) == "data:" { // data:image/png;base64,....
		var prefix []byte
		for len(prefix) < 256 {
			c, err := br.ReadByte()
			if err != nil {
				break
			}
			if prefix = append(prefix, c); c == ',' {
				break
			}
		}
		p := string(prefix)
		if !strings.HasSuffix(p, ";base64,") {
			return badRequest("The file field is a data: URI but not a base64 one (data:TYPE;base64,...).")
		}
		in.contentType = strings.TrimSuffix(strings.TrimPrefix(p, "data:"), ";base64,")
	}
	// Base64 is 4/3 of the bytes; wrapped, a little more: twice the file
	// size allowed, and no more, is read.
	src := &spaceless{r: br, left: 2*s.cfg.maxFileSize + 1<<20}
	dec := base64.NewDecoder(base64.StdEncoding, src)
	if err := s.receiveFile(dec, in, true); err != nil {
		switch {
		case src.left < 0:
			in.tooBig, in.limitSeen, in.size = true, s.cfg.maxFileSize, s.cfg.maxFileSize+1
			return nil
		case errors.As(err, new(base64.CorruptInputError)) || (errors.Is(err, io.ErrUnexpectedEOF) && src.ended):
			// The decoder's unexpected EOF after the field ended whole is
			// text that stops mid-group: not base64 either.
			return badRequest("The file field is neither a file part, an http(s) URL, nor base64.")
		}
		return err
	}
	return nil
}

// errTooLong ends a file field longer than any file this server takes.
var errTooLong = errors.New("the file field is too long")

// spaceless drops the white space base64 text may be wrapped with, reads
// at most left bytes, and notes whether its source ended whole.
type spaceless struct {
	r     io.Reader
	left  int64
	ended bool
}

func (s *spaceless) Read(p []byte) (int, error) {
	for {
		if s.left < 0 {
			return 0, errTooLong
		}
		n, err := s.r.Read(p)
		s.left -= int64(n)
		s.ended = s.ended || err == io.EOF
		k := 0
		for _, b := range p[:n] {
			if b != ' ' && b != '\n' && b != '\r' && b != '\t' {
				p[k] = b
				k++
			}
		}
		if k > 0 || n == 0 || err != nil {
			return k, err
		}
	}
}

// receiveFile writes a file's bytes to a blob, hashing them. Past the
// size limit it keeps reading and counting when drain is set (a part of
// the request: the client then gets the answer, not a broken pipe), or
// stops (a download).
func (s *Server) receiveFile(part io.Reader, in *incoming, drain bool) error {
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
	if n > limit && !drain {
		in.tooBig, in.limitSeen = true, limit
		return nil
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
