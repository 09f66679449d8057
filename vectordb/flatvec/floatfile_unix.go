//go:build unix

package flatvec

import (
	"os"

	"github.com/anythingllm-go/anythingllm/anythingllm"
	"golang.org/x/sys/unix"
)

// fileSys backs a floatFile with a shared mapping of a file that is
// unlinked as soon as it is created: the OS frees it when the process
// exits, however it exits, and keeps its pages in the page cache rather
// than the Go heap.
type fileSys struct{ f *os.File }

func openFloatFile(dir string, dim int) (*floatFile, error) {
	f, err := os.CreateTemp(dir, "flatvec-*.f32")
	if err != nil {
		return nil, anythingllm.WrapError(anythingllm.Unavailable, err, "flatvec: create the vector file")
	}
	if err := os.Remove(f.Name()); err != nil {
		_ = f.Close()
		return nil, anythingllm.WrapError(anythingllm.Unavailable, err, "flatvec: unlink the vector file")
	}
	return &floatFile{dim: dim, sys: fileSys{f: f}}, nil
}

// resize grows the file to size bytes and maps it afresh. Callers hold the
// index's write lock, so no query reads the old mapping.
func (s fileSys) resize(ff *floatFile, size int) error {
	if err := s.f.Truncate(int64(size)); err != nil {
		return anythingllm.WrapError(anythingllm.Unavailable, err, "flatvec: grow the vector file")
	}
	buf, err := unix.Mmap(int(s.f.Fd()), 0, size, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_SHARED) // #nosec G115 -- a file descriptor fits int
	if err != nil {
		return anythingllm.WrapError(anythingllm.Unavailable, err, "flatvec: map the vector file")
	}
	if ff.buf != nil {
		if err := unix.Munmap(ff.buf); err != nil {
			_ = unix.Munmap(buf)
			return anythingllm.WrapError(anythingllm.Internal, err, "flatvec: unmap the vector file")
		}
	}
	ff.buf = buf
	return nil
}

func (s fileSys) close(ff *floatFile) error {
	var err error
	if ff.buf != nil {
		err = unix.Munmap(ff.buf)
	}
	if cerr := s.f.Close(); err == nil {
		err = cerr
	}
	return err
}
