package cli

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"

	"imagekit-uploader/preset"
	"imagekit-uploader/results"
	"imagekit-uploader/uploader"
)

const presetAbout = `Named sets of upload settings: a folder, tags and any of ImageKit's
options, kept in one file that the window shares (presets.json in your
config folder, or $IMAGEKIT_UPLOADER_PRESETS). A folder may hold {yyyy},
{mm} and {dd}: the date the upload starts.

  preset save NAME [upload flags]   save (or replace) the settings the flags give
  preset list                       list the presets
  preset show NAME [--json]         print a preset's settings as upload flags (or JSON)
  preset delete NAME                remove a preset

upload --preset NAME starts from a preset; flags given with it override it:
  imagekit-uploader preset save shoot --folder '/shoots/{yyyy}/{mm}' --tags summer --unique=false
  imagekit-uploader upload --preset shoot --tags summer,sale ./photos`

func cmdPreset(ctx context.Context, args []string, std Stdio) error {
	if len(args) == 0 || args[0] == "--help" || args[0] == "-h" || args[0] == "help" {
		fs := newFlags(std, "preset", "preset save|list|show|delete [NAME] [flags]", presetAbout)
		if len(args) == 0 {
			fs.help(std.Err)
			return usagef("preset needs one of: save, list, show, delete")
		}
		fs.help(std.Out)
		return flag.ErrHelp
	}
	sub, args := args[0], args[1:]
	path, err := preset.DefaultPath()
	if err != nil {
		return configError{err}
	}
	file := preset.File{Path: path}
	switch sub {
	case "save":
		var f uploadFlags
		fs := newFlags(std, "preset save", "preset save NAME [upload flags]", presetAbout)
		settingFlags(fs, &f)
		rest, err := fs.parseInterleaved(args)
		if err != nil {
			return err
		}
		if len(rest) != 1 {
			return usagef("preset save takes one name, then upload flags; got %d arguments besides the flags", len(rest))
		}
		p := fromFlags(fs, &f)
		if p == (preset.Preset{}) {
			return usagef("preset save %s: give the settings to save as upload flags (--folder, --tags, ...)", rest[0])
		}
		if err := file.Save(rest[0], p); err != nil {
			return presetError(err)
		}
		fmt.Fprintf(std.Err, "saved preset %q in %s\n", rest[0], path)
		return nil
	case "list", "show", "delete":
	default:
		return usagef("unknown preset command %q; use save, list, show or delete", sub)
	}
	fs := newFlags(std, "preset "+sub, "preset "+sub+" [NAME]", presetAbout)
	asJSON := false
	if sub == "show" {
		fs.BoolVar(&asJSON, "json", false, "print the preset as JSON")
	}
	rest, err := fs.parseInterleaved(args)
	if err != nil {
		return err
	}
	all, err := file.Load()
	if err != nil {
		return configError{err}
	}
	if sub == "list" {
		if len(rest) != 0 {
			return usagef("preset list takes no arguments")
		}
		if len(all) == 0 { // said on stderr: stdout stays a list a script can read
			fmt.Fprintln(std.Err, "no presets yet: save one with 'imagekit-uploader preset save NAME [upload flags]'")
		}
		for _, name := range preset.Names(all) {
			fmt.Fprintf(std.Out, "%s\t%s\n", results.Printable(name), strings.Join(presetArgs(all[name]), " "))
		}
		return nil
	}
	if len(rest) != 1 {
		return usagef("preset %s takes one name", sub)
	}
	name := rest[0]
	p, ok := all[name]
	if !ok {
		return unknownPreset(name, all)
	}
	if sub == "delete" {
		if err := file.Delete(name); err != nil {
			return presetError(err)
		}
		fmt.Fprintf(std.Err, "deleted preset %q\n", name)
		return nil
	}
	if asJSON {
		b, _ := json.MarshalIndent(p, "", "  ")
		fmt.Fprintln(std.Out, string(b))
		return nil
	}
	for _, a := range presetArgs(p) {
		fmt.Fprintln(std.Out, a)
	}
	return nil
}

// presetError: a file that cannot be read or written is the setup's fault
// (exit 2, as a configuration error); a bad name or setting is a usage error.
func presetError(err error) error {
	if errors.As(err, new(*preset.FileError)) {
		return configError{err}
	}
	return settingError(err)
}

func unknownPreset(name string, all map[string]preset.Preset) error {
	names := preset.Names(all)
	if len(names) == 0 {
		return usagef("no preset %q: there are none yet (preset save NAME [flags] makes one)", name)
	}
	for i := range names {
		names[i] = strconv.Quote(names[i])
	}
	return usagef("no preset %q; there are %s", name, strings.Join(names, ", "))
}

// presetFlags ties each preset setting to its upload flag: the flag's name
// and the setting as the flag's argument ("" when the preset leaves it).
func presetFlags(p preset.Preset) [][2]string {
	b := func(v *bool) string {
		if v == nil {
			return ""
		}
		return strconv.FormatBool(*v)
	}
	flags := [][2]string{
		{"folder", p.Folder}, {"tags", p.Tags}, {"unique", b(p.UseUniqueFileName)},
		{"overwrite", b(p.OverwriteFile)}, {"private", b(p.IsPrivateFile)}, {"strip", string(p.Strip)},
	}
	for _, op := range uploader.OptionTable {
		v, _ := op.Get(p.Options)
		flags = append(flags, [2]string{op.Flag, v})
	}
	return flags
}

// presetArgs is the preset as upload flags, quoted for a shell.
func presetArgs(p preset.Preset) []string {
	var out []string
	for _, f := range presetFlags(p) {
		if f[1] != "" {
			out = append(out, "--"+f[0]+"="+shellQuote(f[1]))
		}
	}
	return out
}

// shellQuote quotes s for a POSIX shell where it needs it.
// The value comes back exactly when pasted into a POSIX shell: in single
// quotes, where only ' itself needs care (newlines and tabs are kept as
// they are). A value with another control character, which must not reach
// the terminal, is written for bash and zsh as $'...'.
func shellQuote(s string) string {
	if s != "" && !strings.ContainsFunc(s, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("/,._-:=+@", r))
	}) {
		return s
	}
	if !utf8.ValidString(s) || strings.ContainsFunc(s, func(r rune) bool { return r != '\n' && r != '\t' && results.Unsafe(r) }) {
		q := strconv.Quote(s) // "..." with Go's escapes, which $'...' reads the same way
		return "$'" + strings.ReplaceAll(strings.ReplaceAll(q[1:len(q)-1], `\"`, `"`), "'", `\'`) + "'"
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// fromFlags makes a preset of the setting flags given on the command line.
func fromFlags(fs *flagSet, f *uploadFlags) preset.Preset {
	var p preset.Preset
	given := map[string]bool{}
	fs.Visit(func(fl *flag.Flag) { given[fl.Name] = true })
	b := func(name string, v bool) *bool {
		if !given[name] {
			return nil
		}
		return &v
	}
	if given["folder"] {
		p.Folder = f.folder
	}
	if given["tags"] {
		p.Tags = f.tags
	}
	p.UseUniqueFileName, p.OverwriteFile, p.IsPrivateFile = b("unique", f.unique), b("overwrite", f.overwrite), b("private", f.private)
	p.Options = f.options // its flags are empty or nil unless given
	if given["strip"] {
		p.Strip = cmp.Or(f.strip, "none")
	}
	return p
}

// applyPreset sets each flag the preset holds and the command line did not
// give, through the flag itself, so a preset's value is read as if typed.
func applyPreset(fs *flagSet, name string) error {
	if name == "" {
		return nil
	}
	path, err := preset.DefaultPath()
	if err != nil {
		return configError{err}
	}
	all, err := preset.File{Path: path}.Load()
	if err != nil {
		return configError{err}
	}
	p, ok := all[name]
	if !ok {
		return unknownPreset(name, all)
	}
	given := map[string]bool{}
	fs.Visit(func(fl *flag.Flag) { given[fl.Name] = true })
	for _, f := range presetFlags(p) {
		if f[1] == "" || given[f[0]] {
			continue
		}
		if err := fs.Set(f[0], f[1]); err != nil {
			return usagef("preset %q: --%s: %v", name, f[0], err)
		}
	}
	return nil
}
