package uploader

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"

	"imagekit-uploader/strip"
)

// FuzzCleanFolder: any input is either refused or becomes a folder ImageKit
// accepts, and cleaning it again changes nothing.
func FuzzCleanFolder(f *testing.F) {
	for _, s := range []string{"", "/", "shop/summer/", "//a//b", "/my photos", "/a/../b", "/Früh-jahr_2025", strings.Repeat("/d", 51), "/日本/写真", "/a\x00b"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		out, err := CleanFolder(in)
		if err != nil {
			return
		}
		if !strings.HasPrefix(out, "/") || (out != "/" && strings.HasSuffix(out, "/")) || strings.Contains(out, "//") {
			t.Fatalf("CleanFolder(%q) = %q: not a clean absolute folder", in, out)
		}
		if strings.Count(out, "/") > MaxFolderDepth {
			t.Fatalf("CleanFolder(%q) = %q: deeper than %d", in, out, MaxFolderDepth)
		}
		for _, r := range strings.ReplaceAll(out, "/", "") {
			if !folderRune(r) {
				t.Fatalf("CleanFolder(%q) = %q keeps %q", in, out, r)
			}
		}
		if again, err := CleanFolder(out); err != nil || again != out {
			t.Fatalf("CleanFolder is not stable: %q -> %q -> %q, %v", in, out, again, err)
		}
	})
}

// FuzzTags: tags that pass the check are what ImageKit accepts.
func FuzzTags(f *testing.F) {
	for _, s := range []string{"", "summer, dress", "a,,b", "100%", strings.Repeat("t,", 300), " , ,"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		tags := ParseTags(in)
		for _, tag := range tags {
			if tag == "" || tag != strings.TrimSpace(tag) || strings.Contains(tag, ",") {
				t.Fatalf("ParseTags(%q) gave %q", in, tag)
			}
		}
		if CheckTags(tags) == nil {
			if j := strings.Join(tags, ","); len(j) > MaxTagsLength || strings.Contains(j, "%") {
				t.Fatalf("CheckTags passed %q", j)
			}
		}
	})
}

// FuzzBody: the streamed multipart body is exactly as long as it says, and
// mime/multipart's reader gets back every field, the file's name and bytes.
func FuzzBody(f *testing.F) {
	f.Add("photo.jpg", "summer,dress", "/shop", []byte("jpegbytes"))
	f.Add("a \"quoted\" name.png", "", "/", []byte{})
	f.Add("日本語 ファイル.jpg", "タグ", "/写真", []byte("\r\n--boundary\r\n"))
	f.Add("new\nline.txt", "x", "/a", []byte("x"))
	p := filepath.Join(f.TempDir(), "f") // one file per fuzzing process, rewritten for each input
	f.Fuzz(func(t *testing.T, fileName, tags, folder string, content []byte) {
		if fileName == "" || !utf8.ValidString(fileName+tags+folder) {
			t.Skip()
		}
		if err := os.WriteFile(p, content, 0o644); err != nil {
			t.Fatal(err)
		}
		fields := map[string]string{"fileName": fileName, "tags": tags, "folder": folder}
		b, err := newBody(p, fileName, int64(len(content)), strip.Keep, fields, "TOKEN")
		if err != nil {
			t.Fatal(err)
		}
		defer b.Close()
		back := readBack(t, b)
		got, file, partName := back.fields, back.file, back.fileName
		for k, v := range fields {
			if got[k] != v {
				t.Fatalf("field %s: %q, want %q", k, got[k], v)
			}
		}
		if got["token"] != "TOKEN" || !bytes.Equal(file, content) {
			t.Fatalf("token %q, file %d bytes of %d", got["token"], len(file), len(content))
		}
		if partName == "" {
			t.Fatalf("the file part of %q has no file name, so servers see no file", fileName)
		}
	})
}
