package tokenserver

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

func policyServer(t *testing.T, p Policy, audit *bytes.Buffer) *httptest.Server {
	t.Helper()
	h := &TokenHandler{Signer: mustSigner(t), Clients: Clients{"web": "web-secret", "app": "app-secret"}, Policy: p}
	if audit != nil {
		h.Audit = audit
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv
}

func authBody(payload string, expire any) string {
	e, _ := json.Marshal(expire)
	return `{"uploadPayload": ` + payload + `, "expire": ` + string(e) + `, "publicKey": "` + testPublic + `"}`
}

// TestPolicyRefusesWhatItDoesNotAllow: each rule refuses with 403 and names
// itself. Before, whoever held the bearer could sign anything.
func TestPolicyRefusesWhatItDoesNotAllow(t *testing.T) {
	srv := policyServer(t, Policy{FolderPrefix: "/web", RequireUnique: true, MaxExpire: 600 * time.Second}, nil)
	cases := []struct {
		name, payload string
		expire        any
		status        int
		rule          string
	}{
		{"ordinary", `{"fileName":"a.jpg","folder":"/web/shop/","useUniqueFileName":"true","tags":"a,b"}`, 400, 200, ""},
		{"the prefix itself", `{"fileName":"a.jpg","folder":"/web"}`, 60, 200, ""},
		{"no folder", `{"fileName":"a.jpg"}`, 60, 403, "folder-prefix"},
		{"another folder", `{"fileName":"a.jpg","folder":"/website/"}`, 60, 403, "folder-prefix"},
		{"climbing out", `{"fileName":"a.jpg","folder":"/web/../private/"}`, 60, 403, "folder-prefix"},
		{"overwrite", `{"fileName":"a.jpg","folder":"/web/","useUniqueFileName":"false","overwriteFile":"true"}`, 60, 403, "require-unique"},
		{"overwrite by default", `{"fileName":"a.jpg","folder":"/web/","useUniqueFileName":"false"}`, 60, 403, "require-unique"},
		// A fixed name that cannot replace what is there (the uploader's
		// names made from the content) overwrites nothing either.
		{"fixed name, no overwrite", `{"fileName":"a_0123456789ab.jpg","folder":"/web/","useUniqueFileName":"false","overwriteFile":"false"}`, 60, 200, ""},
		{"paid extension", `{"fileName":"a.jpg","folder":"/web/","extensions":"[{\"name\":\"remove-bg\"}]"}`, 60, 403, "allow-fields"},
		{"webhook", `{"fileName":"a.jpg","folder":"/web/","webhookUrl":"https://x.example/"}`, 60, 403, "allow-fields"},
		{"an hour", `{"fileName":"a.jpg","folder":"/web/"}`, 3600, 403, "max-expire"},
	}
	for _, c := range cases {
		resp, m := post(t, srv.URL, "Bearer web-secret", authBody(c.payload, c.expire))
		if resp.StatusCode != c.status {
			t.Errorf("%s: status %d (%v), want %d", c.name, resp.StatusCode, m, c.status)
			continue
		}
		if msg, _ := m["message"].(string); c.rule != "" && !strings.Contains(msg, c.rule) {
			t.Errorf("%s: message %q does not name the rule %s", c.name, msg, c.rule)
		}
	}
}

// TestPolicyAllowFieldsByName: the fields left out by default are signed
// where the operator names them.
func TestPolicyAllowFieldsByName(t *testing.T) {
	allow, err := ParseAllowFields("default,extensions")
	if err != nil {
		t.Fatal(err)
	}
	srv := policyServer(t, Policy{AllowFields: allow}, nil)
	resp, m := post(t, srv.URL, "Bearer app-secret", authBody(`{"fileName":"a.jpg","extensions":"[]"}`, 60))
	if resp.StatusCode != 200 {
		t.Fatalf("status %d: %v", resp.StatusCode, m)
	}
	if _, err := ParseAllowFields("fileName,token"); err == nil {
		t.Fatal("token allowed as a field")
	}
}

// TestBearerSchemeAnyCase: "bearer" is the same scheme as "Bearer"; each
// client is known by its own secret.
func TestBearerSchemeAnyCase(t *testing.T) {
	var audit bytes.Buffer
	srv := policyServer(t, Policy{}, &audit)
	for _, auth := range []string{"Bearer web-secret", "bearer web-secret", "BEARER app-secret"} {
		if resp, m := post(t, srv.URL, auth, authBody(`{"fileName":"a.jpg"}`, 60)); resp.StatusCode != 200 {
			t.Errorf("%q: %d %v", auth, resp.StatusCode, m)
		}
	}
	for _, auth := range []string{"Basic web-secret", "Bearer", "Bearer app-secretx", "web-secret"} {
		if resp, _ := post(t, srv.URL, auth, authBody(`{"fileName":"a.jpg"}`, 60)); resp.StatusCode != 401 {
			t.Errorf("%q: %d, want 401", auth, resp.StatusCode)
		}
	}
	lines := strings.Split(strings.TrimSpace(audit.String()), "\n")
	if len(lines) != 3 {
		t.Fatalf("%d audit lines, want one per token:\n%s", len(lines), audit.String())
	}
	var first struct {
		Client string            `json:"client"`
		Remote string            `json:"remote"`
		Fields map[string]string `json:"fields"`
	}
	if err := json.Unmarshal([]byte(lines[0]), &first); err != nil || first.Client != "web" || first.Remote == "" || first.Fields["fileName"] != "a.jpg" {
		t.Fatalf("audit line %s: %+v %v", lines[0], first, err)
	}
	if strings.Contains(audit.String(), "secret") || strings.Contains(audit.String(), "eyJ") {
		t.Fatal("a secret or a token in the audit log")
	}
}

// TestPolicyRate: a client's tokens a minute, then 429 with Retry-After; the
// other client is not held back.
func TestPolicyRate(t *testing.T) {
	srv := policyServer(t, Policy{Rate: 3}, nil)
	// Refusals use up nothing: as the README says, only what would be signed counts.
	for range 5 {
		if resp, _ := post(t, srv.URL, "Bearer web-secret", authBody(`{"fileName":"a.jpg","webhookUrl":"https://x.example"}`, 60)); resp.StatusCode != http.StatusForbidden {
			t.Fatalf("a field the policy refuses: %d", resp.StatusCode)
		}
		if resp, _ := post(t, srv.URL, "Bearer web-secret", `{"uploadPayload": null}`); resp.StatusCode != http.StatusBadRequest {
			t.Fatalf("bad input: %d", resp.StatusCode)
		}
	}
	for i := range 3 {
		if resp, m := post(t, srv.URL, "Bearer web-secret", authBody(`{"fileName":"a.jpg"}`, 60)); resp.StatusCode != 200 {
			t.Fatalf("token %d: %d %v", i, resp.StatusCode, m)
		}
	}
	resp, _ := post(t, srv.URL, "Bearer web-secret", authBody(`{"fileName":"a.jpg"}`, 60))
	if resp.StatusCode != http.StatusTooManyRequests || resp.Header.Get("Retry-After") == "" {
		t.Fatalf("4th token in a minute: %d, Retry-After %q", resp.StatusCode, resp.Header.Get("Retry-After"))
	}
	if resp, _ := post(t, srv.URL, "Bearer app-secret", authBody(`{"fileName":"a.jpg"}`, 60)); resp.StatusCode != 200 {
		t.Fatalf("the other client: %d", resp.StatusCode)
	}
}

// TestLimiterRefills: the bucket refills evenly over the minute.
func TestLimiterRefills(t *testing.T) {
	now := time.Unix(1_800_000_000, 0)
	l := limiter{now: func() time.Time { return now }}
	for range 6 {
		if ok, _ := l.allow("c", 6); !ok {
			t.Fatal("refused within the rate")
		}
	}
	ok, wait := l.allow("c", 6)
	if ok || wait <= 0 || wait > 10*time.Second {
		t.Fatalf("7th: ok %v, wait %s; want a wait of up to 10 s", ok, wait)
	}
	now = now.Add(10 * time.Second)
	if ok, _ := l.allow("c", 6); !ok {
		t.Fatal("no token 10 s later at 6 a minute")
	}
}

// TestAuthInputIsStrict: what the contract does not allow is a 400.
func TestAuthInputIsStrict(t *testing.T) {
	srv := policyServer(t, Policy{}, nil)
	for _, body := range []string{
		authBody(`{"fileName":"a.jpg"}`, "400"),
		authBody(`{"fileName":"a.jpg"}`, 400.5),
		authBody(`{"fileName":"a.jpg"}`, nil),
		authBody(`null`, 60),
		authBody(`{"fileName":null}`, 60),
		authBody(`{"fileName":"a.jpg"}`, 60) + ` {}`,
		authBody(`{"fileName":"a.jpg"}`, 60) + `x`,
		`{"uploadPayload":{"fileName":"a.jpg"},"expire":60,"publicKey":null}`,
		`{"uploadPayload":{"fileName":"a.jpg"},"expire":60,"publicKey":"` + testPublic + `","admin":true}`,
	} {
		if resp, m := post(t, srv.URL, "Bearer web-secret", body); resp.StatusCode != 400 {
			t.Errorf("%s: %d %v, want 400", body, resp.StatusCode, m)
		}
	}
}

func TestParseClients(t *testing.T) {
	c, err := ParseClients(strings.NewReader("# the team's clients\nweb  s3cret-web\n\napp s3cret-app # no\n"))
	if err == nil {
		t.Fatalf("three words on a line accepted: %v", c)
	}
	c, err = ParseClients(strings.NewReader("# the team's clients\nweb  s3cret-web\n\napp s3cret-app\n"))
	if err != nil || len(c) != 2 || c["app"] != "s3cret-app" {
		t.Fatalf("%v %v", c, err)
	}
	// As Windows' Notepad saves it: a byte order mark, and CRLF.
	c, err = ParseClients(strings.NewReader("\ufeffweb s3cret-web\r\napp s3cret-app\r\n"))
	if err != nil || c["web"] != "s3cret-web" || c["app"] != "s3cret-app" {
		t.Fatalf("a file saved by Notepad: %q %v", c, err)
	}
	for _, bad := range []string{"", "# only\n", "web\n", "web a\nweb b\n", "web same-secret\napp same-secret\n"} {
		_, err := ParseClients(strings.NewReader(bad))
		if err == nil {
			t.Errorf("%q accepted", bad)
		} else if strings.Contains(err.Error(), " a") && bad == "web a\nweb b\n" {
			t.Errorf("the error shows a secret: %v", err)
		}
	}
}
