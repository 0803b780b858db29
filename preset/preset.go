// Package preset keeps named sets of upload settings (folder, tags, every
// ImageKit option) in one file that the window and the command line share.
package preset

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"imagekit-uploader/internal/filelock"
	"imagekit-uploader/strip"
	"imagekit-uploader/uploader"
)

// Preset is a named set of upload settings. A setting left empty (or nil)
// is not part of the preset: the form's or the flags' value stays.
type Preset struct {
	Folder            string `json:"folder,omitempty"` // may hold {yyyy}, {mm}, {dd}
	Tags              string `json:"tags,omitempty"`   // comma-separated, as typed
	UseUniqueFileName *bool  `json:"useUniqueFileName,omitempty"`
	OverwriteFile     *bool  `json:"overwriteFile,omitempty"`
	IsPrivateFile     *bool  `json:"isPrivateFile,omitempty"`
	// Strip is what of a file's metadata is taken out before it is sent:
	// "gps", "all", or "none" to keep it where the form would strip; empty
	// leaves the form's choice.
	Strip strip.Mode `json:"strip,omitempty"`
	// CopyWhenDone is the window's After a drop for this preset: a Copy
	// as format's name ("URL", "Markdown", ...), "none", or empty for
	// Settings' choice. The command line has no clipboard and passes it over.
	CopyWhenDone string `json:"copyWhenDone,omitempty"`
	uploader.Options
}

// Apply lays the preset's settings over f.
func (p Preset) Apply(f uploader.Fields) uploader.Fields {
	if p.Folder != "" {
		f.Folder = p.Folder
	}
	if p.Tags != "" {
		f.Tags = uploader.ParseTags(p.Tags)
	}
	for _, b := range []struct {
		from *bool
		to   *bool
	}{{p.UseUniqueFileName, &f.UseUniqueFileName}, {p.OverwriteFile, &f.OverwriteFile}, {p.IsPrivateFile, &f.IsPrivateFile}} {
		if b.from != nil {
			*b.to = *b.from
		}
	}
	f.Options = f.Options.Over(p.Options)
	if p.Strip != "" { // "none", "keep", "location": as --strip reads them
		if m, err := strip.ParseMode(string(p.Strip)); err == nil {
			f.Strip = m
		}
	}
	return f
}

// Check says why the preset's settings could not be uploaded with, or nil.
func (p Preset) Check() error {
	if p.Folder != "" {
		folder, err := uploader.ExpandFolder(p.Folder, time.Now())
		if err != nil {
			return err
		}
		if _, err := uploader.CleanFolder(folder); err != nil {
			return err
		}
	}
	if err := uploader.CheckTags(uploader.ParseTags(p.Tags)); err != nil {
		return err
	}
	if _, err := strip.ParseMode(string(p.Strip)); err != nil {
		return err
	}
	return p.Options.Check()
}

// CheckName says why name cannot name a preset, or nil.
func CheckName(name string) error {
	switch {
	case strings.TrimSpace(name) == "":
		return errors.New("a preset needs a name")
	case name != strings.TrimSpace(name):
		return fmt.Errorf("%q: a preset's name does not start or end with a space", name)
	case utf8.RuneCountInString(name) > 64:
		return errors.New("a preset's name is at most 64 characters long")
	case !utf8.ValidString(name) || strings.ContainsFunc(name, unicode.IsControl):
		return fmt.Errorf("%q: a preset's name is text without control characters", name)
	}
	return nil
}

// EnvFile, when set, is the presets file to use instead of the default.
const EnvFile = "IMAGEKIT_UPLOADER_PRESETS"

// DefaultPath is the presets file: presets.json in the user's config
// directory (~/.config/imagekit-uploader on Linux, %AppData% on Windows,
// ~/Library/Application Support on macOS), or $IMAGEKIT_UPLOADER_PRESETS.
func DefaultPath() (string, error) {
	if p := os.Getenv(EnvFile); p != "" {
		return p, nil
	}
	dir, err := os.UserConfigDir()
	if err != nil {
		return "", fmt.Errorf("no folder for settings: %w", err)
	}
	return filepath.Join(dir, "imagekit-uploader", "presets.json"), nil
}

// FileError is a presets file that cannot be read or written.
type FileError struct {
	Path string
	Err  error
}

func (e *FileError) Error() string { return e.Err.Error() }
func (e *FileError) Unwrap() error { return e.Err }

// File is the presets file at Path.
type File struct{ Path string }

// maxFile bounds the presets file: hundreds of presets take kilobytes.
const maxFile = 4 << 20

type onDisk struct {
	Presets map[string]Preset `json:"presets"`
}

// Load reads every preset; none when the file does not exist yet. A file
// that cannot be read is an error that says where it is: it is never
// replaced behind its owner's back.
func (f File) Load() (map[string]Preset, error) {
	file, err := os.Open(f.Path)
	if errors.Is(err, fs.ErrNotExist) {
		return map[string]Preset{}, nil
	}
	if err != nil {
		return nil, &FileError{f.Path, fmt.Errorf("cannot read the presets file: %w", err)}
	}
	defer file.Close()
	b, err := io.ReadAll(io.LimitReader(file, maxFile+1))
	if err != nil {
		return nil, &FileError{f.Path, fmt.Errorf("cannot read the presets file: %w", err)}
	}
	damaged := func(why string) error {
		return &FileError{f.Path, fmt.Errorf("the presets file %s is damaged (%s); fix it, or move it away to start afresh", f.Path, why)}
	}
	if len(b) > maxFile {
		return nil, damaged(fmt.Sprintf("it is over %d MiB", maxFile>>20))
	}
	var d *onDisk
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&d); err != nil {
		return nil, damaged(err.Error())
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, damaged("more follows its presets")
	}
	if d == nil {
		return nil, damaged(`it says null, not {"presets": ...}`)
	}
	if d.Presets == nil {
		d.Presets = map[string]Preset{}
	}
	return d.Presets, nil
}

// Names lists the presets' names in order.
func Names(all map[string]Preset) []string {
	names := make([]string, 0, len(all))
	for n := range all {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// Save adds or replaces the preset called name.
func (f File) Save(name string, p Preset) error {
	if err := CheckName(name); err != nil {
		return err
	}
	if err := p.Check(); err != nil {
		return err
	}
	return f.change(func(all map[string]Preset) error {
		all[name] = p
		return nil
	})
}

// ErrNotFound is a preset that is not in the file.
var ErrNotFound = errors.New("no such preset")

// Delete removes the preset called name.
func (f File) Delete(name string) error {
	return f.change(func(all map[string]Preset) error {
		if _, ok := all[name]; !ok {
			return fmt.Errorf("%w: %q", ErrNotFound, name)
		}
		delete(all, name)
		return nil
	})
}

// Replace writes all as the whole file (an import).
func (f File) Replace(all map[string]Preset) error {
	for name, p := range all {
		if err := CheckName(name); err != nil {
			return err
		}
		if err := p.Check(); err != nil {
			return fmt.Errorf("preset %q: %w", name, err)
		}
	}
	return f.change(func(cur map[string]Preset) error {
		clear(cur)
		for n, p := range all {
			cur[n] = p
		}
		return nil
	})
}

// change reads the file, lets edit change the presets, and writes them
// back whole: to a temporary file first, then renamed over the old one, so
// that a crash leaves the old file or the new one, never half of one.
func (f File) change(edit func(map[string]Preset) error) error {
	path := f.Path
	if fi, err := os.Lstat(path); err == nil && fi.Mode()&os.ModeSymlink != 0 {
		// A presets file kept elsewhere through a link stays there.
		if real, err := filepath.EvalSymlinks(path); err == nil {
			path = real
		} else if to, err := os.Readlink(path); err == nil { // its target not made yet
			if !filepath.IsAbs(to) {
				to = filepath.Join(filepath.Dir(path), to)
			}
			path = to
		}
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return &FileError{f.Path, fmt.Errorf("cannot save the presets: %w", err)}
	}
	// One change at a time, across processes (the window and a script):
	// each reads what the last one wrote.
	lock, err := filelock.Wait(path+".lock", 10*time.Second)
	if errors.Is(err, filelock.ErrLocked) {
		return &FileError{f.Path, errors.New("cannot save the presets: another process has been saving them for 10 seconds; try again")}
	}
	if err != nil {
		return &FileError{f.Path, fmt.Errorf("cannot save the presets: %w", err)}
	}
	defer lock.Unlock()
	all, err := File{Path: path}.Load()
	if err != nil {
		return err
	}
	if err := edit(all); err != nil {
		return err
	}
	b, err := json.MarshalIndent(onDisk{Presets: all}, "", "  ")
	if err != nil {
		return err
	}
	err = filelock.Replace(path, append(b, '\n'))
	if err != nil {
		return &FileError{f.Path, fmt.Errorf("cannot save the presets: %w", err)}
	}
	return nil
}
