package cli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"imagekit-uploader/localendpoint/endpointtest"
	"imagekit-uploader/uploader/imagekittest"
)

// TestLocalEndpointUploadsForAnEditor: the command serves PicGo's API on
// loopback: a list of two images goes up to the folder given, with their
// URLs in order, each with its line on stdout; a request carrying a
// browser's Origin, or for a foreign Host, uploads nothing.
func TestLocalEndpointUploadsForAnEditor(t *testing.T) {
	t.Setenv("IMAGEKIT_PRIVATE_KEY", "")
	t.Setenv(EnvLocalEndpointSecret, "")
	srv := imagekittest.NewServer()
	defer srv.Close()
	for _, bad := range [][]string{{"--listen", "0.0.0.0:0"}, {"--listen", "192.168.0.1:36677"}, {"a.png"}} {
		if code, _, errs := runCLI(t, "", append([]string{"local-endpoint", "--endpoint", srv.UploadURL, "--public-key", imagekittest.DemoPublicKey}, bad...)...); code != 2 {
			t.Errorf("%v: exit %d: %s", bad, code, errs)
		}
	}
	url, stop := startCommand(t, "listening on", "local-endpoint", "--listen", "127.0.0.1:0", "--endpoint", srv.UploadURL,
		"--public-key", imagekittest.DemoPublicKey, "--folder", "/notes/img", "--json")
	defer stop()
	dir := t.TempDir()
	a, b := filepath.Join(dir, "shot 1.png"), filepath.Join(dir, "diagram.jpg")
	os.WriteFile(a, []byte("a screenshot"), 0o644)
	os.WriteFile(b, []byte("a diagram"), 0o644)
	body, _ := json.Marshal(map[string][]string{"list": {a, b}})
	send := func(hdr map[string]string) (int, map[string]any) { return endpointtest.Post(t, url, string(body), hdr) }
	for _, hdr := range []map[string]string{{"Origin": "https://evil.example"}, {"Host": "rebound.example:36677"}} {
		if code, m := send(hdr); code != 403 || len(srv.Requests()) != 0 {
			t.Errorf("%v: %d %v, %d requests", hdr, code, m, len(srv.Requests()))
		}
	}
	code, m := send(nil)
	res, _ := m["result"].([]any)
	if code != 200 || m["success"] != true || len(res) != 2 || !strings.Contains(res[0].(string), "/notes/img/shot_1") || !strings.Contains(res[1].(string), "/notes/img/diagram_") {
		t.Fatalf("%d %v", code, m)
	}
	if len(srv.Files()) != 2 {
		t.Errorf("%d files stored", len(srv.Files()))
	}
}
