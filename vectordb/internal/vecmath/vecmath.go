// Package vecmath holds the helpers the vector indexes share: validation,
// normalisation, top-k selection and the counts over a namespace table.
package vecmath

import (
	"container/heap"
	"math"
	"sync"

	"github.com/anythingllm-go/anythingllm/anythingllm"
	"github.com/viterin/vek/vek32"
)

// Normalized returns v scaled to unit length, or an error for an empty,
// zero or non-finite vector.
func Normalized(v []float32) ([]float32, error) {
	if len(v) == 0 {
		return nil, anythingllm.Errorf(anythingllm.InvalidArgument, "empty vector")
	}
	// The common case in SIMD (vek): a NaN or infinite element makes the
	// float32 sum of squares non-finite, and so does an overflow or an
	// underflow to zero; all of those take the exact float64 path below,
	// which also says what is wrong.
	if sq := vek32.Dot(v, v); sq > 0 && sq <= math.MaxFloat32 {
		return vek32.MulNumber(v, float32(1/math.Sqrt(float64(sq)))), nil
	}
	var sum float64
	for _, x := range v {
		if math.IsNaN(float64(x)) || math.IsInf(float64(x), 0) {
			return nil, anythingllm.Errorf(anythingllm.InvalidArgument, "vector has a NaN or infinite value")
		}
		sum += float64(x) * float64(x)
	}
	if sum == 0 {
		return nil, anythingllm.Errorf(anythingllm.InvalidArgument, "zero vector")
	}
	inv := float32(1 / math.Sqrt(sum))
	out := make([]float32, len(v))
	for i, x := range v {
		out[i] = x * inv
	}
	return out, nil
}

// QueryVector validates q and returns its vector at unit length.
func QueryVector(q *anythingllm.VectorQuery) ([]float32, error) {
	if q == nil {
		return nil, anythingllm.Errorf(anythingllm.InvalidArgument, "missing vector query")
	}
	return Normalized(q.Vector)
}

// NormalizedAll validates and normalises a batch of records that must share
// one dimension, before anything is stored, so a refused batch changes
// nothing.
func NormalizedAll(records []anythingllm.VectorRecord) ([][]float32, error) {
	out := make([][]float32, len(records))
	for i, r := range records {
		if r.ID == "" {
			return nil, anythingllm.Errorf(anythingllm.InvalidArgument, "vector record %d has no ID", i)
		}
		v, err := Normalized(r.Vector)
		if err != nil {
			return nil, err
		}
		if i > 0 && len(v) != len(out[0]) {
			return nil, DimMismatch(len(v), len(out[0]))
		}
		out[i] = v
	}
	return out, nil
}

// ExcludeSet makes a lookup set of document IDs, nil when there are none.
func ExcludeSet(ids []string) map[string]struct{} {
	if len(ids) == 0 {
		return nil
	}
	m := make(map[string]struct{}, len(ids))
	for _, id := range ids {
		m[id] = struct{}{}
	}
	return m
}

// TopK keeps the k best (index, score) pairs.
type TopK struct {
	k int
	h scoreHeap
}

// Hit is a scored row. ID breaks ties, so that every process holding the
// same vectors ranks them alike whatever order it inserted them in.
type Hit struct {
	Row   int
	Score float32
	ID    string
}

// Better reports whether a ranks before b: higher score, then lower ID.
func Better(a, b Hit) bool {
	if a.Score != b.Score {
		return a.Score > b.Score
	}
	return a.ID < b.ID
}

type scoreHeap []Hit

// Less puts the worst kept hit at the root.
func (h scoreHeap) Less(i, j int) bool { return Better(h[j], h[i]) }
func (h scoreHeap) Len() int           { return len(h) }
func (h scoreHeap) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *scoreHeap) Push(x any)        { *h = append(*h, x.(Hit)) }
func (h *scoreHeap) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}

// NewTopK makes a selector for k hits.
func NewTopK(k int) *TopK { return &TopK{k: k, h: make(scoreHeap, 0, k+1)} }

// Min is the lowest kept score, or -Inf while fewer than k are kept. A hit
// scoring below it cannot be kept; one scoring equal to it may be (by ID).
func (t *TopK) Min() float32 {
	if len(t.h) < t.k {
		return float32(math.Inf(-1))
	}
	return t.h[0].Score
}

// Offer considers a hit.
func (t *TopK) Offer(h Hit) {
	if len(t.h) < t.k {
		heap.Push(&t.h, h)
		return
	}
	if Better(h, t.h[0]) {
		t.h[0] = h
		heap.Fix(&t.h, 0)
	}
}

// Sorted returns the kept hits, best first.
func (t *TopK) Sorted() []Hit {
	out := make([]Hit, len(t.h))
	h := append(scoreHeap(nil), t.h...)
	for i := len(out) - 1; i >= 0; i-- {
		out[i] = heap.Pop(&h).(Hit)
	}
	return out
}

// TopKOf clamps a requested k: <= 0 means 4.
func TopKOf(k int) int {
	if k <= 0 {
		return 4
	}
	return k
}

// CopyRecord returns r with its own copies of the slices and map a caller
// could change.
func CopyRecord(r anythingllm.VectorRecord) anythingllm.VectorRecord {
	r.Vector = append([]float32(nil), r.Vector...)
	if r.Metadata != nil {
		m := make(map[string]any, len(r.Metadata))
		for k, v := range r.Metadata {
			m[k] = v
		}
		r.Metadata = m
	}
	return r
}

// NotFound is the error for an unknown namespace.
func NotFound(ns string) error {
	return anythingllm.Errorf(anythingllm.NotFound, "vector namespace %q not found", ns)
}

// DimMismatch is the error for a vector of the wrong length.
func DimMismatch(got, want int) error {
	return anythingllm.Errorf(anythingllm.InvalidArgument, "vector has %d dimensions, the namespace has %d", got, want)
}

// Count is VectorStore.Count over a namespace table guarded by mu: the
// size of namespace name, or the NotFound error.
func Count[N any](mu *sync.RWMutex, ns map[string]*N, name string, size func(*N) int) (int, error) {
	mu.RLock()
	defer mu.RUnlock()
	n := ns[name]
	if n == nil {
		return 0, NotFound(name)
	}
	return size(n), nil
}

// Total is VectorStore.Total over a namespace table guarded by mu.
func Total[N any](mu *sync.RWMutex, ns map[string]*N, size func(*N) int) (int, error) {
	mu.RLock()
	defer mu.RUnlock()
	t := 0
	for _, n := range ns {
		t += size(n)
	}
	return t, nil
}
