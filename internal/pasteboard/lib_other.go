//go:build windows || (darwin && cgo)

package pasteboard

import (
	"sync"
	"time"

	"golang.design/x/clipboard"
)

var initOnce = sync.OnceValue(clipboard.Init)

// Read reads what was copied: files (Windows' Explorer), an image, or text.
func Read(time.Duration) (Contents, error) {
	if err := initOnce(); err != nil {
		return Contents{}, ErrUnavailable
	}
	if files := copiedFiles(); len(files) > 0 {
		return Contents{Files: files}, nil
	}
	if img := clipboard.Read(clipboard.FmtImage); len(img) > 0 {
		return Contents{Image: img}, nil
	}
	return Contents{Text: string(clipboard.Read(clipboard.FmtText))}, nil
}
