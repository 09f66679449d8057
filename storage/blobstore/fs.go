package blobstore

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"io"
	"io/fs"
	"iter"
	"os"
	"path"
	"sort"
	"strings"
	"syscall"

	"github.com/anythingllm-go/anythingllm/anythingllm"
)

// Options tune NewFS. A nil *Options means the defaults.
type Options struct {
	// NoSync skips fsync before rename: faster, but a power loss (not a
	// process crash) may leave an empty file. Default false.
	NoSync bool
}

// FS stores blobs as files under a root folder. Every access goes through
// an os.Root, so no key, symlink or race can reach outside the root.
type FS struct {
	root *os.Root
	dir  string
	opts Options
}

// NewFS opens (creating if needed) the folder dir as a blob store. Close it
// when done.
func NewFS(dir string, opts *Options) (*FS, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	r, err := os.OpenRoot(dir)
	if err != nil {
		return nil, err
	}
	f := &FS{root: r, dir: dir}
	if opts != nil {
		f.opts = *opts
	}
	return f, nil
}

// Dir returns the root folder.
func (f *FS) Dir() string { return f.dir }

// Close releases the root.
func (f *FS) Close() error { return f.root.Close() }

func mapFSErr(err error, key string) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, fs.ErrNotExist):
		return notFound(key)
	case errors.Is(err, syscall.ENOTEMPTY): // before ErrExist, which matches it too
		return anythingllm.WrapError(anythingllm.FailedPrecondition, err, "%s is not empty", quoteShort(key))
	case errors.Is(err, fs.ErrExist):
		return anythingllm.WrapError(anythingllm.AlreadyExists, err, "%s already exists", quoteShort(key))
	case errors.Is(err, syscall.EISDIR):
		return anythingllm.WrapError(anythingllm.InvalidArgument, err, "%s is a folder", quoteShort(key))
	case errors.Is(err, syscall.ENOTDIR):
		return anythingllm.WrapError(anythingllm.InvalidArgument, err, "%s: a file stands where a folder is needed", quoteShort(key))
	case strings.Contains(err.Error(), "path escapes from parent"):
		return anythingllm.WrapError(anythingllm.InvalidArgument, err, "invalid name %s: it leads outside the store", quoteShort(key))
	}
	return anythingllm.WrapError(anythingllm.Unavailable, err, "file storage error")
}

// mkdirs creates folder dir for key. A file in the way is the caller's
// mistake (InvalidArgument), not a name clash: os.Root reports it as
// "exists".
func (f *FS) mkdirs(dir, key string) error {
	if dir == "." || dir == "" {
		return nil
	}
	err := f.root.MkdirAll(dir, 0o700)
	if errors.Is(err, fs.ErrExist) || errors.Is(err, syscall.ENOTDIR) {
		return anythingllm.WrapError(anythingllm.InvalidArgument, err, "%s: a file stands where a folder is needed", quoteShort(key))
	}
	return mapFSErr(err, key)
}

// Put writes r to key atomically: a temp file in the same folder, fsync,
// rename. On any error, including ctx ending, the temp file is removed.
func (f *FS) Put(ctx context.Context, key string, r io.Reader) error {
	if err := ValidKey(key); err != nil {
		return err
	}
	dir := path.Dir(key)
	if err := f.mkdirs(dir, key); err != nil {
		return err
	}
	var rnd [8]byte
	_, _ = rand.Read(rnd[:])
	tmp := path.Join(dir, TempPrefix+hex.EncodeToString(rnd[:]))
	file, err := f.root.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return mapFSErr(err, key)
	}
	ok := false
	defer func() {
		if !ok {
			_ = file.Close()
			_ = f.root.Remove(tmp)
		}
	}()
	if _, err := io.Copy(file, ctxReader{ctx, r}); err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		var coded *anythingllm.Error
		if errors.As(err, &coded) {
			return err
		}
		return anythingllm.WrapError(anythingllm.Unavailable, err, "writing %s failed", quoteShort(key))
	}
	if !f.opts.NoSync {
		if err := file.Sync(); err != nil {
			return mapFSErr(err, key)
		}
	}
	if err := file.Close(); err != nil {
		return mapFSErr(err, key)
	}
	if err := f.root.Rename(tmp, key); err != nil {
		if st, serr := f.root.Lstat(key); serr == nil && st.IsDir() {
			return anythingllm.WrapError(anythingllm.InvalidArgument, err, "%s is a folder", quoteShort(key))
		}
		return mapFSErr(err, key)
	}
	ok = true
	return nil
}

// ctxReader stops a copy when ctx ends.
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}

// Open reads key.
func (f *FS) Open(ctx context.Context, key string) (io.ReadCloser, error) {
	if err := ValidKey(key); err != nil {
		return nil, err
	}
	file, err := f.root.Open(key)
	if err != nil {
		return nil, mapFSErr(err, key)
	}
	st, err := file.Stat()
	if err != nil {
		file.Close()
		return nil, mapFSErr(err, key)
	}
	if st.IsDir() {
		file.Close()
		return nil, anythingllm.Errorf(anythingllm.InvalidArgument, "%s is a folder", quoteShort(key))
	}
	if !st.Mode().IsRegular() { // a device or FIFO planted inside the root
		file.Close()
		return nil, anythingllm.Errorf(anythingllm.InvalidArgument, "%s is not a file", quoteShort(key))
	}
	return file, nil
}

// Stat describes key.
func (f *FS) Stat(ctx context.Context, key string) (anythingllm.BlobInfo, error) {
	if err := validDir(key); err != nil {
		return anythingllm.BlobInfo{}, err
	}
	name := key
	if name == "" {
		name = "."
	}
	st, err := f.root.Stat(name)
	if err != nil {
		return anythingllm.BlobInfo{}, mapFSErr(err, key)
	}
	return anythingllm.BlobInfo{Key: key, Size: st.Size(), ModTime: st.ModTime().UTC(), IsDir: st.IsDir()}, nil
}

// Delete removes a file or an empty folder.
func (f *FS) Delete(ctx context.Context, key string) error {
	if err := ValidKey(key); err != nil {
		return err
	}
	return mapFSErr(f.root.Remove(key), key)
}

// DeleteAll removes key and everything below it.
func (f *FS) DeleteAll(ctx context.Context, key string) error {
	if err := ValidKey(key); err != nil {
		return err
	}
	err := f.root.RemoveAll(key)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	return mapFSErr(err, key)
}

// Move renames the file from to to, refusing to overwrite. The target is
// claimed with a hard link, which the kernel refuses atomically when the
// name exists, so two concurrent Moves (or a Put) to one name cannot
// silently replace each other; the old name is removed after. On a file
// system without hard links it falls back to check-then-rename. A crash
// between the two steps leaves both names holding the same bytes, never
// neither.
func (f *FS) Move(ctx context.Context, from, to string) error {
	if err := ValidKey(from); err != nil {
		return err
	}
	if err := ValidKey(to); err != nil {
		return err
	}
	st, err := f.root.Lstat(from)
	if err != nil {
		return mapFSErr(err, from)
	}
	if st.IsDir() {
		return anythingllm.Errorf(anythingllm.InvalidArgument, "%s is a folder", quoteShort(from))
	}
	if !st.Mode().IsRegular() {
		return anythingllm.Errorf(anythingllm.InvalidArgument, "%s is not a file", quoteShort(from))
	}
	if err := f.mkdirs(path.Dir(to), to); err != nil {
		return err
	}
	err = f.root.Link(from, to)
	switch {
	case err == nil:
		if err := f.root.Remove(from); err != nil {
			_ = f.root.Remove(to) // undo: keep exactly one name
			return mapFSErr(err, from)
		}
		return nil
	case errors.Is(err, fs.ErrExist):
		return anythingllm.WrapError(anythingllm.AlreadyExists, err, "%s already exists", quoteShort(to))
	case noHardLinks(err):
		if _, err := f.root.Lstat(to); err == nil {
			return anythingllm.Errorf(anythingllm.AlreadyExists, "%s already exists", quoteShort(to))
		}
		return mapFSErr(f.root.Rename(from, to), from)
	}
	return mapFSErr(err, to)
}

// noHardLinks reports whether a link error means the file system does not
// support hard links (FAT, some network and FUSE file systems).
func noHardLinks(err error) bool {
	for _, e := range []error{syscall.EPERM, syscall.ENOTSUP, syscall.EOPNOTSUPP, syscall.ENOSYS, syscall.EXDEV, syscall.EMLINK} {
		if errors.Is(err, e) {
			return true
		}
	}
	return false
}

// MkdirAll creates a folder and its parents.
func (f *FS) MkdirAll(ctx context.Context, key string) error {
	if err := ValidKey(key); err != nil {
		return err
	}
	return f.mkdirs(key, key)
}

// List yields the direct children of prefix, sorted by key.
func (f *FS) List(ctx context.Context, prefix string) iter.Seq2[anythingllm.BlobInfo, error] {
	return func(yield func(anythingllm.BlobInfo, error) bool) {
		if err := validDir(prefix); err != nil {
			yield(anythingllm.BlobInfo{}, err)
			return
		}
		name := prefix
		if name == "" {
			name = "."
		}
		dir, err := f.root.Open(name)
		if err != nil {
			yield(anythingllm.BlobInfo{}, mapFSErr(err, prefix))
			return
		}
		if st, err := dir.Stat(); err == nil && !st.IsDir() {
			dir.Close()
			yield(anythingllm.BlobInfo{}, anythingllm.Errorf(anythingllm.InvalidArgument, "%s is not a folder", quoteShort(prefix)))
			return
		}
		entries, err := dir.ReadDir(-1)
		dir.Close()
		if err != nil {
			yield(anythingllm.BlobInfo{}, mapFSErr(err, prefix))
			return
		}
		sort.Slice(entries, func(i, j int) bool { return entries[i].Name() < entries[j].Name() })
		for _, e := range entries {
			if strings.HasPrefix(e.Name(), TempPrefix) || e.Type()&fs.ModeSymlink != 0 {
				continue
			}
			info, err := e.Info()
			if err != nil {
				continue // removed meanwhile
			}
			if err := ctx.Err(); err != nil {
				yield(anythingllm.BlobInfo{}, err)
				return
			}
			if !yield(anythingllm.BlobInfo{Key: path.Join(prefix, e.Name()), Size: info.Size(), ModTime: info.ModTime().UTC(), IsDir: e.IsDir()}, nil) {
				return
			}
		}
	}
}
