package blobstore

import (
	"bytes"
	"context"
	"io"
	"iter"
	"path"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/anythingllm-go/anythingllm/anythingllm"
)

type memBlob struct {
	data    []byte // never modified after Put: readers share it
	modTime time.Time
}

// Memory keeps blobs in memory with the same semantics as FS: folders
// exist above every blob (created implicitly, as FS's Put does) and after
// MkdirAll, and stay until deleted. It is safe for concurrent use.
type Memory struct {
	mu    sync.RWMutex
	blobs map[string]memBlob
	dirs  map[string]time.Time // every folder, implicit or explicit; "" is implied
}

// NewMemory returns an empty in-memory store.
func NewMemory() *Memory {
	return &Memory{blobs: map[string]memBlob{}, dirs: map[string]time.Time{}}
}

func (m *Memory) isDir(key string) bool {
	if key == "" {
		return true
	}
	_, ok := m.dirs[key]
	return ok
}

// checkParents fails if a blob stands where one of key's folders would go.
func (m *Memory) checkParents(key string) error {
	for d := path.Dir(key); d != "."; d = path.Dir(d) {
		if _, ok := m.blobs[d]; ok {
			return anythingllm.Errorf(anythingllm.InvalidArgument, "%s: a file stands where a folder is needed", quoteShort(key))
		}
	}
	return nil
}

// addDirs records key's parent folders (and key itself if self).
func (m *Memory) addDirs(key string, self bool, now time.Time) {
	d := key
	if !self {
		d = path.Dir(key)
	}
	for ; d != "." && d != ""; d = path.Dir(d) {
		if _, ok := m.dirs[d]; ok {
			return // its parents exist too
		}
		m.dirs[d] = now
	}
}

// Put stores a copy of r's bytes; nothing is visible until r is drained.
func (m *Memory) Put(ctx context.Context, key string, r io.Reader) error {
	if err := ValidKey(key); err != nil {
		return err
	}
	data, err := io.ReadAll(ctxReader{ctx, r})
	if err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if anythingllm.Code(err) != anythingllm.Unknown {
			return err
		}
		return anythingllm.WrapError(anythingllm.Unavailable, err, "writing %s failed", quoteShort(key))
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.isDir(key) {
		return anythingllm.Errorf(anythingllm.InvalidArgument, "%s is a folder", quoteShort(key))
	}
	if err := m.checkParents(key); err != nil {
		return err
	}
	now := time.Now().UTC()
	m.addDirs(key, false, now)
	m.blobs[key] = memBlob{data: data, modTime: now}
	return nil
}

// Open returns a reader over the blob as it is now.
func (m *Memory) Open(ctx context.Context, key string) (io.ReadCloser, error) {
	if err := ValidKey(key); err != nil {
		return nil, err
	}
	m.mu.RLock()
	defer m.mu.RUnlock()
	b, ok := m.blobs[key]
	if !ok {
		if m.isDir(key) {
			return nil, anythingllm.Errorf(anythingllm.InvalidArgument, "%s is a folder", quoteShort(key))
		}
		return nil, notFound(key)
	}
	return io.NopCloser(bytes.NewReader(b.data)), nil
}

// Stat describes key; "" is the root folder.
func (m *Memory) Stat(ctx context.Context, key string) (anythingllm.BlobInfo, error) {
	if err := validDir(key); err != nil {
		return anythingllm.BlobInfo{}, err
	}
	m.mu.RLock()
	defer m.mu.RUnlock()
	if b, ok := m.blobs[key]; ok {
		return anythingllm.BlobInfo{Key: key, Size: int64(len(b.data)), ModTime: b.modTime}, nil
	}
	if m.isDir(key) {
		return anythingllm.BlobInfo{Key: key, IsDir: true, ModTime: m.dirs[key]}, nil
	}
	return anythingllm.BlobInfo{}, notFound(key)
}

// hasChildren reports whether anything lives below folder key.
func (m *Memory) hasChildren(key string) bool {
	p := key + "/"
	for k := range m.blobs {
		if strings.HasPrefix(k, p) {
			return true
		}
	}
	for d := range m.dirs {
		if strings.HasPrefix(d, p) {
			return true
		}
	}
	return false
}

// Delete removes a blob or an empty folder.
func (m *Memory) Delete(ctx context.Context, key string) error {
	if err := ValidKey(key); err != nil {
		return err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, ok := m.blobs[key]; ok {
		delete(m.blobs, key)
		return nil
	}
	if !m.isDir(key) {
		return notFound(key)
	}
	if m.hasChildren(key) {
		return anythingllm.Errorf(anythingllm.FailedPrecondition, "%s is not empty", quoteShort(key))
	}
	delete(m.dirs, key)
	return nil
}

// DeleteAll removes key and everything below it.
func (m *Memory) DeleteAll(ctx context.Context, key string) error {
	if err := ValidKey(key); err != nil {
		return err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	p := key + "/"
	delete(m.blobs, key)
	delete(m.dirs, key)
	for k := range m.blobs {
		if strings.HasPrefix(k, p) {
			delete(m.blobs, k)
		}
	}
	for d := range m.dirs {
		if strings.HasPrefix(d, p) {
			delete(m.dirs, d)
		}
	}
	return nil
}

// Move renames a blob, refusing to overwrite; folders cannot be moved.
func (m *Memory) Move(ctx context.Context, from, to string) error {
	if err := ValidKey(from); err != nil {
		return err
	}
	if err := ValidKey(to); err != nil {
		return err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	b, ok := m.blobs[from]
	if !ok {
		if m.isDir(from) {
			return anythingllm.Errorf(anythingllm.InvalidArgument, "%s is a folder", quoteShort(from))
		}
		return notFound(from)
	}
	if _, exists := m.blobs[to]; exists || m.isDir(to) {
		return anythingllm.Errorf(anythingllm.AlreadyExists, "%s already exists", quoteShort(to))
	}
	if err := m.checkParents(to); err != nil {
		return err
	}
	delete(m.blobs, from)
	m.addDirs(to, false, time.Now().UTC())
	m.blobs[to] = b
	return nil
}

// MkdirAll creates a folder and its parents; an existing folder is fine.
func (m *Memory) MkdirAll(ctx context.Context, key string) error {
	if err := ValidKey(key); err != nil {
		return err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, ok := m.blobs[key]; ok {
		return anythingllm.Errorf(anythingllm.InvalidArgument, "%s: a file stands where a folder is needed", quoteShort(key))
	}
	if err := m.checkParents(key); err != nil {
		return err
	}
	m.addDirs(key, true, time.Now().UTC())
	return nil
}

// List yields the direct children of prefix, sorted by key, from a
// snapshot taken when iteration starts.
func (m *Memory) List(ctx context.Context, prefix string) iter.Seq2[anythingllm.BlobInfo, error] {
	return func(yield func(anythingllm.BlobInfo, error) bool) {
		if err := validDir(prefix); err != nil {
			yield(anythingllm.BlobInfo{}, err)
			return
		}
		children, err := m.children(prefix)
		if err != nil {
			yield(anythingllm.BlobInfo{}, err)
			return
		}
		for _, c := range children {
			if err := ctx.Err(); err != nil {
				yield(anythingllm.BlobInfo{}, err)
				return
			}
			if !yield(c, nil) {
				return
			}
		}
	}
}

func (m *Memory) children(prefix string) ([]anythingllm.BlobInfo, error) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	if !m.isDir(prefix) {
		if _, ok := m.blobs[prefix]; ok {
			return nil, anythingllm.Errorf(anythingllm.InvalidArgument, "%s is not a folder", quoteShort(prefix))
		}
		return nil, notFound(prefix)
	}
	p := prefix
	if p != "" {
		p += "/"
	}
	var out []anythingllm.BlobInfo
	direct := func(k string) bool {
		rest, ok := strings.CutPrefix(k, p)
		return ok && rest != "" && !strings.Contains(rest, "/")
	}
	for k, b := range m.blobs {
		if direct(k) {
			out = append(out, anythingllm.BlobInfo{Key: k, Size: int64(len(b.data)), ModTime: b.modTime})
		}
	}
	for d, t := range m.dirs {
		if direct(d) {
			out = append(out, anythingllm.BlobInfo{Key: d, IsDir: true, ModTime: t})
		}
	}
	slices.SortFunc(out, func(a, b anythingllm.BlobInfo) int { return strings.Compare(a.Key, b.Key) })
	return out, nil
}
