// Package flatvec is the default vector index: an exact flat scan that runs
// close to the memory-bandwidth floor.
//
// Each namespace keeps its vectors, normalised to unit length at Upsert, in
// row-major []float32 blocks of 1,024 rows (contiguous within a block, so
// a scan streams memory; growing never copies stored rows). Deleting a row
// moves the last row into its place, so rows stay dense. A query is a
// matrix-vector product per block with github.com/viterin/vek (AVX2+FMA
// assembly on amd64, pure Go elsewhere), split across Options.Parallelism
// goroutines, each keeping a small heap of its best k; the heaps are then
// merged. Score is the dot product, which is the cosine similarity, and
// Distance = 1 - Score. Queries share a read lock and run in parallel with
// each other; Upsert and deletes take the write lock.
//
// At 100,000 x 1,536 a query reads 614 MB; on 2 cores it costs about 1.2x
// the time of merely streaming those bytes (see vectordb's BenchmarkQuery).
//
// Matches carry the chunk's ID, DocID, Text and a copy of its Metadata but
// no Vector.
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

// vekParallelFloats is the size (rows x dims) from which vek32.MatMul_Into
// goes parallel on its own (vek v0.4.3, internal/functions/matrix.go).
const vekParallelFloats = 100_000

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
	vecs, err := vecmath.NormalizedAll(records)
	if err != nil {
		return err
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
		m := meta{id: r.ID, docID: r.DocID, text: r.Text, metadata: vecmath.CopyRecord(anythingllm.VectorRecord{Metadata: r.Metadata}).Metadata}
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
	qv, err := vecmath.QueryVector(q)
	if err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
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
	exclude := vecmath.ExcludeSet(q.ExcludeDocIDs)
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
			// vek's MatMul starts its own goroutines for products of 100,000
			// floats or more; we already split the scan, so stay below that.
			chunk := max(1, (vekParallelFloats-1)/dim)
			scores := make([]float32, min(blockRows, hi-lo)) // small namespaces are common
			// Score whole runs of rows with one matrix-vector product per
			// block: fewer calls, one sequential pass over memory.
			for r := lo; r < hi; {
				b, first := r/blockRows, r%blockRows
				last := min(blockRows, first+(hi-r), first+chunk)
				if rowsInBlock := len(n.blocks[b]) / dim; last > rowsInBlock {
					last = rowsInBlock
				}
				vek32.MatMul_Into(scores[:last-first], n.blocks[b][first*dim:last*dim], qv, dim)
				for i, score := range scores[:last-first] {
					row := r + i
					if score >= q.MinScore && score >= top.Min() {
						if _, skip := exclude[n.rows[row].docID]; skip {
							continue
						}
						top.Offer(vecmath.Hit{Row: row, Score: score, ID: n.rows[row].id})
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
	sort.Slice(hits, func(i, j int) bool { return vecmath.Better(hits[i], hits[j]) })
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
	return vecmath.Count(&s.mu, s.ns, name, func(n *namespace) int { return len(n.rows) })
}

// Total counts rows in every namespace.
func (s *Store) Total(ctx context.Context) (int, error) {
	return vecmath.Total(&s.mu, s.ns, func(n *namespace) int { return len(n.rows) })
}

// Close frees the index.
func (s *Store) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.ns = map[string]*namespace{}
	return nil
}
