package uploader

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"imagekit-uploader/uploader/imagekittest"
)

// origin serves name → bytes over HTTP, counting the fetches.
func origin(t *testing.T, files map[string][]byte) (*httptest.Server, *int) {
	t.Helper()
	n := new(int)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, ok := files[strings.TrimPrefix(r.URL.Path, "/")]
		if !ok {
			http.NotFound(w, r)
			return
		}
		*n++
		w.Header().Set("Content-Type", "image/png")
		w.Write(b)
	}))
	t.Cleanup(srv.Close)
	return srv, n
}

func sha256Hex(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

func TestUploadFromURL(t *testing.T) {
	img := bytes.Repeat([]byte("png!"), 1000)
	from, _ := origin(t, map[string][]byte{"a.png": img})
	host := strings.TrimPrefix(from.URL, "http://")
	srv := newTestServer(t, imagekittest.WithFetchAllow(host))
	c := newClient(t, srv)
	src := from.URL + "/a.png?X-Amz-Signature=abc&X-Amz-Expires=60&v=2"
	f := DefaultFields()
	res, err := c.Upload(context.Background(), Request{Path: src, URL: src, FileName: "a.png", Fields: f}, nil)
	if err != nil {
		t.Fatal(err)
	}
	files := srv.Files()
	if len(files) != 1 || files[0].Versions[0].SHA256 != sha256Hex(img) {
		t.Fatalf("stored %d files; want the origin's bytes", len(files))
	}
	if res.SentSHA256 != "" {
		t.Errorf("SentSHA256 %q for bytes never read here", res.SentSHA256)
	}
	if !strings.HasPrefix(res.Name, "a_") || !strings.HasSuffix(res.Name, ".png") {
		t.Errorf("name %q, want a_<hash of the URL>.png", res.Name)
	}
	// Presigned again: the same file, not stored twice.
	again := from.URL + "/a.png?v=2&X-Amz-Signature=def&X-Amz-Expires=90"
	_, err = c.Upload(context.Background(), Request{Path: again, URL: again, FileName: "a.png", Fields: f}, nil)
	var au *AlreadyUploadedError
	if !errors.As(err, &au) || !au.SameURL {
		t.Fatalf("the same URL presigned again: %v, want AlreadyUploadedError from the URL", err)
	}
	if n := len(srv.Files()); n != 1 {
		t.Fatalf("%d files stored, want 1", n)
	}
	// Another query is another file.
	other := from.URL + "/a.png?v=3"
	if _, err := c.Upload(context.Background(), Request{Path: other, URL: other, FileName: "a.png", Fields: f}, nil); err != nil {
		t.Fatal(err)
	}
	if n := len(srv.Files()); n != 2 {
		t.Fatalf("%d files stored, want 2", n)
	}
}

func TestCheckSourceURL(t *testing.T) {
	for _, u := range []string{"ftp://h/a.png", "file:///etc/passwd", "http:///a.png", "https://user:pw@h/a.png", "http://h/%zz"} {
		_, err := Check(Request{Path: u, URL: u, FileName: "a.png", Fields: DefaultFields()}, Limit{})
		if err == nil {
			t.Errorf("%s: no error", u)
		}
	}
	if _, err := Check(Request{Path: "https://h/a.png", URL: "https://h/a.png", FileName: "a.png", Fields: DefaultFields()}, Limit{}); err != nil {
		t.Errorf("a plain https URL: %v", err)
	}
}

func TestURLIdentity(t *testing.T) {
	same := [][2]string{
		{"https://b.s3.amazonaws.com/k/a.jpg?X-Amz-Algorithm=A&X-Amz-Signature=1", "https://b.s3.amazonaws.com/k/a.jpg?X-Amz-Signature=2"},
		{"https://x/a.jpg?v=1&w=2", "https://x/a.jpg?w=2&v=1"},
		{"https://x.blob.core.windows.net/c/a.jpg?sv=1&sig=2&se=3", "https://x.blob.core.windows.net/c/a.jpg"},
		{"https://Cdn.Example:443/p/./img%37.jpg?", "https://cdn.example/p/img7.jpg"},
		{"http://h:80/a/../b.jpg#frag", "http://h/b.jpg"},
	}
	for _, p := range same {
		if URLIdentity(p[0]) != URLIdentity(p[1]) {
			t.Errorf("%s and %s: other identities %s, %s", p[0], p[1], URLIdentity(p[0]), URLIdentity(p[1]))
		}
	}
	if URLIdentity("https://x/a.jpg?v=1") == URLIdentity("https://x/a.jpg?v=2") {
		t.Error("?v=1 and ?v=2 name one file")
	}
	if URLIdentity("https://x/a%2Fb.jpg") == URLIdentity("https://x/a/b.jpg") {
		t.Error("an escaped / and a / name one file")
	}
	if _, err := url.Parse(URLIdentity("https://x/a b.jpg")); err != nil {
		t.Error(err)
	}
}
