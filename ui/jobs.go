package ui

import (
	"errors"
	"fmt"
	"net/url"
	"path/filepath"
	"sort"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"imagekit-uploader/uploader"
)

// jobsView is the list of uploads, one row per file; widget.List is virtual,
// so 10,000 files cost as many rows as fit on screen.
type jobsView struct {
	u      *UI
	made   []*jobRow // every row the list made: as many as fit on screen, and a few
	list   *widget.List
	empty  fyne.CanvasObject
	object fyne.CanvasObject
}

func newJobsView(u *UI) *jobsView {
	v := &jobsView{u: u}
	v.list = widget.NewList(
		func() int { return len(u.rows) },
		func() fyne.CanvasObject {
			r := newJobRow(u)
			v.made = append(v.made, r)
			return r
		},
		func(i widget.ListItemID, o fyne.CanvasObject) {
			if i < len(u.rows) {
				o.(*jobRow).show(u.snaps[u.rows[i]])
			}
		},
	)
	v.list.OnSelected = func(i widget.ListItemID) {
		if i < len(u.rows) {
			u.form.selectJob(u.rows[i])
		}
	}
	v.list.OnUnselected = func(widget.ListItemID) { u.form.selectJob(0) }

	icon := widget.NewIcon(theme.UploadIcon())
	title := widget.NewLabelWithStyle(lang.L("Drop files or folders here"), fyne.TextAlignCenter, fyne.TextStyle{Bold: true})
	hint := widget.NewLabelWithStyle(lang.L("or use Add files… (Ctrl+O), Add folder…, or paste (Ctrl+V)"), fyne.TextAlignCenter, fyne.TextStyle{})
	hint2 := widget.NewLabelWithStyle(lang.L("Folders keep their structure under the destination folder."), fyne.TextAlignCenter, fyne.TextStyle{})
	hint2.Importance = widget.LowImportance
	// The lines wrap to the list's width, and ask no width of their own: in
	// German they had made the window wider than 1100 px.
	for _, l := range []*widget.Label{title, hint, hint2} {
		l.Wrapping = fyne.TextWrapWord
	}
	iconBox := container.NewCenter(container.NewGridWrap(fyne.NewSquareSize(64), icon))
	v.empty = container.NewVBox(layout.NewSpacer(), iconBox, title, hint, hint2, layout.NewSpacer())
	v.object = container.NewStack(v.list, v.empty)
	return v
}

// showing says whether one of the list's rows shows the job: only then does
// a change of the job need the list drawn again.
func (v *jobsView) showing(id uploader.JobID) bool {
	for _, r := range v.made {
		if r.id == id {
			return true
		}
	}
	return false
}

// onScreen says whether job id's row is on screen, or within two rows of
// it. (Rows scrolled away stay made, in the list's pool, so the rows made
// cannot say.) Called on the UI goroutine.
func (v *jobsView) onScreen(id uploader.JobID) bool {
	i, ok := v.u.index[id]
	if !ok || len(v.made) == 0 {
		return false
	}
	pitch := v.made[0].MinSize().Height + theme.Padding() // a row and the space after it
	if pitch <= 0 {
		return true
	}
	off := v.list.GetScrollOffset()
	return i >= int(off/pitch)-2 && i <= int((off+v.list.Size().Height)/pitch)+2
}

// refresh redraws the whole list: after rows were added or removed.
func (v *jobsView) refresh() {
	if len(v.u.rows) == 0 {
		v.empty.Show()
	} else {
		v.empty.Hide()
	}
	v.list.Refresh()
}

// refreshJob redraws one row.
func (v *jobsView) refreshJob(id uploader.JobID) {
	if i, ok := v.u.index[id]; ok {
		v.list.RefreshItem(i)
	}
}

// removeFinished drops finished rows (Clear finished).
func (u *UI) removeFinished() {
	removed := map[uploader.JobID]bool{}
	u.queue.Remove(func(j uploader.Job) bool {
		removed[j.ID] = true
		return true
	})
	kept := u.rows[:0]
	for _, id := range u.rows {
		if removed[id] {
			delete(u.snaps, id)
			delete(u.descs, id)
			delete(u.index, id)
			continue
		}
		u.index[id] = len(kept)
		kept = append(kept, id)
	}
	u.rows = kept
	if removed[u.selected] {
		u.jobs.list.UnselectAll()
		u.form.selectJob(0)
	}
	u.jobs.refresh()
	u.form.refreshState()
	u.footer.SetText(footerText(u.queue.Totals()))
}

// jobRow is one upload: thumbnail, name and size, its own progress bar, and
// either its progress, its result or its error, with the actions that fit.
type jobRow struct {
	widget.BaseWidget
	u                        *UI
	id                       uploader.JobID
	thumb                    *canvas.Image
	name, detail             *widget.Label
	bar                      *widget.ProgressBar
	barBox                   *fyne.Container
	copyBtn, copyAs, openBtn *button
	retryBtn, cancel         *button
	content                  fyne.CanvasObject
}

func newJobRow(u *UI) *jobRow {
	r := &jobRow{u: u}
	r.thumb = canvas.NewImageFromResource(theme.FileIcon())
	r.thumb.FillMode = canvas.ImageFillContain
	r.thumb.SetMinSize(fyne.NewSquareSize(44))
	r.name = widget.NewLabel("")
	r.name.TextStyle.Bold = true
	r.name.Truncation = fyne.TextTruncateEllipsis
	r.detail = widget.NewLabel("")
	r.detail.Truncation = fyne.TextTruncateEllipsis
	r.bar = widget.NewProgressBar()
	r.bar.TextFormatter = func() string { return "" }
	r.copyBtn = newButtonWithIcon(lang.L("Copy URL"), theme.ContentCopyIcon(), func() { r.withURL(r.u.copyText) })
	r.copyAs = newButtonWithIcon("", theme.MoreHorizontalIcon(), nil)
	r.copyAs.OnTapped = func() {
		u.showMenuBelow(u.copyMenu(func() []uploader.JobID { return []uploader.JobID{r.id} }), r.copyAs)
	}
	r.copyAs.Importance = widget.LowImportance
	r.openBtn = newButtonWithIcon(lang.L("Open"), theme.ComputerIcon(), func() { r.withURL(r.u.openURL) })
	r.retryBtn = newButtonWithIcon(lang.L("Retry"), theme.ViewRefreshIcon(), func() { r.u.askRetry(r.id) })
	r.cancel = newButtonWithIcon("", theme.CancelIcon(), func() { r.u.queue.Cancel(r.id) })
	r.retryBtn.Importance = widget.HighImportance
	r.cancel.Importance = widget.LowImportance
	buttons := container.NewHBox(r.copyBtn, r.copyAs, r.openBtn, r.retryBtn, r.cancel)
	texts := container.New(layout.NewCustomPaddedVBoxLayout(-theme.Padding()*2), r.name, r.detail)
	// The bar's box is hidden with it: a GridWrap keeps its cell's width
	// for a hidden child, which cut a finished row's text short.
	r.barBox = container.NewCenter(container.NewGridWrap(fyne.NewSize(160, r.bar.MinSize().Height), r.bar))
	middle := container.NewBorder(nil, nil, nil, r.barBox, texts)
	r.content = container.NewBorder(nil, nil, container.NewCenter(r.thumb), container.NewCenter(buttons), middle)
	// Made as the widest row shows (a file ImageKit had already: its URL and
	// Retry), not with every button and the bar at once: the list asks for
	// the width of the row it is made with, and that had made the window
	// wider than 1100 px in German.
	r.cancel.Hide()
	r.barBox.Hide()
	r.ExtendBaseWidget(r)
	return r
}

func (r *jobRow) CreateRenderer() fyne.WidgetRenderer { return widget.NewSimpleRenderer(r.content) }

// withURL runs f with the row's uploaded URL.
func (r *jobRow) withURL(f func(string)) {
	if url := r.u.urlOf(r.u.snaps[r.id]); url != "" {
		f(url)
	}
}

// urlOf is a finished job's URL: its answer's, or for a file ImageKit had
// already, the one the index of uploads knew; "" when there is none.
func (u *UI) urlOf(j uploader.Job) string {
	var au *uploader.AlreadyUploadedError
	switch {
	case j.Result != nil:
		return j.Result.URL
	case j.State == uploader.AlreadyUploaded && errors.As(j.Err, &au):
		return au.URL
	}
	return ""
}

func setVisible(o fyne.CanvasObject, on bool) {
	if on {
		o.Show()
	} else {
		o.Hide()
	}
}

// show fills the row with one job's state. It touches only what changed:
// every tick shows the rows on screen again, and laying text out anew (a
// label's SetText or Refresh shapes its text) was most of the window's CPU
// during uploads.
func (r *jobRow) show(j uploader.Job) {
	r.id = j.ID
	name := j.Request.FileName
	if j.Request.Rel != "" {
		name = j.Request.Rel + "/" + name
	}
	setText(r.name, name)
	done := j.State == uploader.Done
	url := r.u.urlOf(j)
	layoutChanged := setHidden(r.copyBtn, url == "")
	layoutChanged = setHidden(r.copyAs, url == "") || layoutChanged
	layoutChanged = setHidden(r.openBtn, url == "") || layoutChanged
	layoutChanged = setHidden(r.retryBtn, j.State != uploader.Failed && j.State != uploader.Canceled && j.State != uploader.AlreadyUploaded) || layoutChanged
	layoutChanged = setHidden(r.cancel, j.State.Finished()) || layoutChanged
	layoutChanged = setHidden(r.barBox, j.State != uploader.Uploading && j.State != uploader.Retrying) || layoutChanged
	value := 0.0
	if j.Request.Size > 0 && (j.State == uploader.Uploading || done) {
		value = float64(j.Acked) / float64(j.Request.Size)
	}
	if r.bar.Value != value {
		r.bar.SetValue(value)
	}
	importance := widget.MediumImportance
	switch {
	case uploader.InDoubt(j): // not a failure: ImageKit may well have it
		importance = widget.WarningImportance
	case j.State == uploader.Failed:
		importance = widget.DangerImportance
	}
	text := detailText(j, uploader.FormatSize(j.Request.Size), url)
	if j.State == uploader.Queued && r.u.queue.Paused() {
		text = uploader.FormatSize(j.Request.Size) + " · " + lang.L("paused")
	}
	if r.detail.Importance != importance {
		r.detail.Importance, r.detail.Text = importance, text
		r.detail.Refresh()
	} else {
		setText(r.detail, text)
	}
	r.setThumb(j)
	if layoutChanged {
		r.content.Refresh()
	}
}

// setText sets a label's text when it differs.
func setText(l *widget.Label, s string) {
	if l.Text != s {
		l.SetText(s)
	}
}

// setHidden shows or hides o, and says whether that changed anything.
func setHidden(o fyne.CanvasObject, hidden bool) bool {
	if o.Visible() == !hidden {
		return false
	}
	setVisible(o, !hidden)
	return true
}

func (r *jobRow) setThumb(j uploader.Job) {
	img := r.u.thumbs.get(j.ID, j.Request.Path)
	var res fyne.Resource
	if img == nil {
		res = fileIcon(j.Request.FileName)
	}
	if r.thumb.Image == img && r.thumb.Resource == res {
		return // drawn already: re-rasterising it on every tick cost CPU
	}
	r.thumb.Image, r.thumb.Resource = img, res
	r.thumb.Refresh()
}

func fileIcon(name string) fyne.Resource {
	switch {
	case uploader.IsVideo(name):
		return theme.FileVideoIcon()
	case isImage(name):
		return theme.FileImageIcon()
	}
	return theme.FileIcon()
}

func isImage(name string) bool {
	switch strings.ToLower(filepath.Ext(name)) {
	case ".jpg", ".jpeg", ".png", ".gif", ".webp", ".bmp", ".tif", ".tiff", ".svg", ".avif", ".heic", ".heif":
		return true
	}
	return false
}

// answerText is what the options brought back: AI tags, each extension
// still at work or failed, the description.
func answerText(r *uploader.Result) string {
	var parts []string
	if tags := r.AITagList(); len(tags) > 0 {
		names := make([]string, 0, 3)
		for _, t := range tags[:min(3, len(tags))] {
			names = append(names, t.Name)
		}
		s := lang.L("AI tags: {{.Tags}}", args{"Tags": strings.Join(names, ", ")})
		if len(tags) > 3 {
			s = lang.L("AI tags: {{.Tags}} (+{{.More}})", args{"Tags": strings.Join(names, ", "), "More": len(tags) - 3})
		}
		parts = append(parts, s)
	}
	exts := r.Extensions()
	names := make([]string, 0, len(exts))
	for name := range exts {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		if st := exts[name]; st != "success" {
			parts = append(parts, name+" "+st)
		}
	}
	if d := r.DescriptionText(); d != "" {
		parts = append(parts, lang.L("“{{.Text}}”", args{"Text": d}))
	}
	return oneLine(strings.Join(parts, " · "))
}

// oneLine keeps a server's text on the row's line: control characters
// (newlines, escapes) become spaces, and it stops at 200 characters.
func oneLine(s string) string {
	s = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return ' '
		}
		return r
	}, s)
	if r := []rune(s); len(r) > 200 {
		s = string(r[:200]) + "…"
	}
	return s
}

// detailText is a row's second line: what is happening to the file, or what
// became of it, with URLs as their host (the stored name is beside it).
// The selected file's pane shows wholeText.
func detailText(j uploader.Job, size, url string) string {
	return describeJob(j, size, url, urlHost)
}

// wholeText is a job's line with its URLs whole.
func wholeText(j uploader.Job, size, url string) string {
	return describeJob(j, size, url, func(s string) string { return s })
}

func describeJob(j uploader.Job, size, url string, urlText func(string) string) string {
	switch j.State {
	case uploader.Ready:
		return size + " · " + lang.L("ready")
	case uploader.Queued:
		if j.Read > 0 && j.Read < j.Request.Size {
			return size + " · " + lang.L("reading it to check it ({{.Percent}}%)", args{"Percent": j.Read * 100 / j.Request.Size})
		}
		return size + " · " + lang.L("waiting for a free slot")
	case uploader.Uploading:
		s := lang.L("{{.Sent}} of {{.Size}}", args{"Sent": uploader.FormatSize(j.Acked), "Size": size})
		if j.Attempt > 1 {
			s += " · " + lang.L("attempt {{.Attempt}}", args{"Attempt": j.Attempt})
		}
		if j.Speed > 0 {
			s += " · " + lang.L("{{.Speed}}/s", args{"Speed": uploader.FormatSize(int64(j.Speed))}) + " · " + aboutLeft(j.ETA)
		}
		return s
	case uploader.Retrying:
		wait := max(time.Until(j.RetryAt), 0).Round(time.Second)
		return size + " · " + lang.L("retrying in {{.Wait}}: {{.Err}}", args{"Wait": wait.String(), "Err": shortError(j.Err)})
	case uploader.Done:
		r := j.Result
		s := r.Name
		if v := r.Version(); v != "" {
			s += " · " + v
		}
		s += " · " + urlText(r.URL) // in a row, its host: the stored name is there already
		if r.FoundInLibrary {
			s += " · " + lang.L("its answer was lost: found in the library")
		}
		if more := answerText(r); more != "" {
			s += " · " + more
		}
		return s
	case uploader.Failed:
		return explain(j.Err)
	case uploader.Canceled:
		if j.Err != nil { // canceled after the whole file was sent
			return size + " · " + lang.L("canceled") + " · " + j.Err.Error()
		}
		return size + " · " + lang.L("canceled")
	case uploader.AlreadyUploaded:
		s := lang.L("Uploaded earlier")
		var au *uploader.AlreadyUploadedError
		if errors.As(j.Err, &au) {
			s += " · " + lang.L("ImageKit already has {{.Path}}", args{"Path": au.FilePath})
		}
		if url != "" {
			s += " · " + urlText(url)
		}
		return s + " · " + lang.L("not sent again")
	}
	return ""
}

// urlHost is a URL's host (with its port), what a row shows of it: the
// rest is the stored name, shown beside it, and the folder.
func urlHost(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return raw
	}
	return u.Host
}

// explain words an upload's error for the row: the server's own message,
// with what a person can do.
func explain(err error) string {
	if err == nil {
		return lang.L("failed")
	}
	x := uploader.Explain(err)
	switch {
	case x.MayBeUploaded:
		return sentence(x.Message)
	case x.Refused == uploader.RefusedSecret:
		return lang.L("{{.Err}}. Check it in Settings.", args{"Err": sentence(x.Message)})
	case x.KeyRejected:
		return lang.L("{{.Err}} Check the keys in Settings.", args{"Err": sentence(x.Message)}) + requestID(x)
	case x.Kind == "server" || x.Status != 0: // the server's answer, its checks' refusal too
		return fmt.Sprintf("%d: %s%s", x.Status, x.Message, requestID(x))
	case x.Kind == "check":
		return lang.L("Not sent: {{.Reason}}", args{"Reason": x.Message})
	}
	return sentence(x.Message)
}

// sentence starts s with a capital letter, for a row of its own.
func sentence(s string) string {
	r, n := utf8.DecodeRuneInString(s)
	return string(unicode.ToUpper(r)) + s[n:]
}

func requestID(x uploader.Explanation) string {
	if x.RequestID == "" {
		return ""
	}
	return " " + lang.L("(request id {{.RequestID}})", args{"RequestID": x.RequestID})
}

func shortError(err error) string {
	if err == nil {
		return ""
	}
	if ae, ok := uploader.Explain(err).Cause.(*uploader.APIError); ok {
		return fmt.Sprintf("%d %s", ae.Status, ae.Message)
	}
	return err.Error()
}
