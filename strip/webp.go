package strip

import (
	"bytes"
	"encoding/binary"
	"io"

	"imagekit-uploader/exif"
)

// An extended WebP (a VP8X chunk first) keeps its metadata in EXIF and
// "XMP " chunks, and says in VP8X's flags that they are there. A simple
// WebP has none.

const (
	webpEXIFFlag = 0x08
	webpXMPFlag  = 0x04
)

func planWebP(v *View, f io.ReaderAt, size int64, mode Mode) error {
	h, err := readAt(f, 0, 12, size)
	if err != nil {
		return err
	}
	riffEnd := 8 + int64(binary.LittleEndian.Uint32(h[4:]))
	if riffEnd > size {
		return ErrDamaged
	}
	v.pieces = append(v.pieces, piece{}) // the RIFF header's place: its size is known last
	var vp8x []byte
	off := int64(12)
	for off < riffEnd {
		ch, err := readAt(f, off, 8, size)
		if err != nil {
			return err
		}
		typ := string(ch[:4])
		n := int64(binary.LittleEndian.Uint32(ch[4:]))
		end := off + 8 + n + n%2
		if end > riffEnd+1 || end > size { // a last odd chunk may lack its pad byte
			return ErrDamaged
		}
		end = min(end, riffEnd)
		switch typ {
		case "VP8X":
			if vp8x, err = readAt(f, off, end-off, size); err != nil || len(vp8x) < 9 {
				return ErrDamaged
			}
			v.put(vp8x) // its flags may change below
		case "EXIF":
			data, err := readAt(f, off+8, n, size)
			if err != nil {
				return err
			}
			tiff := bytes.TrimPrefix(data, exifID) // some writers add JPEG's prefix
			if mode == All {
				v.changed = true
				if o := exif.Orientation(tiff); o != 0 {
					v.put(webpChunk("EXIF", exif.OrientationOnly(o)))
				} else if vp8x != nil {
					vp8x[8] &^= webpEXIFFlag
				}
				break
			}
			removed, err := exif.RemoveGPS(tiff)
			if err != nil {
				return ErrDamaged
			}
			if removed {
				v.changed = true
				v.put(webpChunk(typ, data))
			} else {
				v.keep(off, end-off)
			}
		case "XMP ":
			data, err := readAt(f, off+8, n, size)
			if err != nil {
				return err
			}
			if mode == All {
				v.changed = true
				if vp8x != nil {
					vp8x[8] &^= webpXMPFlag
				}
				break
			}
			found, err := blankXMPLocation(data)
			if err != nil {
				return err
			}
			if found {
				v.changed = true
				v.put(webpChunk(typ, data))
			} else {
				v.keep(off, end-off)
			}
		default:
			v.keep(off, end-off)
		}
		off = end
	}
	v.keep(riffEnd, size-riffEnd) // whatever follows is the file's
	// The RIFF header, with the size of what is sent.
	hdr := append([]byte(nil), h...)
	binary.LittleEndian.PutUint32(hdr[4:], uint32(4+v.size-(size-riffEnd))) // "WEBP" and the chunks
	v.pieces[0] = piece{data: hdr}
	v.size += 12
	return nil
}

// webpChunk is a chunk of type typ holding data, padded to an even size.
func webpChunk(typ string, data []byte) []byte {
	c := make([]byte, 8, 9+len(data))
	copy(c, typ)
	binary.LittleEndian.PutUint32(c[4:], uint32(len(data)))
	c = append(c, data...)
	if len(data)%2 == 1 {
		c = append(c, 0)
	}
	return c
}
