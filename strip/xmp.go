package strip

import (
	"bytes"
	"encoding/xml"
	"io"
	"regexp"
	"strings"
)

// XMP says where a photo was taken in properties named GPS… (exif:GPSLatitude,
// drone-dji:GpsLatitude, …), as elements (with a prefix or in a default
// namespace, nested or not) and as attributes. They are blanked with
// spaces, which XML passes over, so the packet keeps its length and every
// offset around it holds.

var (
	xmpGPSAttr = regexp.MustCompile(`\s(?:[A-Za-z_][\w.-]*:)?(?i:gps)[\w.-]*\s*=\s*("[^"]*"|'[^']*')`)
	// For packets that are not XML (old writers' Latin-1, stray control
	// bytes): elements named GPS…, to their close, and what is left of
	// GPS anywhere.
	xmpGPSElement  = regexp.MustCompile(`(?s)<((?:[A-Za-z_][\w.-]*:)?(?i:gps)[\w.-]*)[\s/>].*?(?:</([A-Za-z_][\w.-]*:)?(?i:gps)[\w.-]*\s*>|/>)`)
	xmpGPSAnywhere = regexp.MustCompile(`(?i)gps`)
)

func isGPSName(local string) bool { return strings.HasPrefix(strings.ToLower(local), "gps") }

// blankXMPLocation blanks b's GPS properties in place, and says whether it
// found any. A packet that is not well-formed XML cannot be read for them,
// and is ErrDamaged.
func blankXMPLocation(b []byte) (bool, error) {
	// The packet may sit in padding, or end in NULs some writers leave.
	body := bytes.TrimRight(b, "\x00")
	dec := xml.NewDecoder(bytes.NewReader(body))
	dec.Strict = false // an undeclared entity or prefix is no reason to keep a location
	found := false
	for {
		start := dec.InputOffset()
		tok, err := dec.RawToken()
		if err == io.EOF {
			return found, nil
		}
		if err != nil {
			return blankNotXML(body)
		}
		el, ok := tok.(xml.StartElement)
		if !ok {
			continue
		}
		tagEnd := dec.InputOffset()
		if isGPSName(el.Name.Local) {
			if err := skipElement(dec); err != nil {
				return found, err
			}
			blank(body[start:dec.InputOffset()])
			found = true
			continue
		}
		for _, a := range el.Attr {
			if isGPSName(a.Name.Local) {
				for _, m := range xmpGPSAttr.FindAllIndex(body[start:tagEnd], -1) {
					blank(body[start+int64(m[0]) : start+int64(m[1])])
				}
				found = true
				break
			}
		}
	}
}

// blankNotXML blanks the location in a packet that is not well-formed XML,
// by pattern: attributes and elements named GPS…, the outermost of nested
// ones taking what is inside. Where the word is still there after, the
// packet cannot be said to be clean: ErrDamaged.
func blankNotXML(b []byte) (bool, error) {
	found := false
	for _, re := range []*regexp.Regexp{xmpGPSElement, xmpGPSAttr} {
		for _, m := range re.FindAllIndex(b, -1) {
			blank(b[m[0]:m[1]])
			found = true
		}
	}
	if xmpGPSAnywhere.Match(b) {
		return found, ErrDamaged
	}
	return found, nil
}

// skipElement reads to the end of the element whose start was just read.
func skipElement(dec *xml.Decoder) error {
	for depth := 1; depth > 0; {
		tok, err := dec.RawToken()
		if err != nil {
			return ErrDamaged
		}
		switch tok.(type) {
		case xml.StartElement:
			depth++
		case xml.EndElement:
			depth--
		}
	}
	return nil
}

func blank(b []byte) {
	for i := range b {
		b[i] = ' '
	}
}
