package ui

import (
	"bytes"
	"encoding/binary"
	"hash/crc32"
	"image"
	"image/png"
	"os"
	"path/filepath"
	"runtime"
	"testing"
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
