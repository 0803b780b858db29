package ui

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"image"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"
)

// pngDeclaring returns a 1×1 PNG whose header claims w×h pixels: a few dozen
// bytes that a decoder trusting the header would make gigabytes of.
func pngDeclaring(w, h uint32) []byte {
	var buf bytes.Buffer
	png.Encode(&buf, image.NewGray(image.Rect(0, 0, 1, 1)))
	b := buf.Bytes()
	// After the 8-byte signature: IHDR's length (4), type (4), width (4),
	// height (4), 5 more bytes, then the CRC of type and data.
	binary.BigEndian.PutUint32(b[16:], w)
	binary.BigEndian.PutUint32(b[20:], h)
	binary.BigEndian.PutUint32(b[29:], crc32.ChecksumIEEE(b[12:29]))
	return b
}

// TestThumbRefusesPixelBomb: a tiny file that declares 50,000×50,000 pixels
// gets no thumbnail and costs no memory; a 24-megapixel photo still gets one.
func TestThumbRefusesPixelBomb(t *testing.T) {
	dir := t.TempDir()
	bomb := filepath.Join(dir, "bomb.png")
	if err := os.WriteFile(bomb, pngDeclaring(50_000, 50_000), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := png.DecodeConfig(bytes.NewReader(pngDeclaring(50_000, 50_000))); err != nil {
		t.Fatal("the crafted header does not parse:", err)
	}
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	img := decodeThumb(bomb)
	runtime.ReadMemStats(&after)
	if img != nil {
		t.Fatal("a thumbnail from a header that claims 2.5 gigapixels")
	}
	if n := after.TotalAlloc - before.TotalAlloc; n > 1<<20 {
		t.Fatalf("looking at a %d-byte file allocated %d MB", len(pngDeclaring(1, 1)), n>>20)
	}

	photo := filepath.Join(dir, "photo.png")
	f, err := os.Create(photo)
	if err != nil {
		t.Fatal(err)
	}
	err = (&png.Encoder{CompressionLevel: png.BestSpeed}).Encode(f, image.NewGray(image.Rect(0, 0, 6000, 4000)))
	f.Close()
	if err != nil {
		t.Fatal(err)
	}
	if img := decodeThumb(photo); img == nil || img.Bounds().Dx() != thumbSize {
		t.Fatalf("a 24-megapixel photo got no %d-pixel-wide thumbnail", thumbSize)
	}
}

// TestPhoneFormatsGetThumbnails: HEIC and AVIF, what phones take, get
// thumbnails in their own colours (both samples are red on the left, blue on
// the right, 128×64, made with ImageMagick 7 and libheif 1.15).
func TestPhoneFormatsGetThumbnails(t *testing.T) {
	for _, name := range []string{"redblue.heic", "redblue.avif"} {
		img := decodeThumb(filepath.Join("testdata", name))
		if img == nil {
			t.Errorf("%s: no thumbnail", name)
			continue
		}
		if w := img.Bounds().Dx(); w != thumbSize {
			t.Errorf("%s: thumbnail %d wide, want %d", name, w, thumbSize)
		}
		b := img.Bounds()
		left := img.At(b.Min.X+4, b.Min.Y+b.Dy()/2)
		right := img.At(b.Max.X-4, b.Min.Y+b.Dy()/2)
		if r, g, bl, _ := left.RGBA(); r>>8 < 200 || g>>8 > 60 || bl>>8 > 60 {
			t.Errorf("%s: the left is %d,%d,%d, want red", name, r>>8, g>>8, bl>>8)
		}
		if r, g, bl, _ := right.RGBA(); r>>8 > 60 || g>>8 > 60 || bl>>8 < 200 {
			t.Errorf("%s: the right is %d,%d,%d, want blue", name, r>>8, g>>8, bl>>8)
		}
	}
}

// TestHEIFStoredThumbnailIsDecoded: a HEIC or AVIF that stores a thumbnail
// of its primary image (as phones write them) is decoded from that
// thumbnail, not from the photo: seconds and hundreds of megabytes at 12
// megapixels.
func TestHEIFStoredThumbnailIsDecoded(t *testing.T) {
	// Red and blue with noise: the HEIC 768×384 with a 160×80 thumbnail
	// stored after 60 KB of photo (heif-enc -q 40 -t 160), the AVIF 512×256
	// with a 128×64 one (heif-enc -t 128).
	for _, c := range []struct {
		name string
		w, h int
	}{{"redblue-thumb.heic", 160, 80}, {"redblue-thumb.avif", 128, 64}} {
		name := c.name
		path := filepath.Join("testdata", name)
		data := mustRead(t, path)
		thumb, w, h, ok := heifThumbnail(data)
		if !ok {
			t.Fatalf("%s: the stored thumbnail was not found", name)
		}
		if w != c.w || h != c.h {
			t.Errorf("%s: the thumbnail's size read as %d×%d, want %d×%d", name, w, h, c.w, c.h)
		}
		img, _, err := image.Decode(bytes.NewReader(thumb))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if b := img.Bounds(); b.Dx() != c.w || b.Dy() != c.h {
			t.Fatalf("%s: switched to a %d×%d image, want the %d×%d thumbnail", name, b.Dx(), b.Dy(), c.w, c.h)
		}
		img = decodeThumb(path)
		if img == nil || img.Bounds().Dx() != thumbSize {
			t.Fatalf("%s: decodeThumb gave %v, want a thumbnail", name, img)
		}
		if r, g, b, _ := img.At(4, 20).RGBA(); r>>8 < 180 || g>>8 > 90 || b>>8 > 90 {
			t.Errorf("%s: the left is %d,%d,%d, want red", name, r>>8, g>>8, b>>8)
		}
		if r, g, b, _ := img.At(thumbSize-4, 20).RGBA(); r>>8 > 90 || g>>8 > 90 || b>>8 < 180 {
			t.Errorf("%s: the right is %d,%d,%d, want blue", name, r>>8, g>>8, b>>8)
		}
		// Cut or damaged anywhere: no panic, no thumbnail from garbage.
		for cut := range len(data) {
			heifThumbnail(data[:cut])
			bad := append([]byte(nil), data...)
			bad[cut] ^= 0xFF
			heifThumbnail(bad)
		}
		// And the decoders behind: a cut file is no thumbnail and no crash.
		for cut := 0; cut < len(data); cut += len(data)/16 + 1 {
			p := filepath.Join(t.TempDir(), name)
			os.WriteFile(p, data[:cut], 0o644)
			decodeThumb(p)
		}
	}
	// The HEIC decoder garbles narrow images: better the icon than a green
	// thumbnail of a red photo.
	if img := decodeThumb(filepath.Join("testdata", "red-64x32.heic")); img != nil {
		r, g, b, _ := img.At(4, 4).RGBA()
		t.Errorf("a 64-pixel-wide HEIC got a thumbnail, coloured %d,%d,%d", r>>8, g>>8, b>>8)
	}
	for _, name := range []string{"redblue.heic", "redblue.avif"} {
		if _, _, _, ok := heifThumbnail(mustRead(t, filepath.Join("testdata", name))); ok {
			t.Errorf("%s: a thumbnail found in a file that stores none", name)
		}
	}
}

func mustRead(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// BenchmarkThumbnailHEIF24MP: a 6000 × 4000 HEIC and AVIF with a stored
// 320-pixel thumbnail, from that thumbnail and decoded whole. heif-enc
// (Debian's libheif-examples) makes the samples; without it this skips.
func BenchmarkThumbnailHEIF24MP(b *testing.B) {
	if _, err := exec.LookPath("heif-enc"); err != nil {
		b.Skip("heif-enc is not installed (apt-get install libheif-examples)")
	}
	dir := b.TempDir()
	img := image.NewRGBA(image.Rect(0, 0, 6000, 4000))
	for y := range 4000 {
		for x := range 6000 {
			i := img.PixOffset(x, y)
			n := uint8((x*7 + y*13) ^ (x * y >> 5)) // texture, so the encoders have work
			img.Pix[i], img.Pix[i+1], img.Pix[i+2], img.Pix[i+3] = uint8(x/24)+n/8, uint8(y/16)+n/8, 128+n/8, 255
		}
	}
	src := filepath.Join(dir, "photo.png")
	f, err := os.Create(src)
	if err != nil {
		b.Fatal(err)
	}
	err = (&png.Encoder{CompressionLevel: png.BestSpeed}).Encode(f, img)
	f.Close()
	if err != nil {
		b.Fatal(err)
	}
	for _, c := range []struct{ name, opts string }{{"heic", "-p preset=ultrafast"}, {"avif", "-A -p speed=9"}} {
		path := filepath.Join(dir, "photo."+c.name)
		args := append(strings.Fields(c.opts), "-t", "320", src, "-o", path)
		if out, err := exec.Command("heif-enc", args...).CombinedOutput(); err != nil {
			b.Fatalf("heif-enc: %v: %s", err, out)
		}
		data := mustRead(&testing.T{}, path)
		b.Run(c.name+"/stored-thumbnail", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if decodeThumb(path) == nil {
					b.Fatal("no thumbnail")
				}
			}
		})
		b.Run(c.name+"/whole", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if decodeAtMost(data, 1<<30) == nil {
					b.Fatal("not decoded")
				}
			}
		})
	}
}

// FuzzHEIFThumbnail: whatever the boxes say, reading them neither panics nor
// changes the file's length.
func FuzzHEIFThumbnail(f *testing.F) {
	for _, name := range []string{"redblue-thumb.heic", "redblue-thumb.avif", "redblue.heic"} {
		b, err := os.ReadFile(filepath.Join("testdata", name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b[:min(len(b), 4096)])
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		out, w, h, ok := heifThumbnail(data)
		if ok && (len(out) != len(data) || w < 0 || h < 0) {
			t.Fatalf("%d bytes in, %d out, %d×%d", len(data), len(out), w, h)
		}
	})
}

// TestOnlyRowsOnScreenAreDecoded: rows scrolled past before their turn are
// not decoded (a drop of hundreds of exported photos decoded every one of
// them, a 24-megapixel decode each, as the list went by).
func TestOnlyRowsOnScreenAreDecoded(t *testing.T) {
	release := make(chan struct{})
	var mu sync.Mutex
	decoded := map[string]bool{}
	decodeThumbFor = func(p string) image.Image {
		<-release
		mu.Lock()
		decoded[filepath.Base(p)] = true
		mu.Unlock()
		return image.NewRGBA(image.Rect(0, 0, 4, 4))
	}
	defer func() { decodeThumbFor = decodeThumb }()
	u := newTestUI(t, Config{Demo: true})
	var names []string
	for i := range 200 {
		names = append(names, fmt.Sprintf("IMG_%03d.jpg", i))
	}
	drop(u, makeFiles(t, t.TempDir(), names...)...)
	waitFor(t, "the rows", func() bool { return len(u.rows) == 200 })
	time.Sleep(300 * time.Millisecond) // the first screen asks for its thumbnails
	onUI(func() { u.jobs.list.ScrollToBottom() })
	time.Sleep(300 * time.Millisecond)
	close(release)
	waitFor(t, "the last row's thumbnail", func() bool {
		mu.Lock()
		defer mu.Unlock()
		return decoded["IMG_199.jpg"]
	})
	time.Sleep(200 * time.Millisecond)
	mu.Lock()
	n := len(decoded)
	mu.Unlock()
	if n > 14 { // the first screen's two under way, and the last screen's rows
		t.Errorf("%d of 200 rows decoded, the first screen's too after it scrolled away", n)
	}
	u.thumbs.mu.Lock()
	skipped := u.thumbs.skip
	u.thumbs.mu.Unlock()
	if skipped == 0 {
		t.Error("no row scrolled away was passed over")
	}
}

// TestCraftedJPEGGetsNoThumbnail: a 26-byte .jpg whose Huffman table is
// overfull crashed the whole window through its row's thumbnail.
func TestCraftedJPEGGetsNoThumbnail(t *testing.T) {
	p := filepath.Join(t.TempDir(), "evil.jpg")
	os.WriteFile(p, []byte("\xff\xd8\xff\xc4\x00\x16\x00\x03\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x01\x02"), 0o644)
	if img := safely(p); img != nil {
		t.Error("a thumbnail from a crafted file")
	}
}
