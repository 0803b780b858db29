// Package imagekittest is for tests, in the manner of net/http/httptest: it
// starts the ImageKit-compatible server of package emulator on loopback,
// keeping every request for the test to assert on. NewServer starts one;
// Script and WithFaultMix inject faults.
package imagekittest

import "imagekit-uploader/emulator"

// The demo key pair the server accepts when given no other.
const (
	DemoPublicKey  = emulator.DemoPublicKey
	DemoPrivateKey = emulator.DemoPrivateKey
)

// The server, its options and what it records: see package emulator.
type (
	Server   = emulator.Server
	Option   = emulator.Option
	Fault    = emulator.Fault
	FaultMix = emulator.FaultMix
	Request  = emulator.Request
)

// NewServer starts a server on a free loopback port that keeps a record of
// every request; it panics if it cannot listen. Close it when done.
func NewServer(opts ...Option) *Server { return emulator.NewServer(opts...) }

// Options, as in package emulator.
var (
	WithKey         = emulator.WithKey
	WithMaxFileSize = emulator.WithMaxFileSize
	WithClockOffset = emulator.WithClockOffset
	WithReadRate    = emulator.WithReadRate
	WithWatch       = emulator.WithWatch
	WithFaultMix    = emulator.WithFaultMix
	WithLibraryRate = emulator.WithLibraryRate
)

// WithFetchAllow lets the server fetch files given as URLs from these hosts
// (loopback in tests).
var WithFetchAllow = emulator.WithFetchAllow
