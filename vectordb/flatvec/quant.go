package flatvec

import (
	"math"
	"math/bits"
	"slices"
	"sync"

	"github.com/anythingllm-go/anythingllm/vectordb/internal/vecmath"
	"github.com/viterin/vek/vek32"
)

// encodeBinary sets bit j of code iff v[j]-centre[j] has its sign bit
// clear (centre nil: v[j]): the hyperplane signs of a vector. The Hamming
// distance between two codes estimates the angle between the vectors (each
// bit differs with probability angle/pi). Branch-free: signs are random, so
// a branch would mispredict half the time.
func encodeBinary(code []uint64, v, centre []float32) {
	for w := range code {
		var x uint64
		lo, hi := w*64, min(len(v), w*64+64)
		if centre == nil {
			for b, f := range v[lo:hi] {
				x |= uint64(^math.Float32bits(f)>>31) << b
			}
		} else {
			c := centre[lo:hi]
			for b, f := range v[lo:hi] {
				x |= uint64(^math.Float32bits(f-c[b])>>31) << b
			}
		}
		code[w] = x
	}
}

// Codes are taken relative to the mean of the stored vectors. Real
// embeddings share a large common component (two unrelated texts often
// have a cosine of 0.7); the signs of that component are the same in every
// vector and would tell rows apart by nothing. The mean is fixed at
// firstCentre rows and again each time the namespace doubles, up to
// lastCentre rows, each time re-encoding every row from its float32 copy
// (amortised: at most two encodings per row).
const (
	firstCentre = 256
	lastCentre  = 1 << 17
)

// centring tracks the sum of a namespace's vectors and the mean its codes
// use.
type centring struct {
	sum     []float64
	mean    []float32 // nil until firstCentre rows
	next    int       // re-centre when the namespace reaches this many rows
	scratch []float32
}

// add adds sign x v to the sum.
func (c *centring) add(v []float32, sign float64) {
	for j, x := range v {
		c.sum[j] += sign * float64(x)
	}
}

// recentre fixes the mean of the current rows and re-encodes them all.
func (n *namespace) recentre() {
	rows := len(n.rows)
	mean := make([]float32, n.dim)
	for j, x := range n.centre.sum {
		mean[j] = float32(x / float64(rows))
	}
	n.centre.mean = mean
	n.centre.next = 2 * rows
	if rows >= lastCentre {
		n.centre.next = math.MaxInt
	}
	for r := range rows {
		encodeBinary(n.code(r), n.fileRow(r), mean)
	}
}

// hamming is the number of differing bits. Four sums break the chain of
// dependent additions.
func hamming(a, b []uint64) int {
	var d0, d1, d2, d3 int
	b = b[:len(a)]
	i := 0
	for ; i+4 <= len(a); i += 4 {
		d0 += bits.OnesCount64(a[i] ^ b[i])
		d1 += bits.OnesCount64(a[i+1] ^ b[i+1])
		d2 += bits.OnesCount64(a[i+2] ^ b[i+2])
		d3 += bits.OnesCount64(a[i+3] ^ b[i+3])
	}
	for ; i < len(a); i++ {
		d0 += bits.OnesCount64(a[i] ^ b[i])
	}
	return d0 + d1 + d2 + d3
}

// candidates is how many rows a quantized query re-ranks exactly.
func (s *Store) candidates(k int) int {
	if s.opts.Rerank > 0 {
		return max(s.opts.Rerank, k)
	}
	return max(DefaultRerank, 50*k)
}

// rankQuantized ranks by Hamming distance, then re-ranks the best
// candidates (every row tied with the last one too, so the set does not
// depend on row order) by their exact scores.
func (s *Store) rankQuantized(n *namespace, qv []float32, minScore float32, k int, excluded []bool, parts int) []vecmath.Hit {
	rows := len(n.rows)
	want := s.candidates(k)
	var cands []int32
	if rows <= want {
		// Small namespaces are searched exactly.
		cands = make([]int32, 0, rows)
		for r := range rows {
			if excluded == nil || !excluded[n.rows[r].doc] {
				cands = append(cands, int32(r)) // #nosec G115 -- rows < want, an int
			}
		}
	} else {
		cands = n.binaryCandidates(qv, want, excluded, parts)
	}
	// Re-rank in parallel too: each candidate reads dim floats from the
	// file, scattered.
	rparts := 1
	if len(cands)*n.dim >= s.opts.MinParallelFloats {
		rparts = min(parts, len(cands))
	}
	return parallel(len(cands), rparts, k, func(lo, hi int, top *vecmath.TopK) {
		v := make([]float32, n.dim)
		var score [1]float32
		for _, r := range cands[lo:hi] {
			n.file.get(int(r), v)
			// The same kernel as the exact scan, so scores are identical.
			vek32.MatMul_Into(score[:], v, qv, n.dim)
			if score[0] >= minScore && score[0] >= top.Min() {
				top.Offer(vecmath.Hit{Row: int(r), Score: score[0], ID: n.rows[r].id})
			}
		}
	})
}

// binaryCandidates returns the rows whose codes are nearest the query's:
// the want nearest and every row as near as the farthest of them, excluded
// documents left out.
func (n *namespace) binaryCandidates(qv []float32, want int, excluded []bool, parts int) []int32 {
	qc := make([]uint64, n.words)
	encodeBinary(qc, qv, n.centre.mean)
	rows := len(n.rows)
	far := n.words*64 + 1 // the distance of an excluded row
	dist := make([]uint16, rows)
	hists := make([][]int32, parts)
	per := (rows + parts - 1) / parts
	var wg sync.WaitGroup
	for p := range parts {
		lo, hi := min(p*per, rows), min((p+1)*per, rows)
		hist := make([]int32, far+1)
		hists[p] = hist
		wg.Add(1)
		go func() {
			defer wg.Done()
			w := n.words
			for r := lo; r < hi; {
				blk, first := n.codes[r/blockRows], r%blockRows
				last := min(blockRows, first+(hi-r))
				for i := first; i < last; i, r = i+1, r+1 {
					d := far
					if excluded == nil || !excluded[n.rows[r].doc] {
						d = hamming(qc, blk[i*w:i*w+w])
					}
					dist[r] = uint16(d) // #nosec G115 -- at most 64 x words + 1, and dims fit uint16 (checked at Upsert)
					hist[d]++
				}
			}
		}()
	}
	wg.Wait()
	// The smallest distance t with at least want rows at t or nearer.
	t, seen := 0, 0
	for ; t < far; t++ {
		for _, h := range hists {
			seen += int(h[t])
		}
		if seen >= want {
			break
		}
	}
	if t == far {
		t-- // fewer than want rows are not excluded: take them all
	}
	out := make([]int32, 0, min(seen, rows))
	for r, d := range dist {
		if int(d) <= t {
			out = append(out, int32(r)) // #nosec G115 -- row numbers fit int32
		}
	}
	return slices.Clip(out)
}
