// Package flatvec is the default vector index: an exact flat scan that runs
// close to the memory-bandwidth floor, with an opt-in compact layout and an
// opt-in quantized scan for indexes larger than RAM would comfortably hold.
//
//	idx := flatvec.New(nil) // exact, everything in memory
//	idx := flatvec.New(&flatvec.Options{Payloads: store.Documents().(anythingllm.VectorPayloadReader)})
//	idx := flatvec.New(&flatvec.Options{Payloads: reader, Quantize: flatvec.Binary, Dir: dir})
//
// # Exact scan (the default)
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
// At 100,000 x 1,536 a query reads 614 MB; on 2 cores it costs 1.0-1.1x
// the time of merely streaming those bytes (see vectordb's BenchmarkQuery
// and anythingllm's BenchmarkVectorSearchApp100k).
//
// # Compact payloads (Options.Payloads)
//
// By default each row also keeps its chunk's Text and Metadata. With
// Options.Payloads set (bunstore's and memstore's DocumentStore implement
// anythingllm.VectorPayloadReader), a row keeps only its vector, its ID and
// an interned document number; the Text and Metadata of the k matches are
// read from the store after ranking, outside the index's lock. A match
// whose payload the store no longer holds (its document was removed and
// the index has not caught up yet) is dropped. The index then holds about
// 1.02x the raw float32 bytes at 1,536 dimensions.
//
// # Quantized scan (Options.Quantize)
//
// With Quantize = Binary each row is scanned as one bit per dimension (the
// sign of each component of the unit vector; 1/32 of the float32 bytes),
// ranked by Hamming distance (math/bits.OnesCount64 over 64-bit words). The
// best Options.Rerank candidates (all rows tied with the last one included)
// are re-ranked by their exact float32 dot products, so scores, order and
// ties are those of the exact scan whenever the true top k are among the
// candidates, and exactly those for a namespace of at most Rerank rows. The
// float32 rows live in a memory-mapped file under Options.Dir (unlinked as
// soon as it is mapped, so it never outlives the process; heap memory where
// mmap is unavailable), so the OS keeps them in its page cache and evicts
// them under memory pressure rather than the Go heap holding them.
//
// Codes are taken relative to the mean of the stored vectors (fixed at 256
// rows and again each time the namespace doubles, up to 131,072 rows), as
// real embeddings share a large component whose signs would otherwise be
// the same in every code.
//
// Recall@10 against the exact scan on clustered data (Gaussian clusters
// around a shared component): 0.997-0.998 at 20,000 x 128 with 200 clusters
// (this package's tests; 0.61 with a strong shared component before codes
// were centred) and 1.00 at 100,000 x 1,536 with 1,000 clusters, also with
// Rerank 200 (vectordb's BenchmarkQuantized), where a query costs about
// 0.1x the float32 streaming floor on 2 cores and the index holds 0.043x
// the float32 bytes of heap (the codes are 0.031x; IDs and the ID map the
// rest). Recall depends on the data: fewer dimensions, or vectors that are
// not clustered, need a larger Rerank. Each candidate costs a read of its
// float32 row, from the page cache, or from disk when the OS has evicted
// it.
//
// Matches carry the chunk's ID, DocID, Text and a copy of its Metadata but
// no Vector.
package flatvec

import (
	"context"
	"runtime"
	"slices"
	"sync"

	"github.com/anythingllm-go/anythingllm/anythingllm"
	"github.com/anythingllm-go/anythingllm/vectordb/internal/vecmath"
	"github.com/viterin/vek/vek32"
)

// Quantize modes.
const (
	// Exact scans the float32 vectors (the default, "").
	Exact = ""
	// Binary scans one bit per dimension and re-ranks the best candidates
	// exactly.
	Binary = "binary"
)

// DefaultRerank is how many candidates a quantized query re-ranks exactly
// when Options.Rerank is 0 (at least 50 per requested match).
const DefaultRerank = 500

// Options tune the index. A nil *Options means the defaults.
type Options struct {
	// Parallelism is how many goroutines scan one query; default
	// GOMAXPROCS.
	Parallelism int
	// MinParallelFloats is the namespace size (rows x dims) below which a
	// query runs on one goroutine; default 1<<18.
	MinParallelFloats int
	// Payloads, when set, holds the chunks' Text and Metadata, and the
	// index keeps only vectors, IDs and document numbers (see the package
	// doc). Upserted records must be stored there too, as the App does.
	Payloads anythingllm.VectorPayloadReader
	// Quantize selects the scan: Exact ("", the default) or Binary.
	Quantize string
	// Rerank is how many quantized candidates are re-ranked exactly;
	// default max(DefaultRerank, 50*TopK). A namespace of at most Rerank
	// rows is always searched exactly.
	Rerank int
	// Dir holds the memory-mapped float32 files of a quantized index;
	// default os.TempDir().
	Dir string
}

// vekParallelFloats is the size (rows x dims) from which vek32.MatMul_Into
// goes parallel on its own (vek v0.4.3, internal/functions/matrix.go).
const vekParallelFloats = 100_000

// maxBinaryDim keeps Hamming distances (and the excluded marker) in a
// uint16.
const maxBinaryDim = 65_000

// blockRows is how many rows share one contiguous block. Blocks keep scans
// sequential while growing the index never copies what is already stored.
const blockRows = 1024

// row is what the scan needs of a chunk beside its vector.
type row struct {
	id  string
	doc uint32 // index into namespace.docs
}

// payload is a chunk's Text and Metadata, kept only without Options.Payloads.
type payload struct {
	text     string
	metadata map[string]any
}

type namespace struct {
	dim      int
	blocks   [][]float32 // exact: row-major; block b holds rows b*blockRows...
	codes    [][]uint64  // binary: words per row, blocked as blocks
	words    int         // binary: 64-bit words per row
	file     *floatFile  // binary: the float32 rows, row r at slot r
	centre   centring    // binary: what codes are taken relative to
	rows     []row
	payloads []payload // parallel to rows; nil in compact mode
	byID     map[string]int
	docs     docTable
}

// docTable interns document IDs: the chunks of a document share one number.
type docTable struct {
	names []string
	refs  []int
	ids   map[string]uint32
	free  []uint32
}

func (d *docTable) intern(name string) uint32 {
	if i, ok := d.ids[name]; ok {
		d.refs[i]++
		return i
	}
	if d.ids == nil {
		d.ids = map[string]uint32{}
	}
	var i uint32
	if n := len(d.free); n > 0 {
		i, d.free = d.free[n-1], d.free[:n-1]
		d.names[i], d.refs[i] = name, 1
	} else {
		i = uint32(len(d.names)) // #nosec G115 -- a namespace never holds 4 billion documents
		d.names, d.refs = append(d.names, name), append(d.refs, 1)
	}
	d.ids[name] = i
	return i
}

func (d *docTable) release(i uint32) {
	if d.refs[i]--; d.refs[i] == 0 {
		delete(d.ids, d.names[i])
		d.names[i] = ""
		d.free = append(d.free, i)
	}
}

func (n *namespace) quantized() bool { return n.words > 0 }

// vec returns the exact-mode vector of row r.
func (n *namespace) vec(r int) []float32 {
	off := (r % blockRows) * n.dim
	return n.blocks[r/blockRows][off : off+n.dim]
}

// code returns the binary code of row r.
func (n *namespace) code(r int) []uint64 {
	off := (r % blockRows) * n.words
	return n.codes[r/blockRows][off : off+n.words]
}

// set stores the unit vector v as row r, which exists; fresh says that r
// is a new row, with no vector to replace.
func (n *namespace) set(r int, v []float32, fresh bool) {
	if !n.quantized() {
		copy(n.vec(r), v)
		return
	}
	if !fresh {
		n.centre.add(n.fileRow(r), -1)
	}
	n.centre.add(v, 1)
	encodeBinary(n.code(r), v, n.centre.mean)
	n.file.put(r, v)
}

// fileRow reads row r of a quantized namespace into a scratch slice.
func (n *namespace) fileRow(r int) []float32 {
	if len(n.centre.scratch) != n.dim {
		n.centre.scratch = make([]float32, n.dim)
	}
	n.file.get(r, n.centre.scratch)
	return n.centre.scratch
}

// appendRow stores v as row r = the new last row (the caller appended its
// row already).
func (n *namespace) appendRow(r int, v []float32) error {
	b := r / blockRows
	if !n.quantized() {
		if b == len(n.blocks) {
			n.blocks = append(n.blocks, make([]float32, 0, blockRows*n.dim))
		}
		n.blocks[b] = append(n.blocks[b], v...)
		return nil
	}
	if err := n.file.grow(r + 1); err != nil {
		return err
	}
	if b == len(n.codes) {
		n.codes = append(n.codes, make([]uint64, 0, blockRows*n.words))
	}
	n.codes[b] = n.codes[b][:len(n.codes[b])+n.words]
	n.set(r, v, true)
	return nil
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
	if s.opts.Quantize != Exact && s.opts.Quantize != Binary {
		return anythingllm.Errorf(anythingllm.InvalidArgument, "flatvec: unknown Quantize %q", s.opts.Quantize)
	}
	vecs, err := vecmath.NormalizedAll(records)
	if err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	n := s.ns[name]
	if n == nil {
		dim := len(vecs[0])
		n = &namespace{dim: dim, byID: map[string]int{}}
		if s.opts.Quantize == Binary {
			if dim > maxBinaryDim {
				return anythingllm.Errorf(anythingllm.InvalidArgument, "flatvec: a binary index holds at most %d dimensions, not %d", maxBinaryDim, dim)
			}
			n.words = (dim + 63) / 64
			n.centre = centring{sum: make([]float64, dim), next: firstCentre}
			if n.file, err = openFloatFile(s.opts.Dir, dim); err != nil {
				return err
			}
		}
		s.ns[name] = n
	}
	if n.dim != len(vecs[0]) {
		return vecmath.DimMismatch(len(vecs[0]), n.dim)
	}
	full := s.opts.Payloads == nil
	for i, r := range records {
		var p payload
		if full {
			p = payload{text: r.Text, metadata: vecmath.CopyRecord(anythingllm.VectorRecord{Metadata: r.Metadata}).Metadata}
		}
		if at, ok := n.byID[r.ID]; ok {
			n.set(at, vecs[i], false)
			if old := n.rows[at].doc; n.docs.names[old] != r.DocID {
				n.docs.release(old)
				n.rows[at].doc = n.docs.intern(r.DocID)
			}
			if full {
				n.payloads[at] = p
			}
			continue
		}
		at := len(n.rows)
		n.rows = append(n.rows, row{id: r.ID, doc: n.docs.intern(r.DocID)})
		if full {
			n.payloads = append(n.payloads, p)
		}
		if err := n.appendRow(at, vecs[i]); err != nil {
			n.docs.release(n.rows[at].doc)
			n.rows = n.rows[:at]
			if full {
				n.payloads = n.payloads[:at]
			}
			return err
		}
		n.byID[r.ID] = at
	}
	if n.quantized() && len(n.rows) >= n.centre.next {
		n.recentre()
	}
	return nil
}

// hit is a ranked row copied out of the index, so that payloads are read
// after the lock is released.
type hit struct {
	id, docID string
	score     float32
	p         payload
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
	hits, err := s.rank(name, qv, q)
	if err != nil || len(hits) == 0 {
		return nil, err
	}
	if s.opts.Payloads != nil {
		refs := make([]anythingllm.VectorRef, len(hits))
		for i, h := range hits {
			refs[i] = anythingllm.VectorRef{ID: h.id, DocID: h.docID}
		}
		got, err := s.opts.Payloads.VectorPayloads(ctx, name, refs)
		if err != nil {
			return nil, err
		}
		hits = slices.DeleteFunc(hits, func(h hit) bool { _, ok := got[h.id]; return !ok })
		for i := range hits {
			p := got[hits[i].id]
			hits[i].p = payload{text: p.Text, metadata: p.Metadata}
		}
	}
	out := make([]anythingllm.VectorMatch, len(hits))
	for i, h := range hits {
		out[i] = anythingllm.VectorMatch{
			VectorRecord: vecmath.CopyRecord(anythingllm.VectorRecord{ID: h.id, DocID: h.docID, Text: h.p.text, Metadata: h.p.metadata}),
			Score:        h.score, Distance: 1 - h.score,
		}
		out[i].Vector = nil
	}
	return out, nil
}

// rank finds the best k rows under the read lock.
func (s *Store) rank(name string, qv []float32, q *anythingllm.VectorQuery) ([]hit, error) {
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
	var excluded []bool // by document number
	for _, d := range q.ExcludeDocIDs {
		if i, ok := n.docs.ids[d]; ok {
			if excluded == nil {
				excluded = make([]bool, len(n.docs.names))
			}
			excluded[i] = true
		}
	}
	parts := 1
	if len(n.rows)*n.dim >= s.opts.MinParallelFloats {
		parts = min(s.opts.Parallelism, len(n.rows))
	}
	var hits []vecmath.Hit
	if n.quantized() {
		hits = s.rankQuantized(n, qv, q.MinScore, k, excluded, parts)
	} else {
		hits = n.rankExact(qv, q.MinScore, k, excluded, parts)
	}
	out := make([]hit, len(hits))
	for i, h := range hits {
		out[i] = hit{id: h.ID, docID: n.docs.names[n.rows[h.Row].doc], score: h.Score}
		if n.payloads != nil {
			out[i].p = n.payloads[h.Row]
		}
	}
	return out, nil
}

// parallel runs f over parts contiguous shares of [0, total) and merges
// their best k.
func parallel(total, parts, k int, f func(lo, hi int, top *vecmath.TopK)) []vecmath.Hit {
	tops := make([]*vecmath.TopK, parts)
	per := (total + parts - 1) / parts
	var wg sync.WaitGroup
	for p := range parts {
		lo, hi := min(p*per, total), min((p+1)*per, total)
		tops[p] = vecmath.NewTopK(k)
		if parts == 1 {
			f(lo, hi, tops[p])
			break
		}
		wg.Add(1)
		go func() { defer wg.Done(); f(lo, hi, tops[p]) }()
	}
	wg.Wait()
	var hits []vecmath.Hit
	for _, t := range tops {
		hits = append(hits, t.Sorted()...)
	}
	slices.SortFunc(hits, func(a, b vecmath.Hit) int {
		if vecmath.Better(a, b) {
			return -1
		}
		return 1
	})
	return hits[:min(len(hits), k)]
}

// rankExact scores every row.
func (n *namespace) rankExact(qv []float32, minScore float32, k int, excluded []bool, parts int) []vecmath.Hit {
	return parallel(len(n.rows), parts, k, func(lo, hi int, top *vecmath.TopK) {
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
			vek32.MatMul_Into(scores[:last-first], n.blocks[b][first*dim:last*dim], qv, dim)
			for i, score := range scores[:last-first] {
				row := r + i
				if score >= minScore && score >= top.Min() {
					if excluded != nil && excluded[n.rows[row].doc] {
						continue
					}
					top.Offer(vecmath.Hit{Row: row, Score: score, ID: n.rows[row].id})
				}
			}
			r += last - first
		}
	})
}

// DeleteDocument removes every row of a document.
func (s *Store) DeleteDocument(ctx context.Context, name, docID string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := s.ns[name]
	if n == nil {
		return nil
	}
	doc, ok := n.docs.ids[docID]
	if !ok {
		return nil
	}
	for r := 0; r < len(n.rows); {
		if n.rows[r].doc != doc {
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
	n.docs.release(n.rows[r].doc)
	if n.quantized() {
		n.centre.add(n.fileRow(r), -1)
	}
	if r != last {
		n.rows[r] = n.rows[last]
		if n.payloads != nil {
			n.payloads[r] = n.payloads[last]
		}
		if n.quantized() {
			copy(n.code(r), n.code(last))
			n.file.move(r, last)
		} else {
			copy(n.vec(r), n.vec(last))
		}
		n.byID[n.rows[r].id] = r
	}
	n.rows[last] = row{}
	n.rows = n.rows[:last]
	if n.payloads != nil {
		n.payloads[last] = payload{}
		n.payloads = n.payloads[:last]
	}
	b := last / blockRows
	if n.quantized() {
		n.codes[b] = n.codes[b][:(last%blockRows)*n.words]
		if len(n.codes[b]) == 0 {
			n.codes = n.codes[:b]
		}
		n.file.rows = last
		return
	}
	n.blocks[b] = n.blocks[b][:(last%blockRows)*n.dim]
	if len(n.blocks[b]) == 0 {
		n.blocks = n.blocks[:b]
	}
}

// close releases a namespace's file.
func (n *namespace) close() error {
	if n.file == nil {
		return nil
	}
	return n.file.close()
}

// DeleteNamespace drops a namespace; an unknown one is not an error.
func (s *Store) DeleteNamespace(ctx context.Context, name string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := s.ns[name]
	delete(s.ns, name)
	if n != nil {
		return n.close()
	}
	return nil
}

// Count returns a namespace's row count, ErrNotFound if it does not exist.
func (s *Store) Count(ctx context.Context, name string) (int, error) {
	return vecmath.Count(&s.mu, s.ns, name, func(n *namespace) int { return len(n.rows) })
}

// Total counts rows in every namespace.
// PayloadsElsewhere reports whether the index keeps no chunk texts or
// metadata (Options.Payloads is set): a loader may leave them out of the
// records it upserts (vectordb/follow does, starting from its snapshot).
func (s *Store) PayloadsElsewhere() bool { return s.opts.Payloads != nil }

func (s *Store) Total(ctx context.Context) (int, error) {
	return vecmath.Total(&s.mu, s.ns, func(n *namespace) int { return len(n.rows) })
}

// Close frees the index and removes its files.
func (s *Store) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	var errs []error
	for _, n := range s.ns {
		if err := n.close(); err != nil {
			errs = append(errs, err)
		}
	}
	s.ns = map[string]*namespace{}
	if len(errs) > 0 {
		return anythingllm.WrapError(anythingllm.Internal, errs[0], "flatvec: close")
	}
	return nil
}
