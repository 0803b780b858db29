package ui

import (
	"errors"
	"net/url"

	"fyne.io/fyne/v2/lang"

	"imagekit-uploader/uploader"
)

// openURL opens an uploaded file's URL in the browser, if it is one: the
// URL comes from the server's answer, and the system opener would as gladly
// run a file:// program or reach for an SMB share.
func (u *UI) openURL(raw string) {
	parsed, err := webURL(raw)
	if err == nil {
		err = u.open(parsed)
	}
	if err != nil {
		u.showNotice(lang.L("Not opened: “{{.URL}}”: {{.Err}}. Copy it if you trust it.", args{"URL": raw, "Err": err}))
	}
}

// webURL accepts https, and plain http to this computer (the demo server).
func webURL(raw string) (*url.URL, error) {
	u, err := url.Parse(raw)
	switch {
	case err != nil:
		return nil, errors.New(lang.L("it is not a valid URL"))
	case u.Host == "" || u.Opaque != "":
		return nil, errors.New(lang.L("it is not a web address"))
	case u.Scheme == "https":
		return u, nil
	case u.Scheme == "http" && uploader.IsLoopback(u.Hostname()):
		return u, nil
	case u.Scheme == "":
		return nil, errors.New(lang.L("only https addresses are opened, and this one is without a scheme"))
	}
	return nil, errors.New(lang.L("only https addresses are opened, and this one is {{.Scheme}}", args{"Scheme": u.Scheme}))
}

func (u *UI) copyText(s string) {
	u.app.Clipboard().SetContent(s)
	u.showNotice(lang.L("Copied {{.Text}}", args{"Text": s}))
}
