package strip

import (
	"bytes"
	"encoding/binary"
	"io"
	"slices"

	"imagekit-uploader/exif"
)

// A JPEG's metadata is in segments: APP1 (EXIF, XMP, extended XMP), APP13
// (IPTC), COM and others, before its first scan and between scans. A file
// may hold more pictures after the first's end (a gain map, a depth map,
// indexed by an MPF segment), each with its own segments: each is stripped
// too, and the index's offsets follow what moved. The image data is sent as
// it is.

var (
	exifID        = []byte("Exif\x00\x00")
	xmpID         = []byte("http://ns.adobe.com/xap/1.0/\x00")
	xmpExtendedID = []byte("http://ns.adobe.com/xmp/extension/\x00")
	iccID         = []byte("ICC_PROFILE\x00")
	mpfID         = []byte("MPF\x00")
)

// mpfSegment is a multi-picture index: where its offsets count from in the
// file, and its segment (a piece of the view's own).
type mpfSegment struct {
	seg   []byte
	piece int
	from  int64 // the file offset its offsets count from: its TIFF header
}

// extended is the chunks of one extended XMP packet, by its GUID.
type extended struct {
	pieces []int // the view's pieces that are its segments
	packet []byte
}

type jpegPlan struct {
	v        *View
	f        io.ReaderAt
	size     int64
	mode     Mode
	mpfs     []mpfSegment
	extended map[string]*extended
	declared int64 // the extended packets' lengths, as their chunks say: at most the file's
}

func planJPEG(v *View, f io.ReaderAt, size int64, mode Mode) error {
	p := &jpegPlan{v: v, f: f, size: size, mode: mode, extended: map[string]*extended{}}
	off := int64(0)
	for first := true; off < size; first = false {
		if !first { // padding between pictures
			pad := padRun(f, off, size)
			v.keep(off, pad-off)
			off = pad
			if off >= size {
				break
			}
		}
		if !isSOI(f, off, size) {
			if first {
				return ErrDamaged
			}
			// Bytes after the last picture that are no picture: a maker's
			// trailer (a motion photo's video, say), whatever it holds. Not
			// an image's: left out.
			v.changed = true
			break
		}
		mark := len(v.pieces)
		markSize := v.size
		var markLast piece // keep joins ranges: the last is restored whole
		if mark > 0 {
			markLast = v.pieces[mark-1]
		}
		v.keep(off, 2)
		end, err := p.picture(off + 2)
		if err != nil {
			if first {
				return err
			}
			// A later picture that cannot be read to its end: left out as
			// a trailer is.
			v.pieces, v.size, v.changed = v.pieces[:mark], markSize, true
			if mark > 0 {
				v.pieces[mark-1] = markLast
			}
			p.forget(mark)
			break
		}
		off = end
	}
	if err := p.dropLocatedExtendedXMP(); err != nil {
		return err
	}
	return p.moveMPF()
}

// forget drops what was noted of the pieces from mark on (a picture left
// out): its MPF segments, its extended XMP chunks.
func (p *jpegPlan) forget(mark int) {
	p.mpfs = slices.DeleteFunc(p.mpfs, func(m mpfSegment) bool { return m.piece >= mark })
	for guid, x := range p.extended {
		x.pieces = slices.DeleteFunc(x.pieces, func(i int) bool { return i >= mark })
		if len(x.pieces) == 0 {
			delete(p.extended, guid)
		}
	}
}

// isSOI says whether a picture starts at off.
func isSOI(f io.ReaderAt, off, size int64) bool {
	h, err := readAt(f, off, min(2, size-off), size)
	return err == nil && len(h) == 2 && h[0] == 0xFF && h[1] == 0xD8
}

// picture plans one picture's segments and scans from off (after its SOI)
// to its end, and returns where it ends: its EOI, or the file's end for a
// picture cut short (viewers show what it has).
func (p *jpegPlan) picture(off int64) (int64, error) {
	v, f, size := p.v, p.f, p.size
	for {
		if off >= size {
			return size, nil
		}
		h, err := readAt(f, off, min(2, size-off), size)
		if err != nil || len(h) < 2 {
			return 0, ErrDamaged
		}
		if err != nil {
			return 0, err
		}
		if h[0] != 0xFF {
			return 0, ErrDamaged
		}
		marker := h[1]
		switch {
		case marker == 0xFF: // fill bytes, passed over a buffer at a time, to the last before the marker
			n := fillRun(f, off+1, size) - 1
			v.keep(off, n)
			off += n
			continue
		case marker == 0xD9: // EOI
			v.keep(off, 2)
			return off + 2, nil
		case marker == 0x01 || marker >= 0xD0 && marker <= 0xD7: // no length
			v.keep(off, 2)
			off += 2
			continue
		}
		h, err = readAt(f, off, 4, size)
		if err != nil {
			return 0, err
		}
		n := int64(binary.BigEndian.Uint16(h[2:]))
		end := off + 2 + n
		if n < 2 || end > size {
			return 0, ErrDamaged
		}
		if marker == 0xDA { // a scan: its header, then its data to the next marker
			dataEnd, err := scanEnd(f, end, size)
			if err != nil {
				return 0, err
			}
			v.keep(off, dataEnd-off)
			off = dataEnd
			continue
		}
		if (marker < 0xE0 || marker > 0xEF) && marker != 0xFE {
			v.keep(off, end-off) // tables, the frame: the image's own
			off = end
			continue
		}
		seg, err := readAt(f, off, end-off, size)
		if err != nil {
			return 0, err
		}
		if err := p.segment(marker, seg, off); err != nil {
			return 0, err
		}
		off = end
	}
}

// segment plans one APPn or COM segment, read from the file at off.
func (p *jpegPlan) segment(marker byte, seg []byte, off int64) error {
	v := p.v
	payload := seg[4:]
	keep := func() { v.keep(off, int64(len(seg))) }
	drop := func() { v.changed = true }
	switch {
	case marker == 0xE1 && bytes.HasPrefix(payload, exifID):
		tiff := payload[len(exifID):]
		if p.mode == All {
			drop()
			if o := exif.Orientation(tiff); o != 0 {
				v.put(jpegSegment(0xE1, append(append([]byte{}, exifID...), exif.OrientationOnly(o)...)))
			}
			return nil
		}
		removed, err := exif.RemoveGPS(tiff)
		if err != nil {
			return ErrDamaged
		}
		if removed {
			v.changed = true
			v.put(seg)
		} else {
			keep()
		}
	case marker == 0xE1 && bytes.HasPrefix(payload, xmpID):
		if p.mode == All {
			drop()
			return nil
		}
		found, err := blankXMPLocation(payload[len(xmpID):])
		if err != nil {
			return err
		}
		if found {
			v.changed = true
			v.put(seg)
		} else {
			keep()
		}
	case marker == 0xE1 && bytes.HasPrefix(payload, xmpExtendedID):
		// A chunk of a packet too big for one segment: GUID (32), the
		// packet's length (4), this chunk's offset in it (4), the chunk.
		if p.mode == All {
			drop()
			return nil
		}
		c := payload[len(xmpExtendedID):]
		if len(c) < 40 {
			return ErrDamaged
		}
		guid, total, at := string(c[:32]), int64(binary.BigEndian.Uint32(c[32:])), int64(binary.BigEndian.Uint32(c[36:]))
		x := p.extended[guid]
		if x == nil {
			// Each packet is made from what its chunks say its length is:
			// together no more than the file holds, not 64 MB a chunk asks.
			if p.declared += total; p.declared > p.size {
				return ErrDamaged
			}
			x = &extended{packet: make([]byte, total)}
			p.extended[guid] = x
		}
		if at+int64(len(c)-40) > int64(len(x.packet)) {
			return ErrDamaged
		}
		copy(x.packet[at:], c[40:])
		x.pieces = append(x.pieces, len(v.pieces))
		v.put(seg) // dropped below if the whole packet has a location
	case marker == 0xE0, marker == 0xEE, // JFIF, Adobe (how to read the colours)
		marker == 0xE2 && bytes.HasPrefix(payload, iccID): // the colour profile
		keep()
	case marker == 0xE2 && bytes.HasPrefix(payload, mpfID):
		p.mpfs = append(p.mpfs, mpfSegment{seg: seg, piece: len(v.pieces), from: off + 4 + int64(len(mpfID))})
		v.put(seg)
	default:
		if p.mode == Location {
			keep() // IPTC, comments, makers' data: no coordinates
		} else {
			drop()
		}
	}
	return nil
}

// dropLocatedExtendedXMP leaves out the chunks of each extended XMP packet
// that says where the photo was taken (its chunks read together: a
// property may be cut between two).
func (p *jpegPlan) dropLocatedExtendedXMP() error {
	for _, x := range p.extended {
		found, err := blankXMPLocation(x.packet)
		if err != nil {
			return err
		}
		if !found {
			continue
		}
		p.v.changed = true
		for _, i := range x.pieces {
			p.v.size -= int64(len(p.v.pieces[i].data))
			p.v.pieces[i].data = []byte{}
		}
	}
	return nil
}

// padRun is where the zeros and 0xFFs from off end: at a picture's start
// (FF D8), another byte, or the file's end.
func padRun(f io.ReaderAt, off, size int64) int64 {
	buf := make([]byte, 64<<10)
	for off < size {
		k, _ := f.ReadAt(buf[:min(int64(len(buf)), size-off)], off)
		if k == 0 {
			return off
		}
		for i := range k {
			switch {
			case buf[i] == 0:
			case buf[i] == 0xFF && (i+1 < k && buf[i+1] == 0xD8 || i+1 == k && isSOI(f, off+int64(i), size)):
				return off + int64(i)
			case buf[i] == 0xFF:
			default:
				return off + int64(i)
			}
		}
		off += int64(k)
	}
	return size
}

// fillRun is how many bytes from off-1 are 0xFF (off-1 is).
func fillRun(f io.ReaderAt, off, size int64) int64 {
	n := int64(1)
	buf := make([]byte, 64<<10)
	for off < size {
		k, _ := f.ReadAt(buf[:min(int64(len(buf)), size-off)], off)
		if k == 0 {
			break
		}
		i := 0
		for i < k && buf[i] == 0xFF {
			i++
		}
		n += int64(i)
		if i < k {
			break
		}
		off += int64(k)
	}
	return n
}

// scanEnd finds where a scan's entropy-coded data that starts at off ends:
// the next marker that is not a stuffed 0xFF or a restart, or the file's
// end for a picture cut short.
func scanEnd(f io.ReaderAt, off, size int64) (int64, error) {
	buf := make([]byte, 64<<10)
	for off < size {
		n, err := f.ReadAt(buf[:min(int64(len(buf)), size-off)], off)
		if n == 0 {
			if err == nil || err == io.EOF {
				return 0, ErrDamaged
			}
			return 0, err
		}
		for i := 0; i < n; i++ {
			if buf[i] != 0xFF {
				continue
			}
			if i+1 == n { // the byte after it is in the next read
				if i == 0 {
					break
				}
				n = i
				break
			}
			if m := buf[i+1]; m != 0 && (m < 0xD0 || m > 0xD7) && m != 0xFF {
				return off + int64(i), nil
			}
		}
		off += int64(n)
	}
	return size, nil // no end: a cut file, sent as it is
}

// jpegSegment is a segment with marker and payload.
func jpegSegment(marker byte, payload []byte) []byte {
	s := make([]byte, 4, 4+len(payload))
	s[0], s[1] = 0xFF, marker
	binary.BigEndian.PutUint16(s[2:], uint16(len(payload)+2))
	return append(s, payload...)
}

// moveMPF sets each multi-picture index's offsets to where the pictures
// are in what is sent.
func (p *jpegPlan) moveMPF() error {
	if len(p.mpfs) == 0 || !p.v.changed {
		return nil
	}
	// Where each piece starts in what is sent.
	starts := make([]int64, len(p.v.pieces))
	var at int64
	for i, pc := range p.v.pieces {
		starts[i] = at
		if pc.data != nil {
			at += int64(len(pc.data))
		} else {
			at += pc.n
		}
	}
	sent := func(orig int64) (int64, bool) { // a kept byte's place in what is sent
		for i, pc := range p.v.pieces {
			if pc.data == nil && orig >= pc.off && orig < pc.off+pc.n {
				return starts[i] + orig - pc.off, true
			}
		}
		return 0, false
	}
	for _, m := range p.mpfs {
		seg := append([]byte(nil), m.seg...)
		b := seg[4+len(mpfID):]
		from := starts[m.piece] + 4 + int64(len(mpfID))
		if err := eachMPFOffset(b, func(o int64) (int64, error) {
			to, ok := sent(m.from + o)
			if !ok || to <= from {
				return 0, ErrDamaged
			}
			return to - from, nil
		}); err != nil {
			return err
		}
		p.v.pieces[m.piece].data = seg
	}
	return nil
}

// eachMPFOffset sets each later picture's offset o in a multi-picture
// index's TIFF structure b to move(o).
func eachMPFOffset(b []byte, move func(int64) (int64, error)) error {
	order, ok := exif.ByteOrder(b)
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
		for q := at; q < at+count; q += 16 {
			if o := int64(order.Uint32(b[q+8:])); o != 0 { // 0: the first picture, this one
				moved, err := move(o)
				if err != nil {
					return err
				}
				order.PutUint32(b[q+8:], uint32(moved))
			}
		}
	}
	return nil
}
