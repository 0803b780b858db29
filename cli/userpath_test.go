package cli

import "testing"

// TestWithDir: the installer's PATH edit adds the folder once, whatever
// its case or trailing backslash, and takes off only it.
func TestWithDir(t *testing.T) {
	dir := `C:\Users\ana\AppData\Local\Programs\ImageKit Uploader`
	for _, c := range []struct {
		list string
		add  bool
		want string
	}{
		{"", true, dir},
		{`C:\bin`, true, `C:\bin;` + dir},
		{`C:\bin;c:\users\ana\appdata\local\programs\imagekit uploader\;D:\tools`, true, `C:\bin;c:\users\ana\appdata\local\programs\imagekit uploader\;D:\tools`},
		{dir + `;C:\Tools;` + dir, true, dir + `;C:\Tools`}, // a reinstall keeps its place, once
		{`C:\bin;` + dir + `;D:\tools`, false, `C:\bin;D:\tools`},
		{dir, false, ""},
		{`C:\bin;;D:\tools`, false, `C:\bin;D:\tools`},
	} {
		if got := withDir(c.list, dir, c.add); got != c.want {
			t.Errorf("withDir(%q, add %v) = %q, want %q", c.list, c.add, got, c.want)
		}
	}
}
