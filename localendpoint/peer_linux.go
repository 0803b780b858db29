package localendpoint

import (
	"bufio"
	"encoding/hex"
	"net"
	"net/http"
	"net/netip"
	"os"
	"strconv"
	"strings"
)

// fromThisUser says whether the request's connection was made by a
// process of this user (or root). Loopback TCP does not say who connects:
// the kernel's table of sockets does, by the connection's two ends. Where
// it cannot be read, the request is taken (the endpoint listens on
// loopback only, and the secret is there for shared machines).
func fromThisUser(r *http.Request) bool {
	local, ok := r.Context().Value(http.LocalAddrContextKey).(net.Addr)
	if !ok {
		return true
	}
	server, err1 := netip.ParseAddrPort(local.String())
	client, err2 := netip.ParseAddrPort(r.RemoteAddr)
	if err1 != nil || err2 != nil {
		return true
	}
	me := os.Getuid()
	for _, table := range []string{"/proc/net/tcp", "/proc/net/tcp6"} {
		if uid, found := socketOwner(table, client, server); found {
			return uid == me || uid == 0
		}
	}
	return true
}

// socketOwner finds, in a /proc/net/tcp table, the socket whose own end is
// from and whose peer is to, and returns its owner's uid.
func socketOwner(table string, from, to netip.AddrPort) (int, bool) {
	f, err := os.Open(table)
	if err != nil {
		return 0, false
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Scan() // the heading
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) < 8 {
			continue
		}
		l, ok1 := procAddr(fields[1])
		rem, ok2 := procAddr(fields[2])
		if !ok1 || !ok2 || l.Port() != from.Port() || rem.Port() != to.Port() ||
			l.Addr().Unmap() != from.Addr().Unmap() || rem.Addr().Unmap() != to.Addr().Unmap() {
			continue
		}
		uid, err := strconv.Atoi(fields[7])
		return uid, err == nil
	}
	return 0, false
}

// procAddr reads /proc/net/tcp's address:port: the address in hex, in
// 32-bit words of the machine's order (little-endian here), the port in hex.
func procAddr(s string) (netip.AddrPort, bool) {
	a, p, ok := strings.Cut(s, ":")
	raw, err := hex.DecodeString(a)
	port, err2 := strconv.ParseUint(p, 16, 16)
	if !ok || err != nil || err2 != nil || (len(raw) != 4 && len(raw) != 16) {
		return netip.AddrPort{}, false
	}
	for i := 0; i < len(raw); i += 4 { // each word's bytes, reversed
		raw[i], raw[i+1], raw[i+2], raw[i+3] = raw[i+3], raw[i+2], raw[i+1], raw[i]
	}
	addr, _ := netip.AddrFromSlice(raw)
	return netip.AddrPortFrom(addr, uint16(port)), true
}
