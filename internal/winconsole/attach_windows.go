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
	missing := func(std uint32) bool {
		h, err := windows.GetStdHandle(std)
		return err != nil || h == 0 || h == windows.InvalidHandle
	}
	out, errs, in := missing(windows.STD_OUTPUT_HANDLE), missing(windows.STD_ERROR_HANDLE), missing(windows.STD_INPUT_HANDLE)
	if !out && !errs {
		return
	}
	const attachParentProcess = ^uintptr(0) // ATTACH_PARENT_PROCESS, (DWORD)-1
	if r, _, _ := windows.NewLazySystemDLL("kernel32.dll").NewProc("AttachConsole").Call(attachParentProcess); r == 0 {
		return
	}
	// Only what goes nowhere: a redirected stream (2> err.txt, < key.txt)
	// stays where it was sent.
	if f, err := os.OpenFile("CONOUT$", os.O_WRONLY, 0); err == nil {
		if out {
			os.Stdout = f
		}
		if errs {
			os.Stderr = f
		}
	}
	if in {
		if f, err := os.OpenFile("CONIN$", os.O_RDONLY, 0); err == nil {
			os.Stdin = f
		}
	}
}
