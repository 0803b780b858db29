package uploader

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// aboutDuration words a duration roughly: "40 seconds", "10 minutes", "3 hours".
func aboutDuration(d time.Duration) string {
	switch {
	case d < 90*time.Second:
		return fmt.Sprintf("%d seconds", int(d.Round(time.Second)/time.Second))
	case d < 90*time.Minute:
		return fmt.Sprintf("%d minutes", int(d.Round(time.Minute)/time.Minute))
	}
	return fmt.Sprintf("%d hours", int(d.Round(time.Hour)/time.Hour))
}

// FormatSize words a byte count for people: 512 B, 1.5 MB.
func FormatSize(n int64) string {
	switch {
	case n >= 1<<30:
		return fmt.Sprintf("%.1f GB", float64(n)/(1<<30))
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d B", n)
}

// ParseSize reads a size as people write it, in FormatSize's units (1 MB is
// 1,048,576 bytes, as ImageKit counts): "200MB", "1.5 GB", "512k", "4096".
func ParseSize(s string) (int64, error) {
	t := strings.ToUpper(strings.TrimSpace(s))
	unit := int64(1)
	for _, u := range []struct {
		suffix string
		n      int64
	}{{"GB", 1 << 30}, {"MB", 1 << 20}, {"KB", 1 << 10}, {"G", 1 << 30}, {"M", 1 << 20}, {"K", 1 << 10}, {"B", 1}} {
		if strings.HasSuffix(t, u.suffix) {
			t, unit = strings.TrimSpace(strings.TrimSuffix(t, u.suffix)), u.n
			break
		}
	}
	v, err := strconv.ParseFloat(t, 64)
	if err != nil || v*float64(unit) < 1 || math.IsInf(v, 0) || math.IsNaN(v) || v*float64(unit) > 1<<50 {
		return 0, fmt.Errorf("%q is not a size: write it as 200MB, 1.5GB or 512KB", s)
	}
	return int64(v * float64(unit)), nil
}
