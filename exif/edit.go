package exif

import (
	"encoding/binary"
	"errors"
)

// Edits of EXIF's TIFF structure for privacy, made in place: every other
// byte keeps its offset, so the file around it (a JPEG's multi-picture
// index, a PNG's chunk) stays valid, and nothing else in it changes.

// ErrDamaged means EXIF data whose structure points outside itself: what it
// holds cannot be known, so it cannot be said to be removed.
var ErrDamaged = errors.New("the photo's EXIF data is damaged")

const (
	tagGPS         = 0x8825
	tagExifIFD     = 0x8769
	tagOrientation = 0x0112
)

// typeSizes are the byte sizes of TIFF's value types (1 BYTE to 13 IFD).
var typeSizes = map[uint16]uint32{1: 1, 2: 1, 3: 2, 4: 4, 5: 8, 6: 1, 7: 1, 8: 2, 9: 4, 10: 8, 11: 4, 12: 8, 13: 4}

// RemoveGPS blanks the GPS IFD of EXIF's TIFF structure b (where a photo
// was taken, its altitude, direction and time) and takes its pointer out.
// The pointer belongs in IFD0; IFD1 (the thumbnail's) and the Exif IFD are
// searched too, as readers follow it there. It reports whether there was
// one.
func RemoveGPS(b []byte) (bool, error) {
	t, ifd0, ok := firstIFD(b)
	if !ok {
		return false, ErrDamaged
	}
	found := false
	ifds := []uint32{ifd0}
	for i := 0; i < len(ifds) && i < 8; i++ {
		at := ifds[i]
		n, ok := t.u16(at)
		if !ok || int64(at)+2+12*int64(n)+4 > int64(len(b)) {
			if i == 0 {
				return found, ErrDamaged
			}
			continue // a dangling pointer to IFD1 or the Exif IFD (a thumbnail cut out, say): no IFD there
		}
		for e := at + 2; e < at+2+12*uint32(n); {
			tag, _ := t.u16(e)
			switch tag {
			case tagGPS:
				gps, _ := t.u32(e + 8)
				if err := t.blankIFD(gps); err != nil {
					return found, err
				}
				// Take the entry out: the ones after it move up, the next
				// IFD's offset follows them, and the freed 12 bytes are zero.
				end := at + 2 + 12*uint32(n) + 4
				copy(b[e:], b[e+12:end])
				clear(b[end-12 : end])
				n--
				t.order.PutUint16(b[at:], n)
				found = true
				continue // the entry now at e is the next one
			case tagExifIFD:
				if sub, _ := t.u32(e + 8); sub != 0 {
					ifds = append(ifds, sub)
				}
			}
			e += 12
		}
		if at == ifd0 { // IFD1 follows IFD0
			if next, _ := t.u32(at + 2 + 12*uint32(n)); next != 0 {
				ifds = append(ifds, next)
			}
		}
	}
	return found, nil
}

// blankIFD zeroes the IFD at at: its entries, the values they point at, and
// the offset of the IFD after it.
func (t tiff) blankIFD(at uint32) error {
	n, ok := t.u16(at)
	size := 2 + 12*int64(n) + 4
	if !ok || int64(at)+size > int64(len(t.b)) {
		return ErrDamaged
	}
	for i := range uint32(n) {
		e := at + 2 + 12*i
		typ, _ := t.u16(e + 2)
		count, _ := t.u32(e + 4)
		length := int64(typeSizes[typ]) * int64(count)
		if length <= 4 {
			continue // the value is in the entry
		}
		v, _ := t.u32(e + 8)
		if int64(v)+length > int64(len(t.b)) {
			return ErrDamaged
		}
		clear(t.b[v : int64(v)+length])
	}
	clear(t.b[at : int64(at)+size])
	return nil
}

// Orientation is IFD0's Orientation (1 to 8), or 0 when there is none.
func Orientation(b []byte) uint16 {
	t, ifd0, ok := firstIFD(b)
	if !ok {
		return 0
	}
	n, _ := t.u16(ifd0)
	for i := range uint32(min(n, 256)) {
		e := ifd0 + 2 + 12*i
		tag, ok1 := t.u16(e)
		typ, ok2 := t.u16(e + 2)
		v, ok3 := t.u16(e + 8)
		if !ok1 || !ok2 || !ok3 {
			return 0
		}
		if tag == tagOrientation && typ == 3 && v >= 1 && v <= 8 {
			return v
		}
	}
	return 0
}

// OrientationOnly is EXIF's TIFF structure with nothing but an Orientation:
// what is kept of a photo's EXIF data when all else is removed.
func OrientationOnly(o uint16) []byte {
	b := make([]byte, 26)
	be := binary.BigEndian
	copy(b, "MM\x00*")
	be.PutUint32(b[4:], 8)               // IFD0
	be.PutUint16(b[8:], 1)               // one entry
	be.PutUint16(b[10:], tagOrientation) //
	be.PutUint16(b[12:], 3)              // SHORT
	be.PutUint32(b[14:], 1)              // one
	be.PutUint16(b[18:], o)              // in the value's first two bytes
	return b                             // no IFD1: the last four bytes are zero
}
