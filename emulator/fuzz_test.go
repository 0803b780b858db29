package emulator

import (
	"bytes"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"testing"

	"imagekit-uploader/signer"
)

// FuzzUploadRequest feeds the server's request parser arbitrary bodies: it
// must answer every one with a 4xx and the JSON error (a 200 only for the
// one well-signed seed), never panic, never 5xx.
func FuzzUploadRequest(f *testing.F) {
	s := NewServer()
	f.Cleanup(s.Close)
	sg, _ := signer.New(DemoPublicKey, DemoPrivateKey)
	valid := func(fields map[string]string, file []byte) []byte {
		tok, _ := sg.Sign(fields)
		var b bytes.Buffer
		mw := multipart.NewWriter(&b)
		mw.SetBoundary("FUZZBOUNDARY")
		for k, v := range fields {
			mw.WriteField(k, v)
		}
		mw.WriteField("token", tok)
		fw, _ := mw.CreateFormFile("file", "a.jpg")
		fw.Write(file)
		mw.Close()
		return b.Bytes()
	}
	f.Add(valid(map[string]string{"fileName": "a.jpg"}, []byte("x")))
	f.Add(valid(map[string]string{"fileName": "a.jpg", "folder": "/x", "tags": "a,b"}, []byte("jpeg")))
	f.Add([]byte("--FUZZBOUNDARY\r\nContent-Disposition: form-data; name=\"token\"\r\n\r\nabc\r\n--FUZZBOUNDARY--\r\n"))
	f.Add([]byte("--FUZZBOUNDARY\r\nContent-Disposition: form-data; name=\"file\"; filename=\"x\"\r\n\r\n"))
	f.Add([]byte(""))
	f.Fuzz(func(t *testing.T, body []byte) {
		req := httptest.NewRequest(http.MethodPost, UploadPath, bytes.NewReader(body))
		req.Header.Set("Content-Type", "multipart/form-data; boundary=FUZZBOUNDARY")
		req.ContentLength = int64(len(body))
		rec := httptest.NewRecorder()
		s.ServeHTTP(rec, req)
		switch code := rec.Code; {
		case code == http.StatusOK:
			// Only a body with a fresh, valid token gets here.
		case code >= 400 && code < 500:
			if !bytes.Contains(rec.Body.Bytes(), []byte(`"message"`)) {
				t.Fatalf("%d without a JSON message: %q", code, rec.Body.String())
			}
		default:
			t.Fatalf("status %d for %q", code, body)
		}
	})
}
