package uploader

import "context"

// hashAhead reads, ahead of the uploads and one file at a time, the SHA-256
// of the files waiting in line that need it (a unique name made from the
// content, or a look in the index of uploaded files), so that a slot that
// frees finds it ready; each job's Read says how far it has got.
func (q *Queue) hashAhead() {
	q.mu.Lock()
	if q.hashing {
		q.mu.Unlock()
		return
	}
	q.hashing = true
	q.mu.Unlock()
	for q.ctx.Err() == nil {
		q.mu.Lock()
		var next *job
		for next == nil && len(q.toRead) > 0 && !q.paused { // each queued job looked at once: a long line costs no more
			j := q.toRead[0]
			q.toRead = q.toRead[1:]
			if j.State == Queued && !j.read && j.Request.URL == "" && (j.Request.Fields.UseUniqueFileName || q.index != nil && !j.Request.UploadAgain) {
				next = j
			}
		}
		if len(q.toRead) == 0 {
			q.toRead = nil // let the array go
		}
		client := q.client
		if next == nil || client == nil {
			q.hashing = false // in the same hold as the decision: a Start now starts another reader
			q.mu.Unlock()
			return
		}
		next.read = true
		req, index := next.Request, q.index
		q.mu.Unlock()
		if !req.Fields.UseUniqueFileName && !index.MayHave(client.account(), folderOf(req), req.Size) {
			continue // read only for the index, which has nothing of its size there
		}
		// Read while the job waits, and only then: paused or canceled, the
		// reading stops (the sum is read again when it is needed).
		ctx, cancel := context.WithCancel(q.ctx)
		client.hashes().reading(ctx, next.Request.Path, next.Request.Fields.Strip, func(n int64) {
			q.mu.Lock()
			waiting := next.State == Queued && !q.paused
			if waiting {
				next.Read = n
			}
			q.mu.Unlock()
			if !waiting {
				cancel()
				return
			}
			q.changed(next.ID)
		})
		if ctx.Err() != nil && q.ctx.Err() == nil { // stopped by a pause: read it once resumed
			q.mu.Lock()
			if next.State == Queued {
				next.read = false
				q.toRead = append([]*job{next}, q.toRead...)
			}
			q.mu.Unlock()
		}
		cancel()
	}
	q.mu.Lock()
	q.hashing = false
	q.mu.Unlock()
}
