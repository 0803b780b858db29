package pasteboard

import (
	"syscall"
	"unsafe"
)

var (
	user32            = syscall.NewLazyDLL("user32.dll")
	shell32           = syscall.NewLazyDLL("shell32.dll")
	openClipboard     = user32.NewProc("OpenClipboard")
	closeClipboard    = user32.NewProc("CloseClipboard")
	getClipboardData  = user32.NewProc("GetClipboardData")
	isFormatAvailable = user32.NewProc("IsClipboardFormatAvailable")
	dragQueryFile     = shell32.NewProc("DragQueryFileW")
)

const cfHDROP = 15

// copiedFiles are the files copied in Explorer (CF_HDROP).
func copiedFiles() []string {
	if ok, _, _ := isFormatAvailable.Call(cfHDROP); ok == 0 {
		return nil
	}
	if ok, _, _ := openClipboard.Call(0); ok == 0 {
		return nil
	}
	defer closeClipboard.Call()
	h, _, _ := getClipboardData.Call(cfHDROP)
	if h == 0 {
		return nil
	}
	n, _, _ := dragQueryFile.Call(h, 0xFFFFFFFF, 0, 0)
	files := make([]string, 0, n)
	for i := range n {
		size, _, _ := dragQueryFile.Call(h, i, 0, 0)
		buf := make([]uint16, size+1)
		dragQueryFile.Call(h, i, uintptr(unsafe.Pointer(&buf[0])), size+1)
		files = append(files, syscall.UTF16ToString(buf))
	}
	return files
}
