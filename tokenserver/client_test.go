package tokenserver_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"imagekit-uploader/signer"
	"imagekit-uploader/tokenserver"
	"imagekit-uploader/uploader"
	"imagekit-uploader/uploader/imagekittest"
)

// TestUploaderUsesTheEndpoint: the uploader's client, given this token
// endpoint, uploads with its tokens, and a wrong bearer secret is refused in
// words that name it.
func TestUploaderUsesTheEndpoint(t *testing.T) {
	srv := imagekittest.NewServer()
	defer srv.Close()
	s, _ := signer.New(imagekittest.DemoPublicKey, imagekittest.DemoPrivateKey)
	ts := httptest.NewServer(&tokenserver.TokenHandler{Signer: s, Clients: tokenserver.Clients{"default": "team"}})
	defer ts.Close()
	p := filepath.Join(t.TempDir(), "r.bin")
	if err := os.WriteFile(p, make([]byte, 100), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		secret, want string
	}{{"team", ""}, {"wrong", "bearer secret"}} {
		cl := &uploader.Client{Endpoint: srv.UploadURL, Tokens: uploader.RemoteTokens{URL: ts.URL, Secret: c.secret, PublicKey: imagekittest.DemoPublicKey}}
		res, err := cl.Upload(context.Background(), uploader.Request{Path: p, FileName: "r.bin", Size: 100, Fields: uploader.DefaultFields()}, nil)
		if c.want == "" && (err != nil || res.FileID == "") || c.want != "" && (err == nil || !strings.Contains(err.Error(), c.want)) {
			t.Errorf("secret %q: %v, %v", c.secret, res, err)
		}
	}
}

// TestLookup: /lookup answers a client with the bearer secret, from the
// library, only under the folder prefix, within the same rate as /auth;
// the uploader's RemoteLibrary settles a lost answer through it, with no
// private key on the uploading side.
func TestLookup(t *testing.T) {
	srv := imagekittest.NewServer()
	defer srv.Close()
	s, _ := signer.New(imagekittest.DemoPublicKey, imagekittest.DemoPrivateKey)
	auth := &tokenserver.TokenHandler{Signer: s, Clients: tokenserver.Clients{"web": "team"},
		Policy: tokenserver.Policy{FolderPrefix: "/web", Rate: 6}}
	mux := http.NewServeMux()
	mux.Handle("/auth", auth)
	mux.Handle("/lookup", &tokenserver.LookupHandler{Auth: auth, Library: uploader.APILibrary{Endpoint: uploader.LibraryEndpoint(srv.UploadURL), PrivateKey: imagekittest.DemoPrivateKey}})
	ts := httptest.NewServer(mux)
	defer ts.Close()

	p := filepath.Join(t.TempDir(), "banner.jpg")
	os.WriteFile(p, []byte("the spring banner"), 0o644)
	f := uploader.DefaultFields()
	f.Folder, f.UseUniqueFileName, f.OverwriteFile = "/web", false, true
	c := uploader.NewClient(srv.UploadURL, uploader.RemoteTokens{URL: ts.URL + "/auth", Secret: "team", PublicKey: imagekittest.DemoPublicKey})
	q := uploader.NewQueue(context.Background(), c, 1, uploader.PlanFree)
	q.SetLibrary(uploader.RemoteLibrary{URL: uploader.LookupURL(ts.URL + "/auth"), Secret: "team"})
	srv.Script(imagekittest.Fault{StoreThenDrop: true})
	items, _ := uploader.Collect([]string{p})
	ids, _ := q.Add(items, f)
	q.Start(ids...)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	q.Wait(ctx)
	if j, _ := q.Job(ids[0]); j.State != uploader.Done || !j.Result.FoundInLibrary {
		t.Fatalf("through /lookup: %s %v", j.State, j.Err)
	}

	ask := func(secret, body string) int {
		req, _ := http.NewRequest(http.MethodPost, ts.URL+"/lookup", strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+secret)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	for _, c := range []struct {
		secret, body string
		want         int
	}{
		{"wrong", `{"folder": "/web"}`, http.StatusUnauthorized},
		{"team", `{"folder": "/other"}`, http.StatusForbidden},
		{"team", `{"folder": "/web/../other"}`, http.StatusForbidden},
		{"team", `{"folder": "/web", "size": 1}`, http.StatusBadRequest},
		{"team", `{"folder": "/web", "name": "banner.jpg"}`, http.StatusOK},
	} {
		if got := ask(c.secret, c.body); got != c.want {
			t.Errorf("%s %s: %d, want %d", c.secret, c.body, got, c.want)
		}
	}
	// A file outside the prefix, asked for by its id: refused.
	other := uploader.NewClient(srv.UploadURL, uploader.LocalTokens{Signer: s})
	g := uploader.DefaultFields()
	g.Folder = "/private"
	res, err := other.Upload(context.Background(), uploader.Request{Path: p, FileName: "x.jpg", Size: 17, Fields: g}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got := ask("team", `{"fileId": "`+res.FileID+`"}`); got != http.StatusForbidden {
		t.Errorf("a file outside the prefix by its id: %d", got)
	}
	// The rate is /auth's: 6 a minute in all, tokens and lookups.
	limited := 0
	for range 10 {
		if ask("team", `{"folder": "/web"}`) == http.StatusTooManyRequests {
			limited++
		}
	}
	if limited == 0 {
		t.Error("lookups are not rate-limited")
	}
}
