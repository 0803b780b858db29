package ui

import (
	"fmt"
	"strings"
	"time"

	"imagekit-uploader/uploader"
)

func footerText(t uploader.Totals) string {
	total := t.Count[uploader.Ready] + t.Count[uploader.Queued] + t.Count[uploader.Uploading] + t.Count[uploader.Retrying] +
		t.Count[uploader.Done] + t.Count[uploader.Failed] + t.Count[uploader.AlreadyUploaded]
	if total == 0 && t.Count[uploader.Canceled] == 0 {
		return "No files yet."
	}
	uploaded := fmt.Sprintf("%d of %d uploaded", t.Count[uploader.Done]+t.Count[uploader.AlreadyUploaded], total)
	if n := t.Count[uploader.AlreadyUploaded]; n > 0 {
		uploaded += fmt.Sprintf(" (%d earlier)", n)
	}
	parts := []string{uploaded}
	if n := t.Count[uploader.Failed]; n > 0 {
		parts = append(parts, fmt.Sprintf("%d failed", n))
	}
	if n := t.Count[uploader.Canceled]; n > 0 {
		parts = append(parts, fmt.Sprintf("%d canceled", n))
	}
	parts = append(parts, uploader.FormatSize(t.Acked)+" of "+uploader.FormatSize(t.Bytes))
	if t.Active > 0 && t.Speed > 0 {
		parts = append(parts, uploader.FormatSize(int64(t.Speed))+"/s", aboutLeft(t.ETA))
	}
	return strings.Join(parts, " · ")
}

// aboutLeft words an ETA: "12 s left", "3 min left".
func aboutLeft(d time.Duration) string {
	switch {
	case d < time.Second:
		return "less than a second left"
	case d < time.Minute:
		return fmt.Sprintf("%d s left", int(d.Seconds()+0.5))
	case d < time.Hour:
		return fmt.Sprintf("%d min left", int(d.Minutes()+0.5))
	}
	return fmt.Sprintf("%.1f h left", d.Hours())
}
