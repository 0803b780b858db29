package main

import (
	"context"
	"os"
	"os/exec"
	"slices"
	"strings"
	"testing"

	"imagekit-uploader/cli"
)

// envRunApp makes the test binary the app itself, with these arguments
// (space-separated): tests of the real window start it so.
const envRunApp = "IMAGEKIT_UPLOADER_TEST_RUN_APP"

func TestMain(m *testing.M) {
	if args, ok := os.LookupEnv(envRunApp); ok {
		os.Args = append(os.Args[:1], strings.Fields(args)...)
		main()
	}
	os.Exit(m.Run())
}

func TestVersionComesFromFyneAppTOML(t *testing.T) {
	raw, err := os.ReadFile("FyneApp.toml")
	if err != nil {
		t.Fatal(err)
	}
	m := versionRE.FindStringSubmatch(string(raw))
	if m == nil || m[1] != version || version == "unknown" {
		t.Fatalf("version %q, FyneApp.toml says %v", version, m)
	}
	var out strings.Builder
	code := cli.Run(context.Background(), []string{"--version"}, cli.Stdio{In: strings.NewReader(""), Out: &out, Err: &out}, cli.App{Version: version})
	if code != 0 || out.String() != "imagekit-uploader "+version+"\n" {
		t.Fatalf("--version: %d %q", code, out.String())
	}
}

// TestQuietUnderTheCLocale: the desktop binary's commands print nothing of
// Fyne's under LANG=C.UTF-8 (containers, ssh, cron). Before, every command
// began with "Fyne error: Error parsing user locale C".
func TestQuietUnderTheCLocale(t *testing.T) {
	for _, lang := range []string{"C.UTF-8", "POSIX.utf8", "C", "en_GB.UTF-8"} {
		cmd := exec.Command(os.Args[0], "-test.run=^$")
		cmd.Env = append(slices.DeleteFunc(os.Environ(), func(kv string) bool {
			k, _, _ := strings.Cut(kv, "=")
			return k == "LANGUAGE" || k == "LC_ALL" || k == "LC_MESSAGES" || k == "LANG"
		}), "LANG="+lang)
		out, err := cmd.CombinedOutput()
		if err != nil || strings.Contains(string(out), "Fyne error") {
			t.Errorf("LANG=%s: %v\n%s", lang, err, out)
		}
	}
}
