// Package winconsole gives the window's Windows build a console to write
// to when it runs a command. That build is a GUI-subsystem program: Windows
// starts it with no console, so "imagekit-uploader --version" or "upload …"
// typed in cmd or PowerShell printed nothing. Elsewhere it does nothing.
package winconsole
