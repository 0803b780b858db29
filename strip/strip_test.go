package strip

import (
	"bytes"
	"compress/zlib"
	"encoding/binary"
	"encoding/xml"
	"errors"
	"fmt"
	"image"
	"image/jpeg"
	"image/png"
	"io"
	"os"
	"runtime"
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

// exifSegment is an APP1 EXIF segment whose TIFF structure is tiff.
func exifSegment(tiff []byte) []byte {
	return jpegSegment(0xE1, append(append([]byte{}, exifID...), tiff...))
}

// TestJPEGMetadataAnywhere: the hostile review's ways of keeping a location
// through a strip, each of which did before.
func TestJPEGMetadataAnywhere(t *testing.T) {
	progressive, err := os.ReadFile("../internal/jpegdc/testdata/progressive.jpg")
	if err != nil {
		t.Fatal(err)
	}
	second := bytes.Index(progressive[bytes.Index(progressive, []byte{0xFF, 0xDA})+2:], []byte{0xFF, 0xDA}) + bytes.Index(progressive, []byte{0xFF, 0xDA}) + 2
	between := append(append(append([]byte{}, progressive[:second]...), exifSegment(striptest.TIFF(binary.LittleEndian))...), progressive[second:]...)

	// A second picture after the first's end, with its own EXIF (an MPO).
	var small bytes.Buffer
	jpeg.Encode(&small, striptest.Pixels(8, 8), nil)
	mpo := append(append([]byte{}, striptest.PhoneJPEG()...), small.Bytes()[:2]...)
	mpo = append(append(mpo, exifSegment(striptest.TIFF(binary.BigEndian))...), small.Bytes()[2:]...)

	// The GPS pointer in IFD1 and in the Exif IFD, where readers follow it.
	inIFD1 := tiffWithGPSIn(t, "ifd1")
	inExif := tiffWithGPSIn(t, "exif")
	plain := func(tiff []byte) []byte {
		var b bytes.Buffer
		jpeg.Encode(&b, striptest.Pixels(8, 8), nil)
		return append(append(append([]byte{}, b.Bytes()[:2]...), exifSegment(tiff)...), b.Bytes()[2:]...)
	}

	// XMP with the location in a default namespace, nested, and in an
	// extended packet cut between two chunks.
	xmpWith := func(x string) []byte {
		var b bytes.Buffer
		jpeg.Encode(&b, striptest.Pixels(8, 8), nil)
		return append(append(append([]byte{}, b.Bytes()[:2]...), jpegSegment(0xE1, append(append([]byte{}, xmpID...), x...))...), b.Bytes()[2:]...)
	}
	defaultNS := xmpWith(`<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF><rdf:Description><GPSLatitude xmlns="http://ns.adobe.com/exif/1.0/">52,31.4159N</GPSLatitude></rdf:Description></rdf:RDF></x:xmpmeta>`)
	nested := xmpWith(`<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF><rdf:Description><exif:GPSArea><exif:GPSArea>52,31.4159N</exif:GPSArea></exif:GPSArea><dc:title>Spring</dc:title></rdf:Description></rdf:RDF></x:xmpmeta>`)
	packet := []byte(`<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF><rdf:Description exif:GPSLatitude="52,31.4159N"/></rdf:RDF></x:xmpmeta>`)
	var ext bytes.Buffer
	jpeg.Encode(&ext, striptest.Pixels(8, 8), nil)
	extended := append([]byte{}, ext.Bytes()[:2]...)
	cut := bytes.Index(packet, []byte("GPSLat")) + 3
	for _, part := range [][2]int{{0, cut}, {cut, len(packet)}} {
		c := append([]byte{}, xmpExtendedID...)
		c = append(c, bytes.Repeat([]byte("A"), 32)...)
		c = binary.BigEndian.AppendUint32(c, uint32(len(packet)))
		c = binary.BigEndian.AppendUint32(c, uint32(part[0]))
		extended = append(extended, jpegSegment(0xE1, append(c, packet[part[0]:part[1]]...))...)
	}
	extended = append(extended, ext.Bytes()[2:]...)

	for name, file := range map[string][]byte{"between scans": between, "a second picture": mpo, "IFD1": plain(inIFD1),
		"the Exif IFD": plain(inExif), "XMP in a default namespace": defaultNS, "nested XMP": nested, "extended XMP": extended} {
		for _, mode := range []Mode{Location, All} {
			got := apply(t, file, mode)
			noLocation(t, name+", "+string(mode), got)
			if _, err := jpeg.Decode(bytes.NewReader(got)); err != nil {
				t.Errorf("%s, %s: no longer an image: %v", name, mode, err)
			}
		}
	}
	// The nested XMP is still XML, with its title.
	got := apply(t, nested, Location)
	i := bytes.Index(got, []byte("<x:xmpmeta"))
	j := bytes.Index(got, []byte("</x:xmpmeta>")) + len("</x:xmpmeta>")
	if err := xml.Unmarshal(got[i:j], new(struct{})); err != nil || !bytes.Contains(got[i:j], []byte("Spring")) {
		t.Errorf("the nested XMP: %v\n%s", err, got[i:j])
	}
}

// tiffWithGPSIn is EXIF's TIFF structure (little-endian) with a GPS IFD
// whose pointer is in IFD1 or in the Exif IFD, not IFD0.
func tiffWithGPSIn(t *testing.T, where string) []byte {
	t.Helper()
	le := binary.LittleEndian
	var b bytes.Buffer
	w := func(v any) { binary.Write(&b, le, v) }
	entry := func(tag, typ uint16, count, value uint32) { w(tag); w(typ); w(count); w(value) }
	b.WriteString("II*\x00")
	w(uint32(8))
	// IFD0 at 8: one entry (2+12+4 = 18): the Exif IFD at 26, or none; IFD1 at 26 otherwise.
	w(uint16(1))
	if where == "exif" {
		entry(0x8769, 4, 1, 26)
		w(uint32(0))
	} else {
		entry(0x0112, 3, 1, 1)
		w(uint32(26))
	}
	// The IFD at 26: one entry, the GPS IFD at 44.
	w(uint16(1))
	entry(0x8825, 4, 1, 44)
	w(uint32(0))
	// The GPS IFD at 44: the latitude's three rationals at 62.
	w(uint16(1))
	entry(0x0002, 5, 3, 62)
	w(uint32(0))
	for range 3 {
		w(uint32(striptest.Latitude))
		w(uint32(1))
	}
	return b.Bytes()
}

// TestPNGXMPInOtherChunks: XMP written in tEXt or zTXt (as some tools do),
// and a compressed XMP too large to read whole.
func TestPNGXMPInOtherChunks(t *testing.T) {
	var img bytes.Buffer
	png.Encode(&img, striptest.Pixels(4, 4))
	b := img.Bytes()
	ihdrEnd := 8 + 8 + 13 + 4
	with := func(typ string, data []byte) []byte {
		return append(append(append([]byte{}, b[:ihdrEnd]...), pngChunk(typ, data)...), b[ihdrEnd:]...)
	}
	var z bytes.Buffer
	zw := zlib.NewWriter(&z)
	zw.Write(striptest.XMP())
	zw.Close()
	for name, file := range map[string][]byte{
		"tEXt": with("tEXt", append([]byte("XML:com.adobe.xmp\x00"), striptest.XMP()...)),
		"zTXt": with("zTXt", append([]byte("XML:com.adobe.xmp\x00\x00"), z.Bytes()...)),
	} {
		got := apply(t, file, Location)
		noLocation(t, name, got)
		samePixels(t, name, png.Decode, file, got)
	}
	var huge bytes.Buffer
	zw = zlib.NewWriter(&huge)
	zw.Write([]byte("<x:xmpmeta>"))
	zw.Write(make([]byte, 65<<20))
	zw.Close()
	file := with("iTXt", append([]byte("XML:com.adobe.xmp\x00\x01\x00\x00\x00"), huge.Bytes()...))
	if _, err := Plan(bytes.NewReader(file), int64(len(file)), Location); !errors.Is(err, ErrDamaged) {
		t.Errorf("an XMP of 65 MB inflated: %v, want it refused", err)
	}
}

// TestSecondReview: what the second hostile pass found in the first pass's
// fixes, each of which failed before.
func TestSecondReview(t *testing.T) {
	var small bytes.Buffer
	jpeg.Encode(&small, striptest.Pixels(8, 8), nil)
	s := small.Bytes()
	withSegments := func(segs ...[]byte) []byte {
		out := append([]byte{}, s[:2]...)
		for _, g := range segs {
			out = append(out, g...)
		}
		return append(out, s[2:]...)
	}

	// Extended XMP chunks, each of another packet declaring 64 MB: 9 KB of
	// file made 6.4 GB of buffers.
	var bomb [][]byte
	for i := range 100 {
		c := append([]byte{}, xmpExtendedID...)
		c = append(c, []byte(fmt.Sprintf("%032d", i))...)
		c = binary.BigEndian.AppendUint32(c, 64<<20)
		c = binary.BigEndian.AppendUint32(c, 0)
		bomb = append(bomb, jpegSegment(0xE1, append(c, "<x/>"...)))
	}
	file := withSegments(bomb...)
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	_, err := Plan(bytes.NewReader(file), int64(len(file)), Location)
	runtime.ReadMemStats(&after)
	if !errors.Is(err, ErrDamaged) || after.TotalAlloc-before.TotalAlloc > 64<<20 {
		t.Errorf("extended XMP declaring 6.4 GB in %d bytes: %v, %d MB allocated", len(file), err, (after.TotalAlloc-before.TotalAlloc)>>20)
	}

	// XMP that is not XML, as old writers made it (Latin-1, a control
	// byte): refused whole before; now cleaned, and kept where it has no
	// location.
	xmp := func(x string) []byte { return jpegSegment(0xE1, append(append([]byte{}, xmpID...), x...)) }
	latin1 := withSegments(xmp("<x:xmpmeta><rdf:Description dc:title=\"caf\xe9\" exif:GPSLatitude=\"52,31.4159N\"><exif:GPSAltitude>12/1</exif:GPSAltitude></rdf:Description></x:xmpmeta>"))
	got := apply(t, latin1, Location)
	noLocation(t, "Latin-1 XMP", got)
	if bytes.Contains(got, []byte("GPSAltitude")) || !bytes.Contains(got, []byte("caf\xe9")) {
		t.Error("Latin-1 XMP: the altitude kept, or the title lost")
	}
	plain := withSegments(xmp("<x:xmpmeta><rdf:Description dc:title=\"\x01caf\xe9\"/></x:xmpmeta>"))
	if got := apply(t, plain, Location); !bytes.Equal(got, plain) {
		t.Error("non-XML XMP with no location was changed")
	}

	// A dangling pointer to IFD1 (a thumbnail cut out) refused the file.
	tiff := striptest.TIFF(binary.LittleEndian)
	binary.LittleEndian.PutUint32(tiff[8+2+3*12:], 65535) // IFD0's next IFD, far outside
	noLocation(t, "a dangling IFD1", apply(t, withSegments(exifSegment(tiff)), Location))

	// A cut picture, padding between pictures, a trailer that starts like
	// a picture and is none, and fill bytes before a marker.
	phone := striptest.PhoneJPEG()
	cut := phone[:len(phone)-40]
	if got := apply(t, cut, Location); len(got) == 0 {
		t.Error("a cut picture")
	}
	padded := append(append(append([]byte{}, phone...), 0, 0, 0, 0), s...)
	if got := apply(t, padded, All); !bytes.HasSuffix(got, s) {
		t.Error("a second picture after padding was left out")
	}
	trailer := append(append([]byte{}, phone...), 0xFF, 0xD8, 'n', 'o', 't')
	if got := apply(t, trailer, Location); bytes.HasSuffix(got, []byte("not")) {
		t.Error("a trailer that is no picture was kept")
	}
	fill := append(append(append([]byte{}, s[:2]...), 0xFF, 0xFF, 0xFF), s[2:]...)
	got = apply(t, append(fill[:2], append(exifSegment(striptest.TIFF(binary.BigEndian)), fill[2:]...)...), All)
	if _, err := jpeg.Decode(bytes.NewReader(got)); err != nil {
		t.Errorf("fill bytes: %v", err)
	}
}

// TestALaterPictureLeftOutWithItsSegments: a later picture that cannot be
// read is left out with what was noted of it (an extended XMP chunk with a
// location); nothing of it is written after.
func TestALaterPictureLeftOutWithItsSegments(t *testing.T) {
	packet := []byte(`<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF><rdf:Description exif:GPSLatitude="52,31.4159N"/></rdf:RDF></x:xmpmeta>`)
	c := append([]byte{}, xmpExtendedID...)
	c = append(c, bytes.Repeat([]byte("B"), 32)...)
	c = binary.BigEndian.AppendUint32(c, uint32(len(packet)))
	c = binary.BigEndian.AppendUint32(c, 0)
	later := append([]byte{0xFF, 0xD8}, jpegSegment(0xE1, append(c, packet...))...)
	later = append(later, 0xFF, 0xC0, 0xFF) // then a segment that cannot be read
	file := append(append([]byte{}, striptest.PhoneJPEG()...), later...)
	got := apply(t, file, Location)
	noLocation(t, "a later picture", got)
	if len(got) > len(striptest.PhoneJPEG()) {
		t.Errorf("%d bytes after the first picture were kept", len(got)-len(striptest.PhoneJPEG()))
	}
}
