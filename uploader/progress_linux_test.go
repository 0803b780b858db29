package uploader

import (
	"context"
	"sync"
	"testing"

	"imagekit-uploader/uploader/imagekittest"
)

// TestProgressCountsBytesThatArrived: against a server that reads slowly,
// progress must climb step by step, not jump to 100% as soon as the file
// fits in this machine's socket buffer (loopback's can hold megabytes).
func TestProgressCountsBytesThatArrived(t *testing.T) {
	srv := newTestServer(t, imagekittest.WithReadRate(200_000))
	const size = 600_000
	p := writeFiles(t, t.TempDir(), 1, size)[0]
	var mu sync.Mutex
	var seen []int64
	_, err := newClient(t, srv).Upload(context.Background(), Request{Path: p, FileName: "slow.bin", Size: size, Fields: DefaultFields()},
		func(a Attempt) {
			mu.Lock()
			seen = append(seen, a.Acked)
			mu.Unlock()
		})
	if err != nil {
		t.Fatal(err)
	}
	var steps []int64
	for _, s := range seen {
		if s > 0 && s < size*9/10 {
			steps = append(steps, s)
		}
	}
	if len(steps) < 5 {
		t.Fatalf("progress went %v: want it to climb through many values below 90%%", seen)
	}
	for i := 1; i < len(seen); i++ {
		if seen[i] < seen[i-1] && seen[i] != 0 {
			t.Fatalf("progress went backwards within an attempt: %v", seen)
		}
	}
}
