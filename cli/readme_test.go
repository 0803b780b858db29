package cli

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"imagekit-uploader/preset"
	"imagekit-uploader/tokenserver"
	"imagekit-uploader/uploader/imagekittest"
)

// readmePath is the README, from this package's folder (read before the
// test moves to its own folder).
var readmePath, _ = filepath.Abs("../README.md")

// readmeBlocks are the fenced blocks of the README, each as its lines.
func readmeBlocks(t *testing.T) [][]string {
	t.Helper()
	b, err := os.ReadFile(readmePath)
	if err != nil {
		t.Fatal(err)
	}
	var blocks [][]string
	var cur []string
	in := false
	for line := range strings.SplitSeq(string(b), "\n") {
		switch {
		case strings.HasPrefix(line, "```") && !in:
			in, cur = true, nil
		case strings.HasPrefix(line, "```"):
			in = false
			blocks = append(blocks, cur)
		case in:
			cur = append(cur, line)
		}
	}
	return blocks
}

// shellLines are the block's shell lines, continuations joined and
// comments dropped.
func shellLines(block []string) []string {
	var out []string
	joined := ""
	for _, line := range block {
		if strings.HasSuffix(line, `\`) {
			joined += strings.TrimSuffix(line, `\`) + " "
			continue
		}
		line = joined + line
		joined = ""
		if i := strings.Index(line, "   #"); i >= 0 {
			line = line[:i]
		}
		if i := strings.Index(line, "  # "); i >= 0 {
			line = line[:i]
		}
		out = append(out, strings.TrimSpace(line))
	}
	return out
}

// shellWords splits a line as a POSIX shell would for these examples:
// single and double quotes, no expansions.
func shellWords(line string) []string {
	var words []string
	var w strings.Builder
	inWord, quote := false, rune(0)
	for _, r := range line {
		switch {
		case quote != 0 && r == quote:
			quote = 0
		case quote != 0:
			w.WriteRune(r)
		case r == '\'' || r == '"':
			quote, inWord = r, true
		case r == ' ' || r == '\t':
			if inWord {
				words = append(words, w.String())
				w.Reset()
				inWord = false
			}
		default:
			w.WriteRune(r)
			inWord = true
		}
	}
	if inWord {
		words = append(words, w.String())
	}
	return words
}

// TestREADMEExamplesRun: the upload, preset and --format examples of the
// README run as printed against the local server (its endpoint and demo
// key added, the folders they name made), exit 0, and the --format
// examples print lines; the secrets file it shows is one token-server
// reads. An example that stops running as printed fails here.
func TestREADMEExamplesRun(t *testing.T) {
	t.Setenv("IMAGEKIT_PRIVATE_KEY", "")
	t.Setenv(preset.EnvFile, filepath.Join(t.TempDir(), "presets.json"))
	srv := imagekittest.NewServer()
	defer srv.Close()
	dir := t.TempDir()
	t.Chdir(dir) // the examples name folders of their own: made here
	n, formats := 0, 0
	for _, block := range readmeBlocks(t) {
		for _, line := range shellLines(block) {
			words := shellWords(line)
			if len(words) < 2 || words[0] != "imagekit-uploader" {
				continue
			}
			args := words[1:]
			switch args[0] {
			case "upload":
				if strings.Contains(line, "--token-endpoint") || strings.Contains(line, "--endpoint") && !strings.Contains(line, "127.0.0.1:8087") {
					continue
				}
				var kept []string
				for i := 0; i < len(args); i++ {
					switch a := args[i]; {
					case a == "--public-key" || a == "--endpoint": // ours instead
						i++
					case a == ">": // the shell's: where stdout goes
						i++
					case a == "--from-list" && i+1 < len(args) && !strings.ContainsAny(args[i+1], "/-:"):
						// The list it names: a file and a JSON item.
						os.WriteFile(filepath.Join(dir, "listed.jpg"), []byte("a listed photo"), 0o644)
						item := `{"file": "listed-2.jpg", "fileName": "cover.jpg", "tags": ["listed"]}`
						os.WriteFile(filepath.Join(dir, "listed-2.jpg"), []byte("another listed photo"), 0o644)
						os.WriteFile(filepath.Join(dir, args[i+1]), []byte("# a list\nlisted.jpg\n"+item+"\n"), 0o644)
						kept = append(kept, a, args[i+1])
						i++
					case strings.HasSuffix(a, "/") && !strings.HasPrefix(a, "-") && !strings.HasPrefix(a, "/") && !strings.Contains(a, "{"):
						os.MkdirAll(filepath.Join(dir, a, "sub"), 0o755)
						os.WriteFile(filepath.Join(dir, a, "a.jpg"), []byte("a photo in "+a), 0o644)
						os.WriteFile(filepath.Join(dir, a, "sub", "b.jpg"), []byte("another in "+a), 0o644)
						kept = append(kept, a)
					case strings.HasSuffix(a, ".jpg") && !strings.HasPrefix(a, "-") && i > 0 && !strings.HasPrefix(args[i-1], "--"):
						os.WriteFile(filepath.Join(dir, a), []byte("a file "+a), 0o644)
						kept = append(kept, a)
					default:
						kept = append(kept, a)
					}
				}
				args = append([]string{"upload", "--endpoint", srv.UploadURL, "--public-key", imagekittest.DemoPublicKey, "--journal", "none"}, kept[1:]...)
			case "preset":
				if len(args) < 2 || strings.Contains(args[1], "|") {
					continue
				}
			default:
				continue // long-running (emulator, watch, token-server) or the keyring's (key)
			}
			code, out, errs := runCLI(t, "", args...)
			if code != 0 {
				t.Errorf("%s\nexit %d\n%s%s", line, code, out, errs)
				continue
			}
			n++
			if strings.Contains(line, "--format") {
				formats++
				if strings.TrimSpace(out) == "" && !strings.Contains(line, `eq .status "failed"`) {
					t.Errorf("%s\nprinted nothing\n%s", line, errs)
				}
			}
		}
	}
	if n < 8 || formats < 3 {
		t.Fatalf("ran %d examples, %d of them --format: the README's examples were not found", n, formats)
	}

	// The secrets file, as printed, with its $(openssl rand -hex 24) run.
	secret := regexp.MustCompile(`\$\(openssl rand -hex 24\)`)
	found := false
	for _, block := range readmeBlocks(t) {
		if len(block) == 0 || !strings.HasPrefix(block[0], "cat > clients <<EOF") {
			continue
		}
		var file []string
		for _, line := range block[1:] {
			if line == "EOF" {
				break
			}
			file = append(file, secret.ReplaceAllStringFunc(line, func(string) string {
				b := make([]byte, 24)
				rand.Read(b)
				return hex.EncodeToString(b)
			}))
		}
		clients, err := tokenserver.ParseClients(strings.NewReader(strings.Join(file, "\n")))
		if err != nil || len(clients) != 2 {
			t.Fatalf("the README's secrets file: %d clients, %v", len(clients), err)
		}
		found = true
	}
	if !found {
		t.Fatal("the README's secrets file was not found")
	}
}

// TestREADMEAndHelpAgree: the README's exit status table and environment
// variables say what --help says. Before, exit 2 was worded two ways and
// the README's IMAGEKIT_UPLOADER_PRESETS was missing from --help.
func TestREADMEAndHelpAgree(t *testing.T) {
	raw, err := os.ReadFile(readmePath)
	if err != nil {
		t.Fatal(err)
	}
	readme := string(raw)
	for _, e := range ExitStatus {
		if row := fmt.Sprintf("| %d | %s |", e.Code, e.When); !strings.Contains(readme, row) {
			t.Errorf("the README's exit status table lacks the row\n%s", row)
		}
	}
	if s := strings.Replace(KeyStatusExit, "key status", "`key status`", 1); !strings.Contains(readme, s) {
		t.Errorf("the README does not say: %s", s)
	}
	var help strings.Builder
	printHelp(&help)
	env := regexp.MustCompile(`\bIMAGEKIT_[A-Z_]+\b`)
	inHelp := map[string]bool{}
	for _, v := range env.FindAllString(help.String(), -1) {
		inHelp[v] = true
		if !strings.Contains(readme, v) {
			t.Errorf("--help names %s; the README does not", v)
		}
	}
	for _, v := range env.FindAllString(readme, -1) {
		if !inHelp[v] {
			t.Errorf("the README names %s; --help does not", v)
		}
	}
}
