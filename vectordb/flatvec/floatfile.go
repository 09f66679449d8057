package flatvec

import (
	"encoding/binary"
	"math"
)

// floatFile holds the float32 rows of a quantized namespace, row r at
// bytes [r*dim*4, (r+1)*dim*4), little-endian: in a memory-mapped file
// where the platform has mmap (floatfile_unix.go), on the heap elsewhere.
// Rows are dense: the namespace moves its last row into a deleted one.
type floatFile struct {
	dim  int
	rows int    // rows in use
	buf  []byte // the mapping (or heap copy); len = capacity in rows x dim x 4
	sys  fileSys
}

// rowBytes is the byte span of row r.
func (f *floatFile) rowBytes(r int) []byte {
	n := f.dim * 4
	return f.buf[r*n : (r+1)*n]
}

// put writes v as row r.
func (f *floatFile) put(r int, v []float32) {
	b := f.rowBytes(r)
	for j, x := range v {
		binary.LittleEndian.PutUint32(b[j*4:], math.Float32bits(x))
	}
}

// get reads row r into v.
func (f *floatFile) get(r int, v []float32) {
	b := f.rowBytes(r)
	for j := range v {
		v[j] = math.Float32frombits(binary.LittleEndian.Uint32(b[j*4:]))
	}
}

// move copies row src over row dst.
func (f *floatFile) move(dst, src int) { copy(f.rowBytes(dst), f.rowBytes(src)) }

// grow makes room for rows rows, at least doubling the capacity when it
// has to remap, and counts them in use.
func (f *floatFile) grow(rows int) error {
	need := rows * f.dim * 4
	if need > len(f.buf) {
		size := max(need, 2*len(f.buf), blockRows*f.dim*4)
		if err := f.sys.resize(f, size); err != nil {
			return err
		}
	}
	f.rows = max(f.rows, rows)
	return nil
}

func (f *floatFile) close() error {
	err := f.sys.close(f)
	f.buf = nil
	return err
}
