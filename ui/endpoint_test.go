package ui

import (
	"bytes"
	"encoding/json"
	"image"
	"image/png"
	"net/http"
	"strings"
	"testing"

	"imagekit-uploader/internal/pasteboard"
	"imagekit-uploader/localendpoint/endpointtest"
)

// TestEditorsEndpointInTheWindow: with Settings › Editors' apps on, an app
// posts files and gets their links, in order, and the files are rows that
// uploaded; a body-less request uploads the clipboard's image; a web
// page's request (an Origin) or a foreign Host is refused, uploads nothing,
// and the window says so; off, nothing listens.
func TestEditorsEndpointInTheWindow(t *testing.T) {
	u := newTestUI(t, Config{Demo: true, EndpointListen: "127.0.0.1:0"})
	board := &copied{}
	u.readClipboard = board.read
	var addr string
	onUI(func() {
		u.endpointChoice().SetChecked(true)
		addr = u.endpoint.addr
	})
	post := func(body string, header map[string]string) (int, map[string]any) {
		return endpointtest.Post(t, "http://"+addr+"/upload", body, header)
	}
	files := makeFiles(t, t.TempDir(), "a.png", "b.png")
	list, _ := json.Marshal(map[string][]string{"list": files})
	code, a := post(string(list), nil)
	urls, _ := a["result"].([]any)
	if code != 200 || a["success"] != true || len(urls) != 2 || !strings.Contains(urls[0].(string), "/a_") || !strings.Contains(urls[1].(string), "/b_") {
		t.Fatalf("%d %v", code, a)
	}
	waitFor(t, "the rows", func() bool { return allDone(u, 2) })

	var shot bytes.Buffer
	png.Encode(&shot, image.NewRGBA(image.Rect(0, 0, 20, 10)))
	board.set(pasteboard.Contents{Image: shot.Bytes()})
	code, a = post("", nil)
	if urls, _ := a["result"].([]any); code != 200 || len(urls) != 1 || !strings.Contains(urls[0].(string), "/screenshot-") {
		t.Fatalf("the clipboard's image: %d %v", code, a)
	}

	before := len(u.shared.demo.Requests())
	for _, h := range []map[string]string{{"Origin": "https://evil.example"}, {"Host": "evil.example:36677"}} {
		if code, a := post(string(list), h); code != http.StatusForbidden || a["success"] != false {
			t.Errorf("%v: %d %v", h, code, a)
		}
	}
	waitFor(t, "the refusal said", func() bool { return strings.Contains(u.notice.Text, "An upload request from an app was refused") })
	if n := len(u.shared.demo.Requests()); n != before {
		t.Errorf("refused requests uploaded %d files", n-before)
	}
	waitFor(t, "three rows uploaded", func() bool { return allDone(u, 3) })
	onUI(func() { u.endpointChoice().SetChecked(false) })
	if _, err := http.Post("http://"+addr+"/heartbeat", "application/json", nil); err == nil {
		t.Error("turned off, the endpoint still answers")
	}
}
