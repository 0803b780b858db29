package strip

import "regexp"

// XMP says where a photo was taken in properties named GPS… (exif:GPSLatitude,
// drone-dji:GpsLatitude, …), as attributes or as elements. They are blanked
// with spaces, which XML passes over, so the packet keeps its length.
var (
	xmpGPSAttr    = regexp.MustCompile(`\s[A-Za-z_][\w.-]*:(?i:gps)[\w.-]*\s*=\s*("[^"]*"|'[^']*')`)
	xmpGPSElement = regexp.MustCompile(`(?s)<([A-Za-z_][\w.-]*):(?i:gps)[\w.-]*(\s[^>]*)?(/>|>.*?</[A-Za-z_][\w.-]*:(?i:gps)[\w.-]*\s*>)`)
)

// blankXMPLocation blanks b's GPS properties in place, and says whether it
// found any.
func blankXMPLocation(b []byte) bool {
	found := false
	for _, re := range []*regexp.Regexp{xmpGPSElement, xmpGPSAttr} {
		for _, m := range re.FindAllIndex(b, -1) {
			for i := m[0]; i < m[1]; i++ {
				b[i] = ' '
			}
			found = true
		}
	}
	return found
}
