package main

import (
	"context"
	"flag"
	"fmt"
	"log"
	"strconv"
	"strings"
	"time"

	"imagekit-uploader/uploader"
	"imagekit-uploader/uploader/imagekittest"
)

// keyPairs collects repeated --key PUBLIC=PRIVATE flags.
type keyPairs map[string]string

func (k keyPairs) String() string { return strconv.Itoa(len(k)) + " key(s)" }

func (k keyPairs) Set(v string) error {
	pub, priv, ok := strings.Cut(v, "=")
	if !ok || pub == "" || priv == "" {
		return fmt.Errorf("want PUBLIC=PRIVATE, got %q", v)
	}
	k[pub] = priv
	return nil
}

func cmdEmulator(ctx context.Context, args []string, std stdio) error {
	fs := newFlags(std, "emulator", "emulator [--listen ADDR] [--dir DIR] [--key PUBLIC=PRIVATE ...] [--max-file-size N] [--fail-rate F]", `
Run a local upload server that behaves like ImageKit's upload API v2: it checks
every token (single use, fields equal to claims), applies ImageKit's naming,
folder, tag and version rules, stores the files and serves them back at the
URLs it answers with. For demos, manual tests and a first run with no account.

Without --key it accepts the demo key pair:
  public:  `+imagekittest.DemoPublicKey+`
  private: `+imagekittest.DemoPrivateKey)
	listen := fs.String("listen", "127.0.0.1:8087", "address to listen on")
	dir := fs.String("dir", "", "keep uploaded files in this directory (default: a temporary one, removed on exit)")
	keys := keyPairs{}
	fs.Var(keys, "key", "accept this key pair, as PUBLIC=PRIVATE (repeatable; default: the demo pair)")
	maxSize := fs.String("max-file-size", "25MB", "largest file accepted: bytes, or with KB, MB, GB")
	failRate := fs.Float64("fail-rate", 0, "fraction of uploads answered with a random 5xx, from 0 to 1")
	throttle := fs.String("throttle", "", "read each upload no faster than this many bytes a second (e.g. 2MB), like a slow network")
	if err := fs.parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usagef("emulator takes no arguments (got %q)", fs.Arg(0))
	}
	var opts []imagekittest.Option
	size, err := parseSize(*maxSize)
	if err != nil {
		return usagef("--max-file-size: %v", err)
	}
	if *throttle != "" {
		rate, err := parseSize(*throttle)
		if err != nil {
			return usagef("--throttle: %v", err)
		}
		opts = append(opts, imagekittest.WithReadRate(rate))
	}
	if *failRate < 0 || *failRate > 1 {
		return usagef("--fail-rate must be between 0 and 1, got %g", *failRate)
	}
	logger := log.New(std.err, "emulator: ", log.LstdFlags)
	opts = append(opts, imagekittest.WithMaxFileSize(size), imagekittest.WithLog(func(r imagekittest.Request) {
		logger.Print(describeRequest(r))
	}))
	if *dir != "" {
		opts = append(opts, imagekittest.WithDir(*dir))
	}
	for pub, priv := range keys {
		opts = append(opts, imagekittest.WithKey(pub, priv))
	}
	if *failRate > 0 {
		opts = append(opts, imagekittest.WithFaultMix(imagekittest.FaultMix{Seed: uint64(time.Now().UnixNano()), Status5xx: *failRate}))
	}
	srv, err := imagekittest.Listen(*listen, opts...)
	if err != nil {
		return err
	}
	fmt.Fprintf(std.out, "ImageKit-compatible upload server\n  upload URL: %s\n  files in:   %s\n", srv.UploadURL, srv.Dir)
	if len(keys) == 0 {
		fmt.Fprintf(std.out, "  demo public key:  %s\n  demo private key: %s\n", imagekittest.DemoPublicKey, imagekittest.DemoPrivateKey)
	}
	for pub := range keys {
		fmt.Fprintf(std.out, "  public key: %s\n", pub)
	}
	fmt.Fprintf(std.out, "Try: imagekit-uploader upload --endpoint %s --public-key %s FILE\n", srv.UploadURL, firstKey(keys))
	<-ctx.Done()
	sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	return srv.Shutdown(sctx)
}

func firstKey(keys keyPairs) string {
	for k := range keys {
		return k
	}
	return imagekittest.DemoPublicKey
}

// describeRequest is the emulator's log line: no token, no key.
func describeRequest(r imagekittest.Request) string {
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

var _ flag.Value = keyPairs{}
