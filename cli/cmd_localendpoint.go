package cli

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"sync"
	"time"

	"imagekit-uploader/localendpoint"
	"imagekit-uploader/results"
	"imagekit-uploader/uploader"
)

// EnvLocalEndpointSecret is the local endpoint's optional secret.
const EnvLocalEndpointSecret = localendpoint.EnvSecret

func cmdLocalEndpoint(ctx context.Context, args []string, std Stdio) error {
	fs := newFlags(std, "local-endpoint", "local-endpoint [--listen ADDR] [upload flags]", `
Serve an upload endpoint on this computer that speaks PicGo's HTTP API, so
that editors' apps upload to ImageKit through this program (Typora:
Preferences › Image › Image Uploader › PicGo (app); Obsidian's Image auto
upload plugin; SiYuan and others that call a PicGo server):

  POST http://127.0.0.1:36677/upload  {"list": ["/abs/path/a.png"]}
  -> {"success": true, "result": ["https://ik.imagekit.io/…/a_<hash>.png"]}
  POST /heartbeat -> {"success": true, "result": "alive"}

Each file goes up as 'upload' would send it, with the flags given here
(folder, tags, a preset, the key or a token endpoint), and has its line on
stdout (--json or --format as upload). It listens on loopback only, answers
no web page (a request with an Origin, or a Sec-Fetch-Site other than
"none", is refused), only JSON, only a Host that names this computer, only
images, videos and PDFs by absolute path. With IMAGEKIT_LOCAL_ENDPOINT_SECRET
set, every request must carry it (Authorization: Bearer SECRET,
X-PicGo-Secret: SECRET, or ?key=SECRET). A request without a list (the
clipboard's image) is for the window's endpoint. Runs until Ctrl-C.`)
	f := uploadFlags{stderr: std.Err}
	f.register(fs)
	listen := fs.String("listen", localendpoint.DefaultListen, "address to listen on: loopback only (127.0.0.1, ::1 or localhost)")
	if err := fs.parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usagef("local-endpoint takes no paths: files come in requests (got %q)", fs.Arg(0))
	}
	if err := applyPreset(fs, f.preset); err != nil {
		return err
	}
	if err := localendpoint.CheckListen(*listen); err != nil {
		return usagef("--listen %v", err)
	}
	fields, limit, err := f.validate()
	if err != nil {
		return err
	}
	qctx, cancel := context.WithCancel(ctx)
	defer cancel()
	run, err := f.session(ctx, qctx, std, limit)
	if err != nil {
		return err
	}
	defer run.Close(context.Background())
	q := run.Queue
	out := &uploadReport{w: std.Out, errw: std.Err, json: f.asJSON, format: f.resultFormat, around: func(f func()) { f() }}

	var mu sync.Mutex
	waiting := map[uploader.JobID]chan uploader.Job{}
	run.OnFinish(func(j uploader.Job) {
		out.finished(j) // every file its line: what the endpoint did
		mu.Lock()
		ch := waiting[j.ID]
		delete(waiting, j.ID)
		mu.Unlock()
		if ch != nil {
			ch <- j
		}
	})
	upload := func(ctx context.Context, paths []string) []localendpoint.Result {
		items, _ := uploader.Collect(paths) // files, checked by the handler
		mu.Lock()
		q.Remove(func(uploader.Job) bool { return true }) // reported: let them go
		ids, _ := q.Add(items, fields)
		chans := make([]chan uploader.Job, len(ids))
		for i, id := range ids {
			chans[i] = make(chan uploader.Job, 1)
			waiting[id] = chans[i]
		}
		mu.Unlock()
		q.Start(ids...)
		byPath := map[string]localendpoint.Result{}
		for i, ch := range chans {
			select {
			case j := <-ch:
				byPath[j.Request.Path] = resultOf(j)
			case <-ctx.Done(): // the caller went away: the upload goes on, and has its line
				q.Cancel(ids[i])
			}
		}
		res := make([]localendpoint.Result, len(paths))
		for i, p := range paths {
			if r, ok := byPath[p]; ok {
				res[i] = r
			} else {
				res[i] = localendpoint.Result{Err: errors.New("not uploaded by this request: another sent the same file at the same time, or the request ended first")}
			}
		}
		return res
	}
	h := &localendpoint.Handler{Upload: upload, Secret: os.Getenv(EnvLocalEndpointSecret), Log: func(r localendpoint.Request) {
		if r.Refused != "" {
			fmt.Fprintf(std.Err, "%s %s: %s\n", time.Now().Format(time.DateTime), r.Remote, results.Printable(r.Refused))
		}
	}}
	ln, err := net.Listen("tcp", *listen)
	if err != nil {
		return configError{fmt.Errorf("cannot listen on %s: %w (is PicGo, or another endpoint, running there?)", *listen, err)}
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second, ReadTimeout: time.Minute}
	secret := "no secret"
	if h.Secret != "" {
		secret = "the secret of " + EnvLocalEndpointSecret + " required"
	}
	fmt.Fprintf(std.Err, "listening on http://%s/upload (PicGo's API; %s); Ctrl-C to stop\n", ln.Addr(), secret)
	go func() {
		<-ctx.Done()
		sctx, stop := context.WithTimeout(context.Background(), 5*time.Second)
		defer stop()
		srv.Shutdown(sctx)
	}()
	if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// resultOf is what the endpoint answers for a finished job: its URL, or
// why there is none.
func resultOf(j uploader.Job) localendpoint.Result {
	url, err := results.Link(j)
	return localendpoint.Result{URL: url, Err: err}
}
