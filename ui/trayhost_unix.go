//go:build linux || freebsd || openbsd || netbsd

package ui

import "github.com/godbus/dbus/v5"

// trayHost says whether the desktop shows tray icons: a StatusNotifier
// host on the session bus. Without a session bus, Fyne's tray fails, and
// quitting then crashes inside it; without a host (GNOME with no
// AppIndicator extension), a window closed to the tray could not be
// brought back from it.
func trayHost() bool {
	conn, err := dbus.ConnectSessionBus()
	if err != nil {
		return false
	}
	defer conn.Close()
	var has bool
	err = conn.BusObject().Call("org.freedesktop.DBus.NameHasOwner", 0, "org.kde.StatusNotifierWatcher").Store(&has)
	return err == nil && has
}
