package cli

import (
	"os"
	"testing"

	"imagekit-uploader/preset"
)

// TestMain keeps the tests out of the user's folders: the jobs' journals
// (cache) and the presets go to a folder of their own.
func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "cli-test-")
	if err != nil {
		panic(err)
	}
	os.Setenv("XDG_CACHE_HOME", dir+"/cache")
	os.Setenv("XDG_CONFIG_HOME", dir+"/config")
	os.Setenv(preset.EnvFile, dir+"/presets.json")
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}
