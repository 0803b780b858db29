package localendpoint

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// fake uploads nothing: each file's URL is made from its name.
func fake(t *testing.T) (*Handler, *[][]string) {
	var calls [][]string
	h := &Handler{Upload: func(_ context.Context, paths []string) []Result {
		calls = append(calls, paths)
		res := make([]Result, len(paths))
		for i, p := range paths {
			if strings.Contains(p, "fails") {
				res[i].Err = errors.New("the server said no")
				continue
			}
			res[i].URL = "https://ik.imagekit.io/demo/" + filepath.Base(p)
		}
		return res
	}}
	return h, &calls
}

func post(h http.Handler, target, body string, header map[string]string) (int, map[string]any) {
	r := httptest.NewRequest(http.MethodPost, target, strings.NewReader(body))
	r.Host = "127.0.0.1:36677"
	if body != "" {
		r.Header.Set("Content-Type", "application/json")
	}
	for k, v := range header {
		if k == "Host" {
			r.Host = v
			continue
		}
		if v == "" {
			r.Header.Del(k)
		} else {
			r.Header.Set(k, v)
		}
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	var m map[string]any
	json.Unmarshal(w.Body.Bytes(), &m)
	return w.Code, m
}

func TestUploadsAList(t *testing.T) {
	dir := t.TempDir()
	a, b := filepath.Join(dir, "a.png"), filepath.Join(dir, "fails.jpg")
	os.WriteFile(a, []byte("png"), 0o644)
	os.WriteFile(b, []byte("jpg"), 0o644)
	h, calls := fake(t)
	code, m := post(h, "/upload", `{"list": [`+jsonq(a)+`]}`, nil)
	if code != 200 || m["success"] != true || m["result"].([]any)[0] != "https://ik.imagekit.io/demo/a.png" {
		t.Fatalf("%d %v", code, m)
	}
	code, m = post(h, "/upload", `{"list": [`+jsonq(a)+`, `+jsonq(b)+`]}`, nil)
	if code != 200 || m["success"] != false || !strings.Contains(m["message"].(string), "the server said no") || m["result"].([]any)[1] != "" {
		t.Fatalf("one failed: %d %v", code, m)
	}
	if code, m := post(h, "/heartbeat", "", nil); code != 200 || m["result"] != "alive" {
		t.Errorf("heartbeat: %d %v", code, m)
	}
	if len(*calls) != 2 {
		t.Errorf("%d uploads", len(*calls))
	}
}

// TestRefusesWhatIsNotAnEditor: browsers (any Origin, a Sec-Fetch-Site
// other than none), forms, foreign Hosts (DNS rebinding), relative paths,
// other kinds of file, folders, and a missing secret get a refusal, and
// nothing is uploaded.
func TestRefusesWhatIsNotAnEditor(t *testing.T) {
	dir := t.TempDir()
	a := filepath.Join(dir, "a.png")
	os.WriteFile(a, []byte("png"), 0o644)
	sh := filepath.Join(dir, "id_rsa")
	os.WriteFile(sh, []byte("secret"), 0o600)
	list := `{"list": [` + jsonq(a) + `]}`
	h, calls := fake(t)
	for _, c := range []struct {
		name, body string
		header     map[string]string
		code       int
	}{
		{"a web page's fetch", list, map[string]string{"Origin": "https://evil.example"}, 403},
		{"an Origin of null", list, map[string]string{"Origin": "null"}, 403},
		{"a cross-site request", list, map[string]string{"Sec-Fetch-Site": "cross-site"}, 403},
		{"a same-site request", list, map[string]string{"Sec-Fetch-Site": "same-site"}, 403},
		{"a rebound name", list, map[string]string{"Host": "evil.example:36677"}, 403},
		{"a form", list, map[string]string{"Content-Type": "text/plain"}, 415},
		{"no type", list, map[string]string{"Content-Type": ""}, 415},
		{"a relative path", `{"list": ["a.png"]}`, nil, 400},
		{"another kind of file", `{"list": [` + jsonq(sh) + `]}`, nil, 400},
		{"a folder", `{"list": [` + jsonq(dir+string(filepath.Separator)+"x.png") + `]}`, nil, 400},
		{"other members", `{"list": [` + jsonq(a) + `], "picbed": "x"}`, nil, 400},
		{"no list", `{}`, nil, 400},
		{"no body, no clipboard here", "", nil, 400},
	} {
		h.Secret = ""
		code, m := post(h, "/upload", c.body, c.header)
		if code != c.code || m["success"] != false {
			t.Errorf("%s: %d %v, want %d", c.name, code, m, c.code)
		}
	}
	h.Secret = "s3cret"
	for hdr, ok := range map[string]bool{"": false, "Bearer wrong": false, "Bearer s3cret": true} {
		code, _ := post(h, "/upload", list, map[string]string{"Authorization": hdr})
		if (code == 200) != ok {
			t.Errorf("Authorization %q: %d", hdr, code)
		}
	}
	if code, _ := post(h, "/upload?key=s3cret", list, nil); code != 200 {
		t.Errorf("?key=: %d", code)
	}
	if code, _ := post(h, "/upload", list, map[string]string{"X-PicGo-Secret": "s3cret"}); code != 200 {
		t.Errorf("X-PicGo-Secret: %d", code)
	}
	if len(*calls) != 3 {
		t.Errorf("%d uploads, want the 3 with the secret", len(*calls))
	}
	for _, addr := range []string{"0.0.0.0:36677", "192.168.1.2:1", ":36677", "example.com:80"} {
		if CheckListen(addr) == nil {
			t.Errorf("listen %s: allowed", addr)
		}
	}
	for _, addr := range []string{"127.0.0.1:36677", "[::1]:0", "localhost:8080"} {
		if err := CheckListen(addr); err != nil {
			t.Errorf("listen %s: %v", addr, err)
		}
	}
}

func jsonq(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}
