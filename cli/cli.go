// Package cli is the command line: the upload, key, emulator and token-server
// commands, and the window's flags. It does not import Fyne: the window is
// given to it by main, so a build without one (-tags nogui) has every command.
package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"imagekit-uploader/keystore"
)

// Stdio is where a command reads and writes.
type Stdio struct {
	In       io.Reader
	Out, Err io.Writer
}

// App is what the binary gives the commands: its version, and the window
// (nil in a build without one).
type App struct {
	Version    string
	OpenWindow func(context.Context, Window) error
}

// usageError is a mistake in the command line: exit code 2.
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

func usagef(format string, args ...any) error { return usageError{fmt.Sprintf(format, args...)} }

// configError is a setup problem (no key saved, keyring unavailable): exit
// code 2 like a usage error, without pointing at --help.
type configError struct{ err error }

func (e configError) Error() string { return e.err.Error() }
func (e configError) Unwrap() error { return e.err }

type command struct {
	name, summary string
	run           func(ctx context.Context, args []string, std Stdio) error
}

func commands() []command {
	return []command{
		{"upload", "upload files and folders without a window", cmdUpload},
		{"watch", "upload each new or changed file in a folder, as it comes", cmdWatch},
		{"report", "sum up the --json lines of upload runs; list the failed items to send again", cmdReport},
		{"verify", "compare files here with the media library: present, missing, differs", cmdVerify},
		{"key", "save, check or delete the private key in the OS keyring", cmdKey},
		{"preset", "save, list, show or delete named upload settings", cmdPreset},
		{"emulator", "run a local ImageKit-compatible upload server (demo keys built in)", cmdEmulator},
		{"token-server", "serve upload tokens to web and mobile clients (POST /auth)", cmdTokenServer},
		{"local-endpoint", "serve PicGo's upload API on 127.0.0.1:36677, for Typora, Obsidian and other editors", cmdLocalEndpoint},
	}
}

// Run runs the command args name (the window when none does) and returns
// the process's exit code: main without os.Exit.
func Run(ctx context.Context, args []string, std Stdio, app App) int {
	if len(args) > 0 {
		switch args[0] {
		case "--version", "-version", "version":
			fmt.Fprintln(std.Out, "imagekit-uploader", app.Version)
			return 0
		case "help":
			args = []string{"--help"}
		}
		for _, c := range commands() {
			if args[0] == c.name {
				return exitCode(std, c.run(ctx, args[1:], std))
			}
		}
		if args[0] == "user-path" { // the Windows installer's, listed nowhere
			return exitCode(std, cmdUserPath(ctx, args[1:], std))
		}
		if err := unknownCommand(args[0]); err != nil {
			return exitCode(std, err)
		}
	}
	return exitCode(std, cmdWindow(ctx, args, std, app.OpenWindow))
}

// unknownCommand refuses a first word that is neither a command nor a path
// that exists (a misspelt command would otherwise open the window with a
// failed row), suggesting the command it looks like.
func unknownCommand(word string) error {
	if strings.HasPrefix(word, "-") {
		return nil
	}
	if _, err := os.Stat(word); err == nil {
		return nil
	}
	best, dist := "", 3 // at most two edits away
	for _, c := range commands() {
		if d := editDistance(word, c.name); d < dist {
			best, dist = c.name, d
		}
	}
	if best != "" {
		return usagef("unknown command %q (did you mean %q?)", word, best)
	}
	return usagef("%q is neither a command nor a file or folder that exists", word)
}

// editDistance counts the insertions, deletions and substitutions between
// a and b (Levenshtein).
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur := make([]int, len(b)+1)
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev = cur
	}
	return prev[len(b)]
}

// ExitStatus is the rule every command follows, closing each help text;
// the README's table says the same (a test keeps them together).
var ExitStatus = []struct {
	Code int
	When string
}{
	{0, "everything asked for was done"},
	{1, "some files failed or may already be uploaded (each is reported), or nothing was found to upload"},
	{2, "nothing could be tried: a usage error, the configuration (keys, keyring, certificates, a proxy), " +
		"or an endpoint that refused the credentials (or a policy or quota refused the uploads) before anything went up; " +
		"files not yet started are left, uploads under way finish and are reported, and the command says once what to check " +
		"(exit 1 instead if something did go up)"},
}

// KeyStatusExit is where key status differs.
const KeyStatusExit = "key status exits 0 when a key is saved, 1 when none is, 2 when the keyring cannot be reached"

// exitCodes closes every help text.
var exitCodes = func() string {
	var b strings.Builder
	b.WriteString("\nExit status:\n")
	for _, e := range ExitStatus {
		for i, line := range wrap(e.When, 72) {
			if i == 0 {
				fmt.Fprintf(&b, "  %d  %s\n", e.Code, line)
			} else {
				fmt.Fprintf(&b, "     %s\n", line)
			}
		}
	}
	for _, line := range wrap(KeyStatusExit+".", 75) {
		fmt.Fprintf(&b, "  %s\n", line)
	}
	return b.String()
}()

// wrap breaks text into lines of at most width bytes, between words.
func wrap(text string, width int) []string {
	var lines []string
	line := ""
	for _, w := range strings.Fields(text) {
		if line != "" && len(line)+1+len(w) > width {
			lines = append(lines, line)
			line = ""
		}
		if line != "" {
			line += " "
		}
		line += w
	}
	return append(lines, line)
}

func printHelp(w io.Writer) {
	fmt.Fprint(w, `ImageKit Uploader: upload files to ImageKit.io.

Usage:
  imagekit-uploader [--demo] [PATH...]   open the app, with these files and folders added
  imagekit-uploader COMMAND [flags]

Commands:
`)
	for _, c := range commands() {
		fmt.Fprintf(w, "  %-13s %s\n", c.name, c.summary)
	}
	fmt.Fprint(w, `
  --demo        open the app with a local server and the demo key: nothing leaves this computer
  --demo-throttle=RATE  the same, all uploads together slowed to RATE a second (e.g. 2MB), as on one network link
  --version     print the version

Environment:
  IMAGEKIT_PUBLIC_KEY    stands in for --public-key
  IMAGEKIT_PRIVATE_KEY   the private key, instead of the OS keyring (scripts, CI)
  IMAGEKIT_TOKEN_SERVER_SECRET, IMAGEKIT_TOKEN_ENDPOINT_SECRET
                         one secret, two names: the bearer token-server accepts
                         (as its client "default") and upload --token-endpoint sends
  HTTPS_PROXY, NO_PROXY  the proxy for uploads (or --proxy)
  SSL_CERT_FILE          more certificate authorities to trust (a company proxy's)
  IMAGEKIT_UPLOADER_PRESETS  the presets file, in place of presets.json in the config folder
  IMAGEKIT_LOCAL_ENDPOINT_SECRET  the secret local-endpoint requires, when set
  IMAGEKIT_UPLOADER_LANGUAGE  the window's language for this run (de, ja, ...), over
                         Settings › Language; commands always speak English

Run 'imagekit-uploader COMMAND --help' for a command's flags.
`)
	fmt.Fprint(w, exitCodes)
}

func exitCode(std Stdio, err error) int {
	var ue usageError
	switch {
	case err == nil:
		return 0
	case errors.Is(err, flag.ErrHelp):
		return 0
	case errors.As(err, new(configError)):
		fmt.Fprintln(std.Err, "imagekit-uploader:", err)
		return 2
	case errors.As(err, &ue):
		fmt.Fprintln(std.Err, "imagekit-uploader:", err)
		fmt.Fprintln(std.Err, "Run 'imagekit-uploader --help' or 'imagekit-uploader COMMAND --help' for usage.")
		return 2
	case errors.Is(err, errFailed):
		return 1 // already reported, file by file
	default:
		fmt.Fprintln(std.Err, "imagekit-uploader:", err)
		return 1
	}
}

// errFailed ends a command whose failures were already printed.
var errFailed = errors.New("some work failed")

// flagSet is a flag.FlagSet that reports errors instead of exiting and
// prints its help (a summary above the flags) only when asked for: on
// stdout, so that `--help | less` shows it.
type flagSet struct {
	*flag.FlagSet
	help   func(io.Writer)
	stdout io.Writer
}

func newFlags(std Stdio, name, synopsis, about string) *flagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(std.Err)
	f := &flagSet{FlagSet: fs, stdout: std.Out}
	f.help = func(w io.Writer) {
		fmt.Fprintf(w, "Usage: imagekit-uploader %s\n\n%s\n", synopsis, strings.TrimSpace(about))
		has := false
		fs.VisitAll(func(*flag.Flag) { has = true })
		if has {
			fmt.Fprintln(w, "\nFlags:")
			out := fs.Output()
			fs.SetOutput(w)
			fs.PrintDefaults()
			fs.SetOutput(out)
		}
		fmt.Fprint(w, exitCodes)
	}
	fs.Usage = func() {} // errors are reported once, by exitCode
	return f
}

// parse parses args; a bad flag is a usage error (exit 2), --help prints help.
func (f *flagSet) parse(args []string) error {
	out := f.Output()
	f.SetOutput(io.Discard)
	err := f.Parse(args)
	f.SetOutput(out)
	if errors.Is(err, flag.ErrHelp) {
		f.help(f.stdout)
		return flag.ErrHelp
	}
	if err != nil {
		return usageError{err.Error()}
	}
	return nil
}

// parseInterleaved parses flags wherever they stand among the other
// arguments, which it returns (flag.Parse stops at the first of them); "--"
// ends the flags, so a file named "-x" can follow it.
func (f *flagSet) parseInterleaved(args []string) ([]string, error) {
	var rest []string
	for {
		if err := f.parse(args); err != nil {
			return nil, err
		}
		after := f.Args()
		// Parse stopped at a "--" unless that "--" was a flag's value: then
		// the arguments before it, parsed again (to the same values), end
		// with a flag that lacks its value.
		if n := len(args) - len(after); n > 0 && args[n-1] == "--" && f.parse(args[:n-1]) == nil {
			return append(rest, after...), nil
		}
		if len(after) == 0 {
			return rest, nil
		}
		rest, args = append(rest, after[0]), after[1:]
	}
}

// keyError is a private key that could not be read: a configuration error,
// and where the keyring itself failed, a pointer to the environment
// variable that scripts can use instead.
func keyError(err error) error {
	var ke *keystore.KeyringError
	if errors.As(err, &ke) {
		return configError{fmt.Errorf("%w\nFor scripts without a keyring, set %s", err, keystore.EnvPrivateKey)}
	}
	return configError{err}
}

// publicKeyFlag adds --public-key with IMAGEKIT_PUBLIC_KEY as its default.
func publicKeyFlag(fs *flagSet) *string {
	return fs.String("public-key", os.Getenv("IMAGEKIT_PUBLIC_KEY"), "ImageKit public key (default $IMAGEKIT_PUBLIC_KEY)")
}
