package blobstore

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"hash"
	"io"

	"github.com/anythingllm-go/anythingllm/anythingllm"
)

// CopyOptions tune Copy. A nil *CopyOptions means the defaults.
type CopyOptions struct {
	// SkipExisting leaves a file alone when dst already holds the same
	// bytes (same size and SHA-256); otherwise every file is written.
	SkipExisting bool
	// Progress, if set, is called after each file is copied (or skipped)
	// and verified: done and total count bytes of files, key is the file.
	Progress func(done, total int64, key string)
}

// CopyStats tells what Copy did.
type CopyStats struct {
	Files   int64 // files written and verified
	Skipped int64 // files already identical in dst (SkipExisting)
	Dirs    int64 // folders created in dst
	Bytes   int64 // bytes of the files written
}

// Copy copies every file and folder of src into dst (same keys), e.g. to
// move STORAGE_DIR's files into a shared store before switching
// BLOB_STORE. Each file is streamed (never held whole) while its SHA-256
// is computed, then read back from dst and compared: a mismatch stops the
// copy with ErrInternal naming the file. Empty folders are created too.
// Files already in dst and not in src are left alone. On error the stats
// say what was done so far; running Copy again with SkipExisting resumes.
func Copy(ctx context.Context, dst, src anythingllm.BlobStore, opts *CopyOptions) (CopyStats, error) {
	var o CopyOptions
	if opts != nil {
		o = *opts
	}
	var stats CopyStats
	var files []anythingllm.BlobInfo
	var dirs []string
	var walk func(prefix string) error
	walk = func(prefix string) error {
		for info, err := range src.List(ctx, prefix) {
			if err != nil {
				return err
			}
			if info.IsDir {
				dirs = append(dirs, info.Key)
				if err := walk(info.Key); err != nil {
					return err
				}
				continue
			}
			files = append(files, info)
		}
		return nil
	}
	if err := walk(""); err != nil {
		return stats, err
	}
	var total, done int64
	for _, f := range files {
		total += f.Size
	}
	for _, d := range dirs {
		if err := ctx.Err(); err != nil {
			return stats, err
		}
		if info, err := dst.Stat(ctx, d); err == nil && info.IsDir {
			continue
		}
		if err := dst.MkdirAll(ctx, d); err != nil {
			return stats, err
		}
		stats.Dirs++
	}
	for _, f := range files {
		if err := ctx.Err(); err != nil {
			return stats, err
		}
		skipped := false
		if o.SkipExisting {
			same, err := sameContent(ctx, dst, src, f)
			if err != nil {
				return stats, err
			}
			skipped = same
		}
		if skipped {
			stats.Skipped++
		} else {
			n, err := copyFile(ctx, dst, src, f.Key)
			if err != nil {
				return stats, err
			}
			stats.Files++
			stats.Bytes += n
		}
		done += f.Size
		if o.Progress != nil {
			o.Progress(done, total, f.Key)
		}
	}
	return stats, nil
}

// copyFile streams key from src to dst, then checks dst's bytes against
// the SHA-256 of what was read from src.
func copyFile(ctx context.Context, dst, src anythingllm.BlobStore, key string) (int64, error) {
	r, err := src.Open(ctx, key)
	if err != nil {
		return 0, err
	}
	defer r.Close()
	h := sha256.New()
	cr := &countReader{r: io.TeeReader(r, h)}
	if err := dst.Put(ctx, key, cr); err != nil {
		return cr.n, err
	}
	// A store may return without reading to EOF only by failing; make
	// sure the hash covers the whole source.
	if _, err := io.Copy(h, r); err != nil {
		return cr.n, err
	}
	want := h.Sum(nil)
	got, _, err := digest(ctx, dst, key)
	if err != nil {
		return cr.n, err
	}
	if !bytes.Equal(got, want) {
		return cr.n, anythingllm.Errorf(anythingllm.Internal, "copy of %s does not match the source (SHA-256 differs)", quoteShort(key))
	}
	return cr.n, nil
}

type countReader struct {
	r io.Reader
	n int64
}

func (c *countReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

// sameContent reports whether dst holds f with the same size and SHA-256.
func sameContent(ctx context.Context, dst, src anythingllm.BlobStore, f anythingllm.BlobInfo) (bool, error) {
	info, err := dst.Stat(ctx, f.Key)
	if errors.Is(err, anythingllm.ErrNotFound) || (err == nil && (info.IsDir || info.Size != f.Size)) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	a, _, err := digest(ctx, src, f.Key)
	if err != nil {
		return false, err
	}
	b, _, err := digest(ctx, dst, f.Key)
	if errors.Is(err, anythingllm.ErrNotFound) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	return bytes.Equal(a, b), nil
}

// digest returns the SHA-256 and size of key's content.
func digest(ctx context.Context, s anythingllm.BlobStore, key string) ([]byte, int64, error) {
	r, err := s.Open(ctx, key)
	if err != nil {
		return nil, 0, err
	}
	defer r.Close()
	var h hash.Hash = sha256.New()
	n, err := io.Copy(h, ctxReader{ctx, r})
	if err != nil {
		return nil, n, err
	}
	return h.Sum(nil), n, nil
}
