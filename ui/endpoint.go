package ui

import (
	"context"
	"errors"
	"net"
	"net/http"
	"os"
	"time"

	"fyne.io/fyne/v2/lang"

	"imagekit-uploader/localendpoint"
	"imagekit-uploader/results"
	"imagekit-uploader/uploader"
)

// Settings › Editors' apps: the local upload endpoint (PicGo's API, as
// `imagekit-uploader local-endpoint` serves it) in the window. What an app
// sends is listed and uploaded at once with the form's settings, and ends
// in History like any upload; a request without a list uploads the
// clipboard's image. A refused request is said in the window.

// prefLocalEndpoint turns the endpoint on; off by default.
const prefLocalEndpoint = "localEndpoint"

type endpoint struct {
	srv  *http.Server
	addr string
}

func (e *endpoint) close() {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	e.srv.Shutdown(ctx)
}

// endpointChoice is Settings' switch for the endpoint.
func (u *UI) endpointChoice() *check {
	c := newCheck(lang.L("Upload for editors' apps at {{.Address}} (PicGo's API)", args{"Address": u.endpointListen()}), func(on bool) {
		u.app.Preferences().SetBool(prefLocalEndpoint, on)
		u.applyEndpoint()
	})
	c.SetChecked(u.app.Preferences().Bool(prefLocalEndpoint))
	return c
}

func (u *UI) endpointListen() string {
	if u.cfg.EndpointListen != "" {
		return u.cfg.EndpointListen
	}
	return localendpoint.DefaultListen
}

// applyEndpoint starts or stops the endpoint as Settings says. Called on
// the UI goroutine.
func (u *UI) applyEndpoint() {
	on := u.app.Preferences().Bool(prefLocalEndpoint)
	if !on || u.endpoint != nil {
		if !on && u.endpoint != nil {
			u.endpoint.close()
			u.endpoint = nil
		}
		return
	}
	ln, err := net.Listen("tcp", u.endpointListen())
	if err != nil {
		u.showNotice(lang.L("Editors' apps cannot reach this window: {{.Address}} is in use (PicGo, or imagekit-uploader local-endpoint, running?). Stop that, then turn it on again in Settings.", args{"Address": u.endpointListen()}))
		return
	}
	h := &localendpoint.Handler{Upload: u.endpointUpload, Clipboard: u.endpointClipboard, Secret: os.Getenv(localendpoint.EnvSecret),
		Log: func(r localendpoint.Request) {
			if r.Refused != "" {
				runOnUI(func() {
					u.showNotice(lang.L("An upload request from an app was refused: {{.Reason}}", args{"Reason": r.Refused}))
				})
			}
		}}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second, ReadTimeout: time.Minute}
	go srv.Serve(ln)
	u.endpoint = &endpoint{srv: srv, addr: ln.Addr().String()}
}

// endpointUpload lists an app's files, uploads them at once with the
// form's settings, and waits for each to end (or the app to give up).
func (u *UI) endpointUpload(ctx context.Context, paths []string) []localendpoint.Result {
	var fields uploader.Fields
	waitOnUI(func() { fields = u.form.fields() })
	<-u.journalReady
	items, _ := uploader.Collect(paths) // files, checked by the handler
	added, _ := u.queue.Add(items, fields)
	// A file listed before (the app sent it again) is that row: started
	// again where it has not uploaded.
	byPath := map[string]uploader.JobID{}
	for _, j := range u.queue.Jobs() {
		byPath[j.Request.Path] = j.ID // the latest row of each path
	}
	var start []uploader.JobID
	for _, p := range paths {
		if j, ok := u.queue.Job(byPath[p]); ok && (j.State == uploader.Ready || j.State == uploader.Failed) {
			start = append(start, j.ID)
		}
	}
	jobs := u.jobsOf(added)
	runOnUI(func() {
		u.appendRows(jobs)
		for _, id := range start {
			if j, ok := u.queue.Job(id); ok && j.State == uploader.Failed {
				u.queue.Retry(id)
			}
		}
		u.form.start(start)
	})
	res := make([]localendpoint.Result, len(paths))
	for i, p := range paths {
		id, ok := byPath[p]
		if !ok {
			res[i].Err = errors.New("it could not be listed")
			continue
		}
		for {
			j, ok := u.queue.Job(id)
			if !ok {
				res[i].Err = errors.New("it was taken off the list before it finished")
				break
			}
			if j.State.Finished() {
				res[i].URL, res[i].Err = results.Link(j)
				break
			}
			select {
			case <-ctx.Done(): // the app went away: the upload goes on, in the window
				res[i].Err = errors.New("the request ended before the upload")
			case <-time.After(50 * time.Millisecond):
				continue
			}
			break
		}
	}
	return res
}

// endpointClipboard saves the clipboard's image, as a paste does, for a
// request that sends no list.
func (u *UI) endpointClipboard() (string, error) {
	c, err := u.readClipboard(5 * time.Second)
	if err != nil {
		return "", err
	}
	if c.Image == nil {
		return "", errors.New(`the clipboard holds no image: copy one (a screenshot) first, or send {"list": ["/path/to/image.png"]}`)
	}
	name := pasteName(u.app.Preferences().StringWithFallback(prefPasteName, defaultPasteName), time.Now())
	return u.savePasted(c.Image, name)
}
