package cli

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"

	"imagekit-uploader/keystore"
	"imagekit-uploader/results"
	"imagekit-uploader/strip"
	"imagekit-uploader/uploader"
)

const verifyAbout = `
Compare files and folders here with what the media library holds, as
upload would have stored them under --folder: summer/dresses/a.jpg given as
summer/ is looked for in FOLDER/summer/dresses/. Nothing is uploaded,
changed or deleted.

With --unique (the default, as upload), a file is looked for under the name
made from its content (name_<first 12 hex digits of its SHA-256>.ext), so a
file found is the same bytes. With --unique=false it is looked for under its
own name, and its size is compared (ImageKit's API gives no checksum).

One line per file on stdout: present (with its URL), missing, or differs
(the library's file has another size); --extra also lists the files of those
folders that no file here matches. --json prints one object per line:
"path", "status" (present, missing, differs or extra), "filePath", "url",
"size", "librarySize". The exit is 0 when every file is present, 1 when not.

ImageKit lets its library be read only with the private key: verify sends
it, over HTTPS, to ImageKit's API (api.imagekit.io; --api-endpoint for
another server), as HTTP Basic. It comes from the OS keyring (or
IMAGEKIT_PRIVATE_KEY), as for upload; the demo key reads a local server.`

// verifyLine is one file's outcome, as verify --json prints it.
type verifyLine struct {
	Path        string `json:"path,omitempty"`
	Status      string `json:"status"`
	FilePath    string `json:"filePath"`
	URL         string `json:"url,omitempty"`
	Size        int64  `json:"size,omitempty"`
	LibrarySize int64  `json:"librarySize,omitempty"`
}

func cmdVerify(ctx context.Context, args []string, std Stdio) error {
	fs := newFlags(std, "verify", "verify [flags] PATH...", verifyAbout)
	f := uploadFlags{stderr: std.Err}
	fs.StringVar(&f.endpoint, "endpoint", uploader.DefaultEndpoint, "the upload URL the files went to (plain http only to localhost): the library is read from its API")
	fs.StringVar(&f.apiEndpoint, "api-endpoint", "", "where ImageKit's API is read (default: api.imagekit.io for ImageKit's upload endpoint, the same server for another)")
	fs.StringVar(&f.publicKey, "public-key", os.Getenv(keystore.EnvPublicKey), "ImageKit public key (default $IMAGEKIT_PUBLIC_KEY): whose private key reads the library")
	fs.StringVar(&f.folder, "folder", "/", "the folder the files were uploaded to; {yyyy}, {mm} and {dd} are today's date")
	fs.BoolVar(&f.unique, "unique", true, "the files were uploaded with names made from their content (upload's default); false: under their own names")
	fs.Var(stripFlag{&f.strip}, "strip", "the files were uploaded with --strip gps or all: their names and sizes are those of what was sent")
	fs.StringVar(&f.proxy, "proxy", uploader.ProxyEnvironment, "read through this proxy (http://[user:password@]host:port), or none (default: HTTPS_PROXY)")
	fs.BoolVar(&f.asJSON, "json", false, "print one JSON object per file on stdout")
	extra := fs.Bool("extra", false, "also list the library's files in those folders that no file here matches")
	paths, err := fs.parseInterleaved(args)
	if err != nil {
		return err
	}
	if len(paths) == 0 {
		return usagef("verify needs at least one file or folder")
	}
	if err := uploader.CheckEndpoint(f.endpoint); err != nil {
		return usageError{err.Error()}
	}
	folder, err := uploader.ExpandFolder(f.folder, clock())
	if err == nil {
		folder, err = uploader.CleanFolder(folder)
	}
	if err != nil {
		return usagef("--folder: %v", err)
	}
	if f.publicKey == "" {
		return usagef("verify needs --public-key (or IMAGEKIT_PUBLIC_KEY)")
	}
	if err := keystore.CheckPublicKey(f.publicKey); err != nil {
		return usagef("--public-key: %v", err)
	}
	_, priv, err := f.tokenSource(ctx)
	if err != nil {
		return err
	}
	api := cmp.Or(f.apiEndpoint, uploader.LibraryEndpoint(f.endpoint))
	if err := uploader.CheckEndpoint(api + "/v1/files"); err != nil {
		return usagef("--api-endpoint: %v", err)
	}
	hc := uploader.NewClient(f.endpoint, nil)
	if err := hc.UseProxy(f.proxy); err != nil {
		return usagef("--proxy: %v", err)
	}
	lib := uploader.APILibrary{Endpoint: api, PrivateKey: priv, HTTP: hc.HTTP, Gate: uploader.NewGate()}

	items, skipped, err := uploader.CollectContext(ctx, paths)
	if err != nil {
		return fmt.Errorf("stopped while listing the files: %w", err)
	}
	for _, s := range skipped {
		fmt.Fprintf(std.Err, "skipped   %s: %s\n", results.Printable(s.Path), results.Printable(s.Reason))
	}
	out := verifyReport{w: std.Out, json: f.asJSON}
	listed := map[string]map[string]uploader.LibraryFile{} // by folder, by name
	matched := map[string]bool{}                           // library paths a file here matches
	var present, missing, differs, unreadable int
	for _, it := range items {
		if it.Err != nil {
			unreadable++
			fmt.Fprintf(std.Err, "failed    %s: %v\n", results.Printable(it.Path), it.Err)
			continue
		}
		dir := path.Join(folder, it.Rel)
		name := filepath.Base(it.Path)
		if f.unique || f.strip != strip.Keep {
			sum, size, err := uploader.Sent(ctx, it.Path, f.strip)
			if err != nil {
				unreadable++
				fmt.Fprintf(std.Err, "failed    %s: %v\n", results.Printable(it.Path), err)
				continue
			}
			if f.unique {
				name = uploader.ContentName(name, sum)
			}
			it.Size = size // what was sent: the library has that
		}
		name = uploader.StoredAs(name) // as ImageKit writes it: "summer banner.jpg" is summer_banner.jpg
		files, ok := listed[dir]
		if !ok {
			got, err := lib.Files(ctx, dir, "")
			if err != nil {
				return libraryFailure(err)
			}
			files = map[string]uploader.LibraryFile{}
			for _, lf := range got {
				files[lf.Name] = lf
			}
			listed[dir] = files
		}
		want := path.Join(dir, name)
		lf, found := files[name]
		l := verifyLine{Path: it.Path, FilePath: want, Size: it.Size}
		switch {
		case !found:
			l.Status = "missing"
			missing++
		case lf.Size != it.Size:
			l.Status, l.URL, l.LibrarySize = "differs", lf.URL, lf.Size
			differs++
		default:
			l.Status, l.URL = "present", lf.URL
			present++
		}
		if found {
			matched[want] = true
		}
		out.write(l)
	}
	extras := 0
	if *extra {
		var dirs []string
		for d := range listed {
			dirs = append(dirs, d)
		}
		sort.Strings(dirs)
		for _, d := range dirs {
			var names []string
			for n := range listed[d] {
				names = append(names, n)
			}
			sort.Strings(names)
			for _, n := range names {
				if lf := listed[d][n]; !matched[lf.FilePath] {
					extras++
					out.write(verifyLine{Status: "extra", FilePath: lf.FilePath, URL: lf.URL, LibrarySize: lf.Size})
				}
			}
		}
	}
	summary := fmt.Sprintf("%d present, %d missing, %d differ", present, missing, differs)
	if unreadable > 0 {
		summary += fmt.Sprintf(", %d could not be read", unreadable)
	}
	if *extra {
		summary += fmt.Sprintf("; %d extra in the library", extras)
	}
	fmt.Fprintln(std.Err, summary)
	switch {
	case missing+differs+unreadable > 0:
		return errFailed
	case len(items) == 0:
		return errors.New("the paths given hold no files to compare")
	}
	return nil
}

// libraryFailure words a library that could not be read: the key refused
// is a setup fault (exit 2).
func libraryFailure(err error) error {
	x := uploader.Explain(err)
	switch {
	case x.Status == 401 || x.Status == 403:
		return configError{fmt.Errorf("ImageKit's API refused the private key (%d %s): check it with 'imagekit-uploader key status'", x.Status, strings.TrimPrefix(x.Message, "key rejected: "))}
	}
	// Not a verdict on the files: exit 2, never taken for "missing" (1).
	return configError{fmt.Errorf("the media library could not be read, so nothing was compared: %s", x.Message)}
}

type verifyReport struct {
	w    io.Writer
	json bool
}

func (r verifyReport) write(l verifyLine) {
	if r.json {
		b, _ := json.Marshal(l)
		r.w.Write(append(b, '\n'))
		return
	}
	p := results.Printable
	switch l.Status {
	case "present":
		fmt.Fprintf(r.w, "present   %s -> %s\n", p(l.Path), p(l.URL))
	case "missing":
		fmt.Fprintf(r.w, "missing   %s: nothing at %s\n", p(l.Path), p(l.FilePath))
	case "differs":
		fmt.Fprintf(r.w, "differs   %s: %s has %s, this file %s\n", p(l.Path), p(l.FilePath), uploader.FormatSize(l.LibrarySize), uploader.FormatSize(l.Size))
	case "extra":
		fmt.Fprintf(r.w, "extra     %s -> %s\n", p(l.FilePath), p(l.URL))
	}
}
