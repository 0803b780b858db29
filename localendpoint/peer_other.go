//go:build !linux

package localendpoint

import "net/http"

// fromThisUser: elsewhere the system does not say who connected over
// loopback TCP; the optional secret is there for shared machines.
func fromThisUser(*http.Request) bool { return true }
