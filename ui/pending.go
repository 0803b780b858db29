package ui

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"

	"imagekit-uploader/uploader"
)

// pendingFile keeps the files still waiting or uploading, so that after a
// quit or a crash the next start can offer them again.
type pendingFile struct{ path string }

type pendingJob struct {
	Path     string          `json:"path"`
	Rel      string          `json:"rel,omitempty"`
	FileName string          `json:"fileName"`
	Fields   uploader.Fields `json:"fields"`
	Started  bool            `json:"started,omitempty"` // it was uploading: the server may have it
}

func (p pendingFile) load() ([]pendingJob, error) {
	b, err := os.ReadFile(p.path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var jobs []pendingJob
	return jobs, json.Unmarshal(b, &jobs)
}

// save replaces the file atomically (a crash leaves the old or the new one).
func (p pendingFile) save(jobs []pendingJob) error {
	if len(jobs) == 0 {
		err := os.Remove(p.path)
		if errors.Is(err, os.ErrNotExist) {
			return nil
		}
		return err
	}
	b, err := json.Marshal(jobs)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(p.path), 0o700); err != nil {
		return err
	}
	tmp := p.path + ".tmp"
	if err := os.WriteFile(tmp, b, 0o600); err != nil {
		return err
	}
	return os.Rename(tmp, p.path)
}

// pendingOf lists the jobs that have not finished.
func pendingOf(jobs []uploader.Job) []pendingJob {
	var out []pendingJob
	for _, j := range jobs {
		if j.State.Finished() {
			continue
		}
		out = append(out, pendingJob{Path: j.Request.Path, Rel: j.Request.Rel, FileName: j.Request.FileName,
			Fields: j.Request.Fields, Started: j.State == uploader.Uploading || j.State == uploader.Retrying})
	}
	return out
}
