package blobstore

import (
	"bytes"
	"context"
	"io"
	"iter"
	"maps"
	"path"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/anythingllm-go/anythingllm/anythingllm"
)

type memBlob struct {
	data    []byte
	modTime time.Time
}

// Memory keeps blobs in memory. Folders exist implicitly above every blob,
// and explicitly after MkdirAll. It is safe for concurrent use.
type Memory struct {
	mu    sync.RWMutex
	blobs map[string]memBlob
	dirs  map[string]bool
}

// NewMemory returns an empty in-memory store.
func NewMemory() *Memory {
	return &Memory{blobs: map[string]memBlob{}, dirs: map[string]bool{}}
}

func (m *Memory) isDir(key string) bool {
	if key == "" || m.dirs[key] {
		return true
	}
	p := key + "/"
	for k := range m.blobs {
		if strings.HasPrefix(k, p) {
			return true
		}
	}
	return false
}

func (m *Memory) addParents(key string) {
	for d := path.Dir(key); d != "."; d = path.Dir(d) {
		m.dirs[d] = true
	}
}

// Put stores a copy of r's bytes.
func (m *Memory) Put(ctx context.Context, key string, r io.Reader) error {
	if err := ValidKey(key); err != nil {
		return err
	}
	data, err := io.ReadAll(ctxReader{ctx, r})
	if err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		return anythingllm.WrapError(anythingllm.Unavailable, err, "writing %s failed", quoteShort(key))
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.isDir(key) {
		return anythingllm.Errorf(anythingllm.InvalidArgument, "%s is a folder", quoteShort(key))
	}
	for d := path.Dir(key); d != "."; d = path.Dir(d) {
		if _, ok := m.blobs[d]; ok {
			return anythingllm.Errorf(anythingllm.InvalidArgument, "%s is not a folder", quoteShort(d))
		}
	}
	m.addParents(key)
	m.blobs[key] = memBlob{data: data, modTime: time.Now().UTC()}
	return nil
}

// Open returns a reader over a snapshot of the blob.
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

// Stat describes key.
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
		return anythingllm.BlobInfo{Key: key, IsDir: true}, nil
	}
	return anythingllm.BlobInfo{}, notFound(key)
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
	p := key + "/"
	for k := range m.blobs {
		if strings.HasPrefix(k, p) {
			return anythingllm.Errorf(anythingllm.FailedPrecondition, "%s is not empty", quoteShort(key))
		}
	}
	for d := range m.dirs {
		if strings.HasPrefix(d, p) {
			return anythingllm.Errorf(anythingllm.FailedPrecondition, "%s is not empty", quoteShort(key))
		}
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

// Move renames a blob, refusing to overwrite.
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
		return notFound(from)
	}
	if _, exists := m.blobs[to]; exists || m.isDir(to) {
		return anythingllm.Errorf(anythingllm.AlreadyExists, "%s already exists", quoteShort(to))
	}
	delete(m.blobs, from)
	m.addParents(to)
	m.blobs[to] = b
	return nil
}

// MkdirAll creates a folder and its parents.
func (m *Memory) MkdirAll(ctx context.Context, key string) error {
	if err := ValidKey(key); err != nil {
		return err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, ok := m.blobs[key]; ok {
		return anythingllm.Errorf(anythingllm.InvalidArgument, "%s is not a folder", quoteShort(key))
	}
	m.dirs[key] = true
	m.addParents(key)
	return nil
}

// List yields the direct children of prefix, sorted by key.
func (m *Memory) List(ctx context.Context, prefix string) iter.Seq2[anythingllm.BlobInfo, error] {
	return func(yield func(anythingllm.BlobInfo, error) bool) {
		if err := validDir(prefix); err != nil {
			yield(anythingllm.BlobInfo{}, err)
			return
		}
		m.mu.RLock()
		if prefix != "" && !m.isDir(prefix) {
			m.mu.RUnlock()
			if _, ok := m.blobs[prefix]; ok {
				yield(anythingllm.BlobInfo{}, anythingllm.Errorf(anythingllm.InvalidArgument, "%s is not a folder", quoteShort(prefix)))
			} else {
				yield(anythingllm.BlobInfo{}, notFound(prefix))
			}
			return
		}
		p := prefix
		if p != "" {
			p += "/"
		}
		children := map[string]anythingllm.BlobInfo{}
		add := func(k string, b *memBlob) {
			rest, ok := strings.CutPrefix(k, p)
			if !ok || rest == "" {
				return
			}
			name, _, deeper := strings.Cut(rest, "/")
			key := p + name
			if deeper || b == nil {
				children[key] = anythingllm.BlobInfo{Key: key, IsDir: true}
				return
			}
			children[key] = anythingllm.BlobInfo{Key: key, Size: int64(len(b.data)), ModTime: b.modTime}
		}
		for k, b := range m.blobs {
			add(k, &b)
		}
		for d := range m.dirs {
			add(d, nil)
		}
		m.mu.RUnlock()
		for _, k := range slices.Sorted(maps.Keys(children)) {
			if !yield(children[k], nil) {
				return
			}
		}
	}
}
