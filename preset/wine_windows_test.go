//go:build windows

package preset

import _ "imagekit-uploader/internal/winetest" // wine 8's quirks, under wine only
