package ui

import "encoding/binary"

// heifThumbnail returns data, a HEIF file (HEIC or AVIF), with its primary
// item switched to the thumbnail the camera stored for it, so that a decoder
// decodes 320×240 pixels instead of 12–50 megapixels (seconds and hundreds of
// megabytes as WebAssembly). The switch rewrites the primary item's id in the
// 'pitm' box in place, and renames the reference that makes the item a
// thumbnail (decoders pass thumbnails over when they look for the primary
// item); every offset stays valid. It also returns the thumbnail's size as
// its 'ispe' property declares it, since the decoders cannot read the header
// of a switched file alone. It reports false when the file names no
// thumbnail of its primary item with a size, or cannot be read.
func heifThumbnail(data []byte) (_ []byte, width, height int, ok bool) {
	ms, me, ok := findBox(data, "meta")
	if !ok || me-ms < 4 {
		return nil, 0, 0, false
	}
	ms += 4 // a full box: version and flags
	meta := data[ms:me]
	ps, pe, ok := findBox(meta, "pitm")
	if !ok || pe-ps < 6 {
		return nil, 0, 0, false
	}
	pitm := meta[ps:pe]
	var primary uint32
	wide := pitm[0] != 0 // version 1: 32-bit ids
	if wide {
		if len(pitm) < 8 {
			return nil, 0, 0, false
		}
		primary = binary.BigEndian.Uint32(pitm[4:])
	} else {
		primary = uint32(binary.BigEndian.Uint16(pitm[4:]))
	}
	is, ie, ok := findBox(meta, "iref")
	if !ok || ie-is < 4 {
		return nil, 0, 0, false
	}
	iref := meta[is:ie]
	thumb, ref, ok := thumbnailOf(iref[4:], iref[0] != 0, primary)
	if !ok || (!wide && thumb > 0xFFFF) {
		return nil, 0, 0, false
	}
	width, height, ok = itemSize(meta, thumb)
	if !ok {
		return nil, 0, 0, false
	}
	out := append([]byte(nil), data...)
	copy(out[ms+is+4+ref:], "xthm") // a reference type no reader knows
	at := ms + ps + 4               // the id, after pitm's version and flags
	if wide {
		binary.BigEndian.PutUint32(out[at:], thumb)
	} else {
		binary.BigEndian.PutUint16(out[at:], uint16(thumb))
	}
	return out, width, height, true
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

// itemSize reads an item's width and height from its 'ispe' property: meta's
// 'iprp' box holds the properties ('ipco', numbered from 1) and which item
// has which ('ipma').
func itemSize(meta []byte, item uint32) (width, height int, ok bool) {
	ps, pe, ok := findBox(meta, "iprp")
	if !ok {
		return 0, 0, false
	}
	iprp := meta[ps:pe]
	cs, ce, ok := findBox(iprp, "ipco")
	if !ok {
		return 0, 0, false
	}
	as, ae, ok := findBox(iprp, "ipma")
	if !ok || ae-as < 8 {
		return 0, 0, false
	}
	ipma := iprp[as:ae]
	props := boxes(iprp[cs:ce], 1<<12) // indexed once: a file may name them thousands of times
	wideIDs, wideIndex := ipma[0] >= 1, ipma[3]&1 != 0
	n := binary.BigEndian.Uint32(ipma[4:])
	rest := ipma[8:]
	for range min(n, 1<<16) {
		var id uint32
		if wideIDs {
			if len(rest) < 5 {
				return 0, 0, false
			}
			id, rest = binary.BigEndian.Uint32(rest), rest[4:]
		} else {
			if len(rest) < 3 {
				return 0, 0, false
			}
			id, rest = uint32(binary.BigEndian.Uint16(rest)), rest[2:]
		}
		count := int(rest[0])
		rest = rest[1:]
		for range count {
			var index int
			if wideIndex {
				if len(rest) < 2 {
					return 0, 0, false
				}
				index, rest = int(binary.BigEndian.Uint16(rest)&0x7FFF), rest[2:]
			} else {
				if len(rest) < 1 {
					return 0, 0, false
				}
				index, rest = int(rest[0]&0x7F), rest[1:]
			}
			if id != item {
				continue
			}
			if index < 1 || index > len(props) {
				continue
			}
			if ispe := props[index-1]; string(ispe[4:8]) == "ispe" && len(ispe) >= 20 {
				return int(binary.BigEndian.Uint32(ispe[12:])), int(binary.BigEndian.Uint32(ispe[16:])), true
			}
		}
	}
	return 0, 0, false
}

// boxes splits b into the boxes that fill it, whole, with a 32-bit size;
// at most max of them.
func boxes(b []byte, max int) [][]byte {
	var out [][]byte
	for len(b) >= 8 && len(out) < max {
		size := int(binary.BigEndian.Uint32(b))
		if size < 8 || size > len(b) {
			break
		}
		out = append(out, b[:size])
		b = b[size:]
	}
	return out
}
