package cli

import (
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"imagekit-uploader/keystore"
	"imagekit-uploader/signer"
	"imagekit-uploader/tokenserver"
	"imagekit-uploader/uploader/imagekittest"
)

// TestUploadOptionsRoundTrip: each option flag becomes its form field and
// token claim as typed, the server answers with what it asked for, and the
// result line (--json and --format) carries it.
func TestUploadOptionsRoundTrip(t *testing.T) {
	t.Setenv(keystore.EnvPrivateKey, "")
	srv := imagekittest.NewServer()
	defer srv.Close()
	p := filepath.Join(t.TempDir(), "dress.jpg")
	touchFile(t, p)
	flags := map[string][2]string{ // flag: field, value
		"--description":        {"description", "A red dress, front"},
		"--custom-metadata":    {"customMetadata", `{"brand": "acme", "price": 129}`},
		"--extensions":         {"extensions", `[{"name": "aws-auto-tagging", "maxTags": 3, "minConfidence": 70}, {"name": "ai-auto-description"}]`},
		"--transformation":     {"transformation", `{"pre": "w-2560,q-80"}`},
		"--checks":             {"checks", `"file.size" < "10mb"`},
		"--webhook-url":        {"webhookUrl", "https://cms.example.com/hook"},
		"--custom-coordinates": {"customCoordinates", "1,2,30,40"},
		"--response-fields":    {"responseFields", "tags,customMetadata,customCoordinates,isPublished"},
	}
	args := uploadArgs(srv, "--json", "--unique=false", "--tags", "summer",
		"--overwrite-tags=false", "--overwrite-ai-tags=false", "--overwrite-custom-metadata", "--published=true")
	for flag, fv := range flags {
		args = append(args, flag, fv[1])
	}
	code, out, errs := runCLI(t, "", append(args, p)...)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	reqs := srv.Requests()
	if len(reqs) != 1 {
		t.Fatalf("%d requests", len(reqs))
	}
	want := map[string]string{"overwriteTags": "false", "overwriteAITags": "false", "overwriteCustomMetadata": "true", "isPublished": "true"}
	for _, fv := range flags {
		want[fv[0]] = fv[1]
	}
	for k, v := range want {
		if reqs[0].Fields[k] != v || reqs[0].Claims.Fields[k] != v {
			t.Errorf("%s: form %q, token %q; want %q", k, reqs[0].Fields[k], reqs[0].Claims.Fields[k], v)
		}
	}
	line := jsonLines(t, out)["dress.jpg"]
	if line["description"] != "A red dress, front" || line["customCoordinates"] != "1,2,30,40" || line["isPublished"] != true {
		t.Errorf("line %v", line)
	}
	if !reflect.DeepEqual(line["customMetadata"], map[string]any{"brand": "acme", "price": float64(129)}) ||
		!reflect.DeepEqual(line["tags"], []any{"summer"}) {
		t.Errorf("customMetadata %v, tags %v", line["customMetadata"], line["tags"])
	}
	if !reflect.DeepEqual(line["extensionStatus"], map[string]any{"aws-auto-tagging": "success", "ai-auto-description": "pending"}) {
		t.Errorf("extensionStatus %v", line["extensionStatus"])
	}
	if tags, _ := line["AITags"].([]any); len(tags) == 0 {
		t.Errorf("AITags %v", line["AITags"])
	}

	// The same answer through a template, with a key the answer lacks.
	code, out, errs = runCLI(t, "", append(uploadArgs(srv, "--unique=false", "--skip-uploaded=false", "--response-fields", "customMetadata",
		"--custom-metadata", `{"brand":"acme"}`, "--extensions", `[{"name":"google-auto-tagging","maxTags":2,"minConfidence":50}]`,
		"--format", `{{.customMetadata.brand}}|{{.customMetadata.season}}|{{range .AITags}}{{.name}} {{end}}|{{index .extensionStatus "google-auto-tagging"}}`), p)...)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	parts := strings.Split(strings.TrimSpace(out), "|")
	if len(parts) != 4 || parts[0] != "acme" || parts[1] != "" || strings.TrimSpace(parts[2]) == "" || parts[3] != "success" {
		t.Errorf("--format line %q", out)
	}
}

// TestUploadOptionFlagsRefused: a malformed option is refused with exit 2,
// the flag named and a reason, before anything is sent.
func TestUploadOptionFlagsRefused(t *testing.T) {
	t.Setenv(keystore.EnvPrivateKey, "")
	srv := imagekittest.NewServer()
	defer srv.Close()
	p := filepath.Join(t.TempDir(), "a.jpg")
	touchFile(t, p)
	for _, c := range [][]string{
		{"--custom-metadata", `{"brand": acme}`, "--custom-metadata: not valid JSON"},
		{"--custom-metadata", `["acme"]`, "--custom-metadata: must be a JSON object"},
		{"--extensions", `[{"name": "google-auto-tagging"}]`, "--extensions: google-auto-tagging: maxTags is required"},
		{"--transformation", `{"pre": 5}`, `--transformation: "pre" must be`},
		{"--checks", `"file.size < 1mb`, "--checks: has an unclosed quote"},
		{"--webhook-url", "hook.example.com", "--webhook-url: \"hook.example.com\" is not an http(s) URL"},
		{"--custom-coordinates", "1,2,3", "--custom-coordinates:"},
		{"--response-fields", "tags,everything", `--response-fields: unknown response field "everything"`},
		{"--published=maybe", "", `"maybe": use true or false`},
		{"--published=", "", `"": use true or false`}, // an empty variable: refused, never taken for "unset"
		{"--max-file-size", "lots", "--max-file-size: \"lots\" is not a size"},
	} {
		args := uploadArgs(srv, c[0])
		if c[1] != "" || !strings.HasPrefix(c[0], "--published") {
			args = append(args, c[1])
		}
		code, _, errs := runCLI(t, "", append(args, p)...)
		if code != 2 || !strings.Contains(errs, c[2]) {
			t.Errorf("%s %s: exit %d, %q; want 2 and %q", c[0], c[1], code, errs, c[2])
		}
	}
	if n := len(srv.Requests()); n != 0 {
		t.Fatalf("%d requests sent", n)
	}
}

// TestMaxFileSizeFlag: --max-file-size replaces the plan's limit.
func TestMaxFileSizeFlag(t *testing.T) {
	t.Setenv(keystore.EnvPrivateKey, "")
	srv := imagekittest.NewServer()
	defer srv.Close()
	p := filepath.Join(t.TempDir(), "big.bin")
	if err := os.WriteFile(p, make([]byte, 3000), 0o644); err != nil {
		t.Fatal(err)
	}
	code, out, _ := runCLI(t, "", append(uploadArgs(srv, "--max-file-size", "2KB", "--json"), p)...)
	if line := jsonLines(t, out)["big.bin"]; code != 1 || !strings.Contains(line["error"].(map[string]any)["message"].(string), "size limit set for the account is 2.0 KB") {
		t.Fatalf("exit %d, %v", code, line)
	}
	if code, _, errs := runCLI(t, "", append(uploadArgs(srv, "--max-file-size", "1MB"), p)...); code != 0 {
		t.Fatalf("under the limit: exit %d: %s", code, errs)
	}
}

// TestOptionsThroughATokenEndpoint: options signed by a team's token
// endpoint arrive as typed; one its policy does not allow is refused by it
// (the command stops and says so), not sent unsigned.
func TestOptionsThroughATokenEndpoint(t *testing.T) {
	srv := imagekittest.NewServer()
	defer srv.Close()
	s, _ := signer.New(imagekittest.DemoPublicKey, imagekittest.DemoPrivateKey)
	ep := httptest.NewServer(&tokenserver.TokenHandler{Signer: s, Clients: tokenserver.Clients{"team": "secret"}})
	defer ep.Close()
	t.Setenv(EnvTokenEndpointSecret, "secret")
	p := filepath.Join(t.TempDir(), "a.jpg")
	touchFile(t, p)
	base := []string{"upload", "--json", "--endpoint", srv.UploadURL, "--token-endpoint", ep.URL, "--public-key", imagekittest.DemoPublicKey}
	code, out, errs := runCLI(t, "", append(base, "--custom-metadata", `{"brand": "acme"}`, "--description", "Red", p)...)
	if code != 0 {
		t.Fatalf("exit %d: %s %s", code, out, errs)
	}
	if r := srv.Requests()[0]; r.Claims.Fields["customMetadata"] != `{"brand": "acme"}` || r.Fields["description"] != "Red" {
		t.Errorf("sent %v, signed %v", r.Fields, r.Claims.Fields)
	}
	// extensions cost money: the endpoint signs them only where its operator allows.
	code, _, errs = runCLI(t, "", append(base, "--skip-uploaded=false", "--extensions", `[{"name":"remove-bg"}]`, p)...)
	if code != 2 || !strings.Contains(errs, "extensions") {
		t.Errorf("extensions without the policy's leave: exit %d, %s", code, errs)
	}
	if n := len(srv.Requests()); n != 1 {
		t.Errorf("%d requests reached the server, want 1", n)
	}
}

// TestLimitRate: --limit-rate 1MB sends a 6 MB file in no less than 5 s;
// a bad rate is refused before anything is sent.
func TestLimitRate(t *testing.T) {
	t.Setenv(keystore.EnvPrivateKey, "")
	srv := imagekittest.NewServer()
	defer srv.Close()
	p := filepath.Join(t.TempDir(), "video.bin")
	if err := os.WriteFile(p, make([]byte, 6<<20), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, bad := range []string{"fast", "1B", "10KB"} {
		if code, _, errs := runCLI(t, "", append(uploadArgs(srv, "--limit-rate", bad), p)...); code != 2 || !strings.Contains(errs, "--limit-rate") {
			t.Fatalf("rate %s: exit %d: %s", bad, code, errs)
		}
	}
	start := time.Now()
	code, _, errs := runCLI(t, "", append(uploadArgs(srv, "--limit-rate", "1MB", "--plan", "pro"), p)...)
	took := time.Since(start)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	if took < 5*time.Second {
		t.Fatalf("6 MB at 1 MB/s took %v", took)
	}
}
