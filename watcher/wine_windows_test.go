//go:build windows

package watcher

import _ "imagekit-uploader/internal/winetest" // wine 8's quirks, under wine only
