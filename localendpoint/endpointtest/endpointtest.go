// Package endpointtest posts to a local upload endpoint as an editor's app
// does, for the tests of the command's and the window's.
package endpointtest

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
)

// Post sends body (JSON; none for the clipboard's image) to url with the
// headers given (Host sets the request's host), and returns the status and
// the decoded answer.
func Post(t testing.TB, url, body string, header map[string]string) (int, map[string]any) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	for k, v := range header {
		if k == "Host" {
			req.Host = v
		} else {
			req.Header.Set(k, v)
		}
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var answer map[string]any
	json.NewDecoder(resp.Body).Decode(&answer)
	return resp.StatusCode, answer
}
