//go:build windows

package uploader

import (
	"context"
	"strings"
	"testing"

	"golang.org/x/sys/windows"
)

// TestFileHeldByAnotherProgram: a file another program holds open without
// sharing it fails with words for that, not "cannot read the file: The
// process cannot access the file…".
func TestFileHeldByAnotherProgram(t *testing.T) {
	srv := newTestServer(t)
	p := writeFiles(t, t.TempDir(), 1, 1000)[0]
	name, _ := windows.UTF16PtrFromString(p)
	h, err := windows.CreateFile(name, windows.GENERIC_READ|windows.GENERIC_WRITE, 0, nil, windows.OPEN_EXISTING, windows.FILE_ATTRIBUTE_NORMAL, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer windows.CloseHandle(h)
	_, err = newClient(t, srv).Upload(context.Background(), Request{Path: p, FileName: "held.jpg", Size: 1000, Fields: DefaultFields()}, nil)
	if x := Explain(err); x.Kind != "file" || !strings.Contains(x.Message, "another program has the file open") {
		t.Errorf("%+v", x)
	}
}
