//go:build windows

package pasteboard

import _ "imagekit-uploader/internal/winetest" // wine 8's quirks, under wine only
