// Package benchdata makes the vectors the benchmarks search: seeded, so the
// Go benchmarks and the LanceDB script (fed by WriteFile) see the same data,
// and fast to make, since 1M x 384 is 384M floats.
package benchdata

import (
	"bufio"
	"encoding/binary"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync"
)

// Size is an index size: rows vectors of dim dimensions.
type Size struct{ Rows, Dim int }

func (s Size) String() string { return fmt.Sprintf("%dx%d", s.Rows, s.Dim) }

// Floats is how many float32s the index holds.
func (s Size) Floats() int { return s.Rows * s.Dim }

// ParseSizes reads "10000x384,100000x1536".
func ParseSizes(s string) ([]Size, error) {
	var out []Size
	for f := range strings.SplitSeq(s, ",") {
		r, d, ok := strings.Cut(strings.TrimSpace(f), "x")
		rows, err1 := strconv.Atoi(r)
		dim, err2 := strconv.Atoi(d)
		if !ok || err1 != nil || err2 != nil || rows <= 0 || dim <= 0 {
			return nil, fmt.Errorf("size %q: want ROWSxDIM", f)
		}
		out = append(out, Size{rows, dim})
	}
	return out, nil
}

// Uniform returns rows x dim floats uniform in [-1, 1), row-major, seeded
// by the size. Rows are made in parallel, each block from its own stream,
// so the result does not depend on the number of cores.
func Uniform(s Size) []float32 {
	all := make([]float32, s.Floats())
	const block = 4096 // rows per stream
	parallelRows(s.Rows, block, func(lo, hi int) {
		r := rand.New(rand.NewPCG(uint64(s.Dim), uint64(lo))) // #nosec G404 G115 -- seeded, reproducible benchmark data; sizes are small and positive
		data := all[lo*s.Dim : hi*s.Dim]
		for i := 0; i+1 < len(data); i += 2 {
			u := r.Uint64()
			data[i] = float32(uint32(u))/(1<<31) - 1 // #nosec G115 -- the low half of the word, on purpose
			data[i+1] = float32(uint32(u>>32))/(1<<31) - 1
		}
		if len(data)%2 == 1 {
			data[len(data)-1] = float32(r.Uint32())/(1<<31) - 1
		}
	})
	return all
}

// Query is a query vector for the size, uniform like the rows.
func Query(dim int, seed uint64) []float32 {
	r := rand.New(rand.NewPCG(seed, 99)) // #nosec G404 -- seeded, reproducible benchmark data
	q := make([]float32, dim)
	for i := range q {
		q[i] = r.Float32()*2 - 1
	}
	return q
}

// Clustered returns rows x dim unit vectors drawn around k Gaussian
// centres (sigma 0.3 per coordinate before normalising, centres unit
// length), and queries drawn the same way: data where approximate search
// is tested fairly, unlike uniform noise, where every neighbour is nearly
// as far as every other.
func Clustered(s Size, k, queries int) (rows, qs []float32) {
	r := rand.New(rand.NewPCG(uint64(k), uint64(s.Dim))) // #nosec G404 G115 -- seeded, reproducible benchmark data; sizes are small and positive
	centres := make([]float32, k*s.Dim)
	for c := range k {
		v := centres[c*s.Dim : (c+1)*s.Dim]
		for i := range v {
			v[i] = float32(r.NormFloat64())
		}
		normalize(v)
	}
	sigma := 0.3 / math.Sqrt(float64(s.Dim))
	draw := func(out []float32, r *rand.Rand) {
		c := centres[r.IntN(k)*s.Dim:][:s.Dim]
		for i := range out {
			out[i] = c[i] + float32(r.NormFloat64()*sigma)
		}
		normalize(out)
	}
	rows = make([]float32, s.Floats())
	parallelRows(s.Rows, 4096, func(lo, hi int) {
		r := rand.New(rand.NewPCG(uint64(lo), 7)) // #nosec G404 G115 -- seeded, reproducible benchmark data; row numbers are positive
		for i := lo; i < hi; i++ {
			draw(rows[i*s.Dim:(i+1)*s.Dim], r)
		}
	})
	qs = make([]float32, queries*s.Dim)
	for i := range queries {
		draw(qs[i*s.Dim:(i+1)*s.Dim], r)
	}
	return rows, qs
}

func normalize(v []float32) {
	var n float64
	for _, x := range v {
		n += float64(x) * float64(x)
	}
	if n == 0 {
		return
	}
	inv := float32(1 / math.Sqrt(n))
	for i := range v {
		v[i] *= inv
	}
}

func parallelRows(rows, block int, f func(lo, hi int)) {
	var wg sync.WaitGroup
	sem := make(chan struct{}, runtime.GOMAXPROCS(0))
	for lo := 0; lo < rows; lo += block {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			f(lo, min(lo+block, rows))
		}()
	}
	wg.Wait()
}

// WriteFile writes the vectors for the LanceDB script: "FVEC" magic, rows
// and dim as little-endian uint32, the query (dim float32s), then the rows
// (rows x dim float32s), all little-endian.
func WriteFile(path string, s Size, rows, query []float32) error {
	f, err := os.Create(path) // #nosec G304 -- a path the report chose in its temp dir
	if err != nil {
		return err
	}
	w := bufio.NewWriterSize(f, 1<<20)
	_, _ = w.WriteString("FVEC")
	_ = binary.Write(w, binary.LittleEndian, [2]uint32{uint32(s.Rows), uint32(s.Dim)}) // #nosec G115 -- sizes are small
	_ = binary.Write(w, binary.LittleEndian, query)
	if err := binary.Write(w, binary.LittleEndian, rows); err != nil {
		_ = f.Close()
		return err
	}
	if err := w.Flush(); err != nil {
		_ = f.Close()
		return err
	}
	return f.Close()
}
