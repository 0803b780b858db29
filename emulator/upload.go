package emulator

import (
	"bytes"
	"errors"
	_ "image/gif" // image sizes in answers
	_ "image/jpeg"
	_ "image/png"
	"io"
	"net/http"
	"os"
	"slices"
	"time"

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

// errCut marks a connection cut on purpose by a fault.
var errCut = errors.New("connection cut by fault injection")

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
	if s.cfg.link != nil && s.cfg.link.rate > 0 {
		body = &linkReader{r: body, link: s.cfg.link, ctx: r.Context()}
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
		in.serverKey, in.basicAuth = s.privateKeyGiven(r), r.Header.Get("Authorization") != ""
		rec.Claims, rec.Result, err = s.accept(r.Context(), &in, reused)
		if in.fileURL != "" { // what was downloaded
			rec.FileName, rec.ContentType, rec.Size, rec.SHA256 = in.fileName, in.contentType, in.size, in.sha
		}
	}
	switch {
	case err == nil && fault.StoreThenHang:
		rec.Message = "stored, then never answered (fault)"
		<-r.Context().Done()
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
