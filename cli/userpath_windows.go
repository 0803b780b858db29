//go:build windows

package cli

import (
	"errors"
	"unsafe"

	"golang.org/x/sys/windows"
	"golang.org/x/sys/windows/registry"
)

// userEnvKey is where Windows keeps the user's own environment.
var userEnvKey = `Environment`

// editUserPath puts dir on the user's PATH (HKCU\Environment), or takes it
// off, and tells running programs (Explorer) that the environment changed.
func editUserPath(dir string, add bool) error {
	k, _, err := registry.CreateKey(registry.CURRENT_USER, userEnvKey, registry.QUERY_VALUE|registry.SET_VALUE)
	if err != nil {
		return err
	}
	defer k.Close()
	old, kind, err := k.GetStringValue("Path")
	if err != nil && !errors.Is(err, registry.ErrNotExist) {
		return err
	}
	now := withDir(old, dir, add)
	switch {
	case now == old:
		return nil
	case now == "":
		err = k.DeleteValue("Path")
	case kind == registry.SZ:
		err = k.SetStringValue("Path", now)
	default:
		err = k.SetExpandStringValue("Path", now)
	}
	if err != nil {
		return err
	}
	env, _ := windows.UTF16PtrFromString("Environment")
	const hwndBroadcast, wmSettingChange, smtoAbortIfHung = 0xffff, 0x001A, 0x0002
	proc := windows.NewLazySystemDLL("user32.dll").NewProc("SendMessageTimeoutW")
	proc.Call(hwndBroadcast, wmSettingChange, 0, uintptr(unsafe.Pointer(env)), smtoAbortIfHung, 2000, 0)
	return nil
}
