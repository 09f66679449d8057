// Package chromemvec adapts github.com/philippgille/chromem-go, in memory
// only, to anythingllm.VectorStore: one collection per namespace. Do not
// use chromem-go's per-document persistence (NewPersistentDB): it names
// files from a 32-bit hash and was measured losing documents to collisions
// at 100,000 documents. Durability comes from the SQL store, which the App
// reloads at start. flatvec is faster; this adapter is for users who
// already build on chromem-go.
package chromemvec

import (
	"cmp"
	"context"
	"runtime"
	"slices"
	"strings"
	"sync"

	"github.com/anythingllm-go/anythingllm/anythingllm"
	"github.com/anythingllm-go/anythingllm/vectordb/internal/vecmath"
	chromem "github.com/philippgille/chromem-go"
)

// Options tune the store. A nil *Options means the defaults.
type Options struct {
	// Concurrency of chromem-go's AddDocuments; default GOMAXPROCS.
	Concurrency int
}

type namespace struct {
	col  *chromem.Collection
	dim  int
	meta map[string]anythingllm.VectorRecord // by ID, without Vector
}

// Store is the chromem-go adapter.
type Store struct {
	mu   sync.RWMutex
	db   *chromem.DB
	ns   map[string]*namespace
	opts Options
}

// New returns an empty in-memory store.
func New(opts *Options) *Store {
	s := &Store{db: chromem.NewDB(), ns: map[string]*namespace{}}
	if opts != nil {
		s.opts = *opts
	}
	if s.opts.Concurrency <= 0 {
		s.opts.Concurrency = runtime.GOMAXPROCS(0)
	}
	return s
}

// noEmbedding is never called: the App always passes vectors.
func noEmbedding(context.Context, string) ([]float32, error) {
	return nil, anythingllm.Errorf(anythingllm.Internal, "chromemvec embeds nothing itself")
}

// Upsert adds records, replacing any with the same ID. A batch with a bad
// vector is refused whole. chromem-go gets only IDs and vectors; text and
// metadata stay in the adapter.
func (s *Store) Upsert(ctx context.Context, name string, records []anythingllm.VectorRecord) error {
	if len(records) == 0 {
		return nil
	}
	vecs, err := vecmath.NormalizedAll(records)
	if err != nil {
		return err
	}
	// chromem-go adds a batch concurrently, so of two records with one ID
	// either could win; keep only the last, as the other stores do.
	last := make(map[string]int, len(records))
	for i, r := range records {
		last[r.ID] = i
	}
	docs := make([]chromem.Document, 0, len(last))
	for i, r := range records {
		if last[r.ID] == i {
			docs = append(docs, chromem.Document{ID: r.ID, Embedding: vecs[i]})
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	n := s.ns[name]
	if n != nil && n.dim != len(vecs[0]) {
		return vecmath.DimMismatch(len(vecs[0]), n.dim)
	}
	if n == nil {
		col, err := s.db.GetOrCreateCollection(name, nil, noEmbedding)
		if err != nil {
			return anythingllm.WrapError(anythingllm.Internal, err, "creating the vector collection failed")
		}
		n = &namespace{col: col, dim: len(vecs[0]), meta: map[string]anythingllm.VectorRecord{}}
		s.ns[name] = n
	}
	// Not cancelable: chromem-go would keep part of the batch, and the
	// adapter's own records would disagree with it. It is an in-memory
	// insert, quick either way.
	if err := n.col.AddDocuments(context.WithoutCancel(ctx), docs, s.opts.Concurrency); err != nil {
		return anythingllm.WrapError(anythingllm.Internal, err, "adding vectors failed")
	}
	for _, r := range records {
		m := vecmath.CopyRecord(r)
		m.Vector = nil
		n.meta[r.ID] = m
	}
	return nil
}

// Query asks chromem-go for the best k, plus as many more as the excluded
// documents have chunks, so that filtering can never leave fewer than k
// that exist; chromem-go refuses to return more than the collection holds.
// MinScore is applied to chromem-go's similarity, which is the cosine.
func (s *Store) Query(ctx context.Context, name string, q *anythingllm.VectorQuery) ([]anythingllm.VectorMatch, error) {
	qv, err := vecmath.QueryVector(q)
	if err != nil {
		return nil, err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	n := s.ns[name]
	if n == nil {
		return nil, nil
	}
	if len(qv) != n.dim {
		return nil, vecmath.DimMismatch(len(qv), n.dim)
	}
	count := n.col.Count()
	if count == 0 {
		return nil, nil
	}
	k := vecmath.TopKOf(q.TopK)
	exclude := vecmath.ExcludeSet(q.ExcludeDocIDs)
	want := k
	if exclude != nil {
		for _, m := range n.meta {
			if _, skip := exclude[m.DocID]; skip {
				want++
			}
		}
	}
	// chromem-go cuts ties at the k-th place arbitrarily; every replica
	// must rank alike, so widen the query until the cut falls between two
	// different scores, then order ties by ID.
	var res []chromem.Result
	for n0 := min(want, count); ; n0 = min(2*n0, count) {
		res, err = n.col.QueryEmbedding(ctx, qv, n0, nil, nil)
		if err != nil {
			if ctx.Err() != nil {
				return nil, ctx.Err()
			}
			return nil, anythingllm.WrapError(anythingllm.Internal, err, "vector query failed")
		}
		if n0 == count || len(res) < n0 || res[len(res)-1].Similarity != res[min(want, len(res))-1].Similarity {
			break
		}
	}
	slices.SortStableFunc(res, func(a, b chromem.Result) int {
		if a.Similarity != b.Similarity {
			return cmp.Compare(b.Similarity, a.Similarity)
		}
		return strings.Compare(a.ID, b.ID)
	})
	out := make([]anythingllm.VectorMatch, 0, min(k, len(res)))
	for _, r := range res {
		m := n.meta[r.ID]
		if _, skip := exclude[m.DocID]; skip || r.Similarity < q.MinScore {
			continue
		}
		out = append(out, anythingllm.VectorMatch{VectorRecord: vecmath.CopyRecord(m), Score: r.Similarity, Distance: 1 - r.Similarity})
		if len(out) == k {
			break
		}
	}
	return out, nil
}

// DeleteDocument removes every chunk of docID.
func (s *Store) DeleteDocument(ctx context.Context, name, docID string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := s.ns[name]
	if n == nil {
		return nil
	}
	var ids []string
	for id, m := range n.meta {
		if m.DocID == docID {
			ids = append(ids, id)
		}
	}
	if len(ids) == 0 {
		return nil
	}
	if err := n.col.Delete(ctx, nil, nil, ids...); err != nil {
		return anythingllm.WrapError(anythingllm.Internal, err, "deleting vectors failed")
	}
	for _, id := range ids {
		delete(n.meta, id)
	}
	return nil
}

// DeleteNamespace drops a namespace's collection; an unknown one is not an
// error.
func (s *Store) DeleteNamespace(ctx context.Context, name string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.ns[name]; !ok {
		return nil
	}
	delete(s.ns, name)
	if err := s.db.DeleteCollection(name); err != nil {
		return anythingllm.WrapError(anythingllm.Internal, err, "dropping the vector collection failed")
	}
	return nil
}

// Count returns a namespace's size, ErrNotFound if it does not exist.
func (s *Store) Count(ctx context.Context, name string) (int, error) {
	return vecmath.Count(&s.mu, s.ns, name, func(n *namespace) int { return n.col.Count() })
}

// Total counts the chunks of every namespace.
func (s *Store) Total(ctx context.Context) (int, error) {
	return vecmath.Total(&s.mu, s.ns, func(n *namespace) int { return n.col.Count() })
}

// Close drops every collection.
func (s *Store) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	for name := range s.ns {
		_ = s.db.DeleteCollection(name)
	}
	s.ns = map[string]*namespace{}
	return nil
}
