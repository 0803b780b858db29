package tokenserver

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"imagekit-uploader/signer"
)

const bearer = "team-secret"

func newTokenServer(t *testing.T) (*httptest.Server, *signer.Signer) {
	t.Helper()
	s := mustSigner(t)
	srv := httptest.NewServer(&TokenHandler{Signer: s, Clients: Clients{"web": bearer}, AllowOrigin: "https://cms.example"})
	t.Cleanup(srv.Close)
	return srv, s
}

func post(t *testing.T, url, auth, body string) (*http.Response, map[string]any) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var m map[string]any
	raw, _ := io.ReadAll(resp.Body)
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatalf("answer %d is not JSON: %q", resp.StatusCode, raw)
	}
	return resp, m
}

func TestTokenEndpoint(t *testing.T) {
	srv, _ := newTokenServer(t)
	body := `{"uploadPayload": {"fileName": "dress.jpg", "useUniqueFileName": "false", "tags": "summer,dress"}, "expire": 400, "publicKey": "` + testPublic + `"}`
	resp, m := post(t, srv.URL+"/auth", "Bearer "+bearer, body)
	if resp.StatusCode != 200 {
		t.Fatalf("status %d: %v", resp.StatusCode, m)
	}
	if got := resp.Header.Get("Access-Control-Allow-Origin"); got != "https://cms.example" {
		t.Errorf("Access-Control-Allow-Origin %q", got)
	}
	tok, _ := m["token"].(string)
	v := &signer.Verifier{PrivateKey: func(string) (string, bool) { return testPrivate, true }}
	c, err := v.Verify(tok)
	if err != nil {
		t.Fatal(err)
	}
	if c.Expires.Sub(c.IssuedAt) != 400*time.Second {
		t.Errorf("exp - iat = %v, want 400s", c.Expires.Sub(c.IssuedAt))
	}
	want := map[string]string{"fileName": "dress.jpg", "useUniqueFileName": "false", "tags": "summer,dress"}
	if len(c.Fields) != len(want) {
		t.Errorf("fields %v, want %v", c.Fields, want)
	}
	for k, v := range want {
		if c.Fields[k] != v {
			t.Errorf("field %s = %q, want %q", k, c.Fields[k], v)
		}
	}
	_, m2 := post(t, srv.URL+"/auth", "Bearer "+bearer, body)
	if m2["token"] == tok {
		t.Error("the same request twice gave the same token")
	}
}

func TestTokenEndpointRefusals(t *testing.T) {
	srv, _ := newTokenServer(t)
	good := func(payload, expire string) string {
		return `{"uploadPayload": ` + payload + `, "expire": ` + expire + `, "publicKey": "` + testPublic + `"}`
	}
	cases := []struct {
		name, auth, body string
		status           int
	}{
		{"no bearer", "", good(`{"fileName":"a"}`, "60"), 401},
		{"wrong bearer", "Bearer nope", good(`{"fileName":"a"}`, "60"), 401},
		{"basic auth", "Basic " + bearer, good(`{"fileName":"a"}`, "60"), 401},
		{"bad JSON", "Bearer " + bearer, `{"uploadPayload":`, 400},
		{"expire 0", "Bearer " + bearer, good(`{"fileName":"a"}`, "0"), 400},
		{"expire -3", "Bearer " + bearer, good(`{"fileName":"a"}`, "-3"), 400},
		{"expire a string", "Bearer " + bearer, good(`{"fileName":"a"}`, `"400"`), 400},
		{"expire 3601", "Bearer " + bearer, good(`{"fileName":"a"}`, "3601"), 400},
		{"expire fractional", "Bearer " + bearer, good(`{"fileName":"a"}`, "1.5"), 400},
		{"expire missing", "Bearer " + bearer, `{"uploadPayload": {}, "publicKey": "` + testPublic + `"}`, 400},
		{"boolean value", "Bearer " + bearer, good(`{"useUniqueFileName":false}`, "60"), 400},
		{"number value", "Bearer " + bearer, good(`{"fileName":1}`, "60"), 400},
		{"file field", "Bearer " + bearer, good(`{"file":"x"}`, "60"), 400},
		{"token field", "Bearer " + bearer, good(`{"token":"x"}`, "60"), 400},
		{"unknown publicKey", "Bearer " + bearer, `{"uploadPayload": {}, "expire": 60, "publicKey": "other"}`, 403},
		// encoding/json matches member names in any case: the README
		// promises that unknown members are refused.
		{"member in capitals", "Bearer " + bearer, `{"UPLOADPAYLOAD": {}, "expire": 60, "publicKey": "` + testPublic + `"}`, 400},
		{"member in mixed case", "Bearer " + bearer, `{"uploadPayload": {}, "Expire": 60, "publicKey": "` + testPublic + `"}`, 400},
		{"member twice", "Bearer " + bearer, `{"uploadPayload": {}, "expire": 60, "expire": 60, "publicKey": "` + testPublic + `"}`, 400},
		{"body over 1 MiB", "Bearer " + bearer, good(`{"description":"`+strings.Repeat("x", MaxAuthBody)+`"}`, "60"), 413},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			resp, m := post(t, srv.URL+"/auth", c.auth, c.body)
			if resp.StatusCode != c.status {
				t.Fatalf("status %d, want %d (%v)", resp.StatusCode, c.status, m)
			}
			msg, _ := m["message"].(string)
			if msg == "" {
				t.Fatalf("no message in %v", m)
			}
			// An expire refused says what was wrong with what was sent.
			if strings.HasPrefix(c.name, "expire ") && c.name != "expire missing" {
				if strings.Contains(c.body, `"400"`) != strings.Contains(msg, "not a string") || !strings.Contains(msg, "sent") {
					t.Fatalf("message %q for %s", msg, c.name)
				}
			}
			if _, has := m["token"]; has {
				t.Fatal("a refused request got a token")
			}
		})
	}
}

func TestTokenEndpointMethods(t *testing.T) {
	srv, _ := newTokenServer(t)
	req, _ := http.NewRequest(http.MethodOptions, srv.URL+"/auth", nil)
	req.Header.Set("Origin", "https://cms.example")
	req.Header.Set("Access-Control-Request-Method", "POST")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNoContent ||
		!strings.Contains(resp.Header.Get("Access-Control-Allow-Headers"), "Authorization") ||
		!strings.Contains(resp.Header.Get("Access-Control-Allow-Methods"), "POST") {
		t.Fatalf("preflight: %d %v", resp.StatusCode, resp.Header)
	}
	resp, err = http.Get(srv.URL + "/auth")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusMethodNotAllowed {
		t.Fatalf("GET: %d, want 405", resp.StatusCode)
	}
}

const (
	testPublic  = "public_test_key"
	testPrivate = "private_test_key_0123456789"
)

func mustSigner(t testing.TB) *signer.Signer {
	t.Helper()
	s, err := signer.New(testPublic, testPrivate)
	if err != nil {
		t.Fatal(err)
	}
	return s
}
