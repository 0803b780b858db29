package tokenserver_test

import (
	"bytes"
	"encoding/json"
	"image"
	"image/color"
	"image/png"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"imagekit-uploader/signer"
	"imagekit-uploader/tokenserver"
	"imagekit-uploader/uploader/imagekittest"
)

// TestOfficialNodeSDK: ImageKit's own Node SDK (@imagekit/nodejs, pinned in
// scripts/test.sh) uploads through the emulator as a web team's code would:
// server-side with the private key, and client-side with tokens from
// token-server and from jsonwebtoken, with every option ai-tasks and checks
// included. Its answers hold only what the SDK's own type names, and the
// refusals come as the SDK's error classes. The script is
// testdata/sdk-interop.js.
func TestOfficialNodeSDK(t *testing.T) {
	nodePath := os.Getenv("SEED_CLIENT_NODE_PATH")
	if nodePath == "" {
		t.Skip("SEED_CLIENT_NODE_PATH unset: scripts/test.sh installs @imagekit/nodejs and sets it")
	}
	if _, err := os.Stat(filepath.Join(nodePath, "@imagekit", "nodejs")); err != nil {
		t.Skip("@imagekit/nodejs is not installed under SEED_CLIENT_NODE_PATH (scripts/test.sh installs it)")
	}
	const tooLarge = 200_000
	emu := imagekittest.NewServer(imagekittest.WithMaxFileSize(tooLarge - 1))
	defer emu.Close()
	s, _ := signer.New(imagekittest.DemoPublicKey, imagekittest.DemoPrivateKey)
	// The fields that reach other machines are signed where the operator
	// names them, as a team that uses extensions would.
	allow, err := tokenserver.ParseAllowFields("default,extensions,transformation,checks,webhookUrl")
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(&tokenserver.TokenHandler{Signer: s, Clients: tokenserver.Clients{"web": "web-secret"},
		Policy: tokenserver.Policy{AllowFields: allow}})
	defer ts.Close()

	img := image.NewRGBA(image.Rect(0, 0, 64, 48))
	img.Set(3, 3, color.RGBA{200, 10, 10, 255})
	var b bytes.Buffer
	png.Encode(&b, img)
	pngPath := filepath.Join(t.TempDir(), "look.png")
	os.WriteFile(pngPath, b.Bytes(), 0o644)

	cfg, _ := json.Marshal(map[string]any{"base": emu.URL, "publicKey": imagekittest.DemoPublicKey, "privateKey": imagekittest.DemoPrivateKey,
		"tokenServer": ts.URL + "/auth", "bearer": "web-secret", "png": pngPath, "tooLarge": tooLarge})
	cmd := exec.Command("node", "testdata/sdk-interop.js", string(cfg))
	cmd.Env = append(os.Environ(), "NODE_PATH="+nodePath)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("node: %v\n%s", err, stderr.String())
	}
	defer func() {
		if t.Failed() {
			t.Logf("what the script printed:\n%s", out)
		}
	}()
	type outcome struct {
		Name, ErrorClass, Message string
		OK                        bool
		Status                    int
		Body                      json.RawMessage
	}
	got := map[string]outcome{}
	for line := range strings.SplitSeq(strings.TrimSpace(string(out)), "\n") {
		var o outcome
		if err := json.Unmarshal([]byte(line), &o); err != nil {
			t.Fatalf("%v: %s", err, line)
		}
		got[o.Name] = o
	}
	var keys []string
	json.Unmarshal(got["answer keys"].Body, &keys)
	if !slices.Contains(keys, "versionInfo") || !slices.Contains(keys, "extensionStatus") {
		t.Fatalf("the SDK's FileUploadResponse names %v", keys)
	}

	for _, c := range []struct{ name, folder string }{
		{"server-side, every option", "/sdk/server"},
		{"token from token-server", "/sdk/token-server"},
		{"token from jsonwebtoken", "/sdk/jsonwebtoken"},
	} {
		o := got[c.name]
		if !o.OK {
			t.Errorf("%s: %s %d %s", c.name, o.ErrorClass, o.Status, o.Message)
			continue
		}
		var ans map[string]any
		json.Unmarshal(o.Body, &ans)
		for k := range ans {
			if !slices.Contains(keys, k) {
				t.Errorf("%s: the answer's %q is not in the SDK's FileUploadResponse", c.name, k)
			}
		}
		var a struct {
			Name, FilePath, Description string
			Width                       int
			Tags                        []string
			AITags                      []struct{ Name string }
			VersionInfo                 struct{ Name string }
			ExtensionStatus             map[string]string
			CustomMetadata              map[string]string
			IsPrivateFile               *bool
			Metadata                    struct{ Width int }
		}
		json.Unmarshal(o.Body, &a)
		wantExt := map[string]string{"google-auto-tagging": "success", "remove-bg": "pending", "ai-auto-description": "pending", "ai-tasks": "pending"}
		if a.FilePath != c.folder+"/look.png" || a.VersionInfo.Name != "Version 1" || a.Width != 64 || !slices.Equal(a.Tags, []string{"summer", "dress"}) ||
			len(a.AITags) == 0 || a.CustomMetadata["brand"] != "acme" || a.IsPrivateFile == nil || a.Metadata.Width != 64 ||
			a.Description != "A red dress, front" || !mapsEqual(a.ExtensionStatus, wantExt) {
			t.Errorf("%s: %s", c.name, o.Body)
		}
	}
	for _, c := range []struct {
		name, class string
		status      int
		says        string
	}{
		{"tampered", "BadRequestError", 400, "fileName"},
		{"reused", "BadRequestError", 400, "used before"},
		{"failed check", "BadRequestError", 400, "did not pass the upload checks"},
		{"too large", "APIError", 413, "accepts files up to"},
		{"wrong private key", "AuthenticationError", 401, "private key"},
	} {
		o := got[c.name]
		if o.OK || o.ErrorClass != c.class || o.Status != c.status || !strings.Contains(o.Message, c.says) {
			t.Errorf("%s: ok %v, %s %d %q; want %s %d saying %q", c.name, o.OK, o.ErrorClass, o.Status, o.Message, c.class, c.status, c.says)
		}
	}
	if o := got["base64"]; !o.OK {
		t.Errorf("base64: %s %d %s", o.ErrorClass, o.Status, o.Message)
	}
}

func mapsEqual(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}
