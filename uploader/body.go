package uploader

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"maps"
	"mime"
	"mime/multipart"
	"net"
	"net/http"
	"net/textproto"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"imagekit-uploader/strip"
)

// ErrFileChanged means the file's size changed while it was being sent.
var ErrFileChanged = errors.New("the file changed while it was being uploaded; upload it again when it is complete")

// ErrContentChanged means the bytes sent are not those the file's name was
// made from (it was rewritten, at the same size, after it was read for its
// name). The request is cut before its end, so nothing is stored.
var ErrContentChanged = errors.New("the file changed after it was read for its name (same size, other bytes), so it was not stored under a name that is not its own; upload it again and it is named from what it holds now")

// body is one attempt's multipart/form-data request body, streamed from the
// file: the fields and the file part's header, the file's bytes, the closing
// boundary. Its length is known before a byte is sent, so the request carries
// an exact Content-Length and no copy of the file is made.
type body struct {
	head, tail  []byte
	file        *os.File
	src         io.Reader    // what is sent of the file: the file, or a view of it without its metadata
	fileSize    int64        // the file's size
	size        int64        // the size of what is sent of it
	stripped    bool         // src is a view
	contentType string       // of the whole body
	sent        atomic.Int64 // file bytes read from the file
	total       atomic.Int64 // body bytes read by the transport
	done        atomic.Int64 // when the transport took the last byte (Unix ns), or 0
	short       atomic.Bool  // at the last look, the peer had not acknowledged every byte
	r           io.Reader
	limit       *RateLimit      // shared with the other uploads, or nil
	ctx         context.Context // the attempt's, for waiting on limit
	modTime     time.Time       // the file's when it was opened
	hash        *hasher         // of the file bytes sent
	want        string          // the SHA-256 (hex) they must have, or "" for any
}

// sentSum is the SHA-256 (hex) of the file bytes the transport took: the
// bytes ImageKit has, once the whole body went.
func (b *body) sentSum() string { return b.hash.sum() }

// hasher takes the SHA-256 of the bytes sent on a goroutine of its own, a
// few steps behind the sending: a copy of each step goes to it, so hashing
// (about 1 GB/s a core) and the system's copying to the socket run side by
// side, not one after the other. It may fall hashBuffers steps behind;
// then the sending waits for it.
type hasher struct {
	h    hash.Hash
	work chan []byte
	free chan []byte
	done chan struct{}
	once sync.Once
	made int // buffers made: at most hashBuffers, so free never fills
}

const hashBuffers = 32

func newHasher() *hasher {
	hs := &hasher{h: sha256.New(), work: make(chan []byte, hashBuffers), free: make(chan []byte, hashBuffers), done: make(chan struct{})}
	go func() {
		defer close(hs.done)
		for b := range hs.work {
			hs.h.Write(b)
			hs.free <- b
		}
	}()
	return hs
}

// write hands a copy of p to the hashing.
func (hs *hasher) write(p []byte) {
	var b []byte
	select {
	case b = <-hs.free:
	default:
		if hs.made < hashBuffers {
			hs.made++
			b = make([]byte, 0, max(len(p), 32<<10))
		} else {
			b = <-hs.free // hashBuffers steps behind: wait for one
		}
	}
	if cap(b) < len(p) {
		b = make([]byte, 0, len(p))
	}
	hs.work <- append(b[:0], p...)
}

// sum waits for the hashing to catch up, and returns the SHA-256 (hex) of
// every byte written.
func (hs *hasher) sum() string {
	hs.stop()
	<-hs.done
	return hex.EncodeToString(hs.h.Sum(nil))
}

// stop ends the hashing once what was written is hashed.
func (hs *hasher) stop() { hs.once.Do(func() { close(hs.work) }) }

// newURLBody lays out the body of a file ImageKit fetches from url: every
// field, the token, and the URL as the file field.
func newURLBody(url string, fields map[string]string, token string) *body {
	var all bytes.Buffer
	mw := multipart.NewWriter(&all)
	for _, k := range slices.Sorted(maps.Keys(fields)) {
		mw.WriteField(k, fields[k])
	}
	mw.WriteField("token", token)
	mw.WriteField("file", url)
	mw.Close()
	b := &body{head: all.Bytes(), contentType: mw.FormDataContentType(), hash: newHasher()}
	b.r = bytes.NewReader(b.head)
	return b
}

// newBody opens path and lays out the body. fields are written in name order,
// then the token, then the file (of size bytes) with mode's metadata taken out.
func newBody(path, fileName string, size int64, mode strip.Mode, fields map[string]string, token string) (*body, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fileError(path, err)
	}
	var src io.Reader = f
	sendSize := size
	if mode != strip.Keep {
		v, err := strip.Plan(f, size, mode)
		if err != nil {
			f.Close()
			return nil, fileError(path, err)
		}
		src, sendSize = v.Open(f), v.Size()
	}
	partType, err := contentTypeOf(f, fileName)
	if err != nil {
		f.Close()
		return nil, fileError(path, err)
	}
	var modTime time.Time
	if info, err := f.Stat(); err == nil {
		modTime = info.ModTime()
	}
	var head bytes.Buffer
	mw := multipart.NewWriter(&head)
	names := make([]string, 0, len(fields))
	for k := range fields {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		mw.WriteField(k, fields[k])
	}
	mw.WriteField("token", token)
	h := make(textproto.MIMEHeader)
	h.Set("Content-Disposition", mime.FormatMediaType("form-data", map[string]string{"name": "file", "filename": fileName}))
	h.Set("Content-Type", partType)
	if _, err := mw.CreatePart(h); err != nil {
		f.Close()
		return nil, err
	}
	headLen := head.Len()
	mw.Close() // writes the closing boundary after the (empty) part
	all := head.Bytes()
	b := &body{
		head:        append([]byte(nil), all[:headLen]...),
		tail:        append([]byte(nil), all[headLen:]...),
		file:        f,
		src:         src,
		fileSize:    size,
		size:        sendSize,
		stripped:    mode != strip.Keep,
		contentType: mw.FormDataContentType(),
		modTime:     modTime,
		hash:        newHasher(),
	}
	b.r = io.MultiReader(bytes.NewReader(b.head), &exactReader{b: b}, bytes.NewReader(b.tail))
	return b, nil
}

// changedSince says whether the file was written to since it was opened:
// then what was sent may be part old, part new, though its size is right.
func (b *body) changedSince(path string) bool {
	if b.file == nil {
		return false // a URL: ImageKit fetched it
	}
	info, err := os.Stat(path)
	return err == nil && !b.modTime.IsZero() && (!info.ModTime().Equal(b.modTime) || info.Size() != b.fileSize)
}

// Len is the exact number of bytes Read will give.
func (b *body) Len() int64 { return int64(len(b.head)) + b.size + int64(len(b.tail)) }

func (b *body) Read(p []byte) (int, error) {
	limited := b.limit != nil && b.limit.Rate() > 0
	if limited && len(p) > 16<<10 {
		p = p[:16<<10] // small steps keep the rate even
	}
	n, err := b.r.Read(p)
	if limited && n > 0 {
		if werr := b.limit.wait(b.ctx, n); werr != nil {
			return 0, werr
		}
	}
	if b.total.Add(int64(n)) == b.Len() && n > 0 {
		b.done.Store(time.Now().UnixNano())
	}
	return n, err
}

// look notes whether the peer has acknowledged the whole body, where the
// system says (see unacked).
func (b *body) look(conn net.Conn) {
	if conn == nil {
		return
	}
	if q, ok := unacked(conn); ok {
		b.short.Store(q > 0 || !b.complete())
	}
}

// complete says whether the transport has taken the whole body.
func (b *body) complete() bool { return b.total.Load() == b.Len() }

// doneAt is when the transport took the last byte, or the zero time.
func (b *body) doneAt() time.Time {
	if ns := b.done.Load(); ns != 0 {
		return time.Unix(0, ns)
	}
	return time.Time{}
}

// arrived estimates how many file bytes reached the server: the body bytes
// written, less those still unacknowledged in this machine's socket buffer
// (where the system says), less the fields before the file.
func (b *body) arrived(conn net.Conn) int64 {
	written := b.total.Load()
	if conn != nil {
		if q, ok := unacked(conn); ok {
			written -= q
		}
	}
	return min(max(written-int64(len(b.head)), 0), b.size)
}

func (b *body) Close() error {
	b.hash.stop()
	if b.file == nil {
		return nil
	}
	return b.file.Close()
}

// exactReader gives exactly size bytes of the file, counting them as sent,
// and fails if the file turns out shorter or longer.
type exactReader struct {
	b    *body
	read int64
}

func (e *exactReader) Read(p []byte) (int, error) {
	left := e.b.size - e.read
	if left <= 0 {
		var one [1]byte
		if e.b.stripped {
			if info, err := e.b.file.Stat(); err != nil || info.Size() != e.b.fileSize {
				return 0, ErrFileChanged
			}
		} else if n, _ := e.b.file.Read(one[:]); n > 0 {
			return 0, ErrFileChanged
		}
		// What went is what the name says, or the body ends here, before
		// its closing boundary, and the server stores nothing.
		if e.b.want != "" && e.b.sentSum() != e.b.want {
			return 0, ErrContentChanged
		}
		return 0, io.EOF
	}
	if int64(len(p)) > left {
		p = p[:left]
	}
	n, err := e.b.src.Read(p)
	e.b.hash.write(p[:n])
	e.read += int64(n)
	e.b.sent.Store(e.read)
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		if e.read < e.b.size {
			return n, ErrFileChanged
		}
		err = nil
	}
	return n, err
}

// contentTypeOf names the file part's type by extension, or by its first bytes.
func contentTypeOf(f *os.File, name string) (string, error) {
	if t := mime.TypeByExtension(strings.ToLower(filepath.Ext(name))); t != "" {
		return t, nil
	}
	var head [512]byte
	n, err := f.Read(head[:])
	if err != nil && !errors.Is(err, io.EOF) {
		return "", err
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return "", err
	}
	return http.DetectContentType(head[:n]), nil
}

// fileError words an error opening or reading a local file for a person.
// HeldByAnother says whether err is a file another program held open
// without sharing it (on Windows, while it still saves it): a try later
// may well succeed.
func HeldByAnother(err error) bool {
	var fe *FileError
	return errors.As(err, &fe) && fe.Err != nil && heldByAnother(fe.Err)
}

func fileError(path string, err error) error {
	switch {
	case errors.Is(err, os.ErrNotExist):
		return &FileError{Path: path, Reason: "the file does not exist (moved or deleted?)", Err: err}
	case heldByAnother(err):
		return &FileError{Path: path, Reason: "another program has the file open and does not share it (still saving it?): close it, then retry", Err: err}
	case errors.Is(err, strip.ErrDamaged) || errors.As(err, new(*strip.UnsupportedError)):
		return &FileError{Path: path, Reason: err.Error(), Err: err}
	case errors.Is(err, os.ErrPermission):
		return &FileError{Path: path, Reason: "permission denied: this user cannot read the file", Err: err}
	default:
		return &FileError{Path: path, Reason: fmt.Sprintf("cannot read the file: %v", err), Err: err}
	}
}
