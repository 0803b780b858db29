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

	"imagekit-uploader/strip"
)

func TestBodyIsExactAndRoundTrips(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "photo.jpg")
	content := bytes.Repeat([]byte("jpegdata"), 5000)
	os.WriteFile(p, content, 0o644)
	fields := map[string]string{"fileName": "photo.jpg", "tags": "a,b", "folder": "/x"}
	b, err := newBody(p, "photo.jpg", int64(len(content)), strip.Keep, fields, "TOKEN")
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	back := readBack(t, b)
	order, got := back.order, back.fields
	if !bytes.Equal(back.file, content) || back.fileName != "photo.jpg" || back.fileType != "image/jpeg" {
		t.Errorf("file part: %d bytes, name %q, type %q", len(back.file), back.fileName, back.fileType)
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

// readBody is a request body read back through mime/multipart's reader.
type readBody struct {
	order              []string // form names in order
	fields             map[string]string
	file               []byte
	fileName, fileType string
}

// readBack reads b whole, checks it is exactly b.Len() long, and parses it.
func readBack(t *testing.T, b *body) readBody {
	t.Helper()
	all, err := io.ReadAll(b)
	if err != nil {
		t.Fatal(err)
	}
	if int64(len(all)) != b.Len() {
		t.Fatalf("read %d bytes, Content-Length would be %d", len(all), b.Len())
	}
	_, params, err := mime.ParseMediaType(b.contentType)
	if err != nil {
		t.Fatal(err)
	}
	mr := multipart.NewReader(bytes.NewReader(all), params["boundary"])
	r := readBody{fields: map[string]string{}}
	for {
		part, err := mr.NextPart()
		if err == io.EOF {
			return r
		}
		if err != nil {
			t.Fatal(err)
		}
		v, _ := io.ReadAll(part)
		r.order = append(r.order, part.FormName())
		if part.FormName() == "file" {
			r.file, r.fileName, r.fileType = v, part.FileName(), part.Header.Get("Content-Type")
			continue
		}
		r.fields[part.FormName()] = string(v)
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
			b, err := newBody(p, "f.bin", 1000, strip.Keep, map[string]string{"fileName": "f.bin"}, "t")
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
