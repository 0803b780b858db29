package strip

import (
	"bytes"
	"compress/zlib"
	"encoding/binary"
	"hash/crc32"
	"io"

	"imagekit-uploader/exif"
)

// A PNG's metadata is in chunks of its own: eXIf (EXIF), iTXt, tEXt and zTXt
// (texts, XMP among them), tIME. The colour chunks (iCCP, sRGB, gAMA, cHRM,
// cICP) and the image's are sent as they are.

// textChunks are dropped by All.
var textChunks = map[string]bool{"tEXt": true, "zTXt": true, "iTXt": true, "tIME": true, "eXIf": true}

func planPNG(v *View, f io.ReaderAt, size int64, mode Mode) error {
	v.keep(0, 8)
	off := int64(8)
	for off < size {
		h, err := readAt(f, off, 8, size)
		if err != nil {
			return err
		}
		n := int64(binary.BigEndian.Uint32(h))
		typ := string(h[4:8])
		end := off + 12 + n
		if n > 1<<31-1 || end > size {
			return ErrDamaged
		}
		if typ == "IDAT" || typ == "IEND" || !textChunks[typ] {
			v.keep(off, end-off)
			if typ == "IEND" {
				v.keep(end, size-end) // whatever follows is the file's
				return nil
			}
			off = end
			continue
		}
		data, err := readAt(f, off+8, n, size)
		if err != nil {
			return err
		}
		if mode == All {
			v.changed = true
			if typ == "eXIf" {
				if o := exif.Orientation(data); o != 0 {
					v.put(pngChunk("eXIf", exif.OrientationOnly(o)))
				}
			}
			off = end
			continue
		}
		switch {
		case typ == "eXIf":
			removed, err := exif.RemoveGPS(data)
			if err != nil {
				return ErrDamaged
			}
			if removed {
				v.changed = true
				v.put(pngChunk(typ, data))
			} else {
				v.keep(off, end-off)
			}
		case bytes.HasPrefix(data, []byte("XML:com.adobe.xmp\x00")): // iTXt as the spec says, tEXt or zTXt as some write
			changed, err := blankXMPChunk(typ, data)
			if err != nil {
				return err
			}
			if changed != nil {
				v.changed = true
				v.put(pngChunk(typ, changed))
			} else {
				v.keep(off, end-off)
			}
		case (typ == "tEXt" || typ == "zTXt") && bytes.HasPrefix(data, []byte("Raw profile type ")):
			// ImageMagick's copy of the EXIF or XMP data, in hex:
			// dropped with its coordinates.
			v.changed = true
		default:
			v.keep(off, end-off)
		}
		off = end
	}
	return ErrDamaged // no IEND
}

// blankXMPChunk blanks the location in a text chunk's XMP: the chunk's
// new data, or nil when there was none.
func blankXMPChunk(typ string, data []byte) ([]byte, error) {
	k := bytes.IndexByte(data, 0)
	var textAt int
	var compressed bool
	switch typ {
	case "tEXt": // keyword \0 text
		textAt = k + 1
	case "zTXt": // keyword \0 method, compressed text
		textAt, compressed = k+2, true
	default: // iTXt: keyword \0 compressed method language \0 translated keyword \0 text
		if k+3 > len(data) {
			return nil, ErrDamaged
		}
		compressed = data[k+1] == 1
		rest := data[k+3:]
		l := bytes.IndexByte(rest, 0)
		if l < 0 {
			return nil, ErrDamaged
		}
		t := bytes.IndexByte(rest[l+1:], 0)
		if t < 0 {
			return nil, ErrDamaged
		}
		textAt = k + 3 + l + 1 + t + 1
	}
	if textAt > len(data) {
		return nil, ErrDamaged
	}
	if !compressed {
		found, err := blankXMPLocation(data[textAt:])
		if err != nil || !found {
			return nil, err
		}
		return data, nil
	}
	zr, err := zlib.NewReader(bytes.NewReader(data[textAt:]))
	if err != nil {
		return nil, ErrDamaged
	}
	text, err := io.ReadAll(io.LimitReader(zr, 64<<20+1))
	if err != nil || len(text) > 64<<20 { // not read whole: what it holds is not known
		return nil, ErrDamaged
	}
	found, err := blankXMPLocation(text)
	if err != nil || !found {
		return nil, err
	}
	var out bytes.Buffer
	out.Write(data[:textAt])
	zw := zlib.NewWriter(&out)
	zw.Write(text)
	zw.Close()
	return out.Bytes(), nil
}

// pngChunk is a chunk of type typ holding data, with its CRC.
func pngChunk(typ string, data []byte) []byte {
	c := make([]byte, 8, 12+len(data))
	binary.BigEndian.PutUint32(c, uint32(len(data)))
	copy(c[4:], typ)
	c = append(c, data...)
	return binary.BigEndian.AppendUint32(c, crc32.ChecksumIEEE(c[4:]))
}
