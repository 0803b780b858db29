// Package strip takes out of a photo what it says of where it was taken, or
// all its metadata but its orientation and colour profile, before it is
// uploaded. No image is decoded or encoded: the pixels, and every byte but
// the metadata's, are sent as the file has them.
//
// JPEG, PNG and WebP are stripped. Other kinds (HEIC, AVIF, GIF, TIFF,
// videos, PDF) cannot be without re-encoding them or rewriting containers
// whose offsets point across the file, so Plan refuses them rather than
// send their metadata.
package strip

import (
	"errors"
	"fmt"
	"io"
)

// Mode says what is taken out.
type Mode string

const (
	Keep     Mode = ""    // nothing
	Location Mode = "gps" // where it was taken: EXIF's GPS IFD and XMP's GPS properties
	All      Mode = "all" // every kind of metadata but the orientation and the colour profile
)

// ParseMode reads --strip's value: gps, all, or none.
func ParseMode(s string) (Mode, error) {
	switch s {
	case "", "none", "keep":
		return Keep, nil
	case "gps", "location":
		return Location, nil
	case "all":
		return All, nil
	}
	return Keep, fmt.Errorf("%q is not a way to strip metadata: use gps (the location) or all (all but orientation and colour profile)", s)
}

// UnsupportedError is a file of a kind whose metadata is not removed here.
type UnsupportedError struct {
	Kind string // "HEIC", "video", ...
	Mode Mode
}

func (e *UnsupportedError) Error() string {
	what := "its location"
	if e.Mode == All {
		what = "its metadata"
	}
	kind := "a " + e.Kind + " file"
	if e.Kind == "" {
		kind = "this kind of file (only from JPEG, PNG and WebP)"
	}
	return fmt.Sprintf("%s cannot be removed from %s without re-encoding it, so it was not uploaded: convert it to JPEG, PNG or WebP, or upload it with metadata kept", what, kind)
}

// ErrDamaged is a file whose structure could not be followed to its end:
// what it holds cannot be said to be removed.
var ErrDamaged = errors.New("the file's structure is damaged, so its metadata could not be removed and it was not uploaded")

// A View is a file as it is sent once stripped: ranges of the file, and
// bytes of its own in place of the metadata.
type View struct {
	pieces  []piece
	size    int64
	changed bool // something was taken out
}

type piece struct {
	off, n int64  // a range of the file, or
	data   []byte // these bytes, when not nil
}

// Size is the number of bytes Open gives.
func (v *View) Size() int64 { return v.size }

// Changed says whether anything was taken out.
func (v *View) Changed() bool { return v.changed }

// keep adds n bytes of the file from off, joining a range that ends there.
func (v *View) keep(off, n int64) {
	if n <= 0 {
		return
	}
	v.size += n
	if k := len(v.pieces); k > 0 && v.pieces[k-1].data == nil && v.pieces[k-1].off+v.pieces[k-1].n == off {
		v.pieces[k-1].n += n
		return
	}
	v.pieces = append(v.pieces, piece{off: off, n: n})
}

// put adds bytes of the view's own.
func (v *View) put(b []byte) {
	v.size += int64(len(b))
	v.pieces = append(v.pieces, piece{data: b})
}

// Open reads the view from f, the file it was planned on. A file that has
// become shorter since ends it early with io.ErrUnexpectedEOF.
func (v *View) Open(f io.ReaderAt) io.Reader {
	rs := make([]io.Reader, 0, len(v.pieces))
	for _, p := range v.pieces {
		if p.data != nil {
			rs = append(rs, &literal{b: p.data})
		} else {
			rs = append(rs, &exact{r: io.NewSectionReader(f, p.off, p.n), n: p.n})
		}
	}
	return io.MultiReader(rs...)
}

type literal struct{ b []byte }

func (l *literal) Read(p []byte) (int, error) {
	if len(l.b) == 0 {
		return 0, io.EOF
	}
	n := copy(p, l.b)
	l.b = l.b[n:]
	return n, nil
}

// exact is a range of the file that must be there whole.
type exact struct {
	r *io.SectionReader
	n int64
}

func (e *exact) Read(p []byte) (int, error) {
	n, err := e.r.Read(p)
	e.n -= int64(n)
	if err == io.EOF && e.n > 0 {
		err = io.ErrUnexpectedEOF
	}
	return n, err
}

// Plan reads the metadata of the file f (size bytes) and lays out what is
// sent with mode's metadata taken out. A file with none to take out is a
// View of the whole file.
func Plan(f io.ReaderAt, size int64, mode Mode) (view *View, err error) {
	defer func() {
		if recover() != nil { // a structure no check here foresaw: not sent, and not the app's end
			view, err = nil, ErrDamaged
		}
	}()
	v := &View{}
	if mode == Keep {
		v.keep(0, size)
		return v, nil
	}
	var head [16]byte
	n, _ := f.ReadAt(head[:], 0)
	switch kind := kindOf(head[:n]); kind {
	case "JPEG":
		err = planJPEG(v, f, size, mode)
	case "PNG":
		err = planPNG(v, f, size, mode)
	case "WebP":
		err = planWebP(v, f, size, mode)
	default:
		return nil, &UnsupportedError{Kind: kind, Mode: mode}
	}
	if err != nil {
		return nil, err
	}
	if !v.changed {
		v = &View{}
		v.keep(0, size) // what is sent is the file, byte for byte
	}
	return v, nil
}

// kindOf names a file's kind by its first bytes.
func kindOf(h []byte) string {
	s := string(h)
	switch {
	case len(s) >= 3 && s[:3] == "\xFF\xD8\xFF":
		return "JPEG"
	case len(s) >= 8 && s[:8] == "\x89PNG\r\n\x1a\n":
		return "PNG"
	case len(s) >= 12 && s[:4] == "RIFF" && s[8:12] == "WEBP":
		return "WebP"
	case len(s) >= 12 && s[4:8] == "ftyp":
		switch s[8:12] {
		case "heic", "heix", "heim", "heis", "hevc", "hevx", "mif1", "msf1":
			return "HEIC"
		case "avif", "avis":
			return "AVIF"
		}
		return "video"
	case len(s) >= 4 && (s[:4] == "GIF8"):
		return "GIF"
	case len(s) >= 4 && (s[:4] == "II*\x00" || s[:4] == "MM\x00*"):
		return "TIFF"
	case len(s) >= 4 && s[:4] == "%PDF":
		return "PDF"
	}
	return ""
}

// readAt reads n bytes at off, or fails as damaged.
func readAt(f io.ReaderAt, off, n, size int64) ([]byte, error) {
	if off < 0 || n < 0 || off+n > size || n > 64<<20 {
		return nil, ErrDamaged
	}
	b := make([]byte, n)
	if _, err := f.ReadAt(b, off); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, ErrDamaged
		}
		return nil, err
	}
	return b, nil
}
