package uploader

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"
)

// Concurrency limits.
const (
	DefaultConcurrency = 4
	MaxConcurrency     = 16 // as ImageKit's own bulk tool
)

// Queue uploads jobs with bounded concurrency. It is the only owner of its
// jobs' state: every change happens under its lock, and a report that comes
// late (from an attempt that has ended, or for a job that has finished) is
// dropped where it is made. Readers take snapshots with Job and Jobs.
type Queue struct {
	// OnChange, when set before the first Add, is told which job changed: on
	// every change of state, and for progress at most every 100 ms per job.
	// It names the job only; read its state with Job, which is always the
	// newest, whatever order the calls arrive in. It is called from the
	// queue's goroutines and must not block.
	OnChange func(JobID)
	// OnFinish, when set before the first Add, is given each job's final
	// snapshot once per ending (done, failed, canceled, already uploaded),
	// before the job stops counting as active, so Wait never returns ahead of
	// it. Record results here; it runs on the job's own goroutine.
	OnFinish func(Job)

	client  *Client
	ctx     context.Context
	journal *Journal

	mu      sync.Mutex
	limit   int
	sizes   Limit
	jobs    map[JobID]*job
	order   []JobID
	pending []*job
	running int
	nextID  JobID
	idle    chan struct{}  // closed when nothing runs or waits; replaced when work starts
	paused  bool           // no upload is started
	index   *UploadedIndex // what went up before, or nil
	library Library        // where a lost answer is looked for, or nil
	hashing bool           // hashAhead is at work
	toRead  []*job         // queued jobs hashAhead has not looked at, in order
}

// SetIndex makes the queue pass over files whose bytes went up to the same
// account's folder before (AlreadyUploadedError with Earlier set), unless
// the request says UploadAgain, and record each upload in x.
func (q *Queue) SetIndex(x *UploadedIndex) {
	q.mu.Lock()
	q.index = x
	q.mu.Unlock()
}

// errPaused stops an upload that Pause(true) sends back to wait its turn.
var errPaused = errors.New("paused")

// Pause stops starting uploads; files queued wait. With now, the uploads
// under way are stopped too and queued again, first in line: they start
// over when Resume is called.
func (q *Queue) Pause(now bool) {
	q.mu.Lock()
	q.paused = true
	var running []*job
	if now {
		for _, j := range q.jobs {
			if (j.State == Uploading || j.State == Retrying) && j.cancelCause != nil {
				running = append(running, j)
			}
		}
	}
	q.mu.Unlock()
	for _, j := range running {
		j.cancelCause(errPaused)
	}
}

// Resume starts uploads again after Pause.
func (q *Queue) Resume() {
	q.mu.Lock()
	q.paused = false
	q.mu.Unlock()
	go q.hashAhead()
	q.schedule()
}

// Paused says whether the queue is paused.
func (q *Queue) Paused() bool {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.paused
}

type job struct {
	Job
	read        bool // its SHA-256 was read ahead (or could not be)
	key         fileKey
	run         int          // counts the job's runs (Start, each Retry): reports carry the run they belong to
	starts      atomic.Int32 // counts its uploads begun: a token asked for ahead of one is wasted once it began
	cancel      context.CancelFunc
	cancelCause context.CancelCauseFunc // the same, with a reason: errPaused
	lastAt      time.Time
	lastSnt     int64
}

// NewQueue makes a queue that uploads with client until ctx ends.
func NewQueue(ctx context.Context, client *Client, concurrency int, plan Plan) *Queue {
	idle := make(chan struct{})
	close(idle)
	q := &Queue{client: client, ctx: ctx, jobs: map[JobID]*job{}, idle: idle, sizes: Limit{Plan: plan}}
	q.SetConcurrency(concurrency)
	return q
}

// SetConcurrency changes how many uploads run at once (1 to MaxConcurrency).
func (q *Queue) SetConcurrency(n int) {
	q.mu.Lock()
	q.limit = min(max(n, 1), MaxConcurrency)
	q.mu.Unlock()
	go q.schedule() // pre-checks touch the disk: never on the caller's (the window's) goroutine
}

// SetClient changes the client that jobs started from now on upload with
// (another endpoint or key); running jobs keep theirs.
func (q *Queue) SetClient(c *Client) {
	q.mu.Lock()
	q.client = c
	q.mu.Unlock()
}

// SetJournal makes the queue record its work in jn from now on: set it
// before the first Add.
func (q *Queue) SetJournal(jn *Journal) {
	q.mu.Lock()
	q.journal = jn
	q.mu.Unlock()
}

// SetPlan changes the plan whose size limits the pre-check applies.
func (q *Queue) SetPlan(p Plan) {
	q.mu.Lock()
	q.sizes.Plan = p
	q.mu.Unlock()
}

// SetMaxFileSize sets the account's own size limit, in place of the plan's
// (enterprise plans have their own); 0 goes back to the plan's.
func (q *Queue) SetMaxFileSize(n int64) {
	q.mu.Lock()
	q.sizes.MaxFileSize = max(n, 0)
	q.mu.Unlock()
}

// AddRequests makes a Ready job for each request not in the queue already
// (a list's items: each with its own name, fields, or URL). A request is
// the same as another when it sends the same path to the same folder under
// the same name; the same file to two places is two jobs.
func (q *Queue) AddRequests(reqs []Request) (added []JobID, duplicates int) {
	items := make([]Item, len(reqs))
	by := make(map[string]Request, len(reqs))
	for i, r := range reqs {
		k := r.Path + "\x00" + r.Fields.Folder + "\x00" + r.Rel + "\x00" + r.FileName
		items[i] = Item{Path: r.Path, Size: r.Size, Key: fileKey{path: k}}
		by[k] = r
	}
	return q.add(items, func(it Item) Request { return by[it.Key.path] })
}

// Add makes a Ready job for each item not already in the queue, and returns
// their ids and how many were already there. An item with an error becomes
// a Failed job that says why.
func (q *Queue) Add(items []Item, fields Fields) (added []JobID, duplicates int) {
	return q.add(items, func(it Item) Request {
		return Request{Path: it.Path, Rel: it.Rel, FileName: filepath.Base(it.Path), Size: it.Size, Fields: fields}
	})
}

// Restore adds again the files a journal held unfinished, each with the
// name, place and fields it had. A file whose upload began is Resumed: it may
// be on the server already.
func (q *Queue) Restore(files []Unfinished) (added []JobID) {
	for _, u := range files {
		if u.URL != "" { // fetched by ImageKit: nothing here to look at
			ids, _ := q.add([]Item{{Path: u.Path}}, func(it Item) Request {
				return Request{Path: u.Path, URL: u.URL, Rel: u.Rel, FileName: u.FileName, Fields: u.Fields, Resumed: u.Started, SentAt: u.SentAt}
			})
			added = append(added, ids...)
			continue
		}
		items, _ := Collect([]string{u.Path})
		if info, err := os.Stat(u.Path); err == nil && !info.Mode().IsRegular() {
			// Not the file it was (a folder now, say): listed as failed,
			// which ends it in the journal, never expanded.
			items = []Item{{Path: u.Path, Err: &FileError{Path: u.Path, Reason: "it is no longer a file; upload what it is now by adding it again"}}}
		}
		ids, _ := q.add(items, func(it Item) Request {
			return Request{Path: it.Path, Rel: u.Rel, FileName: u.FileName, Size: it.Size, Fields: u.Fields, Resumed: u.Started, SentAt: u.SentAt}
		})
		added = append(added, ids...)
	}
	return added
}

func (q *Queue) add(items []Item, request func(Item) Request) (added []JobID, duplicates int) {
	var failed, listed []Job
	q.mu.Lock()
	jn := q.journal
	defer func() {
		jn.added(listed)
		q.finish(failed...)
	}()
	defer q.mu.Unlock()
	have := make(map[fileKey]*job, len(q.jobs))
	for _, j := range q.jobs {
		if j.key != (fileKey{}) {
			have[j.key] = j
		}
	}
	for _, it := range items {
		if it.Key == (fileKey{}) {
			it.Key = fileKey{path: it.Path} // not a file (an unreadable folder), or made by hand: listed once by its path
		}
		if had := have[it.Key]; it.Err == nil && had != nil {
			duplicates++
			if had.State == Ready && request(it).Resumed {
				had.Request.Resumed = true // listed already, and maybe on the server: guarded all the same
			}
			continue
		}
		q.nextID++
		j := &job{key: it.Key, Job: Job{ID: q.nextID, Request: request(it), journalRun: newRun()}}
		have[it.Key] = j
		if it.Err != nil {
			j.State, j.Err, j.Ended = Failed, it.Err, time.Now()
			failed = append(failed, j.Job)
		} else {
			listed = append(listed, j.Job)
		}
		q.jobs[j.ID] = j
		q.order = append(q.order, j.ID)
		added = append(added, j.ID)
	}
	return added, duplicates
}

// Update changes a job's request while it is Ready (or Failed or Canceled,
// before a retry): its name, its fields.
func (q *Queue) Update(id JobID, f func(*Request)) error {
	q.mu.Lock()
	defer q.mu.Unlock()
	j := q.jobs[id]
	if j == nil {
		return fmt.Errorf("no job %d", id)
	}
	if j.State != Ready && j.State != Failed && j.State != Canceled && j.State != AlreadyUploaded {
		return fmt.Errorf("%s is %s; it can be changed only before it starts", j.Request.FileName, j.State)
	}
	f(&j.Request)
	return nil
}

// Start queues the given Ready jobs, or all Ready jobs when none are given.
func (q *Queue) Start(ids ...JobID) {
	q.mu.Lock()
	if len(ids) == 0 {
		ids = q.order
	}
	var changed []JobID
	var queued []Job
	for _, id := range ids {
		if j := q.jobs[id]; j != nil && j.State == Ready {
			q.enqueueLocked(j)
			changed = append(changed, id)
			queued = append(queued, j.Job)
		}
	}
	jn := q.journal
	q.mu.Unlock()
	jn.added(queued) // a run of its own, with the fields it is sent with
	q.changed(changed...)
	go q.schedule() // pre-checks touch the disk: never on the caller's (the window's) goroutine
	go q.hashAhead()
}

// Retry queues a Failed, Canceled or AlreadyUploaded job again; the last is
// then uploaded as a new version (ask the person first).
func (q *Queue) Retry(id JobID) {
	q.mu.Lock()
	j := q.jobs[id]
	if j == nil || (j.State != Failed && j.State != Canceled && j.State != AlreadyUploaded) {
		q.mu.Unlock()
		return
	}
	j.Request.Resumed = false // a retry is a person's decision: upload it, even as a new version
	q.enqueueLocked(j)
	snap, jn := j.Job, q.journal
	q.mu.Unlock()
	jn.added([]Job{snap})
	q.changed(id)
	go q.schedule() // pre-checks touch the disk: never on the caller's (the window's) goroutine
}

// RetryFailed queues every Failed job again, except those that may already
// be on the server (a *MaybeUploadedError): another upload of those could
// store a second copy, which is for a person to decide, one by one. It
// returns how many it left.
func (q *Queue) RetryFailed() (left int) {
	for _, j := range q.Jobs() {
		if j.State != Failed {
			continue
		}
		if errors.As(j.Err, new(*MaybeUploadedError)) {
			left++
			continue
		}
		q.Retry(j.ID)
	}
	return left
}

// waitAgain puts j back in the waiting state, with nothing of its last
// run's attempts, answer or end left. The caller holds q.mu.
func (j *job) waitAgain() {
	j.State, j.Err, j.Result, j.Ended, j.RetryAt = Queued, nil, nil, time.Time{}, time.Time{}
	j.Acked, j.Attempt, j.Speed, j.ETA = 0, 0, 0, 0
}

func (q *Queue) enqueueLocked(j *job) {
	j.waitAgain()
	j.run++
	j.journalRun = newRun()   // so the end of an earlier run can never end this one
	j.read, j.Read = false, 0 // read again, ahead, if it must be
	q.pending = append(q.pending, j)
	q.toRead = append(q.toRead, j)
	q.busyLocked()
}

func (q *Queue) busyLocked() {
	select {
	case <-q.idle:
		q.idle = make(chan struct{})
	default:
	}
}

// Cancel stops one job: a waiting one at once, a running one as soon as its
// request is aborted.
func (q *Queue) Cancel(id JobID) {
	q.mu.Lock()
	j := q.jobs[id]
	if j == nil {
		q.mu.Unlock()
		return
	}
	var snap []Job
	switch j.State {
	case Ready, Queued:
		q.dropPendingLocked(j)
		j.State, j.Ended = Canceled, time.Now()
		snap = append(snap, j.Job)
	case Uploading, Retrying:
		j.cancel()
	}
	q.mu.Unlock()
	q.finish(snap...)
	if len(snap) > 0 {
		q.mu.Lock()
		q.idleIfDoneLocked() // after the report, as in run
		q.mu.Unlock()
	}
}

// CancelAll stops every job that has not finished.
func (q *Queue) CancelAll() {
	for _, j := range q.Jobs() {
		if !j.State.Finished() {
			q.Cancel(j.ID)
		}
	}
}

func (q *Queue) dropPendingLocked(j *job) {
	for i, p := range q.pending {
		if p == j {
			q.pending = append(q.pending[:i], q.pending[i+1:]...)
			return
		}
	}
}

// Remove forgets finished jobs (Clear finished). It returns how many.
func (q *Queue) Remove(f func(Job) bool) int {
	q.mu.Lock()
	defer q.mu.Unlock()
	kept := q.order[:0]
	n := 0
	for _, id := range q.order {
		j := q.jobs[id]
		if j.State.Finished() && f(j.Job) {
			delete(q.jobs, id)
			n++
			continue
		}
		kept = append(kept, id)
	}
	q.order = kept
	return n
}

// Jobs returns a snapshot of every job, in the order they were added.
func (q *Queue) Jobs() []Job {
	q.mu.Lock()
	defer q.mu.Unlock()
	out := make([]Job, 0, len(q.order))
	for _, id := range q.order {
		out = append(out, q.jobs[id].Job)
	}
	return out
}

// Job returns a snapshot of one job.
func (q *Queue) Job(id JobID) (Job, bool) {
	q.mu.Lock()
	defer q.mu.Unlock()
	j := q.jobs[id]
	if j == nil {
		return Job{}, false
	}
	return j.Job, true
}

// Totals sums the queue up.
type Totals struct {
	Count        map[State]int
	Bytes, Acked int64 // of the jobs not canceled; Acked counts finished files whole
	Speed        float64
	ETA          time.Duration
	Active       int // jobs queued, uploading or retrying
}

// Totals returns the queue's figures now.
func (q *Queue) Totals() Totals {
	q.mu.Lock()
	defer q.mu.Unlock()
	t := Totals{Count: map[State]int{}}
	for _, j := range q.jobs {
		t.Count[j.State]++
		if j.State == Canceled {
			continue
		}
		t.Bytes += j.Request.Size
		switch {
		case j.State == Done || j.State == AlreadyUploaded:
			t.Acked += j.Request.Size
		case j.State == Uploading:
			t.Acked += j.Acked
			t.Speed += j.Speed
		}
		if !j.State.Finished() && j.State != Ready {
			t.Active++
		}
	}
	if t.Speed > 0 {
		var left int64
		for _, j := range q.jobs {
			if j.State == Queued || j.State == Uploading || j.State == Retrying {
				left += j.Request.Size - j.Acked
			}
		}
		t.ETA = time.Duration(float64(left) / t.Speed * float64(time.Second))
	}
	return t
}

// Wait blocks until no job runs or waits for a slot, or ctx ends.
func (q *Queue) Wait(ctx context.Context) error {
	q.mu.Lock()
	idle := q.idle
	q.mu.Unlock()
	select {
	case <-idle:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// schedule starts waiting jobs while there are free slots. Pre-checks run
// here, so a file that cannot be sent fails without an upload. A job takes
// its slot before its check, so the queue never looks idle while a check is
// under way.
func (q *Queue) schedule() {
	for {
		q.mu.Lock()
		if q.paused || q.running >= q.limit || len(q.pending) == 0 {
			q.idleIfDoneLocked()
			q.mu.Unlock()
			return
		}
		j := q.pending[0]
		q.pending = q.pending[1:]
		q.running++ // the slot is the job's from now on
		sizes, index, client := q.sizes, q.index, q.client
		req := j.Request
		q.mu.Unlock()

		size, err := precheck(req, sizes) // disk work, outside the lock
		req.Size = size
		if err == nil && index != nil && !req.UploadAgain && client != nil && req.URL == "" {
			err = earlier(q.ctx, index, client, req) // reads the file for its SHA-256 (once: kept)
		}

		q.mu.Lock()
		if j.State != Queued || err != nil {
			var snap []Job
			if au := new(AlreadyUploadedError); j.State == Queued && errors.As(err, &au) {
				j.State, j.Err, j.Ended, j.Acked = AlreadyUploaded, err, time.Now(), size
				snap = append(snap, j.Job)
			} else if j.State == Queued { // not canceled meanwhile: the check failed
				j.State, j.Err, j.Ended = Failed, err, time.Now()
				snap = append(snap, j.Job)
			}
			q.mu.Unlock()
			q.finish(snap...) // reported before the slot is given back, as in run
			q.mu.Lock()
			q.running--
			q.mu.Unlock()
			continue
		}
		j.Request.Size = size
		ctx, cancel := context.WithCancelCause(q.ctx)
		j.cancel, j.cancelCause = func() { cancel(context.Canceled) }, cancel
		j.State, j.Started, j.Attempt = Uploading, time.Now(), 1
		j.lastAt, j.lastSnt = time.Now(), 0
		j.starts.Add(1)
		req, client, run := j.Request, q.client, j.run
		q.mu.Unlock()
		q.changed(j.ID)
		go q.upload(ctx, j, run, req, client)
		q.prefetchNext()
	}
}

// prefetchNext asks for the tokens of the files next in line, as many as
// run at once, so that their token endpoint's round trip overlaps the
// uploads under way.
func (q *Queue) prefetchNext() {
	type next struct {
		r       Request
		waiting func() bool
	}
	q.mu.Lock()
	nexts := make([]next, 0, q.limit)
	for _, j := range q.pending[:min(q.limit, len(q.pending))] {
		starts := j.starts.Load()
		nexts = append(nexts, next{j.Request, func() bool { return j.starts.Load() == starts }})
	}
	client := q.client
	q.mu.Unlock()
	for _, n := range nexts {
		client.prefetch(n.r, n.waiting)
	}
}

func (q *Queue) idleIfDoneLocked() {
	if q.running == 0 && len(q.pending) == 0 {
		select {
		case <-q.idle:
		default:
			close(q.idle)
		}
	}
}

// upload runs one run of a job; run tells its reports from those of the
// job's other runs.
func (q *Queue) upload(ctx context.Context, j *job, run int, req Request, client *Client) {
	res, err := client.Upload(ctx, req, func(a Attempt) { q.progress(j, run, a) })
	res, err = q.settle(ctx, j, req, client, res, err) // reads the library: before the lock
	err = q.applied(client, req, err)                  // reads the index: before the lock
	record := func() {}                                // in the index of uploaded files, before the end is reported
	q.mu.Lock()
	j.cancel()
	if errors.Is(err, errPaused) && j.State != Canceled {
		// Paused now: back in line, first, to start over. A file sent whole
		// may be stored already: guarded as after a crash.
		j.run++
		j.waitAgain()
		if errors.As(err, new(*MaybeUploadedError)) {
			j.Request.Resumed = true
		}
		q.pending = append([]*job{j}, q.pending...)
		q.running--
		q.mu.Unlock()
		q.changed(j.ID)
		return
	}
	j.Ended = time.Now()
	j.Speed, j.ETA, j.RetryAt = 0, 0, time.Time{}
	switch {
	case err == nil:
		j.State, j.Result, j.Acked = Done, res, j.Request.Size
		if q.index != nil {
			record = func() { q.record(client, req, res.SentSHA256, res.FilePath, res.URL) }
		}
	case errors.Is(err, context.Canceled):
		j.State, j.Err = Canceled, nil
		if errors.As(err, new(*MaybeUploadedError)) {
			j.Err = err // canceled once the whole file was sent: it may be stored
		}
	case errors.As(err, new(*AlreadyUploadedError)):
		j.State, j.Err, j.Acked = AlreadyUploaded, err, j.Request.Size
		if au := new(AlreadyUploadedError); q.index != nil && errors.As(err, &au) && au.SameContent {
			record = func() { q.record(client, req, au.sum, au.FilePath, au.URL) }
		}
	default:
		j.State, j.Err = Failed, err
	}
	snap := j.Job
	q.mu.Unlock()
	record()
	// Report the end before the job stops counting as running, so that Wait
	// never returns while a final state is still being recorded.
	q.finish(snap)
	q.mu.Lock()
	q.running--
	q.mu.Unlock()
	q.schedule()
}

// progress folds an attempt's report into the job: a new attempt starts its
// bytes from zero (progress restarts honestly), and the speed is smoothed.
func (q *Queue) progress(j *job, run int, a Attempt) {
	q.mu.Lock()
	if j.run != run || j.State.Finished() || a.N < j.Attempt {
		q.mu.Unlock() // late: from a run or an attempt that has ended
		return
	}
	if a.Begin {
		// Recorded before the attempt sends a byte: after a crash, only a
		// file with this record can be on the server.
		snap, jn := j.Job, q.journal
		q.mu.Unlock()
		jn.sending(snap)
		q.mu.Lock()
	}
	now := time.Now()
	switch {
	case a.Cause != nil: // waiting to retry
		j.State, j.Err, j.Acked, j.Speed, j.ETA = Retrying, a.Cause, 0, 0, 0
		j.RetryAt = now.Add(a.Wait)
	case a.N != j.Attempt || j.State == Retrying:
		j.State, j.Attempt, j.Acked, j.Speed, j.ETA, j.RetryAt = Uploading, a.N, min(a.Acked, j.Request.Size), 0, 0, time.Time{}
		j.lastAt, j.lastSnt = now, j.Acked
	default:
		sent := min(a.Acked, j.Request.Size)
		if dt := now.Sub(j.lastAt).Seconds(); dt > 0 && sent >= j.lastSnt {
			rate := float64(sent-j.lastSnt) / dt
			if j.Speed == 0 {
				j.Speed = rate
			} else {
				j.Speed = 0.7*j.Speed + 0.3*rate
			}
		}
		j.Acked, j.lastAt, j.lastSnt = sent, now, sent
		if j.Speed > 0 {
			j.ETA = time.Duration(float64(j.Request.Size-sent) / j.Speed * float64(time.Second))
		}
	}
	q.mu.Unlock()
	q.changed(j.ID)
}

// changed tells OnChange which jobs changed.
func (q *Queue) changed(ids ...JobID) {
	if q.OnChange == nil {
		return
	}
	for _, id := range ids {
		q.OnChange(id)
	}
}

// finish hands final snapshots to OnFinish, ends them in the journal (after
// OnFinish has recorded the results), then says they changed.
func (q *Queue) finish(jobs ...Job) {
	q.mu.Lock()
	jn := q.journal
	q.mu.Unlock()
	for _, j := range jobs {
		if q.OnFinish != nil {
			q.OnFinish(j)
		}
		jn.ended(j)
		q.changed(j.ID)
	}
}
