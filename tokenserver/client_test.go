package tokenserver_test

import (
	"context"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

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
