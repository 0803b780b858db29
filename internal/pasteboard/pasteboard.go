// Package pasteboard reads what was copied, for the window's paste: an
// image (a screenshot), files copied in a file manager, or text (links,
// paths). Writing text stays Fyne's; Fyne reads text only.
//
// On Linux the X selection is read here (X11, or XWayland), with its
// INCR transfer for images over the server's request size: the served
// golang.design/x/clipboard v0.7.1 opens the unversioned libX11.so, which
// only development packages install, and reads no INCR transfer, so large
// screenshots came back empty. On Windows and macOS that library reads the
// image; Windows' copied files (CF_HDROP) are read here.
package pasteboard

import (
	"errors"
	"net/url"
	"path/filepath"
	"runtime"
	"strings"
)

// Contents is what was copied, in the forms the copying program offered.
type Contents struct {
	Image []byte // PNG, or nil
	Files []string
	Text  string
}

// ErrUnavailable means there is no clipboard to read here (no display).
var ErrUnavailable = errors.New("the clipboard cannot be read here: no display")

// Items are what a paste uploads.
type Items struct {
	Paths []string // files and folders copied in a file manager
	// Named are the absolute paths written in copied text: anyone's words
	// (a web page's copy button), not files the person picked.
	Named []string
	URLs  []string // http(s) addresses, for ImageKit to fetch
	Image []byte   // a copied image (PNG), to be saved as a file
}

// Empty says there is nothing to upload.
func (it Items) Empty() bool {
	return len(it.Paths) == 0 && len(it.Named) == 0 && len(it.URLs) == 0 && it.Image == nil
}

// Interpret says what a paste of c uploads: copied files first (a file
// manager also offers their names as text, and sometimes an icon as an
// image), then an image, then the links and absolute paths in the text,
// one a line. A web page's copied image comes with its address as text:
// the image's bytes are what was seen, so they win.
func Interpret(c Contents) Items {
	if len(c.Files) > 0 {
		return Items{Paths: c.Files}
	}
	if c.Image != nil {
		return Items{Image: c.Image}
	}
	var it Items
	for _, line := range strings.Split(strings.ReplaceAll(c.Text, "\r\n", "\n"), "\n") {
		line = strings.TrimSpace(line)
		switch {
		case line == "" || strings.HasPrefix(line, "#"): // a uri-list's comments
		case strings.HasPrefix(line, "file://"):
			if p, ok := FilePath(line); ok {
				it.Named = append(it.Named, p)
			}
		case strings.HasPrefix(line, "http://") || strings.HasPrefix(line, "https://"):
			if u, err := url.Parse(line); err == nil && u.Host != "" && !strings.ContainsAny(line, " \t") {
				it.URLs = append(it.URLs, line)
			}
		case filepath.IsAbs(line):
			it.Named = append(it.Named, line)
		}
	}
	return it
}

// FilePath is the local path of a file:// URI.
func FilePath(uri string) (string, bool) {
	u, err := url.Parse(uri)
	if err != nil || u.Scheme != "file" || (u.Host != "" && u.Host != "localhost") || u.Path == "" {
		return "", false
	}
	p := u.Path
	if runtime.GOOS == "windows" && len(p) >= 3 && p[0] == '/' && p[2] == ':' {
		p = p[1:] // file:///C:/photos/a.jpg
	}
	return filepath.FromSlash(p), true
}

// uriList reads a text/uri-list (or GNOME's copied files, "copy\n" then
// URIs): the local files it names.
func uriList(b []byte) []string {
	var files []string
	for _, line := range strings.Split(strings.ReplaceAll(string(b), "\r\n", "\n"), "\n") {
		if p, ok := FilePath(strings.TrimSpace(line)); ok {
			files = append(files, p)
		}
	}
	return files
}
