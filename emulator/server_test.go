package emulator

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"io"
	"mime/multipart"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"imagekit-uploader/signer"
)

// A small client for these tests: it builds the multipart body in memory,
// which is fine for test-sized files (the engine streams; this only needs to be obvious).
type upload struct {
	fields   map[string]string // sent in the form
	signed   map[string]string // signed in the token; nil: the same as fields
	token    string            // sent as is when set
	noToken  bool
	file     []byte
	fileName string
}

type answer struct {
	status    int
	body      map[string]any
	requestID string
	token     string
}

func send(t *testing.T, s *Server, sg *signer.Signer, u upload) answer {
	t.Helper()
	signed := u.signed
	if signed == nil {
		signed = u.fields
	}
	tok := u.token
	if tok == "" && !u.noToken {
		var err error
		if tok, err = sg.Sign(signed); err != nil {
			t.Fatal(err)
		}
	}
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for k, v := range u.fields {
		mw.WriteField(k, v)
	}
	if !u.noToken {
		mw.WriteField("token", tok)
	}
	if u.file != nil {
		name := u.fileName
		if name == "" {
			name = "file.bin"
		}
		fw, _ := mw.CreateFormFile("file", name)
		fw.Write(u.file)
	}
	mw.Close()
	resp, err := http.Post(s.UploadURL, mw.FormDataContentType(), &buf)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	a := answer{status: resp.StatusCode, requestID: resp.Header.Get("x-ik-requestId"), token: tok}
	raw, _ := io.ReadAll(resp.Body)
	if err := json.Unmarshal(raw, &a.body); err != nil {
		t.Fatalf("answer %d is not JSON: %q", resp.StatusCode, raw)
	}
	return a
}

func newServer(t *testing.T, opts ...Option) (*Server, *signer.Signer) {
	t.Helper()
	s := NewServer(opts...)
	t.Cleanup(s.Close)
	sg, err := signer.New(DemoPublicKey, DemoPrivateKey)
	if err != nil {
		t.Fatal(err)
	}
	return s, sg
}

func pngBytes(t *testing.T, w, h int) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	img.Set(1, 1, color.RGBA{200, 10, 10, 255})
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func get(t *testing.T, url string) (int, []byte) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b
}

func TestUploadAnswersLikeImageKit(t *testing.T) {
	s, sg := newServer(t)
	img := pngBytes(t, 40, 30)
	a := send(t, s, sg, upload{
		fields: map[string]string{"fileName": "summer dress.png", "folder": "/shop/summer", "tags": "summer,dress",
			"responseFields": "isPrivateFile,tags"},
		file: img, fileName: "summer dress.png",
	})
	if a.status != 200 {
		t.Fatalf("status %d: %v", a.status, a.body)
	}
	b := a.body
	name, _ := b["name"].(string)
	if !strings.HasPrefix(name, "summer_dress_") || !strings.HasSuffix(name, ".png") || len(name) != len("summer_dress_.png")+10 {
		t.Errorf("name %q: want the sanitised name with a unique suffix", name)
	}
	if b["filePath"] != "/shop/summer/"+name || b["fileType"] != "image" || b["size"] != float64(len(img)) ||
		b["width"] != float64(40) || b["height"] != float64(30) || b["isPrivateFile"] != false {
		t.Errorf("answer %v", b)
	}
	if tags, _ := b["tags"].([]any); len(tags) != 2 || tags[0] != "summer" {
		t.Errorf("tags %v", b["tags"])
	}
	vi, _ := b["versionInfo"].(map[string]any)
	if vi["name"] != "Version 1" || vi["id"] != b["fileId"] {
		t.Errorf("versionInfo %v for fileId %v", vi, b["fileId"])
	}
	if _, has := b["AITags"]; !has {
		t.Error("AITags missing (null expected)")
	}
	if a.requestID == "" {
		t.Error("no x-ik-requestId header")
	}
	for _, u := range []string{b["url"].(string), b["thumbnailUrl"].(string)} {
		if code, got := get(t, u); code != 200 || !bytes.Equal(got, img) {
			t.Errorf("GET %s: %d, %d bytes; want the uploaded bytes", u, code, len(got))
		}
	}
	reqs := s.Requests()
	sum := sha256.Sum256(img)
	if len(reqs) != 1 || reqs[0].SHA256 != hex.EncodeToString(sum[:]) || reqs[0].Claims == nil ||
		reqs[0].Claims.Fields["folder"] != "/shop/summer" || reqs[0].Token != a.token || reqs[0].Size != int64(len(img)) {
		t.Errorf("recorded %+v", reqs)
	}
}

func TestVersions(t *testing.T) {
	s, sg := newServer(t)
	fields := map[string]string{"fileName": "logo.txt", "useUniqueFileName": "false"}
	var first string
	for i := 1; i <= 100; i++ {
		a := send(t, s, sg, upload{fields: fields, file: []byte(fmt.Sprint("version ", i))})
		if a.status != 200 {
			t.Fatalf("version %d: %d %v", i, a.status, a.body)
		}
		vi := a.body["versionInfo"].(map[string]any)
		if vi["name"] != fmt.Sprintf("Version %d", i) || a.body["name"] != "logo.txt" {
			t.Fatalf("upload %d: versionInfo %v name %v", i, vi, a.body["name"])
		}
		if i == 1 {
			first = a.body["fileId"].(string)
		}
		if a.body["fileId"] != first || (i == 1) != (vi["id"] == first) {
			t.Fatalf("upload %d: fileId %v, version id %v; first id %s", i, a.body["fileId"], vi["id"], first)
		}
		if i == 100 {
			if _, got := get(t, a.body["url"].(string)); string(got) != "version 100" {
				t.Fatalf("url serves %q, want the newest version", got)
			}
		}
	}
	a := send(t, s, sg, upload{fields: fields, file: []byte("version 101")})
	if a.status != 400 || !strings.Contains(a.body["message"].(string), "100 versions") {
		t.Fatalf("101st version: %d %v", a.status, a.body)
	}
	noReplace := map[string]string{"fileName": "logo.txt", "useUniqueFileName": "false", "overwriteFile": "false"}
	a = send(t, s, sg, upload{fields: noReplace, file: []byte("x")})
	if a.status != 400 || !strings.Contains(a.body["message"].(string), "already exists") {
		t.Fatalf("overwriteFile=false on an existing path: %d %v", a.status, a.body)
	}
	a = send(t, s, sg, upload{fields: map[string]string{"fileName": "new.txt", "useUniqueFileName": "false", "overwriteFile": "false"}, file: []byte("x")})
	if a.status != 200 {
		t.Fatalf("overwriteFile=false on a free path: %d %v", a.status, a.body)
	}
}

func TestUniqueNamesDiffer(t *testing.T) {
	s, sg := newServer(t)
	names := map[any]bool{}
	for range 20 {
		a := send(t, s, sg, upload{fields: map[string]string{"fileName": "a.jpg"}, file: []byte("x")})
		if a.status != 200 {
			t.Fatal(a.body)
		}
		names[a.body["name"]] = true
	}
	if len(names) != 20 {
		t.Fatalf("%d distinct names of 20", len(names))
	}
}

func TestRefusals(t *testing.T) {
	s, sg := newServer(t, WithMaxFileSize(1000))
	other, _ := signer.New(DemoPublicKey, "not-the-private-key")
	stranger, _ := signer.New("public_stranger", "whatever")
	ok := map[string]string{"fileName": "a.txt"}
	expired := handToken(t, jwt.MapClaims{"fileName": "a.txt", "iat": time.Now().Add(-2 * time.Hour).Unix(), "exp": time.Now().Add(-time.Hour).Unix()})
	noExp := handToken(t, jwt.MapClaims{"fileName": "a.txt", "iat": time.Now().Unix()})
	used := send(t, s, sg, upload{fields: ok, file: []byte("x")})
	if used.status != 200 {
		t.Fatal(used.body)
	}
	cases := []struct {
		name   string
		u      upload
		sg     *signer.Signer
		status int
		want   string
	}{
		{"reused token", upload{fields: ok, token: used.token, file: []byte("x")}, sg, 400, "used before"},
		{"changed field", upload{fields: map[string]string{"fileName": "b.txt"}, signed: ok, file: []byte("x")}, sg, 400, "differs"},
		{"extra field", upload{fields: map[string]string{"fileName": "a.txt", "tags": "x"}, signed: ok, file: []byte("x")}, sg, 400, "does not sign"},
		{"missing field", upload{fields: ok, signed: map[string]string{"fileName": "a.txt", "tags": "x"}, file: []byte("x")}, sg, 400, "does not send"},
		{"unknown field", upload{fields: map[string]string{"fileName": "a.txt", "colour": "red"}, file: []byte("x")}, sg, 400, "Unknown parameter"},
		{"bad boolean", upload{fields: map[string]string{"fileName": "a.txt", "useUniqueFileName": "yes"}, file: []byte("x")}, sg, 400, "true or false"},
		{"missing exp claim", upload{fields: ok, token: noExp, file: []byte("x")}, sg, 400, "no exp"},
		{"expired token", upload{fields: ok, token: expired, file: []byte("x")}, sg, 400, "expired"},
		{"no token", upload{fields: ok, noToken: true, file: []byte("x")}, sg, 400, "token"},
		{"wrong private key", upload{fields: ok, file: []byte("x")}, other, 403, "private key"},
		{"unknown public key", upload{fields: ok, file: []byte("x")}, stranger, 401, "public key"},
		{"too large", upload{fields: ok, file: bytes.Repeat([]byte("x"), 1001)}, sg, 413, "up to 1000 bytes"},
		{"empty file", upload{fields: ok, file: []byte{}}, sg, 400, "empty"},
		{"no file", upload{fields: ok}, sg, 400, "Missing file"},
		{"no fileName", upload{fields: map[string]string{"folder": "/a"}, file: []byte("x")}, sg, 400, "fileName"},
		{"tags with %", upload{fields: map[string]string{"fileName": "a", "tags": "100%"}, file: []byte("x")}, sg, 400, "%"},
		{"tags over 500", upload{fields: map[string]string{"fileName": "a", "tags": strings.Repeat("t,", 251)}, file: []byte("x")}, sg, 400, "500"},
		{"folder 51 deep", upload{fields: map[string]string{"fileName": "a", "folder": strings.Repeat("/d", 51)}, file: []byte("x")}, sg, 400, "51 levels"},
		{"folder with a space", upload{fields: map[string]string{"fileName": "a", "folder": "/my photos"}, file: []byte("x")}, sg, 400, "folder"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			a := send(t, s, c.sg, c.u)
			msg, _ := a.body["message"].(string)
			if a.status != c.status || !strings.Contains(msg, c.want) {
				t.Fatalf("%d %q, want %d and a message with %q", a.status, msg, c.status, c.want)
			}
			if _, has := a.body["help"]; !has {
				t.Error("error answer without help")
			}
		})
	}
	// 50 levels is still fine.
	if a := send(t, s, sg, upload{fields: map[string]string{"fileName": "a", "folder": strings.Repeat("/d", 50)}, file: []byte("x")}); a.status != 200 {
		t.Fatalf("50 levels: %d %v", a.status, a.body)
	}
}

// A token is used up even when its request fails, as on ImageKit.
func TestTokenUsedUpByAFailedRequest(t *testing.T) {
	s, sg := newServer(t)
	s.Script(Fault{Status: 503})
	f := map[string]string{"fileName": "a.txt"}
	a := send(t, s, sg, upload{fields: f, file: []byte("x")})
	if a.status != 503 {
		t.Fatalf("scripted 503: got %d", a.status)
	}
	b := send(t, s, sg, upload{fields: f, token: a.token, file: []byte("x")})
	if b.status != 400 || !strings.Contains(b.body["message"].(string), "used before") {
		t.Fatalf("the same token after a 503: %d %v", b.status, b.body)
	}
}

func handToken(t *testing.T, claims jwt.MapClaims) string {
	t.Helper()
	tok := jwt.NewWithClaims(jwt.SigningMethodHS256, claims)
	tok.Header["kid"] = DemoPublicKey
	s, err := tok.SignedString([]byte(DemoPrivateKey))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// TestDirKeepsTheLibraryAcrossARestart: a server started again on the same
// directory has the files it stored, with their versions, privacy and
// tags: URLs answer, and the same upload is a new version, not Version 1.
// Before, it came back empty: URLs answered 404.
func TestDirKeepsTheLibraryAcrossARestart(t *testing.T) {
	dir := t.TempDir()
	s, sg := newServer(t, WithDir(dir))
	fields := map[string]string{"fileName": "logo.txt", "useUniqueFileName": "false", "tags": "a,b", "folder": "/brand"}
	first := send(t, s, sg, upload{fields: fields, file: []byte("version 1")})
	secret := send(t, s, sg, upload{fields: map[string]string{"fileName": "secret.txt", "isPrivateFile": "true"}, file: []byte("private")})
	if first.status != 200 || secret.status != 200 {
		t.Fatalf("uploads: %d %d", first.status, secret.status)
	}
	s.Close()

	s, _ = newServer(t, WithDir(dir))
	files := map[string]StoredFile{}
	for _, f := range s.Files() {
		files[f.Path] = f
	}
	logo, ok := files["/brand/logo.txt"]
	if len(files) != 2 || !ok || len(logo.Versions) != 1 || logo.FileID != first.body["fileId"] || strings.Join(logo.Tags, ",") != "a,b" {
		t.Fatalf("after the restart: %+v", files)
	}
	for _, f := range files {
		if (f.Path == "/brand/logo.txt") == f.Private {
			t.Errorf("%s private: %v", f.Path, f.Private)
		}
	}
	if status, got := get(t, s.URL+"/files/brand/logo.txt"); status != 200 || string(got) != "version 1" {
		t.Fatalf("the URL after the restart: %d %q", status, got)
	}
	again := send(t, s, sg, upload{fields: fields, file: []byte("version 2")})
	if vi, _ := again.body["versionInfo"].(map[string]any); again.status != 200 || vi["name"] != "Version 2" || again.body["fileId"] != first.body["fileId"] {
		t.Fatalf("the same upload after the restart: %d %v", again.status, again.body)
	}
	// A second server on the same directory is refused while this one runs.
	if other, err := Listen("127.0.0.1:0", WithDir(dir)); err == nil {
		other.Close()
		t.Fatal("a second server took the same directory")
	}
	s.Close()

	// A last line torn by a crash costs that line, never the next one.
	lib, _ := os.OpenFile(filepath.Join(dir, libraryFile), os.O_APPEND|os.O_WRONLY, 0)
	lib.WriteString(`{"FileID":"torn","Path":"/x`)
	lib.Close()
	s, _ = newServer(t, WithDir(dir))
	if a := send(t, s, sg, upload{fields: map[string]string{"fileName": "after.txt", "useUniqueFileName": "false"}, file: []byte("after")}); a.status != 200 {
		t.Fatalf("after the torn line: %d", a.status)
	}
	s.Close()
	s, _ = newServer(t, WithDir(dir))
	if status, _ := get(t, s.URL+"/files/after.txt"); status != 200 {
		t.Fatalf("the upload after a torn line is lost: %d", status)
	}
}

// TestCORS: with WithCORS, a browser's preflight is answered and uploads'
// answers carry what a page needs to read them; without, neither.
// Before, the preflight got a 405.
func TestCORS(t *testing.T) {
	preflight := func(s *Server) *http.Response {
		req, _ := http.NewRequest(http.MethodOptions, s.UploadURL, nil)
		req.Header.Set("Origin", "http://localhost:5173")
		req.Header.Set("Access-Control-Request-Method", "POST")
		req.Header.Set("Access-Control-Request-Headers", "content-type")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp
	}
	s, sg := newServer(t, WithCORS("*"))
	if resp := preflight(s); resp.StatusCode != 204 || resp.Header.Get("Access-Control-Allow-Origin") != "*" ||
		!strings.Contains(resp.Header.Get("Access-Control-Allow-Methods"), "POST") || resp.Header.Get("Access-Control-Allow-Headers") != "content-type" {
		t.Errorf("preflight: %d %v", resp.StatusCode, resp.Header)
	}
	a := send(t, s, sg, upload{fields: map[string]string{"fileName": "a.png"}, file: pngBytes(t, 4, 4)})
	if a.status != 200 {
		t.Fatal(a.status, a.body)
	}
	plain, _ := newServer(t)
	if resp := preflight(plain); resp.StatusCode == 204 || resp.Header.Get("Access-Control-Allow-Origin") != "" {
		t.Errorf("without CORS, the preflight: %d %v", resp.StatusCode, resp.Header)
	}
}
