package emulator

import (
	"bufio"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"time"
)

// StoredFile is one file at one path, with its versions, newest last.
type StoredFile struct {
	FileID   string
	Path     string // "/folder/name.jpg"
	Private  bool
	Versions []Version
	fileMeta
}

// fileMeta is what uploads said about a file besides its bytes.
type fileMeta struct {
	Tags           []string
	AITags         []AITag
	CustomMetadata map[string]any
	Coordinates    string // x,y,width,height
	Description    string
}

// keep says which of an existing file's metadata a new version keeps when
// it brings none (overwriteTags=false and the others); by default a new
// version replaces all of it, and without tags removes them.
type keep struct{ tags, aiTags, customMetadata bool }

// Version is one upload to a path.
type Version struct {
	ID, Name    string // Name is "Version N"
	Size        int64
	SHA256      string
	ContentType string
	Created     time.Time
	blob        string // where the bytes are
}

// store keeps files on disk and their index in memory, and in library.jsonl
// beside the bytes: one line a change, the whole file as it is after it, so
// a server started again on the same directory has the same library.
type store struct {
	dir string
	mu  sync.Mutex
	by  map[string]*StoredFile // by path
	log *os.File               // library.jsonl, appended to
}

// libraryFile is the store's index on disk, in its directory.
const libraryFile = "library.jsonl"

func newStore(dir string) (*store, error) {
	if err := os.MkdirAll(filepath.Join(dir, "blobs"), 0o755); err != nil {
		return nil, fmt.Errorf("cannot create the storage directory: %w", err)
	}
	s := &store{dir: dir, by: make(map[string]*StoredFile)}
	path := filepath.Join(dir, libraryFile)
	if f, err := os.Open(path); err == nil {
		lines := bufio.NewScanner(f)
		lines.Buffer(nil, 64<<20) // a file's line grows with its versions: 100 at most
		for lines.Scan() {
			var sf StoredFile
			if json.Unmarshal(lines.Bytes(), &sf) != nil || sf.Path == "" {
				continue // a line torn by a crash
			}
			if len(sf.Versions) == 0 { // removed (Server.Remove)
				delete(s.by, sf.Path)
				continue
			}
			for i := range sf.Versions {
				sf.Versions[i].blob = filepath.Join(dir, "blobs", sf.Versions[i].ID)
			}
			s.by[sf.Path] = &sf
		}
		err = lines.Err()
		f.Close()
		if err != nil {
			return nil, fmt.Errorf("cannot read the library in %s: %w", dir, err)
		}
	}
	f, err := os.OpenFile(path, os.O_CREATE|os.O_APPEND|os.O_RDWR, 0o644)
	if err != nil {
		return nil, fmt.Errorf("cannot write the library in %s: %w", dir, err)
	}
	if err := lockLibrary(f); err != nil {
		f.Close()
		return nil, fmt.Errorf("another emulator keeps its library in %s (%v): give this one another --dir", dir, err)
	}
	// A last line torn by a crash: the next record starts a line of its
	// own, or it would be glued to the torn one and lost with it.
	if info, err := f.Stat(); err == nil && info.Size() > 0 {
		last := make([]byte, 1)
		if _, err := f.ReadAt(last, info.Size()-1); err == nil && last[0] != '\n' {
			f.Write([]byte{'\n'})
		}
	}
	s.log = f
	return s, nil
}

// close lets go of the library's file.
func (s *store) close() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.log != nil {
		s.log.Close()
		s.log = nil
	}
}

// note writes f as it is now to the library's file; called with s.mu held.
func (s *store) note(f *StoredFile) error {
	if s.log == nil {
		return nil
	}
	b, err := json.Marshal(f)
	if err != nil {
		return err
	}
	_, err = s.log.Write(append(b, '\n'))
	return err
}

// remove forgets the file at path, with its versions (their bytes stay).
func (s *store) remove(path string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.by[path]; !ok {
		return false
	}
	delete(s.by, path)
	s.note(&StoredFile{Path: path})
	return true
}

func newID() string {
	var b [12]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// tempBlob is where an upload's bytes land while its request is checked.
func (s *store) tempBlob() (*os.File, error) {
	return os.CreateTemp(filepath.Join(s.dir, "blobs"), "incoming-*")
}

// placeMode is what placing a file does when its path is taken.
type placeMode int

const (
	placeNew       placeMode = iota // the path must be free (unique names)
	placeVersion                    // a new version when the path exists
	placeNoReplace                  // fail when the path exists
)

type placeError struct{ msg string }

func (e *placeError) Error() string { return e.msg }

// place stores the bytes in blob (a temp file it takes over) at path.
func (s *store) place(path, blob string, v Version, mode placeMode, private bool, meta fileMeta, k keep) (StoredFile, Version, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	f := s.by[path]
	switch {
	case f != nil && mode == placeNoReplace:
		return StoredFile{}, Version{}, &placeError{"A file with the same name already exists at the exact location. We could not overwrite it because both overwriteFile and useUniqueFileName are set to false."}
	case f != nil && len(f.Versions) >= maxVersions:
		return StoredFile{}, Version{}, &placeError{fmt.Sprintf("This file already has %d versions, the most a file may have. Delete old versions or upload under another name.", maxVersions)}
	case f != nil && mode == placeNew:
		return StoredFile{}, Version{}, &placeError{"a unique file name collided; retry the upload"}
	}
	if f == nil {
		f = &StoredFile{FileID: newID(), Path: path}
		v.ID = f.FileID // the first version's id is the file's id
		s.by[path] = f
	} else {
		v.ID = newID()
	}
	v.Name = fmt.Sprintf("Version %d", len(f.Versions)+1)
	v.blob = filepath.Join(s.dir, "blobs", v.ID)
	if err := os.Rename(blob, v.blob); err != nil {
		if len(f.Versions) == 0 {
			delete(s.by, path)
		}
		return StoredFile{}, Version{}, err
	}
	old := f.fileMeta
	f.Versions = append(f.Versions, v)
	f.Private, f.fileMeta = private, meta
	if k.tags && meta.Tags == nil {
		f.Tags = old.Tags
	}
	if k.aiTags && meta.AITags == nil {
		f.AITags = old.AITags
	}
	if k.customMetadata && meta.CustomMetadata == nil {
		f.CustomMetadata = old.CustomMetadata
	}
	if err := s.note(f); err != nil {
		return StoredFile{}, Version{}, fmt.Errorf("the library cannot be written: %w", err)
	}
	return *f, v, nil
}

// latest returns the newest version of the file at path.
func (s *store) latest(path string) (Version, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	f := s.by[path]
	if f == nil {
		return Version{}, false
	}
	return f.Versions[len(f.Versions)-1], true
}

func (s *store) files() []StoredFile {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]StoredFile, 0, len(s.by))
	for _, f := range s.by {
		c := *f
		c.Versions = append([]Version(nil), f.Versions...)
		out = append(out, c)
	}
	return out
}
