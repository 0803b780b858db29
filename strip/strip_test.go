package strip

import (
	"bytes"
	"encoding/binary"
	"errors"
	"image"
	"image/jpeg"
	"image/png"
	"io"
	"testing"

	"golang.org/x/image/webp"

	"imagekit-uploader/exif"
	"imagekit-uploader/strip/striptest"
)

func apply(t *testing.T, file []byte, mode Mode) []byte {
	t.Helper()
	v, err := Plan(bytes.NewReader(file), int64(len(file)), mode)
	if err != nil {
		t.Fatalf("%s: %v", mode, err)
	}
	got, err := io.ReadAll(v.Open(bytes.NewReader(file)))
	if err != nil {
		t.Fatal(err)
	}
	if int64(len(got)) != v.Size() {
		t.Fatalf("%s: %d bytes, Size says %d", mode, len(got), v.Size())
	}
	return got
}

func noLocation(t *testing.T, what string, got []byte) {
	t.Helper()
	if left := striptest.Location(got); left != "" {
		t.Errorf("%s: %s is still in it", what, left)
	}
}

func samePixels(t *testing.T, what string, decode func(io.Reader) (image.Image, error), a, b []byte) {
	t.Helper()
	ia, err1 := decode(bytes.NewReader(a))
	ib, err2 := decode(bytes.NewReader(b))
	if err1 != nil || err2 != nil {
		t.Fatalf("%s: decoding: %v, %v", what, err1, err2)
	}
	if ia.Bounds() != ib.Bounds() {
		t.Fatalf("%s: %v, was %v", what, ib.Bounds(), ia.Bounds())
	}
	for y := ia.Bounds().Min.Y; y < ia.Bounds().Max.Y; y++ {
		for x := ia.Bounds().Min.X; x < ia.Bounds().Max.X; x++ {
			if ia.At(x, y) != ib.At(x, y) {
				t.Fatalf("%s: pixel %d,%d changed", what, x, y)
			}
		}
	}
}

// exifOf is the TIFF structure of a JPEG's EXIF segment.
func exifOf(t *testing.T, file []byte) []byte {
	t.Helper()
	i := bytes.Index(file, []byte("Exif\x00\x00"))
	if i < 0 {
		return nil
	}
	return file[i+6:]
}

func TestJPEGLocation(t *testing.T) {
	file := striptest.PhoneJPEG()
	orig := append([]byte(nil), file...)
	got := apply(t, file, Location)
	if !bytes.Equal(file, orig) {
		t.Fatal("the file's own bytes were changed")
	}
	noLocation(t, "gps", got)
	if len(got) != len(file) {
		t.Errorf("%d bytes, was %d: taking out the location keeps every offset", len(got), len(file))
	}
	if o := exif.Orientation(exifOf(t, got)); o != 6 {
		t.Errorf("orientation %d, want 6", o)
	}
	for _, keep := range []string{"Pixel", `dc:title="Spring"`, "<dc:creator>Ann</dc:creator>", "a colour profile", "city: Berlin", "taken at home"} {
		if !bytes.Contains(got, []byte(keep)) {
			t.Errorf("gps: %q was taken out too", keep)
		}
	}
	samePixels(t, "gps", jpeg.Decode, file, got)
	if again := apply(t, got, Location); !bytes.Equal(again, got) {
		t.Error("a file without a location is not sent as it is")
	}
}

func TestJPEGAll(t *testing.T) {
	file := striptest.PhoneJPEG()
	got := apply(t, file, All)
	noLocation(t, "all", got)
	for _, gone := range []string{"Pixel", "Spring", "Ann", "city: Berlin", "taken at home", "http://ns.adobe.com"} {
		if bytes.Contains(got, []byte(gone)) {
			t.Errorf("all: %q is still in it", gone)
		}
	}
	if !bytes.Contains(got, []byte("a colour profile")) || !bytes.Contains(got, []byte("JFIF")) && bytes.Contains(file, []byte("JFIF")) {
		t.Error("all: the colour profile or JFIF was taken out")
	}
	if o := exif.Orientation(exifOf(t, got)); o != 6 {
		t.Errorf("all: orientation %d, want 6", o)
	}
	samePixels(t, "all", jpeg.Decode, file, got)
}

// TestJPEGMultiPicture: a photo with a gain map after it (Ultra HDR, MPF)
// keeps an index whose offsets still find the second picture.
func TestJPEGMultiPicture(t *testing.T) {
	first := striptest.PhoneJPEG()
	var second bytes.Buffer
	jpeg.Encode(&second, striptest.Pixels(4, 4), nil)
	// MPF's TIFF: IFD at 8 with one MPEntry (tag 0xB002) of two 16-byte entries at 26.
	var m bytes.Buffer
	be := binary.BigEndian
	w := func(v any) { binary.Write(&m, be, v) }
	m.WriteString("MM\x00*")
	w(uint32(8))
	w(uint16(1))
	w(uint16(0xB002))
	w(uint16(7))
	w(uint32(32))
	w(uint32(26))
	w(uint32(0))
	w([4]uint32{0x030000, uint32(len(first)), 0, 0}) // the first picture: offset 0
	secondAt := m.Len() + 8                          // its offset, patched below
	w([4]uint32{0, uint32(second.Len()), 0, 0})
	seg := jpegSegment(0xE2, append([]byte("MPF\x00"), m.Bytes()...))
	// Put MPF right after SOI, before the segments All takes out.
	var file bytes.Buffer
	file.Write(first[:2])
	file.Write(seg)
	file.Write(first[2:])
	tiffAt := 2 + 4 + 4 // SOI, marker and length, "MPF\0"
	rel := uint32(file.Len() - tiffAt)
	b := file.Bytes()
	be.PutUint32(b[tiffAt+secondAt:], rel)
	file.Write(second.Bytes())
	got := apply(t, file.Bytes(), All)
	at := bytes.Index(got, []byte("MPF\x00")) + 4
	off := be.Uint32(got[at+secondAt:])
	if int(at)+int(off) >= len(got) || !bytes.HasPrefix(got[at+int(off):], second.Bytes()[:4]) {
		t.Fatalf("the second picture's offset %d no longer finds it", off)
	}
	if _, err := jpeg.Decode(bytes.NewReader(got[at+int(off):])); err != nil {
		t.Fatalf("the second picture: %v", err)
	}
}

func pngChunkFor(typ string, data []byte) []byte { return pngChunk(typ, data) }

func phonePNG(t *testing.T) []byte {
	t.Helper()
	var img bytes.Buffer
	if err := png.Encode(&img, striptest.Pixels(8, 8)); err != nil {
		t.Fatal(err)
	}
	b := img.Bytes()
	ihdrEnd := 8 + 8 + 13 + 4
	var out bytes.Buffer
	out.Write(b[:ihdrEnd])
	out.Write(pngChunkFor("iCCP", []byte("profile\x00\x00x")))
	out.Write(pngChunkFor("eXIf", striptest.TIFF(binary.LittleEndian)))
	out.Write(pngChunkFor("iTXt", append([]byte("XML:com.adobe.xmp\x00\x00\x00\x00\x00"), striptest.XMP()...)))
	out.Write(pngChunkFor("tEXt", []byte("Comment\x00taken at home")))
	out.Write(b[ihdrEnd:])
	return out.Bytes()
}

func TestPNG(t *testing.T) {
	file := phonePNG(t)
	gps := apply(t, file, Location)
	noLocation(t, "gps", gps)
	samePixels(t, "gps", png.Decode, file, gps) // png.Decode checks each chunk's CRC
	if !bytes.Contains(gps, []byte("taken at home")) || !bytes.Contains(gps, []byte("Spring")) {
		t.Error("gps: more than the location was taken out")
	}
	all := apply(t, file, All)
	noLocation(t, "all", all)
	samePixels(t, "all", png.Decode, file, all)
	for _, gone := range []string{"taken at home", "Spring", "Pixel"} {
		if bytes.Contains(all, []byte(gone)) {
			t.Errorf("all: %q is still in it", gone)
		}
	}
	if !bytes.Contains(all, []byte("iCCP")) {
		t.Error("all: the colour profile was taken out")
	}
	i := bytes.Index(all, []byte("eXIf"))
	if i < 0 || exif.Orientation(all[i+4:]) != 6 {
		t.Error("all: the orientation was not kept")
	}
}

// redWebP is a 4 × 3 lossless WebP (a VP8L chunk), as ImageMagick writes it.
var redWebP = []byte("RIFF\x1c\x00\x00\x00WEBPVP8L\x0f\x00\x00\x00\x2f\x03\x80\x00\x00\x07\x10\xfd\x8f\xfe\x07\x22\xa2\xff\x01\x00")

func webpChunkFor(typ string, data []byte) []byte { return webpChunk(typ, data) }

func phoneWebP() []byte {
	vp8x := make([]byte, 10)
	vp8x[0] = webpEXIFFlag | webpXMPFlag
	vp8x[4], vp8x[7] = 3, 2 // canvas 4 × 3, each less one
	var body bytes.Buffer
	body.WriteString("WEBP")
	body.Write(webpChunkFor("VP8X", vp8x))
	body.Write(redWebP[12:])
	body.Write(webpChunkFor("EXIF", striptest.TIFF(binary.LittleEndian)))
	body.Write(webpChunkFor("XMP ", striptest.XMP()))
	out := []byte("RIFF")
	out = binary.LittleEndian.AppendUint32(out, uint32(body.Len()))
	return append(out, body.Bytes()...)
}

func TestWebP(t *testing.T) {
	file := phoneWebP()
	for _, mode := range []Mode{Location, All} {
		got := apply(t, file, mode)
		noLocation(t, string(mode), got)
		samePixels(t, string(mode), webp.Decode, file, got)
		if n := binary.LittleEndian.Uint32(got[4:]); int(n) != len(got)-8 {
			t.Errorf("%s: RIFF says %d bytes, has %d", mode, n, len(got)-8)
		}
		hasXMP := bytes.Contains(got, []byte("XMP "))
		if flag := got[20]&webpXMPFlag != 0; flag != hasXMP {
			t.Errorf("%s: VP8X says XMP %v, has it %v", mode, flag, hasXMP)
		}
		if mode == All && (hasXMP || bytes.Contains(got, []byte("Pixel"))) {
			t.Error("all: XMP or EXIF's make is still in it")
		}
	}
}

func TestOthersAreRefused(t *testing.T) {
	heic := []byte("\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic")
	mp4 := []byte("\x00\x00\x00\x18ftypisom\x00\x00\x02\x00isomiso2")
	for _, f := range [][]byte{heic, mp4, []byte("GIF89a...."), []byte("%PDF-1.7\n"), []byte("<svg/>")} {
		_, err := Plan(bytes.NewReader(f), int64(len(f)), Location)
		var ue *UnsupportedError
		if !errors.As(err, &ue) {
			t.Errorf("%q: %v, want it refused", f[:8], err)
		}
		if v, err := Plan(bytes.NewReader(f), int64(len(f)), Keep); err != nil || v.Changed() || v.Size() != int64(len(f)) {
			t.Errorf("%q kept: %v", f[:8], err)
		}
	}
}

// TestDamagedFiles: a file cut anywhere, or with a byte changed, is stripped
// or refused as damaged: never a panic, never sent with its location.
func TestDamagedFiles(t *testing.T) {
	for _, file := range [][]byte{striptest.PhoneJPEG(), phonePNG(t), phoneWebP()} {
		for cut := 0; cut < len(file); cut += 7 {
			for _, mode := range []Mode{Location, All} {
				f := file[:cut]
				if v, err := Plan(bytes.NewReader(f), int64(len(f)), mode); err == nil {
					got, _ := io.ReadAll(v.Open(bytes.NewReader(f)))
					noLocation(t, "cut", got)
				}
				g := append([]byte(nil), file...)
				g[cut] ^= 0x5A
				if v, err := Plan(bytes.NewReader(g), int64(len(g)), mode); err == nil {
					io.ReadAll(v.Open(bytes.NewReader(g)))
				}
			}
		}
	}
}
