package uploader

import (
	"bytes"
	"errors"
	"io"
	"mime"
	"mime/multipart"
	"os"
	"path/filepath"
	"testing"
)

func TestBodyIsExactAndRoundTrips(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "photo.jpg")
	content := bytes.Repeat([]byte("jpegdata"), 5000)
	os.WriteFile(p, content, 0o644)
	fields := map[string]string{"fileName": "photo.jpg", "tags": "a,b", "folder": "/x"}
	b, err := newBody(p, "photo.jpg", int64(len(content)), fields, "TOKEN")
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	all, err := io.ReadAll(b)
	if err != nil {
		t.Fatal(err)
	}
	if int64(len(all)) != b.Len() {
		t.Fatalf("read %d bytes, Len says %d", len(all), b.Len())
	}
	_, params, _ := mime.ParseMediaType(b.contentType)
	mr := multipart.NewReader(bytes.NewReader(all), params["boundary"])
	var order []string
	got := map[string]string{}
	for {
		part, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		v, _ := io.ReadAll(part)
		order = append(order, part.FormName())
		if part.FormName() == "file" {
			if !bytes.Equal(v, content) || part.FileName() != "photo.jpg" || part.Header.Get("Content-Type") != "image/jpeg" {
				t.Errorf("file part: %d bytes, name %q, type %q", len(v), part.FileName(), part.Header.Get("Content-Type"))
			}
			continue
		}
		got[part.FormName()] = string(v)
	}
	if order[len(order)-1] != "file" {
		t.Errorf("parts in order %v: the file must come last, after the fields", order)
	}
	for k, v := range fields {
		if got[k] != v {
			t.Errorf("field %s = %q, want %q", k, got[k], v)
		}
	}
	if got["token"] != "TOKEN" {
		t.Errorf("token field %q", got["token"])
	}
	if b.sent.Load() != int64(len(content)) {
		t.Errorf("sent %d, want %d", b.sent.Load(), len(content))
	}
}

func TestBodyNoticesAFileThatChanged(t *testing.T) {
	for _, c := range []struct {
		name   string
		actual int
	}{{"shrank", 500}, {"grew", 1500}} {
		t.Run(c.name, func(t *testing.T) {
			p := filepath.Join(t.TempDir(), "f.bin")
			os.WriteFile(p, make([]byte, c.actual), 0o644)
			b, err := newBody(p, "f.bin", 1000, map[string]string{"fileName": "f.bin"}, "t")
			if err != nil {
				t.Fatal(err)
			}
			defer b.Close()
			if _, err := io.ReadAll(b); !errors.Is(err, ErrFileChanged) {
				t.Fatalf("err %v, want ErrFileChanged", err)
			}
		})
	}
}

func TestContentTypeSniffed(t *testing.T) {
	p := filepath.Join(t.TempDir(), "noextension")
	os.WriteFile(p, []byte("\x89PNG\r\n\x1a\n0000000000000"), 0o644)
	f, _ := os.Open(p)
	defer f.Close()
	ct, err := contentTypeOf(f, "noextension")
	if err != nil || ct != "image/png" {
		t.Fatalf("%q, %v; want image/png from the bytes", ct, err)
	}
	if off, _ := f.Seek(0, io.SeekCurrent); off != 0 {
		t.Fatal("sniffing moved the file offset")
	}
}
