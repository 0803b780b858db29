package strip

import (
	"bytes"
	"encoding/binary"
	"io"

	"imagekit-uploader/exif"
)

// A JPEG's metadata is in segments before its image data: APP1 (EXIF, XMP),
// APP13 (IPTC), COM, and others. The image data, from SOS on, is sent as it is.

var (
	exifID        = []byte("Exif\x00\x00")
	xmpID         = []byte("http://ns.adobe.com/xap/1.0/\x00")
	xmpExtendedID = []byte("http://ns.adobe.com/xmp/extension/\x00")
	iccID         = []byte("ICC_PROFILE\x00")
	mpfID         = []byte("MPF\x00")
)

func planJPEG(v *View, f io.ReaderAt, size int64, mode Mode) error {
	v.keep(0, 2) // SOI
	off := int64(2)
	var mpf struct {
		seg    []byte // the segment, marker on; nil without one
		at     int    // its piece in v
		oldEnd int64  // where it ended in the file
		newEnd int64  // and in the view
	}
	for {
		h, err := readAt(f, off, 4, size)
		if err != nil {
			return err
		}
		if h[0] != 0xFF {
			return ErrDamaged
		}
		marker := h[1]
		if marker == 0xFF { // fill byte
			v.keep(off, 1)
			off++
			continue
		}
		if marker == 0xDA || marker == 0xD9 { // the image data: the rest goes as it is
			v.keep(off, size-off)
			break
		}
		if marker == 0x01 || marker >= 0xD0 && marker <= 0xD7 { // no length
			v.keep(off, 2)
			off += 2
			continue
		}
		n := int64(binary.BigEndian.Uint16(h[2:]))
		if n < 2 {
			return ErrDamaged
		}
		end := off + 2 + n
		if end > size {
			return ErrDamaged
		}
		isApp := marker >= 0xE0 && marker <= 0xEF
		if !isApp && marker != 0xFE {
			v.keep(off, end-off) // tables, the frame: the image's own
			off = end
			continue
		}
		seg, err := readAt(f, off, end-off, size)
		if err != nil {
			return err
		}
		payload := seg[4:]
		switch {
		case marker == 0xE1 && bytes.HasPrefix(payload, exifID):
			tiff := payload[len(exifID):]
			if mode == All {
				v.changed = true
				if o := exif.Orientation(tiff); o != 0 {
					v.put(jpegSegment(0xE1, append(append([]byte{}, exifID...), exif.OrientationOnly(o)...)))
				}
				break
			}
			removed, err := exif.RemoveGPS(tiff)
			if err != nil {
				return ErrDamaged
			}
			if removed {
				v.changed = true
				v.put(seg)
			} else {
				v.keep(off, end-off)
			}
		case marker == 0xE1 && (bytes.HasPrefix(payload, xmpID) || bytes.HasPrefix(payload, xmpExtendedID)):
			if mode == All {
				v.changed = true
				break
			}
			if blankXMPLocation(payload) {
				v.changed = true
				v.put(seg)
			} else {
				v.keep(off, end-off)
			}
		case marker == 0xE0, marker == 0xEE, // JFIF, Adobe (how to read the colours)
			marker == 0xE2 && bytes.HasPrefix(payload, iccID): // the colour profile
			v.keep(off, end-off)
		case marker == 0xE2 && bytes.HasPrefix(payload, mpfID):
			// The index of the pictures after this one (a gain map, a
			// depth map): their offsets count from here, so they change
			// by what is taken out after it. Patched below.
			mpf.seg, mpf.at = seg, len(v.pieces)
			v.put(seg)
			mpf.oldEnd, mpf.newEnd = end, v.size
		default:
			if mode == Location {
				v.keep(off, end-off) // IPTC, comments, makers' data: no coordinates
			} else {
				v.changed = true
			}
		}
		off = end
	}
	if mpf.seg != nil && mode == All {
		removedAfter := (size - mpf.oldEnd) - (v.size - mpf.newEnd)
		if err := shiftMPF(mpf.seg[4+len(mpfID):], removedAfter); err != nil {
			return err
		}
		v.pieces[mpf.at].data = mpf.seg
	}
	return nil
}

// jpegSegment is a segment with marker and payload.
func jpegSegment(marker byte, payload []byte) []byte {
	s := make([]byte, 4, 4+len(payload))
	s[0], s[1] = 0xFF, marker
	binary.BigEndian.PutUint16(s[2:], uint16(len(payload)+2))
	return append(s, payload...)
}

// shiftMPF moves the offsets of a multi-picture index's later pictures back
// by removed bytes. b is its TIFF structure.
func shiftMPF(b []byte, removed int64) error {
	if removed == 0 {
		return nil
	}
	order, ok := byteOrder(b)
	if !ok {
		return ErrDamaged
	}
	ifd := int64(order.Uint32(b[4:]))
	if ifd+2 > int64(len(b)) {
		return ErrDamaged
	}
	n := int64(order.Uint16(b[ifd:]))
	for i := range n {
		e := ifd + 2 + 12*i
		if e+12 > int64(len(b)) {
			return ErrDamaged
		}
		if order.Uint16(b[e:]) != 0xB002 { // MPEntry: 16 bytes a picture
			continue
		}
		count, at := int64(order.Uint32(b[e+4:])), int64(order.Uint32(b[e+8:]))
		if count%16 != 0 || at+count > int64(len(b)) {
			return ErrDamaged
		}
		for p := at; p < at+count; p += 16 {
			if o := int64(order.Uint32(b[p+8:])); o != 0 { // 0: the first picture, this one
				if o-removed <= 0 {
					return ErrDamaged
				}
				order.PutUint32(b[p+8:], uint32(o-removed))
			}
		}
	}
	return nil
}

func byteOrder(b []byte) (binary.ByteOrder, bool) {
	if len(b) < 8 {
		return nil, false
	}
	switch string(b[:4]) {
	case "II*\x00":
		return binary.LittleEndian, true
	case "MM\x00*":
		return binary.BigEndian, true
	}
	return nil, false
}
