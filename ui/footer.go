package ui

import (
	"fmt"
	"strings"
	"time"

	"fyne.io/fyne/v2/lang"

	"imagekit-uploader/uploader"
)

func footerText(t uploader.Totals) string {
	total := t.Count[uploader.Ready] + t.Count[uploader.Queued] + t.Count[uploader.Uploading] + t.Count[uploader.Retrying] +
		t.Count[uploader.Done] + t.Count[uploader.Failed] + t.Count[uploader.AlreadyUploaded]
	if total == 0 && t.Count[uploader.Canceled] == 0 {
		return lang.L("No files yet.")
	}
	done := t.Count[uploader.Done] + t.Count[uploader.AlreadyUploaded]
	uploaded := lang.N("{{.Count}} of {{.Total}} uploaded", done, args{"Count": done, "Total": total})
	if n := t.Count[uploader.AlreadyUploaded]; n > 0 {
		uploaded = lang.N("{{.Count}} of {{.Total}} uploaded ({{.Earlier}} earlier)", done, args{"Count": done, "Total": total, "Earlier": n})
	}
	parts := []string{uploaded}
	if n := t.Count[uploader.Failed]; n > 0 {
		parts = append(parts, lang.N("{{.Count}} failed", n, args{"Count": n}))
	}
	if n := t.Count[uploader.Canceled]; n > 0 {
		parts = append(parts, lang.N("{{.Count}} canceled", n, args{"Count": n}))
	}
	parts = append(parts, lang.L("{{.Sent}} of {{.Size}}", args{"Sent": uploader.FormatSize(t.Acked), "Size": uploader.FormatSize(t.Bytes)}))
	if t.Active > 0 && t.Speed > 0 {
		parts = append(parts, lang.L("{{.Speed}}/s", args{"Speed": uploader.FormatSize(int64(t.Speed))}), aboutLeft(t.ETA))
	}
	return strings.Join(parts, " · ")
}

// aboutLeft words an ETA: "12 s left", "3 min left".
func aboutLeft(d time.Duration) string {
	switch {
	case d < time.Second:
		return lang.L("less than a second left")
	case d < time.Minute:
		n := int(d.Seconds() + 0.5)
		return lang.N("{{.Count}} s left", n, args{"Count": n})
	case d < time.Hour:
		n := int(d.Minutes() + 0.5)
		return lang.N("{{.Count}} min left", n, args{"Count": n})
	}
	return lang.L("{{.Hours}} h left", args{"Hours": fmt.Sprintf("%.1f", d.Hours())})
}
