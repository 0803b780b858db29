package cli

import (
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"golang.org/x/term"

	"imagekit-uploader/results"
	"imagekit-uploader/uploader"
)

// progressBars redraws the active uploads and a total line on a terminal,
// from the queue's own snapshots (a bar library would own a bar per upload
// and be pushed to: see docs/BENCHMARKS.md for why these stay hand-written),
// five times a second.
type progressBars struct {
	w     io.Writer
	q     *uploader.Queue
	done  chan struct{}
	wg    sync.WaitGroup
	mu    sync.Mutex // the terminal: bars and the lines printed above them
	lines int
}

func startBars(w io.Writer, q *uploader.Queue) *progressBars {
	b := &progressBars{w: w, q: q, done: make(chan struct{})}
	b.wg.Add(1)
	go func() {
		defer b.wg.Done()
		t := time.NewTicker(200 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-b.done:
				b.mu.Lock()
				b.clear()
				b.mu.Unlock()
				return
			case <-t.C:
				b.draw()
			}
		}
	}()
	return b
}

func (b *progressBars) stop() {
	close(b.done)
	b.wg.Wait()
}

// above prints with f above the bars: it takes the bars away first, and the
// next draw puts them back under what f printed.
func (b *progressBars) above(f func()) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.clear()
	f()
}

func (b *progressBars) clear() {
	if b.lines > 0 {
		fmt.Fprintf(b.w, "\x1b[%dA\x1b[J", b.lines)
	}
	b.lines = 0
}

func (b *progressBars) draw() {
	var sb strings.Builder
	lines := 0
	for _, j := range b.q.Jobs() {
		if j.State != uploader.Uploading && j.State != uploader.Retrying {
			continue
		}
		if lines == 8 {
			break
		}
		name := results.Printable(filepath.Base(j.Request.Path))
		if len([]rune(name)) > 28 {
			name = string([]rune(name)[:27]) + "…"
		}
		status := fmt.Sprintf("%s/s", uploader.FormatSize(int64(j.Speed)))
		if j.State == uploader.Retrying {
			status = fmt.Sprintf("retry in %s", time.Until(j.RetryAt).Round(time.Second))
		}
		fmt.Fprintf(&sb, "%-28s %s %3d%% %s\n", name, bar(j.Acked, j.Request.Size, 24), percent(j.Acked, j.Request.Size), status)
		lines++
	}
	t := b.q.Totals()
	fmt.Fprintf(&sb, "total %s %3d%%  %d/%d files  %s/s  ETA %s\n", bar(t.Acked, t.Bytes, 30), percent(t.Acked, t.Bytes),
		t.Count[uploader.Done], len(b.q.Jobs()), uploader.FormatSize(int64(t.Speed)), t.ETA.Round(time.Second))
	lines++
	text := sb.String()
	if f, ok := b.w.(interface{ Fd() uintptr }); ok {
		if width, _, err := term.GetSize(int(f.Fd())); err == nil && width > 10 {
			text = fitLines(text, width-1) // a wrapped line would throw the redraw off
		}
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	b.clear()
	io.WriteString(b.w, text)
	b.lines = lines
}

// fitLines cuts each line to width runes.
func fitLines(text string, width int) string {
	lines := strings.SplitAfter(text, "\n")
	for i, l := range lines {
		if r := []rune(strings.TrimSuffix(l, "\n")); len(r) > width {
			lines[i] = string(r[:width]) + "\n"
		}
	}
	return strings.Join(lines, "")
}

func percent(n, total int64) int {
	if total <= 0 {
		return 0
	}
	return int(min(n*100/total, 100))
}

func bar(n, total int64, width int) string {
	filled := 0
	if total > 0 {
		filled = int(min(n*int64(width)/total, int64(width)))
	}
	return "[" + strings.Repeat("#", filled) + strings.Repeat(".", width-filled) + "]"
}
