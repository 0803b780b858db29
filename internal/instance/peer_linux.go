package instance

import (
	"net"
	"os"

	"golang.org/x/sys/unix"
)

// samePerson says whether the peer runs as this user (or, for the window
// taking a launch's paths, root, which may anyway).
func samePerson(conn net.Conn) bool {
	uc, ok := conn.(*net.UnixConn)
	if !ok {
		return false
	}
	raw, err := uc.SyscallConn()
	if err != nil {
		return false
	}
	var cred *unix.Ucred
	raw.Control(func(fd uintptr) { cred, err = unix.GetsockoptUcred(int(fd), unix.SOL_SOCKET, unix.SO_PEERCRED) })
	return err == nil && cred != nil && (int(cred.Uid) == os.Getuid() || cred.Uid == 0)
}
