// Package jpegdc decodes a JPEG at an eighth of its size from the DC
// coefficients alone: each 8 × 8 block's average. No inverse DCT runs and
// no full-size image is made, so a 24-megapixel photo becomes a 750 × 500
// preview in a fraction of the time and memory a full decode takes, which
// is what a row's thumbnail needs. Baseline and progressive Huffman JPEGs
// with one (grey) or three (YCbCr) components are read; others (CMYK,
// arithmetic coding, lossless) are ErrUnsupported, for the full decoder.
package jpegdc

import (
	"errors"
	"image"
	"image/color"
	"io"
)

// ErrUnsupported is a JPEG this package does not read.
var ErrUnsupported = errors.New("jpegdc: unsupported JPEG")

// ErrFormat is data that is not a well-formed JPEG.
var ErrFormat = errors.New("jpegdc: not a valid JPEG")

type component struct {
	id, h, v, tq int
	dc           []int32 // the blocks' DC coefficients, row by row
	bw, bh       int     // blocks across and down
	done         bool    // its first DC scan was read
}

type huffman struct {
	lut    [1 << lutBits]uint16 // code length << 8 | symbol, for codes of at most lutBits
	maxode [18]int32            // the largest code of each length, or -1
	valPtr [17]int32
	minode [17]int32
	vals   []byte
}

const lutBits = 9

type decoder struct {
	data     []byte // the file
	pos      int    // where reading is
	width    int
	height   int
	progress bool
	comps    []component
	hmax     int
	vmax     int
	quant    [4][64]int32
	dcTables [4]*huffman
	acTables [4]*huffman
	ri       int
	rgb      bool // Adobe's transform 0, or components named R, G, B: not YCbCr
	past     int  // zero bytes fed after the data ended (a marker, or the end)
	// the bit reader over the entropy-coded data: the next bits at the top
	bits   uint64
	nbits  uint
	marker byte // a marker met in the data: no more bits until it is passed
}

// MaxPixels bounds the image a header may declare: what the thumbnails
// decode at most (64 megapixels).
const MaxPixels = 64_000_000

// Decode reads the JPEG from r and returns it at an eighth of its size
// (each side rounded up).
func Decode(r io.Reader) (image.Image, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, err
	}
	return DecodeBytes(data)
}

// DecodeBytes is Decode of a JPEG in memory.
func DecodeBytes(data []byte) (image.Image, error) {
	d := &decoder{data: data}
	if err := d.decode(); err != nil {
		return nil, err
	}
	return d.image(), nil
}

func (d *decoder) u8() (byte, error) {
	if d.pos >= len(d.data) {
		return 0, io.ErrUnexpectedEOF
	}
	d.pos++
	return d.data[d.pos-1], nil
}

func (d *decoder) segment() ([]byte, error) {
	if d.pos+2 > len(d.data) {
		return nil, ErrFormat
	}
	n := int(d.data[d.pos])<<8 | int(d.data[d.pos+1])
	if n < 2 || d.pos+n > len(d.data) {
		return nil, ErrFormat
	}
	b := d.data[d.pos+2 : d.pos+n]
	d.pos += n
	return b, nil
}

func (d *decoder) decode() error {
	if a, _ := d.u8(); a != 0xFF {
		return ErrFormat
	}
	if b, _ := d.u8(); b != 0xD8 {
		return ErrFormat
	}
	var marker byte
	for {
		if marker == 0 {
			// The next marker: 0xFF, fill bytes, its code.
			b, err := d.u8()
			if err != nil {
				return ErrFormat
			}
			if b != 0xFF {
				continue // bytes between segments, as some writers leave
			}
			for b == 0xFF {
				if b, err = d.u8(); err != nil {
					return ErrFormat
				}
			}
			if b == 0 {
				continue
			}
			marker = b
		}
		m := marker
		marker = 0
		switch {
		case m == 0xD9: // EOI
			return d.finished()
		case m >= 0xD0 && m <= 0xD7:
		case m == 0xC0 || m == 0xC1 || m == 0xC2:
			seg, err := d.segment()
			if err != nil {
				return err
			}
			if err := d.frame(seg, m == 0xC2); err != nil {
				return err
			}
		case m >= 0xC3 && m <= 0xCF && m != 0xC4 && m != 0xC8 && m != 0xCC:
			return ErrUnsupported // lossless, hierarchical, arithmetic
		case m == 0xC4:
			seg, err := d.segment()
			if err != nil {
				return err
			}
			if err := d.tables(seg); err != nil {
				return err
			}
		case m == 0xDB:
			seg, err := d.segment()
			if err != nil {
				return err
			}
			if err := d.quantTables(seg); err != nil {
				return err
			}
		case m == 0xEE: // Adobe: its transform 0 says the colours are RGB
			seg, err := d.segment()
			if err != nil {
				return err
			}
			if len(seg) >= 12 && string(seg[:5]) == "Adobe" && seg[11] == 0 {
				d.rgb = true
			}
		case m == 0xDD:
			seg, err := d.segment()
			if err != nil || len(seg) < 2 {
				return ErrFormat
			}
			d.ri = int(seg[0])<<8 | int(seg[1])
		case m == 0xDA:
			seg, err := d.segment()
			if err != nil {
				return err
			}
			next, err := d.scan(seg)
			if err != nil {
				return err
			}
			if d.allDone() {
				return nil // every component's DC is known: the rest is detail
			}
			marker = next
		default:
			if _, err := d.segment(); err != nil {
				return err
			}
		}
	}
}

func (d *decoder) allDone() bool {
	for _, c := range d.comps {
		if !c.done {
			return false
		}
	}
	return len(d.comps) > 0
}

func (d *decoder) finished() error {
	if !d.allDone() {
		return ErrFormat
	}
	return nil
}

func (d *decoder) frame(seg []byte, progressive bool) error {
	if d.comps != nil || len(seg) < 6 || seg[0] != 8 {
		return ErrUnsupported // 12-bit, or two frames
	}
	d.progress = progressive
	d.height, d.width = int(seg[1])<<8|int(seg[2]), int(seg[3])<<8|int(seg[4])
	n := int(seg[5])
	if (n != 1 && n != 3) || len(seg) < 6+3*n {
		return ErrUnsupported
	}
	if d.width == 0 || d.height == 0 || int64(d.width)*int64(d.height) > MaxPixels {
		return ErrFormat
	}
	d.comps = make([]component, n)
	for i := range d.comps {
		c := &d.comps[i]
		c.id, c.h, c.v, c.tq = int(seg[6+3*i]), int(seg[7+3*i]>>4), int(seg[7+3*i]&15), int(seg[8+3*i]&3)
		if c.h < 1 || c.h > 4 || c.v < 1 || c.v > 4 {
			return ErrFormat
		}
		d.hmax, d.vmax = max(d.hmax, c.h), max(d.vmax, c.v)
	}
	if n == 3 && seg[6] == 'R' && seg[9] == 'G' && seg[12] == 'B' {
		d.rgb = true
	}
	if n == 1 { // one component is never interleaved: its blocks are its own
		d.comps[0].h, d.comps[0].v, d.hmax, d.vmax = 1, 1, 1, 1
	}
	mcux, mcuy := ceilDiv(d.width, 8*d.hmax), ceilDiv(d.height, 8*d.vmax)
	for i := range d.comps {
		c := &d.comps[i]
		c.bw, c.bh = mcux*c.h, mcuy*c.v // whole MCUs: what interleaved scans hold
		c.dc = make([]int32, c.bw*c.bh)
	}
	return nil
}

func (d *decoder) quantTables(seg []byte) error {
	for len(seg) > 0 {
		pq, tq := seg[0]>>4, seg[0]&3
		size := 65
		if pq == 1 {
			size = 129
		}
		if len(seg) < size {
			return ErrFormat
		}
		for k := range 64 {
			if pq == 1 {
				d.quant[tq][k] = int32(seg[1+2*k])<<8 | int32(seg[2+2*k])
			} else {
				d.quant[tq][k] = int32(seg[1+k])
			}
		}
		seg = seg[size:]
	}
	return nil
}

func (d *decoder) tables(seg []byte) error {
	for len(seg) > 0 {
		if len(seg) < 17 {
			return ErrFormat
		}
		tc, th := seg[0]>>4, seg[0]&3
		var counts [16]int
		total := 0
		for i := range 16 {
			counts[i] = int(seg[1+i])
			total += counts[i]
		}
		if total > 256 || len(seg) < 17+total {
			return ErrFormat
		}
		h := &huffman{vals: append([]byte(nil), seg[17:17+total]...)}
		code, k := int32(0), int32(0)
		for l := 1; l <= 16; l++ {
			h.valPtr[l] = k
			h.minode[l] = code
			for range counts[l-1] {
				if code >= 1<<l {
					return ErrFormat // more codes than the length holds
				}
				if l <= lutBits {
					shift := lutBits - l
					for j := range int32(1) << shift {
						h.lut[code<<shift|j] = uint16(l)<<8 | uint16(h.vals[k])
					}
				}
				code++
				k++
			}
			h.maxode[l] = code - 1
			if counts[l-1] == 0 {
				h.maxode[l] = -1
			}
			code <<= 1
		}
		h.maxode[17] = 1 << 30
		if tc == 0 {
			d.dcTables[th] = h
		} else {
			d.acTables[th] = h
		}
		seg = seg[17+total:]
	}
	return nil
}

// refill tops the bit buffer up to at least 56 bits; past the data (a
// marker) zeros come.
func (d *decoder) refill() {
	for d.nbits <= 56 {
		var b byte
		if d.marker == 0 {
			if d.pos >= len(d.data) {
				d.marker = 0xD9
			} else if b = d.data[d.pos]; b != 0xFF {
				d.pos++
			} else {
				p := d.pos + 1
				for p < len(d.data) && d.data[p] == 0xFF {
					p++
				}
				switch {
				case p >= len(d.data):
					d.marker, b = 0xD9, 0
				case d.data[p] == 0:
					d.pos = p + 1 // a stuffed 0xFF
				default:
					d.marker, b = d.data[p], 0
					d.pos = p + 1
				}
			}
		}
		if d.marker != 0 {
			d.past++
		}
		d.bits |= uint64(b) << (56 - d.nbits)
		d.nbits += 8
	}
}

// ranOut says whether the bits left are only the zeros fed after the data
// ended: a cut file, or one whose codes claim more than it holds.
func (d *decoder) ranOut() bool { return d.marker != 0 && int(d.nbits) <= 8*d.past }

// receive takes n (≤ 16) bits; the caller made sure they are there.
func (d *decoder) receive(n uint) int32 {
	if n == 0 {
		return 0
	}
	v := int32(d.bits >> (64 - n))
	d.bits <<= n
	d.nbits -= n
	return v
}

func extend(v int32, n uint) int32 {
	if n > 0 && v < 1<<(n-1) {
		return v - 1<<n + 1
	}
	return v
}

func (d *decoder) huff(h *huffman) (byte, error) {
	if h == nil {
		return 0, ErrFormat
	}
	if e := h.lut[d.bits>>(64-lutBits)]; e != 0 {
		n := uint(e >> 8)
		d.bits <<= n
		d.nbits -= n
		return byte(e), nil
	}
	for l := uint(lutBits + 1); l <= 16; l++ {
		code := int32(d.bits >> (64 - l))
		if code <= h.maxode[l] {
			d.bits <<= l
			d.nbits -= l
			i := h.valPtr[l] + code - h.minode[l]
			if int(i) >= len(h.vals) {
				return 0, ErrFormat
			}
			return h.vals[i], nil
		}
	}
	return 0, ErrFormat
}

// scan reads one scan: the DC coefficients where it holds a component's
// first, and the rest only to pass over it. It returns the marker after.
func (d *decoder) scan(seg []byte) (byte, error) {
	if d.comps == nil || len(seg) < 1 {
		return 0, ErrFormat
	}
	ns := int(seg[0])
	if ns < 1 || ns > 4 || len(seg) < 1+2*ns+3 {
		return 0, ErrFormat
	}
	var in []*component
	var dcT, acT []*huffman
	for i := range ns {
		id, tables := int(seg[1+2*i]), seg[2+2*i]
		var c *component
		for j := range d.comps {
			if d.comps[j].id == id {
				c = &d.comps[j]
			}
		}
		if c == nil {
			return 0, ErrFormat
		}
		in = append(in, c)
		dcT, acT = append(dcT, d.dcTables[tables>>4&3]), append(acT, d.acTables[tables&3])
	}
	ss, se, ah, al := int(seg[1+2*ns]), min(int(seg[2+2*ns]), 63), int(seg[3+2*ns]>>4), int(seg[3+2*ns]&15)
	firstDC := ss == 0 && ah == 0
	for _, c := range in {
		if c.done {
			firstDC = false
		}
	}
	if d.progress && !firstDC {
		return d.skipData()
	}
	if !d.progress {
		ss, se, al = 0, 63, 0
	}
	d.bits, d.nbits, d.marker, d.past = 0, 0, 0, 0
	preds := make([]int32, len(in))
	block := func(i int, c *component, bx, by int) error {
		if d.nbits < 32 {
			d.refill()
		}
		t, err := d.huff(dcT[i])
		if err != nil {
			return err
		}
		if t > 16 {
			return ErrFormat
		}
		preds[i] += extend(d.receive(uint(t)), uint(t))
		if bx < c.bw && by < c.bh {
			c.dc[by*c.bw+bx] = preds[i] << al
		}
		for k := max(ss, 1); k <= se; k++ { // the AC coefficients, passed over
			if d.nbits < 32 {
				d.refill()
			}
			rs, err := d.huff(acT[i])
			if err != nil {
				return err
			}
			r, s := int(rs>>4), int(rs&15)
			if s == 0 {
				if r != 15 {
					break
				}
				k += 15
				continue
			}
			k += r
			d.bits <<= uint(s)
			d.nbits -= uint(s)
		}
		return nil
	}
	var units, unitsX int // MCUs, or a lone component's blocks
	if len(in) == 1 {
		c := in[0]
		unitsX = ceilDiv(ceilDiv(d.width*c.h, d.hmax), 8)
		units = unitsX * ceilDiv(ceilDiv(d.height*c.v, d.vmax), 8)
	} else {
		unitsX = ceilDiv(d.width, 8*d.hmax)
		units = unitsX * ceilDiv(d.height, 8*d.vmax)
	}
	for u := range units {
		if d.ri > 0 && u > 0 && u%d.ri == 0 {
			if d.marker == 0 && d.pos >= len(d.data) {
				return 0, ErrFormat
			}
			// A restart: the bits end, the marker is passed, prediction starts again.
			for d.marker == 0 {
				d.bits, d.nbits = 0, 0
				d.refill()
			}
			if d.marker < 0xD0 || d.marker > 0xD7 {
				return 0, ErrFormat
			}
			d.bits, d.nbits, d.marker, d.past = 0, 0, 0, 0
			clear(preds)
		} else if u > 0 && d.ranOut() {
			return 0, ErrFormat // no data left for this unit
		}
		ux, uy := u%unitsX, u/unitsX
		if len(in) == 1 {
			if err := block(0, in[0], ux, uy); err != nil {
				return 0, err
			}
			continue
		}
		for i, c := range in {
			for y := range c.v {
				for x := range c.h {
					if err := block(i, c, ux*c.h+x, uy*c.v+y); err != nil {
						return 0, err
					}
				}
			}
		}
	}
	for _, c := range in {
		c.done = true
	}
	if d.marker != 0 {
		return d.marker, nil
	}
	return d.skipData()
}

// skipData passes over entropy-coded data to the next marker, and returns it.
func (d *decoder) skipData() (byte, error) {
	if d.marker != 0 && (d.marker < 0xD0 || d.marker > 0xD7) {
		m := d.marker
		d.marker = 0
		return m, nil
	}
	d.marker = 0
	for {
		b, err := d.u8()
		if err != nil {
			return 0, ErrFormat
		}
		if b != 0xFF {
			continue
		}
		for b == 0xFF {
			if b, err = d.u8(); err != nil {
				return 0, ErrFormat
			}
		}
		if b != 0 && (b < 0xD0 || b > 0xD7) {
			return b, nil
		}
	}
}

// image makes the eighth-size picture from the DC coefficients.
func (d *decoder) image() image.Image {
	w, h := ceilDiv(d.width, 8), ceilDiv(d.height, 8)
	level := func(c *component, x, y int) uint8 {
		bx, by := x*c.h/d.hmax, y*c.v/d.vmax
		v := c.dc[min(by, c.bh-1)*c.bw+min(bx, c.bw-1)]*d.quant[c.tq][0]/8 + 128
		return uint8(min(max(v, 0), 255))
	}
	if len(d.comps) == 1 {
		img := image.NewGray(image.Rect(0, 0, w, h))
		for y := range h {
			for x := range w {
				img.Pix[y*img.Stride+x] = level(&d.comps[0], x, y)
			}
		}
		return img
	}
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			r, g, b := level(&d.comps[0], x, y), level(&d.comps[1], x, y), level(&d.comps[2], x, y)
			if !d.rgb {
				r, g, b = color.YCbCrToRGB(r, g, b)
			}
			i := y*img.Stride + 4*x
			img.Pix[i], img.Pix[i+1], img.Pix[i+2], img.Pix[i+3] = r, g, b, 255
		}
	}
	return img
}

func ceilDiv(a, b int) int { return (a + b - 1) / b }
