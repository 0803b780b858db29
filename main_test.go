package main

import (
	"context"
	"os"
	"strings"
	"testing"

	"imagekit-uploader/cli"
)

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
