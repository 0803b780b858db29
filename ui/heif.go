package ui

import "encoding/binary"

// heifThumbnail returns data, a HEIF file (HEIC or AVIF), with its primary
// item switched to the thumbnail the camera stored for it, so that a decoder
// decodes 320×240 pixels instead of 12–50 megapixels (seconds and hundreds of
// megabytes as WebAssembly). The switch rewrites the primary item's id in the
// 'pitm' box in place, and renames the reference that makes the item a
// thumbnail (decoders pass thumbnails over when they look for the primary
// item); every offset stays valid. It reports false when the file names no
// thumbnail of its primary item, or cannot be read.
func heifThumbnail(data []byte) ([]byte, bool) {
	ms, me, ok := findBox(data, "meta")
	if !ok || me-ms < 4 {
		return nil, false
	}
	ms += 4 // a full box: version and flags
	meta := data[ms:me]
	ps, pe, ok := findBox(meta, "pitm")
	if !ok || pe-ps < 6 {
		return nil, false
	}
	pitm := meta[ps:pe]
	var primary uint32
	wide := pitm[0] != 0 // version 1: 32-bit ids
	if wide {
		if len(pitm) < 8 {
			return nil, false
		}
		primary = binary.BigEndian.Uint32(pitm[4:])
	} else {
		primary = uint32(binary.BigEndian.Uint16(pitm[4:]))
	}
	is, ie, ok := findBox(meta, "iref")
	if !ok || ie-is < 4 {
		return nil, false
	}
	iref := meta[is:ie]
	thumb, ref, ok := thumbnailOf(iref[4:], iref[0] != 0, primary)
	if !ok || (!wide && thumb > 0xFFFF) {
		return nil, false
	}
	out := append([]byte(nil), data...)
	copy(out[ms+is+4+ref:], "xthm") // a reference type no reader knows
	at := ms + ps + 4               // the id, after pitm's version and flags
	if wide {
		binary.BigEndian.PutUint32(out[at:], thumb)
	} else {
		binary.BigEndian.PutUint16(out[at:], uint16(thumb))
	}
	return out, true
}

// thumbnailOf finds, in an 'iref' box's references, an item that is a
// thumbnail ('thmb') of primary, and where in refs that reference's type is.
func thumbnailOf(refs []byte, wide bool, primary uint32) (item uint32, typeAt int, ok bool) {
	idSize := 2
	if wide {
		idSize = 4
	}
	id := func(b []byte) uint32 {
		if wide {
			return binary.BigEndian.Uint32(b)
		}
		return uint32(binary.BigEndian.Uint16(b))
	}
	for at := 0; len(refs)-at >= 8; {
		rest := refs[at:]
		size := int(binary.BigEndian.Uint32(rest))
		if size < 8 || size > len(rest) {
			return 0, 0, false
		}
		box := rest[8:size]
		if string(rest[4:8]) == "thmb" && len(box) >= idSize+2 {
			from := id(box)
			n := int(binary.BigEndian.Uint16(box[idSize:]))
			to := box[idSize+2:]
			for i := 0; i < n && len(to) >= idSize; i++ {
				if id(to) == primary {
					return from, at + 4, true
				}
				to = to[idSize:]
			}
		}
		at += size
	}
	return 0, 0, false
}

// findBox returns where the payload of the first box of type typ starts and
// ends among the boxes that fill b.
func findBox(b []byte, typ string) (start, end int, ok bool) {
	at := 0
	for len(b)-at >= 8 {
		rest := b[at:]
		size := uint64(binary.BigEndian.Uint32(rest))
		header := uint64(8)
		switch size {
		case 0: // to the end
			size = uint64(len(rest))
		case 1: // a 64-bit size follows the type
			if len(rest) < 16 {
				return 0, 0, false
			}
			size, header = binary.BigEndian.Uint64(rest[8:]), 16
		}
		if size < header || size > uint64(len(rest)) {
			return 0, 0, false
		}
		if string(rest[4:8]) == typ {
			return at + int(header), at + int(size), true
		}
		at += int(size)
	}
	return 0, 0, false
}
