// Package winetest works around what wine 8 (Debian 12's) lacks when the
// Windows build's tests run under it (scripts/windows-test.sh). Each
// package's tests import it for its side effect; on other systems, and on
// Windows itself, it does nothing.
package winetest
