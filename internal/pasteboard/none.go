//go:build !windows && !(darwin && cgo) && !(linux && cgo)

package pasteboard

import "time"

// Read: no clipboard is read in this build.
func Read(time.Duration) (Contents, error) { return Contents{}, ErrUnavailable }
