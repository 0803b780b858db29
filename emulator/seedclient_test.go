package emulator

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// The seed's backend signs with Node's jsonwebtoken; its client uploads with a
// plain multipart POST. This test does exactly that, with curl -F, against the
// server, and fetches the file back. scripts/test.sh installs jsonwebtoken
// and sets SEED_CLIENT_NODE_PATH.
const seedSign = `
const jwt = require('jsonwebtoken');
const payload = JSON.parse(process.argv[1]);
process.stdout.write(jwt.sign(payload, process.env.IK_PRIVATE, {
  expiresIn: 400, header: { alg: 'HS256', typ: 'JWT', kid: process.env.IK_PUBLIC },
}));
`

func TestSeedClient(t *testing.T) {
	nodePath := os.Getenv("SEED_CLIENT_NODE_PATH")
	if nodePath == "" {
		t.Skip("SEED_CLIENT_NODE_PATH unset: scripts/test.sh installs jsonwebtoken and sets it")
	}
	for _, tool := range []string{"node", "curl"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s not installed (scripts/deps.sh test installs it)", tool)
		}
	}
	s, _ := newServer(t)
	file := filepath.Join(t.TempDir(), "dress.png")
	img := pngBytes(t, 64, 48)
	if err := os.WriteFile(file, img, 0o644); err != nil {
		t.Fatal(err)
	}
	payload := `{"fileName":"dress.png","useUniqueFileName":"false","tags":"summer,dress","folder":"/seed"}`
	sign := exec.Command("node", "-e", seedSign, payload)
	sign.Env = append(os.Environ(), "NODE_PATH="+nodePath, "IK_PUBLIC="+DemoPublicKey, "IK_PRIVATE="+DemoPrivateKey)
	var stderr bytes.Buffer
	sign.Stderr = &stderr
	token, err := sign.Output()
	if err != nil {
		t.Fatalf("node jsonwebtoken: %v\n%s", err, stderr.String())
	}
	curl := exec.Command("curl", "-sS", "-w", "\n%{http_code}",
		"-F", "file=@"+file, "-F", "fileName=dress.png", "-F", "useUniqueFileName=false",
		"-F", "tags=summer,dress", "-F", "folder=/seed", "-F", "token="+string(token), s.UploadURL)
	out, err := curl.Output()
	if err != nil {
		t.Fatalf("curl: %v", err)
	}
	// -w puts the status on a line of its own after the body.
	cut := strings.LastIndexByte(string(out), '\n')
	body, code := string(out[:cut]), string(out[cut+1:])
	if code != "200" {
		t.Fatalf("upload answered %s: %s", code, body)
	}
	var res struct {
		URL, FilePath string
		VersionInfo   struct{ Name string }
	}
	if err := json.Unmarshal([]byte(body), &res); err != nil {
		t.Fatalf("answer: %v: %s", err, body)
	}
	if res.FilePath != "/seed/dress.png" || res.VersionInfo.Name != "Version 1" {
		t.Errorf("answer %s", body)
	}
	back, err := exec.Command("curl", "-sS", "--fail", res.URL).Output()
	if err != nil || !bytes.Equal(back, img) {
		t.Fatalf("fetching %s back: %v, %d bytes; want the %d uploaded bytes", res.URL, err, len(back), len(img))
	}

	// The options that travel as JSON strings, signed by the seed's backend
	// exactly as its client sends them.
	opts := map[string]string{
		"fileName":       "tagged.png",
		"customMetadata": `{"brand":"acme","price":129}`,
		"extensions":     `[{"name":"google-auto-tagging","maxTags":3,"minConfidence":90},{"name":"remove-bg"}]`,
		"responseFields": "customMetadata",
	}
	p, _ := json.Marshal(opts)
	sign = exec.Command("node", "-e", seedSign, string(p))
	sign.Env = append(os.Environ(), "NODE_PATH="+nodePath, "IK_PUBLIC="+DemoPublicKey, "IK_PRIVATE="+DemoPrivateKey)
	if token, err = sign.Output(); err != nil {
		t.Fatalf("node jsonwebtoken: %v", err)
	}
	args := []string{"-sS", "-w", "\n%{http_code}", "-F", "file=@" + file, "-F", "token=" + string(token)}
	for k, v := range opts {
		args = append(args, "--form-string", k+"="+v)
	}
	if out, err = exec.Command("curl", append(args, s.UploadURL)...).Output(); err != nil {
		t.Fatalf("curl: %v", err)
	}
	cut = strings.LastIndexByte(string(out), '\n')
	if body, code = string(out[:cut]), string(out[cut+1:]); code != "200" {
		t.Fatalf("upload with options answered %s: %s", code, body)
	}
	var tagged struct {
		CustomMetadata  map[string]any    `json:"customMetadata"`
		ExtensionStatus map[string]string `json:"extensionStatus"`
		AITags          []struct{ Name, Source string }
	}
	if err := json.Unmarshal([]byte(body), &tagged); err != nil {
		t.Fatalf("answer: %v: %s", err, body)
	}
	if tagged.CustomMetadata["brand"] != "acme" || tagged.CustomMetadata["price"] != float64(129) ||
		tagged.ExtensionStatus["google-auto-tagging"] != "success" || tagged.ExtensionStatus["remove-bg"] != "pending" ||
		len(tagged.AITags) == 0 || len(tagged.AITags) > 3 || tagged.AITags[0].Source != "google-auto-tagging" {
		t.Errorf("answer %s", body)
	}
}
