package emulator

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"testing"
)

// getLibrary asks the library API for p with the private key key ("" for none).
func getLibrary(t *testing.T, s *Server, p, key string) (int, http.Header, []map[string]any, map[string]any) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, s.URL+p, nil)
	if key != "" {
		req.SetBasicAuth(key, "")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var raw json.RawMessage
	json.NewDecoder(resp.Body).Decode(&raw)
	var list []map[string]any
	var one map[string]any
	if json.Unmarshal(raw, &list) != nil {
		json.Unmarshal(raw, &one)
	}
	return resp.StatusCode, resp.Header, list, one
}

// TestLibraryAPI: the files uploaded are listed by folder and by name, with
// their versions and details, to a caller with a private key only; past
// the rate, 429 says in milliseconds when to come back.
func TestLibraryAPI(t *testing.T) {
	s, sg := newServer(t)
	fixed := map[string]string{"fileName": "logo.png", "folder": "/brand", "useUniqueFileName": "false"}
	for i, body := range []string{"first", "second, longer"} {
		if a := send(t, s, sg, upload{fields: fixed, file: []byte(body)}); a.status != 200 {
			t.Fatalf("version %d: %d %v", i+1, a.status, a.body)
		}
	}
	if a := send(t, s, sg, upload{fields: map[string]string{"fileName": "other.png", "folder": "/brand/sub", "useUniqueFileName": "false"}, file: []byte("x")}); a.status != 200 {
		t.Fatalf("other: %d", a.status)
	}
	if status, _, _, _ := getLibrary(t, s, LibraryPath+"?path=/brand", ""); status != http.StatusUnauthorized {
		t.Fatalf("without a key: %d", status)
	}
	if status, _, _, _ := getLibrary(t, s, LibraryPath+"?path=/brand", DemoPublicKey); status != http.StatusUnauthorized {
		t.Fatalf("with the public key: %d", status)
	}
	status, _, list, _ := getLibrary(t, s, LibraryPath+"?path=/brand", DemoPrivateKey)
	if status != 200 || len(list) != 1 || list[0]["filePath"] != "/brand/logo.png" || list[0]["size"] != float64(len("second, longer")) {
		t.Fatalf("the folder: %d %v", status, list)
	}
	if info := list[0]["versionInfo"].(map[string]any); info["name"] != "Version 2" {
		t.Fatalf("its version: %v", info)
	}
	q := url.Values{"path": {"/brand/sub"}, "searchQuery": {`name = "other.png"`}}
	if _, _, byName, _ := getLibrary(t, s, LibraryPath+"?"+q.Encode(), DemoPrivateKey); len(byName) != 1 || byName[0]["name"] != "other.png" {
		t.Fatalf("by name: %v", byName)
	}
	q.Set("searchQuery", `name = "none.png"`)
	if _, _, none, _ := getLibrary(t, s, LibraryPath+"?"+q.Encode(), DemoPrivateKey); list == nil || len(none) != 0 {
		t.Fatalf("no such name: %v", none)
	}
	id := list[0]["fileId"].(string)
	_, _, versions, _ := getLibrary(t, s, LibraryPath+"/"+id+"/versions", DemoPrivateKey)
	if len(versions) != 2 || versions[0]["size"] != float64(len("first")) || versions[1]["versionInfo"].(map[string]any)["name"] != "Version 2" {
		t.Fatalf("versions: %v", versions)
	}
	if _, _, _, details := getLibrary(t, s, LibraryPath+"/"+id+"/details", DemoPrivateKey); details["filePath"] != "/brand/logo.png" {
		t.Fatalf("details: %v", details)
	}
	if status, _, _, _ := getLibrary(t, s, LibraryPath+"/nope/details", DemoPrivateKey); status != http.StatusNotFound {
		t.Fatalf("an unknown file: %d", status)
	}

	limited := NewServer(WithLibraryRate(2))
	defer limited.Close()
	for i := range 2 {
		if status, _, _, _ := getLibrary(t, limited, LibraryPath, DemoPrivateKey); status != 200 {
			t.Fatalf("call %d: %d", i+1, status)
		}
	}
	status, h, _, _ := getLibrary(t, limited, LibraryPath, DemoPrivateKey)
	reset, err := strconv.Atoi(h.Get("X-RateLimit-Reset"))
	if status != http.StatusTooManyRequests || err != nil || reset <= 0 || reset > 1000 {
		t.Fatalf("past the rate: %d, X-RateLimit-Reset %q", status, h.Get("X-RateLimit-Reset"))
	}
}
