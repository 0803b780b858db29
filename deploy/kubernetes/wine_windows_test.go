//go:build windows

package kubernetes

import _ "imagekit-uploader/internal/winetest" // wine 8's quirks, under wine only
