package uploader

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"net/url"
	"os"
	"path"
	"strings"
	"sync"
	"time"

	"imagekit-uploader/strip"
)

// Unique names are made here, from the file's content: name_<first 12 hex
// digits of its SHA-256>.ext, sent with useUniqueFileName=false and
// overwriteFile=false. ImageKit's own unique names are random, so a file
// stored just before a crash, or whose answer was lost, could not be told
// from one that was not, and sending it again stored a second copy. With a
// name from the content, a repeat is refused as "already exists", and that
// file is known to be this one: each file is stored once, whatever happens.

// contentHexDigits is how much of the SHA-256 a name carries: 48 bits.
const contentHexDigits = 12

// ContentName is the unique name for fileName whose content has the SHA-256
// sum (hex): "dress.jpg" becomes "dress_3f2a9c0b1d4e.jpg".
func ContentName(fileName, sum string) string {
	ext := path.Ext(fileName)
	if ext == fileName {
		ext = ""
	}
	return strings.TrimSuffix(fileName, ext) + "_" + sum[:contentHexDigits] + ext
}

// Sent reads what is sent of the file at p with mode's metadata taken out,
// and returns its SHA-256 (hex), which ContentName makes a name of, and its
// size.
func Sent(ctx context.Context, p string, mode strip.Mode) (sum string, size int64, err error) {
	return hashFile(ctx, p, mode, nil)
}

// hashFile streams the bytes sent of the file (its own, or with mode's
// metadata taken out) through SHA-256 and returns the sum in hex and their
// number, telling read how far it has got, now and then; it stops when ctx
// ends (a 2 GB video takes seconds). Tests count the reads through it.
var hashFile = readSHA256

func readSHA256(ctx context.Context, p string, mode strip.Mode, read func(int64)) (string, int64, error) {
	f, err := os.Open(p)
	if err != nil {
		return "", 0, fileError(p, err)
	}
	defer f.Close()
	r, _, err := sent(f, mode)
	if err != nil {
		return "", 0, fileError(p, err)
	}
	h := sha256.New()
	buf := make([]byte, 1<<20)
	var done, told int64
	for {
		if err := ctx.Err(); err != nil {
			return "", 0, context.Cause(ctx)
		}
		n, err := r.Read(buf)
		h.Write(buf[:n])
		done += int64(n)
		if read != nil && (done-told >= 8<<20 || err == io.EOF) {
			read(done)
			told = done
		}
		if err == io.EOF {
			break
		}
		if err != nil {
			return "", 0, fileError(p, err)
		}
	}
	return hex.EncodeToString(h.Sum(nil)), done, nil
}

// sent is what is sent of the open file f: its bytes, or with mode's
// metadata taken out, and how many.
func sent(f *os.File, mode strip.Mode) (io.Reader, int64, error) {
	info, err := f.Stat()
	if err != nil {
		return nil, 0, err
	}
	if mode == strip.Keep {
		return f, info.Size(), nil
	}
	v, err := strip.Plan(f, info.Size(), mode)
	if err != nil {
		return nil, 0, err
	}
	return v.Open(f), v.Size(), nil
}

// sums remembers files' SHA-256 by path, the file itself, size and
// modification time, so a file is read once for its name however often it
// is tried, and once when two ask at the same time (a token fetched ahead
// and the upload).
type sums struct {
	mu   sync.Mutex
	by   map[sumKey]content
	busy map[sumKey]chan struct{} // closed when the sum is known (or failed)
}

type sumKey struct {
	path string
	file fileKey // the file itself: another written in its place has another
	size int64
	mod  time.Time
	mode strip.Mode // what is taken out of it
}

// content is what is sent of a file: its SHA-256 (hex) and size.
type content struct {
	sum  string
	size int64
}

// of returns the SHA-256 in hex of what is sent of the file with mode's
// metadata taken out, computing it when the file is new or changed.
func (s *sums) of(ctx context.Context, p string, mode strip.Mode) (string, error) {
	c, err := s.reading(ctx, p, mode, nil)
	return c.sum, err
}

// reading is of with the size sent, telling read how far the reading has got.
func (s *sums) reading(ctx context.Context, p string, mode strip.Mode, read func(int64)) (content, error) {
	info, err := os.Stat(p)
	if err != nil {
		return content{}, fileError(p, err)
	}
	k := sumKey{p, keyOf(p, info), info.Size(), info.ModTime(), mode}
	for {
		s.mu.Lock()
		if c, ok := s.by[k]; ok {
			s.mu.Unlock()
			return c, nil
		}
		wait, busy := s.busy[k]
		if !busy {
			if s.busy == nil {
				s.busy = map[sumKey]chan struct{}{}
			}
			done := make(chan struct{})
			s.busy[k] = done
			s.mu.Unlock()
			sum, size, err := hashFile(ctx, p, mode, read)
			s.mu.Lock()
			delete(s.busy, k)
			if err == nil {
				if s.by == nil || len(s.by) > 100_000 {
					s.by = map[sumKey]content{}
				}
				s.by[k] = content{sum, size}
			}
			s.mu.Unlock()
			close(done)
			return content{sum, size}, err
		}
		s.mu.Unlock()
		select { // another reads it: wait for its sum, then look again
		case <-wait:
		case <-ctx.Done():
			return content{}, context.Cause(ctx)
		}
	}
}

// storedName sets r.StoredName where ImageKit is to make a unique name.
func (c *Client) storedName(ctx context.Context, r *Request) error {
	if !r.Fields.UseUniqueFileName || r.StoredName != "" {
		return nil
	}
	if r.URL != "" {
		// The bytes are ImageKit's to fetch: the name comes from the URL,
		// so the same URL is the same name, and a repeat is refused.
		u := sha256.Sum256([]byte(URLIdentity(r.URL)))
		r.StoredName = ContentName(r.FileName, hex.EncodeToString(u[:]))
		return nil
	}
	sum, err := c.hashes().of(ctx, r.Path, r.Fields.Strip)
	if err != nil {
		return err
	}
	r.StoredName, r.sum = ContentName(r.FileName, sum), sum
	return nil
}

// forget drops what is known of the file at p: it is read again next time.
func (s *sums) forget(p string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for k := range s.by {
		if k.path == p {
			delete(s.by, k)
		}
	}
}

// signatureParams are the query parameters by which storage services sign
// a URL for a while (S3, GCS, Azure, CloudFront): a list presigned again
// has new ones, for the same file.
var signatureParams = []string{"x-amz-", "x-goog-", "signature", "expires", "key-pair-id", "policy", "googleaccessid",
	"se", "sig", "sp", "spr", "sr", "srt", "ss", "st", "sv", "skoid", "sktid", "skt", "ske", "sks", "skv"}

// URLIdentity is what names a file given as a URL: the URL without the
// query parameters that sign it for a while, so that a list presigned again
// names the same files the same. Two URLs that differ in any other way
// name two files.
func URLIdentity(u string) string {
	p, err := url.Parse(u)
	if err != nil {
		return u
	}
	return identityOf(p)
}

// identityOf is URLIdentity of a parsed URL (which it changes). The
// spellings of one address are one: the host in any case, a default port,
// a path with ./ or escaped letters, an empty ?.
func identityOf(p *url.URL) string {
	p.Host = strings.ToLower(p.Host)
	if p.Scheme == "http" {
		p.Host = strings.TrimSuffix(p.Host, ":80")
	} else if p.Scheme == "https" {
		p.Host = strings.TrimSuffix(p.Host, ":443")
	}
	if p.Path != "" {
		clean := path.Clean(p.Path)
		if strings.HasSuffix(p.Path, "/") && clean != "/" {
			clean += "/"
		}
		p.Path = clean
	}
	if !strings.Contains(strings.ToLower(p.RawPath), "%2f") {
		p.RawPath = "" // written anew from the path: %37 is 7; an escaped / stays, as it is another name
	}
	p.ForceQuery = false
	p.Fragment, p.RawFragment = "", ""
	if p.RawQuery == "" {
		return p.String()
	}
	q := p.Query()
	for k := range q {
		l := strings.ToLower(k)
		for _, s := range signatureParams {
			if l == s || strings.HasSuffix(s, "-") && strings.HasPrefix(l, s) {
				delete(q, k)
				break
			}
		}
	}
	p.RawQuery = q.Encode() // sorted: the same parameters in another order are the same file
	p.Fragment, p.RawFragment = "", ""
	return p.String()
}
