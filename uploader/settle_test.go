package uploader

import (
	"context"
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"imagekit-uploader/uploader/imagekittest"
)

// newVersions are the fields of an upload that makes a new version where a
// file is there: the mode in which a lost answer leaves a file in doubt.
func newVersions(folder string) Fields {
	f := DefaultFields()
	f.Folder, f.UseUniqueFileName, f.OverwriteFile = folder, false, true
	return f
}

func demoLibrary(srv *imagekittest.Server) APILibrary {
	return APILibrary{Endpoint: LibraryEndpoint(srv.UploadURL), PrivateKey: imagekittest.DemoPrivateKey}
}

// uploadOneWith runs one file through a queue that looks in lib (nil: none).
func uploadOneWith(t *testing.T, srv *imagekittest.Server, c *Client, lib Library, p string, f Fields) Job {
	t.Helper()
	q := NewQueue(context.Background(), c, 1, PlanFree)
	q.SetLibrary(lib)
	items, _ := Collect([]string{p})
	ids, _ := q.Add(items, f)
	q.Start(ids...)
	runQueue(t, q)
	j, _ := q.Job(ids[0])
	return j
}

// TestLostAnswerIsFoundInTheLibrary: with new versions on, an upload whose
// answer was lost after ImageKit stored it ends uploaded, with the version
// it made, found in the library; without a library it stays "may already
// be uploaded", as before.
func TestLostAnswerIsFoundInTheLibrary(t *testing.T) {
	srv := newTestServer(t)
	p := filepath.Join(t.TempDir(), "banner.jpg")
	os.WriteFile(p, []byte("the summer banner"), 0o644)

	srv.Script(imagekittest.Fault{StoreThenDrop: true})
	if j := uploadOneWith(t, srv, newClient(t, srv), nil, p, newVersions("/no-library")); !InDoubt(j) {
		t.Fatalf("without a library: %s %v", j.State, j.Err)
	}

	srv.Script(imagekittest.Fault{StoreThenDrop: true})
	j := uploadOneWith(t, srv, newClient(t, srv), demoLibrary(srv), p, newVersions("/web"))
	if j.State != Done || j.Result == nil || !j.Result.FoundInLibrary || j.Result.FilePath != "/web/banner.jpg" || j.Result.Version() != "Version 1" || j.Result.URL == "" {
		t.Fatalf("with a library: %s %v %+v", j.State, j.Err, j.Result)
	}
	if n := versionsAt(srv, "/web/banner.jpg"); n != 1 {
		t.Fatalf("%d versions stored, want 1", n)
	}
}

// TestLostAnswerNotStoredStaysInDoubt: an upload whose answer never came
// and that ImageKit did not store is not sent again on the library's word
// alone (its search can lag, a transformation changes the size): it stays
// in doubt, saying what the library showed, and nothing is stored twice.
func TestLostAnswerNotStoredStaysInDoubt(t *testing.T) {
	srv := newTestServer(t)
	p := filepath.Join(t.TempDir(), "banner.jpg")
	os.WriteFile(p, []byte("the autumn banner"), 0o644)
	c := newClient(t, srv)
	c.HTTP = NewHTTPClient()
	c.HTTP.Transport.(*http.Transport).ResponseHeaderTimeout = 300 * time.Millisecond
	srv.Script(imagekittest.Fault{Hang: true})
	j := uploadOneWith(t, srv, c, demoLibrary(srv), p, newVersions("/web"))
	if !InDoubt(j) || !strings.Contains(j.Err.Error(), "most likely it was not stored") {
		t.Fatalf("%s %v", j.State, j.Err)
	}
	if n := versionsAt(srv, "/web/banner.jpg"); n != 0 {
		t.Fatalf("%d versions stored, want none", n)
	}
}

// TestLostAnswerOfARenamedFile: ImageKit stores "summer banner (1).jpg" as
// summer_banner__1_.jpg; that is where the upload is looked for. Before,
// the name as sent was looked for, not found, and the file sent again.
func TestLostAnswerOfARenamedFile(t *testing.T) {
	srv := newTestServer(t)
	p := filepath.Join(t.TempDir(), "summer banner (1).jpg")
	os.WriteFile(p, []byte("the summer banner, the first"), 0o644)
	srv.Script(imagekittest.Fault{StoreThenDrop: true})
	j := uploadOneWith(t, srv, newClient(t, srv), demoLibrary(srv), p, newVersions("/web"))
	if j.State != Done || !j.Result.FoundInLibrary || j.Result.FilePath != "/web/summer_banner__1_.jpg" {
		t.Fatalf("%s %v %+v", j.State, j.Err, j.Result)
	}
	if n := versionsAt(srv, "/web/summer_banner__1_.jpg"); n != 1 {
		t.Fatalf("%d versions stored, want 1", n)
	}
}

// TestAnotherEditorsVersionIsNotOurs: this upload was not stored, but
// another of the same size went to its path meanwhile: its bytes are not
// this file's, so the file stays in doubt rather than being called
// uploaded (and its bytes recorded as there).
func TestAnotherEditorsVersionIsNotOurs(t *testing.T) {
	srv := newTestServer(t)
	p := filepath.Join(t.TempDir(), "banner.jpg")
	os.WriteFile(p, []byte("ours, 17 bytes.."), 0o644)
	other := filepath.Join(t.TempDir(), "banner.jpg")
	os.WriteFile(other, []byte("theirs, 17 bytes"), 0o644)
	c := newClient(t, srv)
	c.HTTP = NewHTTPClient()
	c.HTTP.Transport.(*http.Transport).ResponseHeaderTimeout = 300 * time.Millisecond
	srv.Script(imagekittest.Fault{Hang: true})
	q := NewQueue(context.Background(), c, 1, PlanFree)
	q.SetLibrary(demoLibrary(srv))
	items, _ := Collect([]string{p})
	ids, _ := q.Add(items, newVersions("/web"))
	q.Start(ids...)
	waitFor(t, "ours sent whole, waiting for its answer", func() bool {
		j, _ := q.Job(ids[0])
		return j.State == Uploading && j.Acked == j.Request.Size
	})
	// The other editor's upload goes while ours waits for its answer.
	if _, err := newClient(t, srv).Upload(context.Background(), Request{Path: other, FileName: "banner.jpg", Size: 16, Fields: newVersions("/web")}, nil); err != nil {
		t.Fatal(err)
	}
	runQueue(t, q)
	j, _ := q.Job(ids[0])
	if !InDoubt(j) || !strings.Contains(j.Err.Error(), "not this file's") {
		t.Fatalf("%s %v", j.State, j.Err)
	}
}

// TestResumedDoubtIsFoundInTheLibrary: a file an earlier run left started
// (a crash while its answer was on the way) is looked for since that run
// began to send it: the version it made ends it uploaded, and nothing is
// sent.
func TestResumedDoubtIsFoundInTheLibrary(t *testing.T) {
	srv := newTestServer(t)
	p := filepath.Join(t.TempDir(), "banner.jpg")
	os.WriteFile(p, []byte("the winter banner"), 0o644)
	sentAt := time.Now()
	if j := uploadOneWith(t, srv, newClient(t, srv), nil, p, newVersions("/web")); j.State != Done {
		t.Fatalf("the earlier run: %s %v", j.State, j.Err) // its answer to be lost by the crash
	}
	before := len(srv.Requests())
	q := NewQueue(context.Background(), newClient(t, srv), 1, PlanFree)
	q.SetLibrary(demoLibrary(srv))
	ids := q.Restore([]Unfinished{{Path: p, FileName: "banner.jpg", Fields: newVersions("/web"), Started: true, SentAt: sentAt}})
	q.Start(ids...)
	runQueue(t, q)
	j, _ := q.Job(ids[0])
	if j.State != Done || j.Result == nil || !j.Result.FoundInLibrary || versionsAt(srv, "/web/banner.jpg") != 1 {
		t.Fatalf("resumed: %s %v %+v, %d versions", j.State, j.Err, j.Result, versionsAt(srv, "/web/banner.jpg"))
	}
	if n := len(srv.Requests()) - before; n != 1 { // the guarded attempt, refused: nothing stored
		t.Fatalf("%d upload requests after the restart", n)
	}
}

// fakeLibrary answers FindUpload from fixed versions.
type fakeLibrary struct {
	versions []LibraryFile
	err      error
}

func (f fakeLibrary) Files(context.Context, string, string) ([]LibraryFile, error) {
	if f.err != nil || len(f.versions) == 0 {
		return nil, f.err
	}
	return f.versions[len(f.versions)-1:], nil
}

func (f fakeLibrary) Versions(context.Context, string) ([]LibraryFile, error) {
	return f.versions, f.err
}

// TestFindUpload: a version counts when it has the size and was made since
// the upload began (a minute's clock difference allowed); two such are a
// tie; a failed look is an error, never a verdict.
func TestFindUpload(t *testing.T) {
	since := time.Date(2026, 12, 4, 12, 0, 0, 0, time.UTC)
	v := func(size int64, at time.Time) LibraryFile {
		return LibraryFile{FileID: "f", FilePath: "/web/a.jpg", Size: size, CreatedAt: at, URL: "https://ik.example/web/a.jpg"}
	}
	for _, c := range []struct {
		name     string
		versions []LibraryFile
		found    int
	}{
		{"none there", nil, 0},
		{"an older version", []LibraryFile{v(100, since.Add(-time.Hour))}, 0},
		{"another size", []LibraryFile{v(99, since.Add(time.Second))}, 0},
		{"this upload", []LibraryFile{v(100, since.Add(-time.Hour)), v(100, since.Add(2*time.Second))}, 1},
		{"its clock a little behind", []LibraryFile{v(100, since.Add(-30*time.Second))}, 1},
		{"a tie", []LibraryFile{v(100, since.Add(time.Second)), v(100, since.Add(3*time.Second))}, 2},
	} {
		_, found, err := FindUpload(context.Background(), fakeLibrary{versions: c.versions}, "/web/a.jpg", 100, since)
		if err != nil || found != c.found {
			t.Errorf("%s: found %d (%v), want %d", c.name, found, err, c.found)
		}
	}
	if _, _, err := FindUpload(context.Background(), fakeLibrary{err: errors.New("down")}, "/web/a.jpg", 100, since); err == nil {
		t.Error("a library that failed gave a verdict")
	}
}

// TestTieStaysInDoubt: where the library cannot tell which version is this
// upload, the file stays "may already be uploaded", and says why.
func TestTieStaysInDoubt(t *testing.T) {
	srv := newTestServer(t)
	p := filepath.Join(t.TempDir(), "a.jpg")
	os.WriteFile(p, make([]byte, 100), 0o644)
	now := time.Now()
	tie := fakeLibrary{versions: []LibraryFile{{FileID: "f", Size: 100, CreatedAt: now}, {FileID: "f", Size: 100, CreatedAt: now.Add(time.Second)}}}
	srv.Script(imagekittest.Fault{StoreThenDrop: true})
	j := uploadOneWith(t, srv, newClient(t, srv), tie, p, newVersions("/web"))
	if !InDoubt(j) || !strings.Contains(j.Err.Error(), "more than one version") {
		t.Fatalf("%s %v", j.State, j.Err)
	}
}

func versionsAt(srv *imagekittest.Server, p string) int {
	for _, f := range srv.Files() {
		if f.Path == p {
			return len(f.Versions)
		}
	}
	return 0
}

// TestLibraryWaitsAsA429Says: past the API's rate, the library waits as
// X-RateLimit-Reset says (milliseconds) and goes on; a wrong private key is
// a refusal, at once.
func TestLibraryWaitsAsA429Says(t *testing.T) {
	srv := newTestServer(t, imagekittest.WithLibraryRate(1))
	lib := demoLibrary(srv)
	lib.Gate = NewGate()
	for i := range 3 {
		if _, err := lib.Files(context.Background(), "/", ""); err != nil {
			t.Fatalf("call %d: %v", i+1, err)
		}
	}
	if n := len(srv.Requests()); n != 0 {
		t.Fatalf("%d uploads", n)
	}
	lib.PrivateKey = "private_wrong"
	_, err := lib.Files(context.Background(), "/", "")
	if x := Explain(err); x.Status != http.StatusUnauthorized {
		t.Fatalf("a wrong key: %v", err)
	}
}
