package uploader

import "time"

// State is where a job stands.
type State int

// The states of a job. Ready jobs wait for Start; Queued ones for a free slot.
const (
	Ready State = iota
	Queued
	Uploading
	Retrying
	Done
	Failed
	Canceled
	// AlreadyUploaded: ImageKit has the file at its path from an earlier
	// upload whose answer was lost (Err is an *AlreadyUploadedError); it was
	// not sent again.
	AlreadyUploaded
)

func (s State) String() string {
	return [...]string{"ready", "queued", "uploading", "retrying", "done", "failed", "canceled", "already uploaded"}[s]
}

// Finished reports whether the job has ended, one way or another.
func (s State) Finished() bool {
	return s == Done || s == Failed || s == Canceled || s == AlreadyUploaded
}

// JobID names a job in its queue.
type JobID int

// Job is a snapshot of one upload: what the queue knows of it at one moment.
type Job struct {
	ID      JobID
	Request Request
	State   State
	Acked   int64   // file bytes of the current attempt the server acknowledged; Size when done
	Attempt int     // 1 for the first try
	Speed   float64 // bytes a second, smoothed
	ETA     time.Duration
	RetryAt time.Time // when Retrying: when the next attempt starts
	Result  *Result
	Err     error
	Started time.Time
	Ended   time.Time
	// Read is how much of the file has been read for its SHA-256 (its
	// unique name, and whether it went up before), while it waits; the
	// reading runs ahead of the uploads.
	Read int64

	journalRun string // names this run of the job in the journal
}
