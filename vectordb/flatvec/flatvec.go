// Package flatvec is the default vector index: each namespace keeps its
// unit-length vectors in contiguous []float32 blocks, and a query is a SIMD dot
// product over every row (github.com/viterin/vek), split across goroutines,
// with a small heap per goroutine for the top k. Exact results, no index
// build, and close to the memory-bandwidth floor: at 100,000 x 1,536 a query
// reads 614 MB and costs about what streaming those bytes costs.
//
// Matches carry the chunk's ID, DocID, Text and Metadata but no Vector.
package flatvec

import (
	"context"
	"runtime"
	"sort"
	"sync"

	"github.com/anythingllm-go/anythingllm/anythingllm"
	"github.com/anythingllm-go/anythingllm/vectordb/internal/vecmath"
	"github.com/viterin/vek/vek32"
)

// Options tune the index. A nil *Options means the defaults.
type Options struct {
	// Parallelism is how many goroutines scan one query; default
	// GOMAXPROCS.
	Parallelism int
	// MinParallelFloats is the namespace size (rows x dims) below which a
	// query runs on one goroutine; default 1<<18.
	MinParallelFloats int
}

type meta struct {
	id, docID string
	text      string
	metadata  map[string]any
}

// blockRows is how many rows share one contiguous block. Blocks keep scans
// sequential while growing the index never copies what is already stored.
const blockRows = 1024

type namespace struct {
	dim    int
	blocks [][]float32 // row-major; block b holds rows b*blockRows...
	rows   []meta
	byID   map[string]int
}

// row returns the vector of row r.
func (n *namespace) row(r int) []float32 {
	off := (r % blockRows) * n.dim
	return n.blocks[r/blockRows][off : off+n.dim]
}

// appendRow stores v as a new last row.
func (n *namespace) appendRow(v []float32) {
	r := len(n.rows) - 1 // the caller appended the row's meta already
	if r/blockRows == len(n.blocks) {
		n.blocks = append(n.blocks, make([]float32, 0, blockRows*n.dim))
	}
	b := r / blockRows
	n.blocks[b] = append(n.blocks[b], v...)
}

// Store is the flat index. It is safe for concurrent use; queries run in
// parallel with each other.
type Store struct {
	mu   sync.RWMutex
	ns   map[string]*namespace
	opts Options
}

// New returns an empty index.
func New(opts *Options) *Store {
	s := &Store{ns: map[string]*namespace{}}
	if opts != nil {
		s.opts = *opts
	}
	if s.opts.Parallelism <= 0 {
		s.opts.Parallelism = runtime.GOMAXPROCS(0)
	}
	if s.opts.MinParallelFloats <= 0 {
		s.opts.MinParallelFloats = 1 << 18
	}
	return s
}

// Upsert adds records, replacing any with the same ID.
func (s *Store) Upsert(ctx context.Context, name string, records []anythingllm.VectorRecord) error {
	if len(records) == 0 {
		return nil
	}
	vecs := make([][]float32, len(records))
	for i, r := range records {
		v, err := vecmath.Normalized(r.Vector)
		if err != nil {
			return err
		}
		if len(v) != len(records[0].Vector) {
			return vecmath.DimMismatch(len(v), len(records[0].Vector))
		}
		vecs[i] = v
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	n := s.ns[name]
	if n == nil {
		n = &namespace{dim: len(vecs[0]), byID: map[string]int{}}
		s.ns[name] = n
	}
	if n.dim != len(vecs[0]) {
		return vecmath.DimMismatch(len(vecs[0]), n.dim)
	}
	for i, r := range records {
		m := meta{id: r.ID, docID: r.DocID, text: r.Text, metadata: r.Metadata}
		if row, ok := n.byID[r.ID]; ok {
			copy(n.row(row), vecs[i])
			n.rows[row] = m
			continue
		}
		n.byID[r.ID] = len(n.rows)
		n.rows = append(n.rows, m)
		n.appendRow(vecs[i])
	}
	return nil
}

// Query returns the TopK nearest rows by cosine similarity.
func (s *Store) Query(ctx context.Context, name string, q *anythingllm.VectorQuery) ([]anythingllm.VectorMatch, error) {
	qv, err := vecmath.Normalized(q.Vector)
	if err != nil {
		return nil, err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	n := s.ns[name]
	if n == nil || len(n.rows) == 0 {
		return nil, nil
	}
	if len(qv) != n.dim {
		return nil, vecmath.DimMismatch(len(qv), n.dim)
	}
	k := vecmath.TopKOf(q.TopK)
	var exclude map[string]bool
	if len(q.ExcludeDocIDs) > 0 {
		exclude = make(map[string]bool, len(q.ExcludeDocIDs))
		for _, d := range q.ExcludeDocIDs {
			exclude[d] = true
		}
	}
	rows := len(n.rows)
	parts := 1
	if rows*n.dim >= s.opts.MinParallelFloats {
		parts = min(s.opts.Parallelism, rows)
	}
	tops := make([]*vecmath.TopK, parts)
	var wg sync.WaitGroup
	per := (rows + parts - 1) / parts
	for p := range parts {
		lo, hi := p*per, min((p+1)*per, rows)
		tops[p] = vecmath.NewTopK(k)
		scan := func() {
			top := tops[p]
			dim := n.dim
			scores := make([]float32, blockRows)
			// Score whole runs of rows with one matrix-vector product per
			// block: fewer calls, one sequential pass over memory.
			for r := lo; r < hi; {
				b, first := r/blockRows, r%blockRows
				last := min(blockRows, first+(hi-r))
				if rowsInBlock := len(n.blocks[b]) / dim; last > rowsInBlock {
					last = rowsInBlock
				}
				vek32.MatMul_Into(scores[:last-first], n.blocks[b][first*dim:last*dim], qv, dim)
				for i, score := range scores[:last-first] {
					row := r + i
					if score >= q.MinScore && score > top.Min() {
						if exclude != nil && exclude[n.rows[row].docID] {
							continue
						}
						top.Offer(row, score)
					}
				}
				r += last - first
			}
		}
		if parts == 1 {
			scan()
			break
		}
		wg.Add(1)
		go func() { defer wg.Done(); scan() }()
	}
	wg.Wait()
	var hits []vecmath.Hit
	for _, t := range tops {
		hits = append(hits, t.Sorted()...)
	}
	sort.Slice(hits, func(i, j int) bool { return hits[i].Score > hits[j].Score })
	if len(hits) > k {
		hits = hits[:k]
	}
	out := make([]anythingllm.VectorMatch, len(hits))
	for i, h := range hits {
		m := n.rows[h.Row]
		out[i] = anythingllm.VectorMatch{
			VectorRecord: vecmath.CopyRecord(anythingllm.VectorRecord{ID: m.id, DocID: m.docID, Text: m.text, Metadata: m.metadata}),
			Score:        h.Score, Distance: 1 - h.Score,
		}
		out[i].Vector = nil
	}
	return out, nil
}

// DeleteDocument removes every row of a document.
func (s *Store) DeleteDocument(ctx context.Context, name, docID string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := s.ns[name]
	if n == nil {
		return nil
	}
	for r := 0; r < len(n.rows); {
		if n.rows[r].docID != docID {
			r++
			continue
		}
		n.remove(r) // the last row moves into r: look at r again
	}
	return nil
}

// remove deletes row r by moving the last row into its place.
func (n *namespace) remove(r int) {
	last := len(n.rows) - 1
	delete(n.byID, n.rows[r].id)
	if r != last {
		n.rows[r] = n.rows[last]
		copy(n.row(r), n.row(last))
		n.byID[n.rows[r].id] = r
	}
	n.rows = n.rows[:last]
	b := last / blockRows
	n.blocks[b] = n.blocks[b][:(last%blockRows)*n.dim]
	if len(n.blocks[b]) == 0 {
		n.blocks = n.blocks[:b]
	}
}

// DeleteNamespace drops a namespace; an unknown one is not an error.
func (s *Store) DeleteNamespace(ctx context.Context, name string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.ns, name)
	return nil
}

// Count returns a namespace's row count, ErrNotFound if it does not exist.
func (s *Store) Count(ctx context.Context, name string) (int, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	n := s.ns[name]
	if n == nil {
		return 0, vecmath.NotFound(name)
	}
	return len(n.rows), nil
}

// Total counts rows in every namespace.
func (s *Store) Total(ctx context.Context) (int, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	t := 0
	for _, n := range s.ns {
		t += len(n.rows)
	}
	return t, nil
}

// Close frees the index.
func (s *Store) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.ns = map[string]*namespace{}
	return nil
}
