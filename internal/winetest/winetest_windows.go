//go:build windows

package winetest

import (
	"os"
	_ "unsafe" // go:linkname
)

// deleteatFallback is the standard library's switch to delete files the
// way older Windows versions do. Wine 8 answers the newer way
// (FileDispositionInformationEx) with STATUS_NOT_IMPLEMENTED, which Go
// takes for a failure, not for "use the old way": every os.RemoveAll, and
// so every t.TempDir's cleanup, fails with "Invalid function". Set under
// wine only (scripts/windows-test.sh sets IKU_UNDER_WINE and links with
// -checklinkname=0); wine 9 answers STATUS_INVALID_INFO_CLASS, and Go
// falls back on its own, so this can go with wine 8.
//
//go:linkname deleteatFallback internal/syscall/windows.TestDeleteatFallback
var deleteatFallback bool

func init() {
	if os.Getenv("IKU_UNDER_WINE") != "" {
		deleteatFallback = true
	}
}
