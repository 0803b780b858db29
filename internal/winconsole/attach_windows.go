//go:build windows

package winconsole

import (
	"os"

	"golang.org/x/sys/windows"
)

// Attach, when args name a command and the output goes nowhere, writes to
// the console of the program that started this one, if it has one (cmd,
// PowerShell, Windows Terminal; not Explorer). Output redirected to a file
// or a pipe is left as it is.
func Attach(args []string) {
	if len(args) == 0 {
		return // the window alone
	}
	if h, err := windows.GetStdHandle(windows.STD_OUTPUT_HANDLE); err == nil && h != 0 && h != windows.InvalidHandle {
		return
	}
	const attachParentProcess = ^uintptr(0) // ATTACH_PARENT_PROCESS, (DWORD)-1
	if r, _, _ := windows.NewLazySystemDLL("kernel32.dll").NewProc("AttachConsole").Call(attachParentProcess); r == 0 {
		return
	}
	if f, err := os.OpenFile("CONOUT$", os.O_WRONLY, 0); err == nil {
		os.Stdout, os.Stderr = f, f
	}
	if f, err := os.OpenFile("CONIN$", os.O_RDONLY, 0); err == nil {
		os.Stdin = f
	}
}
