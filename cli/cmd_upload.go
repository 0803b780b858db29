package cli

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"golang.org/x/term"

	"imagekit-uploader/emulator"
	"imagekit-uploader/keystore"
	"imagekit-uploader/results"
	"imagekit-uploader/signer"
	"imagekit-uploader/strip"
	"imagekit-uploader/uploader"
)

// EnvTokenEndpointSecret is the bearer secret for --token-endpoint: the
// same secret as token-server's EnvTokenServerSecret, and either name works
// for both commands.
const EnvTokenEndpointSecret = "IMAGEKIT_TOKEN_ENDPOINT_SECRET"

// bearerSecret is the token endpoint's bearer, under either of its names.
func bearerSecret() string {
	return cmp.Or(os.Getenv(EnvTokenEndpointSecret), os.Getenv(EnvTokenServerSecret))
}

type uploadFlags struct {
	endpoint, publicKey, folder, tags, fileName, plan, tokenEndpoint, proxy string
	unique, overwrite, private, asJSON, skipUploaded, sendDoubtful          bool
	readLibrary                                                             bool
	strip                                                                   strip.Mode
	apiEndpoint                                                             string
	concurrency, retries                                                    int
	format                                                                  string
	resultFormat                                                            *results.Format // format, parsed by validate
	options                                                                 uploader.Options
	maxFileSize, preset, limitRate, journal, jobKey                         string
	fromList, shard                                                         string // upload only
	shards                                                                  int
	shardsSet, dryRun                                                       bool
	stderr                                                                  io.Writer // for notes while the run goes on
}

// register adds every upload flag to fs (upload and watch take the same).
func (f *uploadFlags) register(fs *flagSet) {
	fs.StringVar(&f.endpoint, "endpoint", uploader.DefaultEndpoint, "upload URL (plain http only to localhost)")
	fs.StringVar(&f.publicKey, "public-key", os.Getenv(keystore.EnvPublicKey), "ImageKit public key (default $IMAGEKIT_PUBLIC_KEY)")
	settingFlags(fs, f)
	fs.StringVar(&f.preset, "preset", "", "start from this preset's settings (see preset --help); flags given override them")
	fs.StringVar(&f.fileName, "file-name", "", "name to upload under (one file only; default: the file's own name)")
	fs.StringVar(&f.plan, "plan", "free", "your ImageKit plan, for the size check before sending: free, lite or pro")
	fs.StringVar(&f.maxFileSize, "max-file-size", "", "the account's own size limit per file, e.g. 500MB, in place of the plan's")
	fs.StringVar(&f.limitRate, "limit-rate", "", "send at most this many bytes a second in all, e.g. 2MB (default: no limit)")
	fs.BoolVar(&f.skipUploaded, "skip-uploaded", true, "pass over files whose bytes went up to that folder before (from this computer, window or command, this job included); false: upload them anyway")
	fs.BoolVar(&f.readLibrary, "read-library", false, "when an answer is lost, look for the file in the media library instead of leaving it \"may already be uploaded\"; this sends the private key to the library API of the upload server (api.imagekit.io for ImageKit's) over HTTPS, as ImageKit asks to read the library (with --token-endpoint: asks its /lookup, and the key stays there)")
	fs.StringVar(&f.apiEndpoint, "api-endpoint", "", "where ImageKit's API is read (default: api.imagekit.io for ImageKit's upload endpoint, the same server for another)")
	fs.BoolVar(&f.sendDoubtful, "send-doubtful", false, "send the files an earlier run of this job left \"may already be uploaded\" as asked (a new version where a file is there); check the media library first. Without it they stay in doubt, never stored twice")
	fs.StringVar(&f.journal, "journal", "", "keep the journal of this job in FILE, or none (default: one per job in your cache folder, so running the same command again resumes it)")
	fs.IntVar(&f.concurrency, "concurrency", uploader.DefaultConcurrency, fmt.Sprintf("uploads at once, 1 to %d", uploader.MaxConcurrency))
	fs.IntVar(&f.retries, "retries", uploader.DefaultRetries, "retries per file for network errors, 429 and 5xx")
	fs.BoolVar(&f.asJSON, "json", false, "print one JSON object per file on stdout")
	fs.StringVar(&f.format, "format", "", "print each file's line with this Go template over the --json fields, e.g. '{{.url}}?tr=w-800'")
	fs.StringVar(&f.tokenEndpoint, "token-endpoint", "", "get tokens from this POST /auth endpoint instead of signing here")
	fs.StringVar(&f.proxy, "proxy", uploader.ProxyEnvironment, "send through this proxy (http://[user:password@]host:port), or none (default: HTTPS_PROXY)")
}

// settingFlags adds the flags a preset can hold: the upload fields.
func settingFlags(fs *flagSet, f *uploadFlags) {
	fs.StringVar(&f.folder, "folder", "/", "destination folder; {yyyy}, {mm} and {dd} are the upload's date")
	fs.StringVar(&f.tags, "tags", "", "comma-separated tags, e.g. summer,dress")
	fs.BoolVar(&f.unique, "unique", true, "give each file a unique name, name_<first 12 hex digits of its SHA-256>.ext: the same bytes are never stored twice in a folder")
	fs.BoolVar(&f.overwrite, "overwrite", true, "with --unique=false: make a new version of an existing file (without --tags it loses its tags and metadata; --overwrite-tags=false and the like keep them); false: fail instead")
	fs.BoolVar(&f.private, "private", false, "upload as private files")
	fs.Var(stripFlag{&f.strip}, "strip", "before sending, take out of JPEG, PNG and WebP files where they were taken (gps) or all metadata but orientation and colour profile (all), without re-encoding; other kinds are refused")
	optionFlags(fs, &f.options)
}

// stripFlag is --strip: gps, all, or none.
type stripFlag struct{ m *strip.Mode }

func (s stripFlag) String() string {
	if s.m == nil || *s.m == strip.Keep {
		return ""
	}
	return string(*s.m)
}

func (s stripFlag) Set(v string) error {
	m, err := strip.ParseMode(v)
	if err == nil {
		*s.m = m
	}
	return err
}

// optionFlags adds a flag for each of ImageKit's further upload options.
func optionFlags(fs *flagSet, o *uploader.Options) {
	for _, op := range uploader.OptionTable {
		if text := op.Text(o); text != nil {
			fs.StringVar(text, op.Flag, "", op.Usage)
		} else {
			fs.Var(optBool{op, o}, op.Flag, op.Usage)
		}
	}
}

// optBool is the flag of a true/false option, which can be left unset:
// --published, --published=false, or not given (nothing sent; ImageKit's
// default).
type optBool struct {
	op uploader.Option
	o  *uploader.Options
}

func (f optBool) String() string {
	if f.o == nil {
		return ""
	}
	v, _ := f.op.Get(*f.o)
	return v
}

func (f optBool) Set(s string) error {
	if s == "" { // an empty variable, say: never taken for "leave it unset"
		return fmt.Errorf("%q: use true or false", s)
	}
	return f.op.Set(f.o, s)
}

func (f optBool) IsBoolFlag() bool { return true }

func cmdUpload(ctx context.Context, args []string, std Stdio) error {
	fs := newFlags(std, "upload", "upload [flags] PATH...", `
Upload files and folders to ImageKit. Folders keep their structure under
--folder: summer/dresses/a.jpg given as summer/ lands in FOLDER/summer/dresses/.
Hidden files inside folders are skipped; the same file given twice is sent once.

Each request is signed here with the private key from the OS keyring (or
IMAGEKIT_PRIVATE_KEY), or by a team's token endpoint (--token-endpoint, with
its bearer secret in IMAGEKIT_TOKEN_ENDPOINT_SECRET or
IMAGEKIT_TOKEN_SERVER_SECRET: one secret, two names).

Output: one line per file on stdout; progress bars on stderr when it is a
terminal. With --json, one object per line: "path", "status" (uploaded,
already-uploaded, may-be-uploaded, failed or skipped), then the result
("fileId", "name", "filePath", "url", "size", "versionInfo", "tags", and
where the server answered them "AITags", "description", "extensionStatus",
"customMetadata", "customCoordinates", "embeddedMetadata", "isPublished";
"foundInLibrary" when the answer was lost and the version was read from the
library instead), or "error" {"kind", "message", "status", "requestId",
"mayBeUploaded"}, or for a skipped path its "reason". A file whose answer
was lost and that nothing could settle is may-be-uploaded: not sent again,
and, as a failure, the exit is 1.
An error's kind is check (refused before sending), file (the local file),
network, server (the server's answer), config (keys, certificates, a proxy),
or canceled. --format prints each line with a Go template over those fields
instead: '{{if .url}}![{{.name}}]({{.url}}?tr=w-800){{end}}', or
'{{if eq .status "failed"}}{{.path}}: {{.error.message}}{{end}}'. Every field
is on every line ("" or 0 where --json leaves it out), failures too; a line
that comes out empty is not printed; {{.customMetadata.KEY}} is "" where
the answer has no KEY; {{tr .url "w-800"}} adds a transformation to a URL,
{{html .name}} escapes a text for HTML.
The options that ImageKit takes as JSON (--custom-metadata, --extensions,
--transformation) are sent exactly as typed, after a check of their shape.
If the credentials are refused (or a policy or quota refuses the uploads)
before anything went up, or the setup is at fault, no further file is
started; uploads under way finish and are reported; each file not started
has a line ("not sent: ..."); the reason is said once, and the exit is 2
(1 if something went up). A token endpoint's refusal of one file alone (too
large for its --max-expire) is that file's failure. Flags may come before or after the paths;
after -- every argument is a path.

--from-list FILE (or -, or an http(s) URL) uploads a list instead, read as
it goes, so a list of millions costs no more memory than one of ten. Each
line is a local path (a file or a folder), an http(s) URL that ImageKit
fetches itself (nothing passes through this machine; the name is the URL's
last segment), or a JSON object: {"file": "https://…/a.jpg", "fileName":
"a.jpg", "folder": "/x", "tags": ["a","b"], "customMetadata": {…}} with
any of ImageKit's upload fields by their API names, over the flags' values.
Empty lines and lines starting with # are passed over. Unique names of URL
items are made from the URL (without the parameters that presign it), so
the same list run again, on any machine, stores nothing twice. Each --json
line then carries "item" (the item, as a list takes it) and "at" (when),
for 'imagekit-uploader report'. --shard I/N uploads only the items whose
file hashes to I of N, so N workers can share one list; --shards N takes I
from $JOB_COMPLETION_INDEX (a Kubernetes Indexed Job). A list on stdin keeps
no journal unless --journal FILE is given.`)
	f := uploadFlags{stderr: std.Err}
	f.register(fs)
	fs.StringVar(&f.fromList, "from-list", "", "upload the items of this list instead of paths: a file, - for stdin, or an http(s) URL; one local path or http(s) URL a line (ImageKit fetches URLs itself), or a JSON object with \"file\" and the item's own fields (see above)")
	fs.StringVar(&f.shard, "shard", "", "with --from-list, upload only this worker's share I/N of the list (I from 0 to N-1): N workers given the same list split it with no coordinator")
	fs.BoolVar(&f.dryRun, "dry-run", false, "with --from-list, send nothing: check each item as it would be sent (its name, folder, tags, options; a local file's size against the plan) and print where it would go; needs no key")
	fs.IntVar(&f.shards, "shards", 0, "with --from-list, --shard $JOB_COMPLETION_INDEX/N: the share of a Kubernetes Indexed Job's worker")
	paths, err := fs.parseInterleaved(args)
	if err != nil {
		return err
	}
	if err := applyPreset(fs, f.preset); err != nil {
		return err
	}
	fs.Visit(func(fl *flag.Flag) { f.shardsSet = f.shardsSet || fl.Name == "shards" })
	sh, err := f.listShard(paths)
	if err != nil {
		return err
	}
	if len(paths) == 0 && f.fromList == "" {
		return usagef("upload needs at least one file or folder, or --from-list FILE")
	}
	fields, limit, err := f.validate()
	if err != nil {
		return err
	}
	if f.fromList != "" && f.dryRun {
		return f.planList(ctx, std, fields, limit, sh)
	}
	if f.fromList != "" {
		return f.uploadList(ctx, std, fields, limit, sh)
	}
	qctx, cancel := context.WithCancel(ctx)
	defer cancel()
	run, err := f.session(ctx, qctx, std, limit)
	if err != nil {
		return err
	}
	var journalPath string // removed once the session closed it, when nothing is left in it
	defer func() {
		run.Close(context.Background())
		if journalPath != "" {
			removeFinishedJournal(journalPath)
		}
	}()
	q := run.Queue

	items, skipped, err := uploader.CollectContext(ctx, paths)
	if err != nil {
		return fmt.Errorf("stopped while listing the files; nothing was uploaded: %w", err)
	}
	if f.fileName != "" && len(items) != 1 {
		return usagef("--file-name names one file, but %d files were given", len(items))
	}
	jn, left, jpath, err := f.openJournal("upload", paths, fields)
	if err != nil {
		return err
	}
	done, left, err := f.resume(run, jn, jpath, left, false, "file", std)
	if err != nil {
		return err
	}
	defer done.close()
	if jn != nil {
		journalPath = jpath
	}
	out := &uploadReport{w: std.Out, errw: std.Err, json: f.asJSON, format: f.resultFormat, around: func(f func()) { f() }}
	for _, s := range skipped {
		out.skip(s)
	}
	// Files an earlier run of this job stored, unchanged since: not sent
	// again, unless --skip-uploaded=false says to.
	var earlier []doneFile
	if f.skipUploaded {
		items, earlier = done.filter(items)
	}
	for _, d := range earlier {
		text := fmt.Sprintf("already   %s: uploaded by an earlier run of this job, to %s", results.Printable(d.Path), results.Printable(d.FilePath))
		if d.URL != "" {
			text = fmt.Sprintf("already   %s -> %s (uploaded by an earlier run of this job)", results.Printable(d.Path), results.Printable(d.URL))
		}
		out.write(results.Line{Path: d.Path, Status: "already-uploaded", FilePath: d.FilePath, URL: d.URL, Reason: "uploaded by an earlier run of this job"}, text)
	}
	// Credentials refused before anything went up, or a setup fault: no
	// waiting file can succeed, so they are not started, and the command says
	// why once. Uploads already under way finish and are reported.
	var stop struct {
		sync.Mutex
		err      error
		uploaded bool
	}
	run.OnFinish(done.record) // before the journal ends the file: a crash between them loses nothing
	run.OnFinish(func(j uploader.Job) {
		stop.Lock()
		// Only an answer from ImageKit proves the credentials: a file found
		// in the index of uploads went nowhere.
		stop.uploaded = stop.uploaded || j.State == uploader.Done || j.State == uploader.AlreadyUploaded && !fromIndex(j.Err)
		first := false
		if err := refusal(j.Err); err != nil && !stop.uploaded && stop.err == nil {
			stop.err, first = err, true
		}
		stopErr := stop.err
		stop.Unlock()
		if stopErr != nil && j.State == uploader.Canceled && j.Err == nil {
			out.notSent(j, stopErr) // every path given has its line
			return
		}
		out.finished(j)
		if first {
			for _, w := range q.Jobs() {
				if w.State == uploader.Ready || w.State == uploader.Queued {
					q.Cancel(w.ID)
				}
			}
		}
	})
	// Files of an earlier run of this job that did not finish: those that
	// began are sent so that a copy already there is found, not stored
	// again. Listed again below, they are not doubled. Restored once
	// OnFinish is set: one that fails at once (gone since) has its line.
	q.Restore(left)
	added, _ := q.Add(items, fields)
	f.uploadAgain(q, added)
	if jobs := q.Jobs(); f.fileName != "" && len(jobs) > 0 { // none when an earlier run stored it
		q.Update(jobs[0].ID, func(r *uploader.Request) { r.FileName = f.fileName })
	}
	start := time.Now()
	var bars *progressBars
	if file, ok := std.Err.(*os.File); ok && term.IsTerminal(int(file.Fd())) {
		bars = startBars(std.Err, q)
		out.around = bars.above // file lines go above the bars, not through them
	}
	q.Start()
	q.Wait(context.Background()) // ctx's end cancels every job through qctx; wait for them to say so
	if bars != nil {
		bars.stop()
	}
	if stop.err != nil && !stop.uploaded {
		return stop.err // nothing went up: exit 2
	}
	if stop.err != nil {
		fmt.Fprintln(std.Err, "imagekit-uploader:", stop.err)
	}
	doubtNote(std.Err, q)
	t := q.Totals()
	elapsed := time.Since(start)
	failed := t.Count[uploader.Failed] + t.Count[uploader.Canceled]
	already := ""
	if n := t.Count[uploader.AlreadyUploaded] + len(earlier); n > 0 {
		already = fmt.Sprintf(", %d already uploaded", n)
	}
	if n := inDoubt(q); n > 0 { // not sent again, not failed: ImageKit may well have them (exit 1 all the same)
		already += fmt.Sprintf(", %d may already be uploaded", n)
		failed -= n
	}
	fmt.Fprintf(std.Err, "%d uploaded%s, %d failed, %d skipped in %s (%s/s)\n",
		t.Count[uploader.Done], already, failed, len(skipped), elapsed.Round(time.Millisecond),
		uploader.FormatSize(int64(float64(t.Acked)/max(elapsed.Seconds(), 1e-3))))
	switch {
	case failed > 0 || inDoubt(q) > 0:
		return errFailed
	case out.formatFailed > 0:
		return fmt.Errorf("--format could not print %d of the lines (said above, as plain text)", out.formatFailed)
	case t.Count[uploader.Done]+t.Count[uploader.AlreadyUploaded]+len(earlier) == 0:
		return errors.New("nothing was uploaded: the paths given hold no files to upload")
	}
	return nil
}

// inDoubt counts the files left "may already be uploaded".
func inDoubt(q *uploader.Queue) int {
	n := 0
	for _, j := range q.Jobs() {
		if uploader.InDoubt(j) {
			n++
		}
	}
	return n
}

// doubtNote says, after a run, how to settle the files left in doubt.
func doubtNote(w io.Writer, q *uploader.Queue) {
	if n := inDoubt(q); n > 0 {
		fmt.Fprintf(w, "note: %d %s may already be uploaded, with the answer lost. Check the media library: running this again keeps %s in doubt, never stored twice; add --send-doubtful to send %s again as asked (a new version where a file is there).\n",
			n, plural(n, "file", "files"), plural(n, "it", "them"), plural(n, "it", "them"))
	}
}

// clock is the time of day for the folder's date placeholders (tests
// move it past midnight).
var clock = time.Now

// minRate is the lowest --limit-rate: 32 KB a second keeps 16 uploads'
// 16 KB steps less than 10 s apart, far within the stall limit.
const minRate = 32 << 10

// session starts the run the flags ask for: its client and tokens, its
// limits, and the index of uploads. It uploads until ctx ends.
func (f *uploadFlags) session(ctx, qctx context.Context, std Stdio, limit uploader.Limit) (*uploader.Session, error) {
	tokens, priv, err := f.tokenSource(ctx)
	if err != nil {
		return nil, err
	}
	var lib uploader.Library
	switch {
	case f.readLibrary && f.tokenEndpoint != "": // the key stays on the token server: its /lookup reads for us
		lib = uploader.RemoteLibrary{URL: uploader.LookupURL(f.tokenEndpoint), Secret: bearerSecret()}
	case f.readLibrary:
		api := cmp.Or(f.apiEndpoint, uploader.LibraryEndpoint(f.endpoint))
		if err := uploader.CheckEndpoint(api + "/v1/files"); err != nil {
			return nil, usagef("--api-endpoint: %v", err)
		}
		lib = uploader.APILibrary{Endpoint: api, PrivateKey: priv}
	}
	set := uploader.Settings{Library: lib, Endpoint: f.endpoint, Tokens: tokens, Proxy: f.proxy, Retries: f.retries,
		Concurrency: f.concurrency, Limit: limit, Notice: func(s string) { fmt.Fprintln(std.Err, "note:", s) }}
	if f.limitRate != "" {
		if set.LimitRate, err = uploader.ParseSize(f.limitRate); err != nil {
			return nil, usagef("--limit-rate: %v", err)
		}
		if set.LimitRate < minRate {
			// Slower, an upload's steps come so far apart that it looks stalled.
			return nil, usagef("--limit-rate must be at least %s a second", uploader.FormatSize(minRate))
		}
	}
	s, err := uploader.NewSession(qctx, set)
	if err != nil {
		return nil, usagef("--proxy: %v", errors.Unwrap(err))
	}
	s.UseIndex(f.openIndex(std))
	return s, nil
}

// validate turns the flags into upload fields, or a usage error (exit 2).
func (f *uploadFlags) validate() (uploader.Fields, uploader.Limit, error) {
	fields := uploader.DefaultFields()
	if err := uploader.CheckEndpoint(f.endpoint); err != nil {
		return fields, uploader.Limit{}, usageError{err.Error()}
	}
	folder, err := uploader.ExpandFolder(f.folder, clock())
	if err == nil {
		folder, err = uploader.CleanFolder(folder)
	}
	if err != nil {
		return fields, uploader.Limit{}, usagef("--folder: %v", err)
	}
	tags := uploader.ParseTags(f.tags)
	if err := uploader.CheckTags(tags); err != nil {
		return fields, uploader.Limit{}, usagef("--tags: %v", err)
	}
	if f.fileName != "" {
		if err := uploader.CheckFileName(f.fileName); err != nil {
			return fields, uploader.Limit{}, usagef("--file-name: %v", err)
		}
	}
	plan, err := uploader.ParsePlan(f.plan)
	if err != nil {
		return fields, uploader.Limit{}, usagef("--plan: %v", err)
	}
	limit := uploader.Limit{Plan: plan}
	if f.maxFileSize != "" {
		if limit.MaxFileSize, err = uploader.ParseSize(f.maxFileSize); err != nil {
			return fields, uploader.Limit{}, usagef("--max-file-size: %v", err)
		}
	}
	if err := f.options.Check(); err != nil {
		return fields, uploader.Limit{}, settingError(err)
	}
	if f.concurrency < 1 || f.concurrency > uploader.MaxConcurrency {
		return fields, uploader.Limit{}, usagef("--concurrency must be from 1 to %d, got %d", uploader.MaxConcurrency, f.concurrency)
	}
	if f.retries < 0 {
		return fields, uploader.Limit{}, usagef("--retries must not be negative")
	}
	if err := keystore.CheckPublicKey(f.publicKey); err != nil {
		return fields, uploader.Limit{}, usagef("--public-key: %v", err)
	}
	if f.publicKey == "" && f.tokenEndpoint == "" && !f.dryRun {
		return fields, uploader.Limit{}, usagef("upload needs --public-key (or IMAGEKIT_PUBLIC_KEY)")
	}
	if f.format != "" {
		if f.asJSON {
			return fields, uploader.Limit{}, usagef("--json and --format both say how to print the results: give one")
		}
		if f.resultFormat, err = results.ParseFormat(f.format); err != nil {
			return fields, uploader.Limit{}, formatUsage(err)
		}
	}
	fields.Folder, fields.Tags = folder, tags
	fields.UseUniqueFileName, fields.OverwriteFile, fields.IsPrivateFile = f.unique, f.overwrite, f.private
	fields.Options = f.options
	fields.Strip = f.strip
	return fields, limit, nil
}

// settingError is a refused setting as a usage error naming its flag.
func settingError(err error) error {
	var ce *uploader.CheckError
	if errors.As(err, &ce) {
		if ce.Field == "folder" || ce.Field == "tags" {
			return usagef("--%s: %s", ce.Field, ce.Reason)
		}
		if op, ok := uploader.LookupOption(ce.Field); ok {
			return usagef("--%s: %s", op.Flag, ce.Reason)
		}
	}
	return usageError{err.Error()}
}

// tokenSource signs here with the private key, or asks the token endpoint.
// The demo public key signs with the demo private key, for the local server only.
func (f *uploadFlags) tokenSource(ctx context.Context) (tokens uploader.TokenSource, privateKey string, err error) {
	if f.tokenEndpoint != "" {
		if err := uploader.CheckEndpoint(f.tokenEndpoint); err != nil {
			return nil, "", usagef("--token-endpoint: %v", err)
		}
		secret := bearerSecret()
		if secret == "" {
			return nil, "", usagef("set %s (or %s) to the token endpoint's bearer secret", EnvTokenEndpointSecret, EnvTokenServerSecret)
		}
		return uploader.RemoteTokens{URL: f.tokenEndpoint, Secret: secret, PublicKey: f.publicKey}, "", nil
	}
	var priv string
	if f.publicKey == emulator.DemoPublicKey && os.Getenv(keystore.EnvPrivateKey) == "" {
		if uploader.CheckEndpoint(f.endpoint) != nil || !strings.HasPrefix(f.endpoint, "http://") {
			return nil, "", usagef("the demo key works only with a local server (imagekit-uploader emulator)")
		}
		priv = emulator.DemoPrivateKey
	} else {
		if priv, _, err = keyStore.PrivateKeyFor(ctx, f.publicKey); err != nil {
			return nil, "", keyError(err)
		}
	}
	s, err := signer.New(f.publicKey, priv)
	if err != nil {
		return nil, "", usageError{err.Error()}
	}
	return uploader.LocalTokens{Signer: s}, priv, nil
}

// uploadReport prints one line per file as it finishes.
type uploadReport struct {
	mu           sync.Mutex
	w            io.Writer
	errw         io.Writer // where a --format template that fails on a line says so
	json         bool
	format       *results.Format // --format, or nil
	formatFailed int             // lines --format could not print
	around       func(func())    // wraps each write: the progress bars step aside
	list         bool            // the lines of a list's items: each carries its item and time
}

// refusal words, for the command line, a failure that no other file can
// escape: the credentials refused (by ImageKit, or by the token endpoint),
// or a setup fault. It is nil for any other failure.
func refusal(err error) error {
	x := uploader.Explain(err)
	switch x.Refused {
	case uploader.RefusedSetup:
		return configError{x.Cause}
	case uploader.RefusedSecret:
		return configError{fmt.Errorf("%w: check %s (or %s)", x.Cause, EnvTokenEndpointSecret, EnvTokenServerSecret)}
	case uploader.RefusedPublicKey:
		return configError{fmt.Errorf("%w: check --public-key (or %s)", x.Cause, keystore.EnvPublicKey)}
	case uploader.RefusedPolicy:
		return configError{fmt.Errorf("%w: the endpoint's policy allows none of these uploads; check --folder and the options with its owner", x.Cause)}
	case uploader.RefusedKey:
		ae := x.Cause.(*uploader.APIError)
		return configError{fmt.Errorf("ImageKit refused the key (%d %s): check --public-key and %s", ae.Status, ae.Message, privateKeyHint())}
	case uploader.RefusedAccount:
		ae := x.Cause.(*uploader.APIError)
		return configError{fmt.Errorf("ImageKit refused this account's uploads (%d %s): check %s, and the account's plan and quota", ae.Status, ae.Message, privateKeyHint())}
	}
	return nil
}

func (r *uploadReport) write(l results.Line, text string) {
	if !utf8.ValidString(l.Path) {
		l.PathBytes = []byte(l.Path) // JSON would replace its bad bytes: a path no script could open
	}
	if r.list {
		l.At = listTime()
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.around(func() {
		if r.format != nil {
			b, err := r.format.Line(l)
			if err != nil {
				// Not on stdout, where a script expects the template's lines;
				// said on stderr with the line, and the exit is 1.
				r.formatFailed++
				fmt.Fprintf(r.errw, "imagekit-uploader: --format: %v; the line: %s\n", err, text)
				return
			}
			r.w.Write(b)
			return
		}
		if r.json {
			r.w.Write(marshalLine(l))
			return
		}
		fmt.Fprintln(r.w, text)
	})
}

// marshalLine is l as a JSON line. A list's item is JSON already (made by
// json.Marshal, or a line json.Unmarshal read): it goes in as it is, not
// through json.Marshal again, which would check and compact it a second
// time (a third of a million-line plan's time).
func marshalLine(l results.Line) []byte {
	item := l.Item
	l.Item = nil
	if !json.Valid(item) || !utf8.Valid(item) {
		item = jsonString(string(item)) // never a line that is not JSON
	}
	b, _ := json.Marshal(l)
	if len(item) > 0 {
		b = append(append(append(b[:len(b)-1], `,"item":`...), item...), '}')
	}
	return append(b, '\n')
}

// notSent reports a file not started because of err, which stopped the run.
func (r *uploadReport) notSent(j uploader.Job, err error) {
	msg := "not sent: " + err.Error()
	l := results.Line{Path: j.Request.Path, Status: "failed", Error: &results.Error{Kind: "canceled", Message: msg}}
	if r.list {
		l.Item = itemJSON(j.Request)
	}
	r.write(l,
		fmt.Sprintf("failed    %s: %s", results.Printable(j.Request.Path), results.Printable(msg)))
}

// privateKeyHint names where the private key came from, for advice.
func privateKeyHint() string {
	if os.Getenv(keystore.EnvPrivateKey) != "" {
		return keystore.EnvPrivateKey + " (used in place of the OS keyring)"
	}
	return "the private key ('imagekit-uploader key status')"
}

// advice is what the command line adds to the engine's words about err:
// the flag that does what they say.
func advice(err error) string {
	var na *uploader.NotAppliedError
	switch {
	case errors.As(err, &na) && na.Unique:
		return " (here: --unique=false)"
	case errors.As(err, &na):
		return " (here: --skip-uploaded=false)"
	}
	return ""
}

// fromIndex says whether err is a file passed over because the index of
// uploads has its bytes: no request was sent for it.
func fromIndex(err error) bool {
	var au *uploader.AlreadyUploadedError
	return errors.As(err, &au) && !au.Earlier.IsZero()
}

func (r *uploadReport) skip(s uploader.Skip) {
	r.write(results.Line{Path: s.Path, Status: "skipped", Reason: s.Reason}, fmt.Sprintf("skipped   %s: %s", results.Printable(s.Path), results.Printable(s.Reason)))
}

func (r *uploadReport) finished(j uploader.Job) {
	l := results.FromJob(j)
	if r.list {
		l.Item = itemJSON(j.Request)
	}
	p := results.Printable
	if j.Request.URL != "" {
		// A URL item's text line names it without what signs it, there and
		// in a message that quotes it; --json keeps it whole, to send again.
		u, short := j.Request.URL, redactURL(j.Request.URL)
		p = func(s string) string { return results.Printable(strings.ReplaceAll(s, u, short)) }
	}
	var text string
	switch l.Status {
	case "uploaded":
		text = fmt.Sprintf("uploaded  %s -> %s", p(l.Path), p(l.URL))
		if l.VersionInfo != nil && l.VersionInfo.Name != "" {
			text += " (" + p(l.VersionInfo.Name) + ")"
		}
	case "already-uploaded":
		text = fmt.Sprintf("already   %s: ImageKit has it at %s (%s); not stored again", p(l.Path), p(l.FilePath), p(l.Reason))
		if l.URL != "" {
			text = fmt.Sprintf("already   %s -> %s (%s); not stored again", p(l.Path), p(l.URL), p(l.Reason))
		}
	case "may-be-uploaded":
		text = fmt.Sprintf("in doubt  %s: %s", p(l.Path), p(l.Error.Message))
		if l.Error.RequestID != "" {
			text += " (request id " + p(l.Error.RequestID) + ")"
		}
	default:
		text = fmt.Sprintf("failed    %s: %s", p(l.Path), p(l.Error.Message)+advice(j.Err))
		if l.Error.RequestID != "" {
			text += " (request id " + p(l.Error.RequestID) + ")"
		}
	}
	r.write(l, text)
}

// plural is results.Plural: "1 file", "2 files".
var plural = results.Plural
