package ui

import (
	"bytes"
	"image"
	_ "image/gif" // decoders for thumbnails
	"image/jpeg"
	_ "image/png"
	"io"
	"os"
	"runtime/debug"
	"sync"

	_ "github.com/gen2brain/avif" // AVIF and HEIC, what phones take: libavif
	_ "github.com/gen2brain/heic" // and libheif as WebAssembly, no cgo
	"golang.org/x/image/draw"
	_ "golang.org/x/image/webp"

	"imagekit-uploader/exif"
	"imagekit-uploader/internal/jpegdc"
	"imagekit-uploader/uploader"
)

const (
	thumbSize     = 88 // pixels: twice the row's icon, for high-density screens
	maxThumbBytes = 40 << 20
	maxThumbs     = 2000
	// maxThumbPixels bounds what a thumbnail may decode, since a small file
	// can declare any size. 64 megapixels takes 24-61 MP cameras and 50 MP
	// phones, and costs ~100 MB decoded as a JPEG, 256 MB as an 8-bit RGBA
	// PNG, two at a time. Bigger images (100 MP medium format, panoramas,
	// crafted headers) keep their icon.
	maxThumbPixels = 64_000_000
	// maxHEIFPixels bounds a HEIC or AVIF decoded whole, when it stores no
	// thumbnail of its own: as WebAssembly a 12 MP photo takes 2.4–3.1 s and
	// 370–810 MB, a 4 MP one about a second and 100–220 MB.
	maxHEIFPixels = 2048 * 2048
	// minHEICWidth: gen2brain/heic v0.4.5 garbles HEICs narrower than about
	// 100 pixels (red comes out green: it assumes planes 16-byte aligned,
	// libheif pads narrow ones to 64). Those keep their icon.
	minHEICWidth = 128
)

// heifSem lets one HEIC or AVIF be decoded whole at a time.
var heifSem = make(chan struct{}, 1)

// thumbnails decodes small previews of local images off the UI goroutine,
// two at a time, and keeps them by job. Only rows on screen are decoded: a
// row scrolled away before its turn is passed over (and asked for again if
// it comes back).
type thumbnails struct {
	loaded func(uploader.JobID) // called on a goroutine when one is ready
	sem    chan struct{}
	mu     sync.Mutex
	cache  map[uploader.JobID]image.Image
	busy   map[uploader.JobID]bool
	failed map[uploader.JobID]bool
	// onScreen says whether a job's row is on screen (or nearly): asked
	// when a load's turn comes.
	onScreen func(uploader.JobID) bool
	skip     int // loads passed over, their row gone (tests read it)
}

func newThumbnails(loaded func(uploader.JobID)) *thumbnails {
	return &thumbnails{loaded: loaded, sem: make(chan struct{}, 2),
		cache: map[uploader.JobID]image.Image{}, busy: map[uploader.JobID]bool{}, failed: map[uploader.JobID]bool{}}
}

// get returns the thumbnail, or nil while it loads (or when there is none).
func (t *thumbnails) get(id uploader.JobID, path string) image.Image {
	if !isImage(path) {
		return nil
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if img, ok := t.cache[id]; ok {
		return img
	}
	if t.busy[id] || t.failed[id] {
		return nil
	}
	t.busy[id] = true
	go t.load(id, path)
	return nil
}

func (t *thumbnails) load(id uploader.JobID, path string) {
	t.sem <- struct{}{}
	if t.onScreen != nil && !t.onScreen(id) {
		<-t.sem
		t.mu.Lock()
		delete(t.busy, id)
		t.skip++
		t.mu.Unlock()
		return
	}
	img := safely(path)
	<-t.sem
	t.mu.Lock()
	delete(t.busy, id)
	if img == nil {
		t.failed[id] = true
		t.mu.Unlock()
		return
	}
	if len(t.cache) >= maxThumbs {
		for k := range t.cache { // forget an arbitrary one; rows reload what they show
			delete(t.cache, k)
			break
		}
	}
	t.cache[id] = img
	t.mu.Unlock()
	t.loaded(id)
}

// safely is decodeThumbFor, where a decoder's panic on a crafted file is
// that file's missing thumbnail, not the app's end.
func safely(path string) (img image.Image) {
	defer func() {
		if recover() != nil {
			img = nil
		}
	}()
	return decodeThumbFor(path)
}

// decodeThumbFor is decodeThumb; tests slow it down.
var decodeThumbFor = decodeThumb

func decodeThumb(path string) image.Image {
	f, err := os.Open(path)
	if err != nil {
		return nil
	}
	defer f.Close()
	if embedded := exif.Thumbnail(f); embedded != nil {
		// It is small on disk, but its header may declare any size: check first.
		if cfg, err := jpeg.DecodeConfig(bytes.NewReader(embedded)); err == nil && cfg.Width*cfg.Height <= 1<<20 {
			if img, err := jpeg.Decode(bytes.NewReader(embedded)); err == nil {
				return scaleThumb(img)
			}
		}
	}
	if info, err := f.Stat(); err != nil || info.Size() > maxThumbBytes {
		return nil
	}
	var head [8]byte
	if _, err := f.ReadAt(head[:], 0); err == nil && string(head[4:]) == "ftyp" {
		return decodeHEIFThumb(f)
	}
	if string(head[:3]) == "\xFF\xD8\xFF" {
		// A JPEG without a thumbnail of its own (exported by an editor or a
		// CMS): its blocks' averages, an eighth of its size, without
		// decoding it whole (24 MP: a fifth of the time, no 36 MB image).
		if data, err := io.ReadAll(f); err == nil {
			if small, err := jpegdc.DecodeBytes(data); err == nil {
				return scaleThumb(small)
			}
		}
		if _, err := f.Seek(0, io.SeekStart); err != nil {
			return nil
		}
	}
	cfg, _, err := image.DecodeConfig(f) // the header alone
	if err != nil || int64(cfg.Width)*int64(cfg.Height) > maxThumbPixels {
		return nil
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return nil
	}
	src, _, err := image.Decode(f)
	if err != nil {
		return nil
	}
	thumb := scaleThumb(src)
	if cfg.Width*cfg.Height >= 8_000_000 {
		debug.FreeOSMemory() // tens of megabytes, back to the system now rather than in minutes
	}
	return thumb
}

// decodeHEIFThumb decodes a HEIC or AVIF file's thumbnail: the one it stores
// where there is one (phones store one), otherwise the image itself when it
// is small enough.
func decodeHEIFThumb(f *os.File) image.Image {
	data, err := io.ReadAll(f)
	if err != nil {
		return nil
	}
	// A stored thumbnail is small; its size is the file's word, so each
	// side is bounded before multiplying, and the decoded image is checked.
	if thumb, w, h, ok := heifThumbnail(data); ok && w >= minHEICWidth && w <= 2048 && h <= 2048 {
		if img, _, err := image.Decode(bytes.NewReader(thumb)); err == nil && img.Bounds().Dx() <= 2048 && img.Bounds().Dy() <= 2048 {
			return scaleThumb(img)
		}
	}
	heifSem <- struct{}{}
	defer func() { <-heifSem }()
	return decodeAtMost(data, maxHEIFPixels)
}

// decodeAtMost decodes data and fits it in thumbSize if its header declares
// at most maxPixels.
func decodeAtMost(data []byte, maxPixels int64) image.Image {
	cfg, format, err := image.DecodeConfig(bytes.NewReader(data))
	if err != nil || int64(cfg.Width)*int64(cfg.Height) > maxPixels {
		return nil
	}
	if format == "heic" && cfg.Width < minHEICWidth {
		return nil
	}
	src, _, err := image.Decode(bytes.NewReader(data))
	if err != nil {
		return nil
	}
	return scaleThumb(src)
}

// scaleThumb fits src in thumbSize.
func scaleThumb(src image.Image) image.Image {
	b := src.Bounds()
	w, h := b.Dx(), b.Dy()
	if w == 0 || h == 0 {
		return nil
	}
	scale := float64(thumbSize) / float64(max(w, h))
	if scale >= 1 {
		return src
	}
	dst := image.NewRGBA(image.Rect(0, 0, max(1, int(float64(w)*scale)), max(1, int(float64(h)*scale))))
	draw.ApproxBiLinear.Scale(dst, dst.Bounds(), src, b, draw.Src, nil)
	return dst
}
