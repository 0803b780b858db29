//go:build windows

package cli

import (
	"strings"
	"testing"

	"golang.org/x/sys/windows/registry"
)

// TestUserPathInTheRegistry: user-path add and remove edit the user's
// environment in the registry (a key of the test's own here, not the real
// one), keeping its other entries and its REG_EXPAND_SZ type.
func TestUserPathInTheRegistry(t *testing.T) {
	userEnvKey = `Software\ImageKit Uploader Test\Environment`
	defer registry.DeleteKey(registry.CURRENT_USER, userEnvKey)
	k, _, err := registry.CreateKey(registry.CURRENT_USER, userEnvKey, registry.ALL_ACCESS)
	if err != nil {
		t.Fatal(err)
	}
	defer k.Close()
	k.SetExpandStringValue("Path", `%USERPROFILE%\bin`)
	dir := `C:\Programs\ImageKit Uploader`
	if err := editUserPath(dir, true); err != nil {
		t.Fatal(err)
	}
	if err := editUserPath(dir, true); err != nil { // again: still once
		t.Fatal(err)
	}
	got, kind, err := k.GetStringValue("Path")
	if err != nil || got != `%USERPROFILE%\bin;`+dir || kind != registry.EXPAND_SZ {
		t.Fatalf("after add: %q (type %d), %v", got, kind, err)
	}
	if err := editUserPath(dir, false); err != nil {
		t.Fatal(err)
	}
	if got, _, _ := k.GetStringValue("Path"); strings.Contains(got, "ImageKit") || got != `%USERPROFILE%\bin` {
		t.Fatalf("after remove: %q", got)
	}
}
