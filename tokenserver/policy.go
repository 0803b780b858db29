package tokenserver

import (
	"bufio"
	"crypto/subtle"
	"fmt"
	"io"
	"path"
	"sort"
	"strings"
	"sync"
	"time"

	"imagekit-uploader/signer"
	"imagekit-uploader/uploader"
)

// DefaultAllowFields are the fields an ordinary upload sends: what a token
// endpoint signs unless told otherwise. The options that cost money or reach
// other machines (ReachingFields, such as extensions) are left out: a web
// client's bearer is in effect public, so they are signed only where the
// endpoint's operator names them.
var DefaultAllowFields, ReachingFields = allowFields()

func allowFields() (allowed, reaching []string) {
	allowed = []string{"fileName", "useUniqueFileName", "tags", "folder", "isPrivateFile", "overwriteFile"}
	for _, op := range uploader.OptionTable {
		if op.Reaches {
			reaching = append(reaching, op.Key)
		} else {
			allowed = append(allowed, op.Key)
		}
	}
	return allowed, reaching
}

// Policy is what a token endpoint signs. Its zero value signs the default
// fields for up to an hour, for any folder, without a rate limit.
type Policy struct {
	// AllowFields are the upload fields a payload may carry; DefaultAllowFields when nil.
	AllowFields []string
	// FolderPrefix, when set, is a folder every signed upload must go into
	// or below; a payload without a folder is refused.
	FolderPrefix string
	// RequireUnique refuses a payload that could replace a file already
	// there: one with useUniqueFileName "false" (missing means ImageKit's
	// default, true) signs only with overwriteFile "false" (missing means
	// true), which makes ImageKit refuse a name that is taken. The
	// uploader's names made from the content are sent that way.
	RequireUnique bool
	// MaxExpire is the longest lifetime a caller may ask for; signer.MaxLifetime when 0.
	MaxExpire time.Duration
	// Rate is how many tokens a client may have a minute; 0 is no limit.
	Rate int
}

// PolicyError is a payload the policy refuses; Rule names the rule.
type PolicyError struct {
	Rule   string
	Reason string
}

func (e *PolicyError) Error() string { return e.Reason + " (policy: " + e.Rule + ")" }

// Check says why the policy refuses to sign fields for expire, or nil.
func (p Policy) Check(fields map[string]string, expire time.Duration) error {
	allowed := p.AllowFields
	if allowed == nil {
		allowed = DefaultAllowFields
	}
	names := make([]string, 0, len(fields))
	for k := range fields {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		if !contains(allowed, k) {
			return &PolicyError{Rule: "allow-fields", Reason: fmt.Sprintf("this endpoint does not sign the field %q", k)}
		}
	}
	if maxExpire := p.maxExpire(); expire > maxExpire {
		return &PolicyError{Rule: "max-expire", Reason: fmt.Sprintf("expire may be at most %d seconds here", int(maxExpire/time.Second))}
	}
	if p.FolderPrefix != "" && !underFolder(fields["folder"], p.FolderPrefix) {
		return &PolicyError{Rule: "folder-prefix", Reason: fmt.Sprintf("folder must be %s or a folder inside it", p.FolderPrefix)}
	}
	if v, ok := fields["useUniqueFileName"]; p.RequireUnique && ok && v != "true" && fields["overwriteFile"] != "false" {
		return &PolicyError{Rule: "require-unique", Reason: `no upload may replace a file here: send useUniqueFileName "true", or overwriteFile "false"`}
	}
	return nil
}

func (p Policy) maxExpire() time.Duration {
	if p.MaxExpire <= 0 || p.MaxExpire > signer.MaxLifetime {
		return signer.MaxLifetime
	}
	return p.MaxExpire
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// underFolder says whether folder is prefix or inside it, once both are
// cleaned: "/web/../etc" is not under "/web", nor is "/website".
func underFolder(folder, prefix string) bool {
	if folder == "" {
		return false
	}
	f, p := path.Clean("/"+folder), path.Clean("/"+prefix)
	return p == "/" || f == p || strings.HasPrefix(f, p+"/")
}

// ParseAllowFields reads a comma list of field names; the word "default"
// stands for DefaultAllowFields, so "default,extensions" adds one.
func ParseAllowFields(s string) ([]string, error) {
	var out []string
	for _, f := range strings.Split(s, ",") {
		f = strings.TrimSpace(f)
		switch f {
		case "":
			continue
		case "default":
			out = append(out, DefaultAllowFields...)
		case "file", "token", "iat", "exp":
			return nil, fmt.Errorf("%q is not an upload field that a token signs", f)
		default:
			out = append(out, f)
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("no fields named")
	}
	return out, nil
}

// Clients are a token endpoint's callers, each with a name (for the audit
// log and the rate limit) and a bearer secret.
type Clients map[string]string // name -> secret

// ParseClients reads one client a line, "NAME SECRET"; blank lines and lines
// starting with # are passed over. Errors name the line, never its secret.
func ParseClients(r io.Reader) (Clients, error) {
	c := Clients{}
	sc := bufio.NewScanner(r)
	for n := 1; sc.Scan(); n++ {
		// CRLF ends are trimmed with the rest; a byte order mark (Notepad's
		// UTF-8) is not a space to Go.
		line := strings.TrimSpace(strings.TrimPrefix(sc.Text(), "\ufeff"))
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		parts := strings.Fields(line)
		if len(parts) != 2 {
			return nil, fmt.Errorf("line %d: want NAME SECRET (two words)", n)
		}
		if err := c.Add(parts[0], parts[1]); err != nil {
			return nil, fmt.Errorf("line %d: %w", n, err)
		}
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	if len(c) == 0 {
		return nil, fmt.Errorf("no clients: write one a line, NAME SECRET")
	}
	return c, nil
}

// Add adds a client. A name or a secret given twice is refused: two
// clients with one secret could not be told apart in the audit or the rate.
func (c Clients) Add(name, secret string) error {
	if _, dup := c[name]; dup {
		return fmt.Errorf("the client %q is named twice", name)
	}
	for other, s := range c {
		if s == secret {
			return fmt.Errorf("%q has the same secret as %q: give each client its own", name, other)
		}
	}
	c[name] = secret
	return nil
}

// who returns the name of the client whose secret is given. Every secret is
// compared, in constant time, so the time taken says nothing of which.
func (c Clients) who(given string) (string, bool) {
	name, found := "", false
	for n, secret := range c {
		if secret != "" && subtle.ConstantTimeCompare([]byte(given), []byte(secret)) == 1 {
			name, found = n, true
		}
	}
	return name, found
}

// limiter allows each client rate tokens a minute, as a bucket that holds a
// minute's worth and refills evenly. Its zero value is ready.
type limiter struct {
	now  func() time.Time // time.Now when nil
	mu   sync.Mutex
	left map[string]float64
	last map[string]time.Time
}

// allow takes one token for client, or says how long until one is free.
func (l *limiter) allow(client string, rate int) (bool, time.Duration) {
	if rate <= 0 {
		return true, 0
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.left == nil {
		l.left, l.last = map[string]float64{}, map[string]time.Time{}
	}
	now := time.Now()
	if l.now != nil {
		now = l.now()
	}
	perSecond := float64(rate) / 60
	left := float64(rate)
	if last, seen := l.last[client]; seen {
		left = min(float64(rate), l.left[client]+now.Sub(last).Seconds()*perSecond)
	}
	l.last[client] = now
	if left < 1 {
		l.left[client] = left
		return false, time.Duration((1 - left) / perSecond * float64(time.Second))
	}
	l.left[client] = left - 1
	return true, 0
}
