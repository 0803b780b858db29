package ui

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"testing"
	"time"
)

// BenchmarkAddFiles drops a folder of 10,000, then 100,000 files on the
// window and waits until all are rows. It reports the time to add them, the
// heap they cost, and how long scrolling to the middle of the list takes
// afterwards (the list is virtual: it should not grow with the number of
// files).
func BenchmarkAddFiles(b *testing.B) {
	for _, n := range []int{10_000, 100_000} {
		b.Run(fmt.Sprint(n), func(b *testing.B) { benchmarkAdd(b, n) })
	}
}

func benchmarkAdd(b *testing.B, n int) {
	dir := filepath.Join(b.TempDir(), "batch")
	os.Mkdir(dir, 0o755)
	for i := range n {
		if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("photo-%05d.jpg", i)), []byte("x"), 0o644); err != nil {
			b.Fatal(err)
		}
	}
	for b.Loop() {
		b.StopTimer()
		u := newTestUI(b, Config{Demo: true, StorageDir: b.TempDir()})
		runtime.GC()
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		b.StartTimer()
		start := time.Now()
		drop(u, dir)
		for {
			done := false
			onUI(func() { done = len(u.rows) == n })
			if done {
				break
			}
			time.Sleep(time.Millisecond)
		}
		addTime := time.Since(start)
		b.StopTimer()
		scrollStart := time.Now()
		onUI(func() {
			u.jobs.list.ScrollTo(n / 2)
			u.jobs.list.Refresh()
		})
		scroll := time.Since(scrollStart)
		runtime.GC()
		runtime.ReadMemStats(&after)
		b.ReportMetric(float64(addTime.Milliseconds()), "ms-to-add")
		b.ReportMetric(float64(scroll.Microseconds())/1000, "ms-scroll")
		b.ReportMetric(float64(after.HeapInuse-before.HeapInuse)/(1<<20), "MiB-heap")
		u.Close()
		b.StartTimer()
	}
}
