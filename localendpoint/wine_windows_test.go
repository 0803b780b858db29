//go:build windows

package localendpoint

import _ "imagekit-uploader/internal/winetest" // wine 8's quirks, under wine only
