package blobstore

import (
	"context"
	"errors"
	"io"
	"iter"
	"strings"

	"github.com/anythingllm-go/anythingllm/anythingllm"
)

// Sub returns the store rooted at the folder prefix of parent: key k of
// the result is key prefix+"/"+k of parent, and Stat and List report keys
// relative to prefix. It lets one shared store (a database, a bucket) hold
// every storage root side by side:
//
//	docs := blobstore.Sub(shared, "documents")
//	_ = docs.Put(ctx, "custom-documents/a.json", r) // shared's "documents/custom-documents/a.json"
//
// The folder prefix need not exist until something is written into it;
// until then the sub store is an empty root. Keys are checked (ValidKey)
// before prefixing, so none can reach outside prefix. A prefix that is not
// a valid key gives a store whose every operation fails with
// ErrInvalidArgument.
func Sub(parent anythingllm.BlobStore, prefix string) anythingllm.BlobStore {
	return &sub{parent: parent, prefix: prefix, err: ValidKey(prefix)}
}

type sub struct {
	parent anythingllm.BlobStore
	prefix string
	err    error // the prefix's, if invalid
}

// full maps a key (not the root) to the parent's key.
func (s *sub) full(key string) (string, error) {
	if s.err != nil {
		return "", s.err
	}
	if err := ValidKey(key); err != nil {
		return "", err
	}
	return s.prefix + "/" + key, nil
}

// fullDir is full, but "" is the sub root.
func (s *sub) fullDir(key string) (string, error) {
	if key == "" && s.err == nil {
		return s.prefix, nil
	}
	return s.full(key)
}

// rel maps a parent's key back below the sub root.
func (s *sub) rel(key string) string {
	if key == s.prefix {
		return ""
	}
	return strings.TrimPrefix(key, s.prefix+"/")
}

func (s *sub) Put(ctx context.Context, key string, r io.Reader) error {
	k, err := s.full(key)
	if err != nil {
		return err
	}
	return s.parent.Put(ctx, k, r)
}

func (s *sub) Open(ctx context.Context, key string) (io.ReadCloser, error) {
	k, err := s.full(key)
	if err != nil {
		return nil, err
	}
	return s.parent.Open(ctx, k)
}

func (s *sub) Stat(ctx context.Context, key string) (anythingllm.BlobInfo, error) {
	k, err := s.fullDir(key)
	if err != nil {
		return anythingllm.BlobInfo{}, err
	}
	info, err := s.parent.Stat(ctx, k)
	if key == "" && errors.Is(err, anythingllm.ErrNotFound) {
		return anythingllm.BlobInfo{IsDir: true}, nil // not created yet: empty
	}
	if err != nil {
		return anythingllm.BlobInfo{}, err
	}
	if key == "" && !info.IsDir {
		return anythingllm.BlobInfo{}, anythingllm.Errorf(anythingllm.FailedPrecondition, "the store's root %q is a file", s.prefix)
	}
	info.Key = s.rel(info.Key)
	return info, nil
}

func (s *sub) Delete(ctx context.Context, key string) error {
	k, err := s.full(key)
	if err != nil {
		return err
	}
	return s.parent.Delete(ctx, k)
}

func (s *sub) DeleteAll(ctx context.Context, key string) error {
	k, err := s.full(key)
	if err != nil {
		return err
	}
	return s.parent.DeleteAll(ctx, k)
}

func (s *sub) Move(ctx context.Context, from, to string) error {
	f, err := s.full(from)
	if err != nil {
		return err
	}
	t, err := s.full(to)
	if err != nil {
		return err
	}
	return s.parent.Move(ctx, f, t)
}

func (s *sub) MkdirAll(ctx context.Context, key string) error {
	k, err := s.full(key)
	if err != nil {
		return err
	}
	return s.parent.MkdirAll(ctx, k)
}

func (s *sub) List(ctx context.Context, prefix string) iter.Seq2[anythingllm.BlobInfo, error] {
	return func(yield func(anythingllm.BlobInfo, error) bool) {
		k, err := s.fullDir(prefix)
		if err != nil {
			yield(anythingllm.BlobInfo{}, err)
			return
		}
		for info, err := range s.parent.List(ctx, k) {
			if err != nil {
				if prefix == "" && errors.Is(err, anythingllm.ErrNotFound) {
					return // the root not created yet: empty
				}
				yield(anythingllm.BlobInfo{}, err)
				return
			}
			info.Key = s.rel(info.Key)
			if !yield(info, nil) {
				return
			}
		}
	}
}
