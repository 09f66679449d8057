//go:build !unix

package flatvec

// fileSys keeps the rows on the heap where mmap is not available.
type fileSys struct{}

func openFloatFile(dir string, dim int) (*floatFile, error) {
	return &floatFile{dim: dim}, nil
}

func (fileSys) resize(ff *floatFile, size int) error {
	buf := make([]byte, size)
	copy(buf, ff.buf)
	ff.buf = buf
	return nil
}

func (fileSys) close(*floatFile) error { return nil }
