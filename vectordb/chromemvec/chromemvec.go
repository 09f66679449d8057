// Package chromemvec adapts github.com/philippgille/chromem-go, in memory
// only, to anythingllm.VectorStore: one collection per namespace. Do not
// use chromem-go's per-document persistence (NewPersistentDB): it names
// files from a 32-bit hash and was measured losing documents to collisions
// at 100,000 documents. Durability comes from the SQL store, which the App
// reloads at start. flatvec is faster; this adapter is for users who
// already build on chromem-go.
package chromemvec

import (
	"context"
	"runtime"
	"sort"
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

func (s *Store) Upsert(ctx context.Context, name string, records []anythingllm.VectorRecord) error {
	if len(records) == 0 {
		return nil
	}
	docs := make([]chromem.Document, len(records))
	for i, r := range records {
		v, err := vecmath.Normalized(r.Vector)
		if err != nil {
			return err
		}
		if len(v) != len(records[0].Vector) {
			return vecmath.DimMismatch(len(v), len(records[0].Vector))
		}
		docs[i] = chromem.Document{ID: r.ID, Metadata: map[string]string{"docId": r.DocID}, Embedding: v, Content: r.Text}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	n := s.ns[name]
	if n == nil {
		col, err := s.db.GetOrCreateCollection(name, nil, noEmbedding)
		if err != nil {
			return anythingllm.WrapError(anythingllm.Internal, err, "creating the vector collection failed")
		}
		n = &namespace{col: col, dim: len(docs[0].Embedding), meta: map[string]anythingllm.VectorRecord{}}
		s.ns[name] = n
	}
	if n.dim != len(docs[0].Embedding) {
		return vecmath.DimMismatch(len(docs[0].Embedding), n.dim)
	}
	if err := n.col.AddDocuments(ctx, docs, s.opts.Concurrency); err != nil {
		return anythingllm.WrapError(anythingllm.InvalidArgument, err, "adding vectors failed")
	}
	for _, r := range records {
		m := vecmath.CopyRecord(r)
		m.Vector = nil
		n.meta[r.ID] = m
	}
	return nil
}

func (s *Store) Query(ctx context.Context, name string, q *anythingllm.VectorQuery) ([]anythingllm.VectorMatch, error) {
	qv, err := vecmath.Normalized(q.Vector)
	if err != nil {
		return nil, err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	n := s.ns[name]
	if n == nil || n.col.Count() == 0 {
		return nil, nil
	}
	if len(qv) != n.dim {
		return nil, vecmath.DimMismatch(len(qv), n.dim)
	}
	k := vecmath.TopKOf(q.TopK)
	want := k
	if len(q.ExcludeDocIDs) > 0 || q.MinScore > -1 {
		want = n.col.Count() // filters apply after chromem's ranking
	}
	want = min(want, n.col.Count()) // chromem refuses n > count
	res, err := n.col.QueryEmbedding(ctx, qv, want, nil, nil)
	if err != nil {
		return nil, anythingllm.WrapError(anythingllm.Internal, err, "vector query failed")
	}
	exclude := map[string]bool{}
	for _, d := range q.ExcludeDocIDs {
		exclude[d] = true
	}
	out := make([]anythingllm.VectorMatch, 0, k)
	for _, r := range res {
		m := n.meta[r.ID]
		if exclude[m.DocID] || r.Similarity < q.MinScore {
			continue
		}
		out = append(out, anythingllm.VectorMatch{VectorRecord: vecmath.CopyRecord(m), Score: r.Similarity, Distance: 1 - r.Similarity})
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Score > out[j].Score })
	if len(out) > k {
		out = out[:k]
	}
	return out, nil
}

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

func (s *Store) Count(ctx context.Context, name string) (int, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	n := s.ns[name]
	if n == nil {
		return 0, vecmath.NotFound(name)
	}
	return n.col.Count(), nil
}

func (s *Store) Total(ctx context.Context) (int, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	t := 0
	for _, n := range s.ns {
		t += n.col.Count()
	}
	return t, nil
}

func (s *Store) Close() error { return nil }
