package cli

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"os"
	"strconv"
	"strings"
	"time"

	"imagekit-uploader/emulator"
	"imagekit-uploader/keystore"
	"imagekit-uploader/uploader"
)

// keyArgs collects repeated --key flags as given; they are checked after
// parsing, so that no error of the flag package repeats a private key.
type keyArgs []string

func (k *keyArgs) String() string { return strconv.Itoa(len(*k)) + " key(s)" }

func (k *keyArgs) Set(v string) error {
	*k = append(*k, v)
	return nil
}

func cmdEmulator(ctx context.Context, args []string, std Stdio) error {
	fs := newFlags(std, "emulator", "emulator [--listen ADDR] [--dir DIR] [--key PUBLIC ...] [--key-file FILE] [--max-file-size N] [--fail SPEC] [--throttle RATE] [--cors-origin ORIGIN] [--fetch-allow HOSTS]", `
Run a local upload server that behaves like ImageKit's upload API v2: it checks
every token (single use, fields equal to claims), applies ImageKit's naming,
folder, tag and version rules, stores the files and serves them back at the
URLs it answers with. For demos, manual tests and a first run with no account.

Without --key or --key-file it accepts the demo key pair:
  public:  `+emulator.DemoPublicKey+`
  private: `+emulator.DemoPrivateKey+`

Other private keys never go on the command line, where ps and the shell
history show them:
  --key PUBLIC      takes the private key from `+keystore.EnvPrivateKey+`
  --key-file FILE   reads key pairs, one a line: PUBLIC PRIVATE or PUBLIC=PRIVATE;
                    blank lines and # comments are skipped; - reads stdin

It takes client-side uploads (a signed token) and server-side ones (a private
key as the Basic user name, as ImageKit's SDKs send it), the file as a part,
base64 or a URL it fetches, and evaluates checks. Browsers may call it from any
origin (--cors-origin none turns that off).

--fail answers a share of uploads as trouble, for trying a client by hand:
  --fail 429:0.05,503:0.02,409:0.01,drop-after-store:0.01
Kinds: a status from 400 to 599 (429 with Retry-After), 5xx (500, 502 as an
HTML page, 503, 504), cut (the connection cut in the body), drop-after-store
(stored, then no answer).`)
	listen := fs.String("listen", "127.0.0.1:8087", "address to listen on")
	dir := fs.String("dir", "", "keep uploaded files in this directory, and find them there when started again (default: a temporary one, removed on exit)")
	var keyFlags keyArgs
	fs.Var(&keyFlags, "key", "accept this public key, its private key taken from $"+keystore.EnvPrivateKey+" (repeatable; default: the demo pair)")
	keyFile := fs.String("key-file", "", "accept the key pairs in this file (- for stdin), one a line: PUBLIC PRIVATE")
	maxSize := fs.String("max-file-size", "25MB", "largest file accepted: bytes, or with KB, MB, GB")
	failRate := fs.Float64("fail-rate", 0, "fraction of uploads answered with a random 5xx, from 0 to 1 (the same as --fail 5xx:F)")
	fail := fs.String("fail", "", "shares of uploads answered as trouble: 429:0.05,503:0.02,409:0.01,cut:0.01,drop-after-store:0.01")
	retryAfter := fs.Duration("retry-after", time.Second, "the Retry-After of a 429 that --fail answers")
	cors := fs.String("cors-origin", "*", "the origin browsers may call from (* for any; none for no CORS)")
	fetchAllow := fs.String("fetch-allow", "", "the hosts a file given as a URL is fetched from, whatever their address, comma-separated (default: any public address; never this machine or its network)")
	throttle := fs.String("throttle", "", "read each upload no faster than this many bytes a second (e.g. 2MB), like a slow network")
	if err := fs.parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usagef("emulator takes no arguments (got %q)", fs.Arg(0))
	}
	keys, err := emulatorKeys(keyFlags, *keyFile, std.In)
	if err != nil {
		return err
	}
	var opts []emulator.Option
	size, err := parseSize(*maxSize)
	if err != nil {
		return usagef("--max-file-size: %v", err)
	}
	if *throttle != "" {
		rate, err := parseSize(*throttle)
		if err != nil {
			return usagef("--throttle: %v", err)
		}
		opts = append(opts, emulator.WithReadRate(rate))
	}
	if *failRate < 0 || *failRate > 1 {
		return usagef("--fail-rate must be between 0 and 1, got %g", *failRate)
	}
	logger := log.New(std.Err, "emulator: ", log.LstdFlags)
	opts = append(opts, emulator.WithMaxFileSize(size), emulator.WithLog(func(r emulator.Request) {
		logger.Print(describeRequest(r))
	}))
	if *dir != "" {
		opts = append(opts, emulator.WithDir(*dir))
	}
	for pub, priv := range keys {
		opts = append(opts, emulator.WithKey(pub, priv))
	}
	if *retryAfter < 0 {
		return usagef("--retry-after must not be negative, got %s", *retryAfter)
	}
	var mix emulator.FaultMix
	switch {
	case *fail != "" && *failRate > 0:
		return usagef("give --fail or --fail-rate, not both (--fail 5xx:%g is --fail-rate %g)", *failRate, *failRate)
	case *fail != "":
		if mix, err = emulator.ParseFaultMix(*fail); err != nil {
			return usagef("--fail: %v", err)
		}
	case *failRate > 0:
		mix.Status5xx = *failRate
	}
	if mix.Status5xx+mix.Cut+mix.Drop > 0 || len(mix.Statuses) > 0 {
		mix.Seed, mix.RetryAfter = uint64(time.Now().UnixNano()), *retryAfter
		opts = append(opts, emulator.WithFaultMix(mix))
	}
	if *cors != "none" && *cors != "" {
		opts = append(opts, emulator.WithCORS(*cors))
	}
	if *fetchAllow != "" {
		opts = append(opts, emulator.WithFetchAllow(strings.Split(*fetchAllow, ",")...))
	}
	srv, err := emulator.Listen(*listen, opts...)
	if err != nil {
		return err
	}
	fmt.Fprintf(std.Out, "ImageKit-compatible upload server\n  upload URL: %s\n  files in:   %s\n", srv.UploadURL, srv.Dir)
	if len(keys) == 0 {
		fmt.Fprintf(std.Out, "  demo public key:  %s\n  demo private key: %s\n", emulator.DemoPublicKey, emulator.DemoPrivateKey)
	}
	for pub := range keys {
		fmt.Fprintf(std.Out, "  public key: %s\n", pub)
	}
	fmt.Fprintf(std.Out, "Try: imagekit-uploader upload --endpoint %s --public-key %s FILE\n", srv.UploadURL, firstKey(keys))
	<-ctx.Done()
	sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	return srv.Shutdown(sctx)
}

// emulatorKeys gathers the key pairs of --key and --key-file. Only the demo
// pair, which protects nothing, may come whole on the command line.
func emulatorKeys(keyFlags []string, keyFile string, stdin io.Reader) (map[string]string, error) {
	keys := map[string]string{}
	for _, v := range keyFlags {
		pub, priv, paired := splitKeyPair(v)
		switch {
		case pub == "":
			return nil, usagef("--key wants a public key")
		case paired && (pub != emulator.DemoPublicKey || priv != emulator.DemoPrivateKey):
			return nil, usagef("--key %s=...: a private key on the command line shows in ps and the shell history; "+
				"give --key %s with the private key in %s, or put the pair in a file for --key-file (- reads stdin)", pub, pub, keystore.EnvPrivateKey)
		case !paired:
			if priv = os.Getenv(keystore.EnvPrivateKey); priv == "" {
				return nil, usagef("--key %s: set %s to its private key, or use --key-file", pub, keystore.EnvPrivateKey)
			}
		}
		keys[pub] = priv
	}
	if keyFile == "" {
		return keys, nil
	}
	r := stdin
	if keyFile != "-" {
		f, err := os.Open(keyFile)
		if err != nil {
			return nil, usagef("--key-file: %v", err)
		}
		defer f.Close()
		r = f
	}
	if err := readKeyPairs(r, keys); err != nil {
		return nil, usagef("--key-file %s: %v", keyFile, err)
	}
	return keys, nil
}

// readKeyPairs reads "PUBLIC PRIVATE" or "PUBLIC=PRIVATE" lines into keys.
// Its errors never quote a line: it may hold a private key.
func readKeyPairs(r io.Reader, keys map[string]string) error {
	sc := bufio.NewScanner(r)
	found := 0
	for n := 1; sc.Scan(); n++ {
		// CRLF ends are trimmed with the rest; a byte order mark (Notepad's
		// UTF-8) is not a space to Go.
		line := strings.TrimSpace(strings.TrimPrefix(sc.Text(), "\ufeff"))
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		f := strings.Fields(line)
		pub, priv, ok := "", "", false
		switch len(f) {
		case 1:
			pub, priv, ok = splitKeyPair(f[0])
		case 2:
			pub, priv, ok = f[0], f[1], true
		}
		if !ok || pub == "" || priv == "" {
			return fmt.Errorf("line %d: want PUBLIC PRIVATE or PUBLIC=PRIVATE", n)
		}
		keys[pub] = priv
		found++
	}
	if err := sc.Err(); err != nil {
		return err
	}
	if found == 0 {
		return errors.New("no key pair in it")
	}
	return nil
}

// splitKeyPair splits PUBLIC=PRIVATE at the first '=' that another '=' does
// not follow: ImageKit's keys are base64 and may end in '=' padding
// (public_x==private_y= is public_x= and private_y=). Without a private
// part, all of s is the public key.
func splitKeyPair(s string) (pub, priv string, paired bool) {
	for i := 0; i+1 < len(s); i++ {
		if s[i] == '=' && s[i+1] != '=' {
			return s[:i], s[i+1:], true
		}
	}
	return s, "", false
}

func firstKey(keys map[string]string) string {
	for k := range keys {
		return k
	}
	return emulator.DemoPublicKey
}

// describeRequest is the emulator's log line: no token, no key.
func describeRequest(r emulator.Request) string {
	var b strings.Builder
	switch {
	case r.Cut:
		b.WriteString("CUT")
	case r.Status == 0:
		b.WriteString("---")
	default:
		b.WriteString(strconv.Itoa(r.Status))
	}
	fmt.Fprintf(&b, " %s %q %s", r.ID, r.Fields["fileName"], uploader.FormatSize(r.Size))
	if r.Result != nil {
		fmt.Fprintf(&b, " -> %s (%s)", r.Result.FilePath, r.Result.VersionName)
	} else if r.Message != "" {
		fmt.Fprintf(&b, ": %s", r.Message)
	}
	if r.Fault != "" {
		fmt.Fprintf(&b, " [fault: %s]", r.Fault)
	}
	return b.String()
}

// parseSize reads "1048576", "25MB", "1.5GB" (powers of 1024, as ImageKit counts).
func parseSize(s string) (int64, error) {
	s = strings.ToUpper(strings.TrimSpace(s))
	mult := int64(1)
	for _, u := range []struct {
		suffix string
		m      int64
	}{{"GB", 1 << 30}, {"MB", 1 << 20}, {"KB", 1 << 10}, {"B", 1}} {
		if strings.HasSuffix(s, u.suffix) {
			s, mult = strings.TrimSpace(strings.TrimSuffix(s, u.suffix)), u.m
			break
		}
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || f <= 0 {
		return 0, fmt.Errorf("want a positive size such as 25MB, got %q", s)
	}
	return int64(f * float64(mult)), nil
}

var _ flag.Value = (*keyArgs)(nil)
