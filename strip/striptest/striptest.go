// Package striptest makes photos that say where they were taken, as phones
// write them, for tests of what is taken out of them.
package striptest

import (
	"bytes"
	"encoding/binary"
	"image"
	"image/color"
	"image/jpeg"
	"strings"
)

// Distinctive bytes a photo's location is written with, so a test can see
// that none of it is left anywhere in what was sent.
const (
	Latitude  = 0x5A17C0DE // a GPS rational's numerator
	XMPPlace  = `exif:GPSLatitude="52,31.4159N"`
	XMPPlace2 = `<drone-dji:GpsLongitude>13.4050</drone-dji:GpsLongitude>`
)

// TIFF is EXIF's TIFF structure as a phone writes it: IFD0 with Make
// "Pixel", Orientation 6 and a pointer to a GPS IFD with a latitude.
func TIFF(order binary.ByteOrder) []byte {
	var b bytes.Buffer
	w := func(v any) { binary.Write(&b, order, v) }
	if order == binary.LittleEndian {
		b.WriteString("II*\x00")
	} else {
		b.WriteString("MM\x00*")
	}
	w(uint32(8))
	entry := func(tag, typ uint16, count, value uint32) { w(tag); w(typ); w(count); w(value) }
	// IFD0 at 8: 3 entries (2+36+4 = 42), data at 50.
	w(uint16(3))
	entry(0x010F, 2, 6, 50) // Make "Pixel\0"
	if order == binary.LittleEndian {
		entry(0x0112, 3, 1, 6) // Orientation 6, in the value's first two bytes
	} else {
		entry(0x0112, 3, 1, 6<<16)
	}
	entry(0x8825, 4, 1, 56) // GPS IFD at 56
	w(uint32(0))
	b.WriteString("Pixel\x00")
	// GPS IFD at 56: 2 entries (2+24+4 = 30), data at 86.
	w(uint16(2))
	entry(0x0001, 2, 2, 'N') // GPSLatitudeRef "N"
	entry(0x0002, 5, 3, 86)  // GPSLatitude: three rationals at 86
	w(uint32(0))
	for range 3 {
		w(uint32(Latitude))
		w(uint32(1))
	}
	return b.Bytes()
}

// XMP is an XMP packet with a title, a creator and two GPS properties.
func XMP() []byte {
	return []byte(`<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF><rdf:Description dc:title="Spring" ` + XMPPlace + `>` +
		XMPPlace2 + `<dc:creator>Ann</dc:creator></rdf:Description></rdf:RDF></x:xmpmeta>`)
}

// Pixels is a w × h image of distinct colours.
func Pixels(w, h int) image.Image {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			img.Set(x, y, color.RGBA{uint8(x * 20), uint8(y * 30), 90, 255})
		}
	}
	return img
}

// Segment is a JPEG segment with marker and payload.
func Segment(marker byte, payload []byte) []byte {
	s := []byte{0xFF, marker, 0, 0}
	binary.BigEndian.PutUint16(s[2:], uint16(len(payload)+2))
	return append(s, payload...)
}

// PhoneJPEG is a 16 × 8 JPEG with JFIF, EXIF (orientation, GPS), XMP
// (GPS), an ICC profile, IPTC and a comment.
func PhoneJPEG() []byte {
	var img bytes.Buffer
	jpeg.Encode(&img, Pixels(16, 8), nil)
	var out bytes.Buffer
	out.Write(img.Bytes()[:2])
	out.Write(Segment(0xE1, append([]byte("Exif\x00\x00"), TIFF(binary.BigEndian)...)))
	out.Write(Segment(0xE1, append([]byte("http://ns.adobe.com/xap/1.0/\x00"), XMP()...)))
	out.Write(Segment(0xE2, append([]byte("ICC_PROFILE\x00\x01\x01"), "a colour profile"...)))
	out.Write(Segment(0xED, []byte("Photoshop 3.0\x008BIM city: Berlin")))
	out.Write(Segment(0xFE, []byte("taken at home")))
	out.Write(img.Bytes()[2:])
	return out.Bytes()
}

// Location says what of a location is left in b: "" when none.
func Location(b []byte) string {
	var lat [4]byte
	for _, order := range []binary.ByteOrder{binary.BigEndian, binary.LittleEndian} {
		order.PutUint32(lat[:], Latitude)
		if bytes.Contains(b, lat[:]) {
			return "the GPS latitude"
		}
	}
	for _, s := range []string{XMPPlace, "52,31.4159N", "13.4050"} {
		if strings.Contains(string(b), s) {
			return s
		}
	}
	return ""
}
