package jpegdc

import (
	"bytes"
	"errors"
	"image"
	"image/color"
	"image/jpeg"
	"os"
	"path/filepath"
	"testing"
)

// blockMeans is img's average over each 8 × 8 block: what the DC of each
// block says, through the full decoder.
func blockMeans(img image.Image) (w, h int, at func(x, y int) [3]float64) {
	b := img.Bounds()
	w, h = (b.Dx()+7)/8, (b.Dy()+7)/8
	return w, h, func(x, y int) [3]float64 {
		var sum [3]float64
		n := 0.0
		for py := y * 8; py < min(y*8+8, b.Dy()); py++ {
			for px := x * 8; px < min(x*8+8, b.Dx()); px++ {
				r, g, bl, _ := img.At(b.Min.X+px, b.Min.Y+py).RGBA()
				sum[0] += float64(r >> 8)
				sum[1] += float64(g >> 8)
				sum[2] += float64(bl >> 8)
				n++
			}
		}
		return [3]float64{sum[0] / n, sum[1] / n, sum[2] / n}
	}
}

// TestMatchesTheFullDecoder: for baseline, progressive, restart intervals,
// 4:2:0, 4:2:2, 4:4:4, grey and odd sizes (made by libjpeg's cjpeg), each
// pixel of the eighth-size image is its block's average as the standard
// decoder sees it, within what chroma subsampling blurs.
func TestMatchesTheFullDecoder(t *testing.T) {
	files, _ := filepath.Glob("testdata/*.jpg")
	if len(files) < 5 {
		t.Fatal("the test images are missing")
	}
	var gen bytes.Buffer
	src := image.NewRGBA(image.Rect(0, 0, 101, 77))
	for y := range 77 {
		for x := range 101 {
			src.Set(x, y, color.RGBA{uint8(x * 2), uint8(y * 3), uint8(x + y), 255})
		}
	}
	jpeg.Encode(&gen, src, &jpeg.Options{Quality: 90}) // Go's own encoder: 4:2:0, odd size
	cases := map[string][]byte{"go-encoder": gen.Bytes()}
	for _, f := range files {
		b, _ := os.ReadFile(f)
		cases[filepath.Base(f)] = b
	}
	for name, data := range cases {
		full, err := jpeg.Decode(bytes.NewReader(data))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		small, err := Decode(bytes.NewReader(data))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		w, h, mean := blockMeans(full)
		if small.Bounds().Dx() != w || small.Bounds().Dy() != h {
			t.Fatalf("%s: %v, want %dx%d", name, small.Bounds(), w, h)
		}
		// Brightness is the luma DC itself; colour, where chroma is
		// subsampled, is a 16 × 16 average, so it is only checked loosely
		// (a swapped or misscaled component is far off).
		var worstLuma, luma, colour float64
		for y := range h {
			for x := range w {
				m := mean(x, y)
				r, g, b, _ := small.At(x, y).RGBA()
				got := [3]float64{float64(r >> 8), float64(g >> 8), float64(b >> 8)}
				dl := abs(lumaOf(m) - lumaOf(got))
				worstLuma, luma = max(worstLuma, dl), luma+dl
				for i := range 3 {
					colour += abs(m[i] - got[i])
				}
			}
		}
		n := float64(w * h)
		if luma/n > 2 || worstLuma > 8 || colour/(3*n) > 20 {
			t.Errorf("%s: brightness off by %.1f on average, %.1f at worst; colour by %.1f", name, luma/n, worstLuma, colour/(3*n))
		}
	}
}

func lumaOf(c [3]float64) float64 { return 0.299*c[0] + 0.587*c[1] + 0.114*c[2] }

func abs(v float64) float64 { return max(v, -v) }

// TestDamagedData: cut or changed anywhere, a JPEG gives an error or an
// image, never a panic or a hang.
func TestDamagedData(t *testing.T) {
	for _, f := range []string{"testdata/baseline420.jpg", "testdata/progressive.jpg", "testdata/restart422.jpg"} {
		data, _ := os.ReadFile(f)
		for i := 0; i < len(data); i += 3 {
			Decode(bytes.NewReader(data[:i]))
			bad := append([]byte(nil), data...)
			bad[i] ^= 0xA5
			Decode(bytes.NewReader(bad))
		}
	}
	// A Huffman table with more codes than its lengths hold (26 bytes that
	// crashed the window through its thumbnail).
	overfull := []byte("\xff\xd8\xff\xc4\x00\x16\x00\x03\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x01\x02")
	if _, err := DecodeBytes(overfull); !errors.Is(err, ErrFormat) {
		t.Errorf("an overfull table: %v", err)
	}
	// A header that declares far more than its data holds: the data runs
	// out, and the decode ends there rather than making a picture of zeros
	// (a 150-byte file took 6.5 s and 64 MB before).
	base, _ := os.ReadFile("testdata/baseline420.jpg")
	big := append([]byte(nil), base...)
	sof := bytes.Index(big, []byte{0xFF, 0xC0})
	big[sof+5], big[sof+6], big[sof+7], big[sof+8] = 0x1F, 0x3F, 0x1F, 0x3F // 7999 × 7999
	if _, err := DecodeBytes(big); !errors.Is(err, ErrFormat) {
		t.Errorf("a header declaring 64 MP over 2 KB of data: %v", err)
	}
	if _, err := Decode(bytes.NewReader([]byte("not a jpeg"))); !errors.Is(err, ErrFormat) {
		t.Errorf("not a JPEG: %v", err)
	}
	// A CMYK JPEG (four components) and arithmetic coding are left to the
	// full decoder.
	cmyk := []byte("\xFF\xD8\xFF\xC0\x00\x14\x08\x00\x10\x00\x10\x04\x01\x11\x00\x02\x11\x00\x03\x11\x00\x04\x11\x00")
	arithmetic := []byte("\xFF\xD8\xFF\xC9\x00\x0B\x08\x00\x10\x00\x10\x01\x01\x11\x00")
	for _, b := range [][]byte{cmyk, arithmetic} {
		if _, err := DecodeBytes(b); !errors.Is(err, ErrUnsupported) {
			t.Errorf("%q: %v", b[:4], err)
		}
	}
}

func BenchmarkDecode24MP(b *testing.B) {
	img := image.NewRGBA(image.Rect(0, 0, 6000, 4000))
	for i := range img.Pix {
		img.Pix[i] = byte(i*7 + i/4000)
	}
	var data bytes.Buffer
	jpeg.Encode(&data, img, &jpeg.Options{Quality: 85})
	b.Run("dc", func(b *testing.B) {
		for b.Loop() {
			if _, err := Decode(bytes.NewReader(data.Bytes())); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("image/jpeg", func(b *testing.B) {
		for b.Loop() {
			jpeg.Decode(bytes.NewReader(data.Bytes()))
		}
	})
}
