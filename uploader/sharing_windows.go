//go:build windows

package uploader

import (
	"errors"

	"golang.org/x/sys/windows"
)

// heldByAnother says whether err is Windows refusing to share a file that
// another program has open (a photo editor still saving it).
func heldByAnother(err error) bool {
	return errors.Is(err, windows.ERROR_SHARING_VIOLATION) || errors.Is(err, windows.ERROR_LOCK_VIOLATION)
}
