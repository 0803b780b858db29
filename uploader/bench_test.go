package uploader

import (
	"context"
	"testing"

	"imagekit-uploader/strip"
)

// BenchmarkUpload64KiB is one whole upload of a 64 KiB file over loopback:
// sign, stream, answer. Its allocations are the engine's cost per file.
func BenchmarkUpload64KiB(b *testing.B) {
	srv := newTestServer(b)
	p := writeFiles(b, b.TempDir(), 1, 64<<10)[0]
	c := newClient(b, srv)
	req := Request{Path: p, FileName: "bench.bin", Size: 64 << 10, Fields: DefaultFields()}
	b.ReportAllocs()
	b.SetBytes(64 << 10)
	for b.Loop() {
		if _, err := c.Upload(context.Background(), req, nil); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkBody is building and reading one request body, without the network.
func BenchmarkBody(b *testing.B) {
	p := writeFiles(b, b.TempDir(), 1, 64<<10)[0]
	fields := DefaultFields().form("bench.bin", "/a/b")
	buf := make([]byte, 32<<10)
	b.ReportAllocs()
	for b.Loop() {
		body, err := newBody(p, "bench.bin", 64<<10, strip.Keep, fields, "token")
		if err != nil {
			b.Fatal(err)
		}
		for {
			if _, err := body.Read(buf); err != nil {
				break
			}
		}
		body.Close()
	}
}
