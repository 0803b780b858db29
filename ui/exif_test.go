package ui

import (
	"bytes"
	"encoding/binary"
	"image"
	"image/color"
	"image/jpeg"
	"os"
	"path/filepath"
	"testing"

	"imagekit-uploader/exif"
)

// photoWithThumbnail makes a JPEG whose own pixels are blue and whose EXIF
// data embeds a red thumbnail, as cameras write them.
func photoWithThumbnail(t *testing.T, w, h int) []byte {
	t.Helper()
	solid := func(w, h int, c color.Color) []byte {
		img := image.NewRGBA(image.Rect(0, 0, w, h))
		for y := range h {
			for x := range w {
				img.Set(x, y, c)
			}
		}
		var b bytes.Buffer
		jpeg.Encode(&b, img, nil)
		return b.Bytes()
	}
	thumb := solid(160, 120, color.RGBA{255, 0, 0, 255})
	// TIFF, little-endian: an empty IFD0 whose next IFD (IFD1) points at the thumbnail.
	var tiff bytes.Buffer
	le := binary.LittleEndian
	tiff.WriteString("II*\x00")
	binary.Write(&tiff, le, uint32(8))  // IFD0 at 8
	binary.Write(&tiff, le, uint16(0))  // no entries
	binary.Write(&tiff, le, uint32(14)) // IFD1 at 14
	binary.Write(&tiff, le, uint16(2))  // two entries
	for _, e := range [][3]uint32{{0x0201, 4, 44}, {0x0202, 4, uint32(len(thumb))}} {
		binary.Write(&tiff, le, uint16(e[0]))
		binary.Write(&tiff, le, uint16(e[1])) // LONG
		binary.Write(&tiff, le, uint32(1))
		binary.Write(&tiff, le, e[2])
	}
	binary.Write(&tiff, le, uint32(0)) // no IFD2
	tiff.Write(thumb)                  // at 44
	app1 := append([]byte("Exif\x00\x00"), tiff.Bytes()...)
	main := solid(w, h, color.RGBA{0, 0, 255, 255})
	var out bytes.Buffer
	out.Write(main[:2]) // SOI
	out.Write([]byte{0xFF, 0xE1})
	binary.Write(&out, binary.BigEndian, uint16(len(app1)+2))
	out.Write(app1)
	out.Write(main[2:])
	return out.Bytes()
}

// TestThumbnailFromEXIF: a photo's thumbnail comes from the small JPEG
// embedded in its EXIF data, not from decoding the photo (a third of a
// second and ~100 MB for 24 megapixels).
func TestThumbnailFromEXIF(t *testing.T) {
	p := filepath.Join(t.TempDir(), "photo.jpg")
	os.WriteFile(p, photoWithThumbnail(t, 1200, 900), 0o644)
	img := decodeThumb(p)
	if img == nil {
		t.Fatal("no thumbnail")
	}
	r, g, b, _ := img.At(img.Bounds().Dx()/2, img.Bounds().Dy()/2).RGBA()
	if r>>8 < 200 || g>>8 > 60 || b>>8 > 60 {
		t.Fatalf("the thumbnail is %d,%d,%d: decoded from the photo, not its EXIF thumbnail", r>>8, g>>8, b>>8)
	}
	if w := img.Bounds().Dx(); w != thumbSize {
		t.Fatalf("thumbnail %d wide, want %d", w, thumbSize)
	}
}

// TestDamagedEXIFIsPassedOver: EXIF data cut anywhere, or pointing outside
// itself, gives no thumbnail from it and no panic; the photo is decoded.
func TestDamagedEXIFIsPassedOver(t *testing.T) {
	good := photoWithThumbnail(t, 64, 48)
	for cut := 4; cut < 200; cut++ {
		bad := append([]byte(nil), good...)
		for i := cut; i < cut+8 && i < len(bad); i++ {
			bad[i] ^= 0xFF
		}
		exif.Thumbnail(bytes.NewReader(bad)) // must not panic
		exif.Thumbnail(bytes.NewReader(good[:cut]))
	}
	if exif.Thumbnail(bytes.NewReader([]byte("not a jpeg"))) != nil {
		t.Fatal("a thumbnail from nothing")
	}
}

// BenchmarkThumbnail24MP: a 6000 × 4000 photo's thumbnail, from its EXIF
// thumbnail, and of an exported photo (none embedded) from its DC
// coefficients, and decoded whole as before.
func BenchmarkThumbnail24MP(b *testing.B) {
	t := &testing.T{}
	dir := b.TempDir()
	with := filepath.Join(dir, "with.jpg")
	os.WriteFile(with, photoWithThumbnail(t, 6000, 4000), 0o644)
	// An exported photo: grain over a gradient (about a camera's 0.3 bytes a
	// pixel at quality 85), no EXIF thumbnail.
	img := image.NewRGBA(image.Rect(0, 0, 6000, 4000))
	for i := range img.Pix {
		img.Pix[i] = byte(i/24000 + i*31%40)
	}
	var plain bytes.Buffer
	jpeg.Encode(&plain, img, &jpeg.Options{Quality: 85})
	without := filepath.Join(dir, "without.jpg")
	os.WriteFile(without, plain.Bytes(), 0o644)
	whole := func(p string) image.Image { // what an exported photo cost before: decoded whole
		f, _ := os.Open(p)
		defer f.Close()
		src, err := jpeg.Decode(f)
		if err != nil {
			return nil
		}
		return scaleThumb(src)
	}
	for _, c := range []struct {
		name, path string
		thumb      func(string) image.Image
	}{{"exif", with, decodeThumb}, {"exported-dc", without, decodeThumb}, {"exported-whole", without, whole}} {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if c.thumb(c.path) == nil {
					b.Fatal("no thumbnail")
				}
			}
		})
	}
}
