package anythingllm

import (
	"context"
	"io"
	"iter"
	"time"
)

// BlobInfo describes a stored blob.
type BlobInfo struct {
	Key     string // slash-separated, relative to the store's root
	Size    int64
	ModTime time.Time
	IsDir   bool
}

// BlobStore keeps files by slash-separated relative keys ("documents/a/b.json").
// Keys that are absolute, contain "..", backslashes, NUL or other escapes are
// refused with ErrInvalidArgument and touch nothing. Writes are atomic: a
// reader sees the old content or the new, never a part. Implementations:
// storage/blobstore (filesystem and memory), storage/bunstore.Blobs (in the
// SQL database), storage/blobstore/s3blob (S3-compatible stores); all pass
// storage/blobstore/blobstoretest.
type BlobStore interface {
	// Put writes r to key, creating parent folders.
	Put(ctx context.Context, key string, r io.Reader) error
	// Open reads key; ErrNotFound if absent.
	Open(ctx context.Context, key string) (io.ReadCloser, error)
	Stat(ctx context.Context, key string) (BlobInfo, error)
	// Delete removes a file or an empty folder; ErrNotFound if absent.
	Delete(ctx context.Context, key string) error
	// DeleteAll removes key and everything under it; absent is not an error.
	DeleteAll(ctx context.Context, key string) error
	// Move renames a file; ErrNotFound if from is absent, ErrAlreadyExists
	// if to exists.
	Move(ctx context.Context, from, to string) error
	// MkdirAll creates a folder and its parents.
	MkdirAll(ctx context.Context, key string) error
	// List yields the direct children of the folder prefix ("" = root),
	// sorted by key.
	List(ctx context.Context, prefix string) iter.Seq2[BlobInfo, error]
}
