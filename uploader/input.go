package uploader

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
)

// Item is one file found in what a person gave: a path, or a file inside a
// folder they gave. A path that cannot be used has Err set.
type Item struct {
	Path string
	Rel  string // the directory under the destination, slash separated: the given folder's name and below
	Size int64
	Key  fileKey // the same file has the same key, whatever path leads to it
	Err  error
}

// Skip is something passed over on purpose, and why.
type Skip struct {
	Path, Reason string
}

// systemFiles are files operating systems leave in folders; nobody means to upload them.
var systemFiles = map[string]bool{"thumbs.db": true, "desktop.ini": true, "icon\r": true}

// Collect expands paths into the files to upload, keeping each folder's
// structure: a file inside a given folder "summer" at summer/dresses/a.jpg
// gets Rel "summer/dresses". Inside folders, hidden and system files are
// skipped; a file given directly is never skipped. Links to files are
// followed, links to folders too, but never into a folder already on the
// way (a link loop). The same file given twice is listed once.
func Collect(paths []string) (items []Item, skipped []Skip) {
	items, skipped, _ = CollectContext(context.Background(), paths)
	return items, skipped
}

// CollectContext is Collect that stops when ctx ends (a "/" given by
// mistake can take hours): it returns what it found so far and ctx's error.
func CollectContext(ctx context.Context, paths []string) (items []Item, skipped []Skip, err error) {
	c := collector{ctx: ctx, seen: map[fileKey]bool{}}
	for _, p := range paths {
		if ctx.Err() != nil {
			break
		}
		c.top(p)
	}
	return c.items, c.skipped, ctx.Err()
}

// CollectIn lists the files inside folder, not the folder itself: each
// Rel is its path below folder, so the folder's structure is kept under the
// destination without its own name (watch).
func CollectIn(ctx context.Context, folder string) (items []Item, skipped []Skip, err error) {
	c := collector{ctx: ctx, seen: map[fileKey]bool{}}
	if abs, err := filepath.Abs(folder); err == nil {
		folder = abs
	}
	info, err := os.Stat(folder)
	if err != nil {
		return nil, nil, fileError(folder, err)
	}
	if !info.IsDir() {
		return nil, nil, &FileError{Path: folder, Reason: "not a folder"}
	}
	c.dir(folder, "", map[fileKey]bool{keyOf(folder, info): true})
	return c.items, c.skipped, ctx.Err()
}

type collector struct {
	ctx     context.Context
	items   []Item
	skipped []Skip
	seen    map[fileKey]bool
}

func (c *collector) top(p string) {
	abs, err := filepath.Abs(p)
	if err == nil {
		p = abs
	}
	info, err := os.Stat(p)
	if err != nil {
		c.items = append(c.items, Item{Path: p, Err: fileError(p, err)})
		return
	}
	if info.IsDir() {
		c.dir(p, folderName(filepath.Base(p)), map[fileKey]bool{keyOf(p, info): true})
		return
	}
	c.file(p, "", info)
}

func (c *collector) file(p, rel string, info fs.FileInfo) {
	if !info.Mode().IsRegular() {
		c.skipped = append(c.skipped, Skip{p, "not a regular file (" + info.Mode().Type().String() + ")"})
		return
	}
	k := keyOf(p, info)
	if c.seen[k] {
		c.skipped = append(c.skipped, Skip{p, "given twice; queued once"})
		return
	}
	c.seen[k] = true
	c.items = append(c.items, Item{Path: p, Rel: rel, Size: info.Size(), Key: k})
}

// dir walks one folder; onPath holds the folders from the top down to it,
// to recognise a link that leads back up.
func (c *collector) dir(dir, rel string, onPath map[fileKey]bool) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		c.items = append(c.items, Item{Path: dir, Rel: rel, Err: &FileError{Path: dir, Reason: folderReason(err), Err: err}})
		if len(entries) == 0 {
			return
		}
	}
	sort.Slice(entries, func(i, j int) bool { return entries[i].Name() < entries[j].Name() })
	for _, e := range entries {
		if c.ctx.Err() != nil {
			return
		}
		name := e.Name()
		p := filepath.Join(dir, name)
		if strings.HasPrefix(name, ".") {
			c.skipped = append(c.skipped, Skip{p, "hidden"})
			continue
		}
		if systemFiles[strings.ToLower(name)] {
			c.skipped = append(c.skipped, Skip{p, "system file"})
			continue
		}
		info, err := os.Stat(p) // follows links
		if err != nil {
			if e.Type()&fs.ModeSymlink != 0 {
				c.skipped = append(c.skipped, Skip{p, "broken link"})
				continue
			}
			c.items = append(c.items, Item{Path: p, Rel: rel, Err: fileError(p, err)})
			continue
		}
		if !info.IsDir() {
			c.file(p, rel, info)
			continue
		}
		k := keyOf(p, info)
		if onPath[k] {
			c.skipped = append(c.skipped, Skip{p, "link loop: leads back to a folder above it"})
			continue
		}
		onPath[k] = true
		c.dir(p, path.Join(rel, folderName(name)), onPath)
		delete(onPath, k)
	}
}

func folderReason(err error) string {
	if errors.Is(err, os.ErrPermission) {
		return "cannot open this folder: permission denied"
	}
	return "cannot read this folder: " + err.Error()
}
