package exif

import (
	"bytes"
	"encoding/binary"
	"image"
	"image/jpeg"
	"reflect"
	"testing"
)

// photo makes a JPEG whose EXIF data says it was taken by "Canon" "EOS R5"
// at f/2.8 on 2026:03:07 10:00:00, as cameras write it: IFD0 with Make,
// Model and a pointer to the Exif IFD.
func photo(t *testing.T, order binary.ByteOrder) []byte {
	t.Helper()
	var b bytes.Buffer
	w := func(v any) { binary.Write(&b, order, v) }
	if order == binary.LittleEndian {
		b.WriteString("II*\x00")
	} else {
		b.WriteString("MM\x00*")
	}
	w(uint32(8))
	// IFD0 at 8: 3 entries (2+36+4 = 42 bytes), data after it at 50.
	w(uint16(3))
	entry := func(tag, typ uint16, count, value uint32) { w(tag); w(typ); w(count); w(value) }
	entry(0x010F, 2, 6, 50) // Make "Canon\0" at 50
	entry(0x0110, 2, 7, 56) // Model "EOS R5\0" at 56
	entry(0x8769, 4, 1, 64) // Exif IFD at 64
	w(uint32(0))            // no IFD1
	b.WriteString("Canon\x00EOS R5\x00\x00")
	// Exif IFD at 64: 2 entries (2+24+4 = 30), data at 94.
	w(uint16(2))
	entry(0x9003, 2, 20, 94) // DateTimeOriginal at 94
	entry(0x829D, 5, 1, 114) // FNumber 28/10 at 114
	w(uint32(0))
	b.WriteString("2026:03:07 10:00:00\x00")
	w(uint32(28))
	w(uint32(10))
	app1 := append([]byte("Exif\x00\x00"), b.Bytes()...)
	var img bytes.Buffer
	jpeg.Encode(&img, image.NewGray(image.Rect(0, 0, 8, 8)), nil)
	var out bytes.Buffer
	out.Write(img.Bytes()[:2])
	out.Write([]byte{0xFF, 0xE1})
	binary.Write(&out, binary.BigEndian, uint16(len(app1)+2))
	out.Write(app1)
	out.Write(img.Bytes()[2:])
	return out.Bytes()
}

func TestTags(t *testing.T) {
	want := map[string]any{"Make": "Canon", "Model": "EOS R5", "DateTimeOriginal": "2026:03:07 10:00:00", "FNumber": 2.8}
	for _, order := range []binary.ByteOrder{binary.LittleEndian, binary.BigEndian} {
		if got := Tags(bytes.NewReader(photo(t, order))); !reflect.DeepEqual(got, want) {
			t.Errorf("%v: %v, want %v", order, got, want)
		}
	}
	var plain bytes.Buffer
	jpeg.Encode(&plain, image.NewGray(image.Rect(0, 0, 8, 8)), nil)
	if got := Tags(bytes.NewReader(plain.Bytes())); got != nil {
		t.Errorf("a JPEG without EXIF: %v", got)
	}
}

// TestTagsOfDamagedData: EXIF data cut or changed anywhere gives what can
// be read, and no panic.
func TestTagsOfDamagedData(t *testing.T) {
	good := photo(t, binary.LittleEndian)
	for i := range 200 {
		Tags(bytes.NewReader(good[:i]))
		bad := append([]byte(nil), good...)
		bad[i] ^= 0xFF
		Tags(bytes.NewReader(bad))
		Thumbnail(bytes.NewReader(bad))
	}
}
