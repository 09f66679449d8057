// Package memvec is the reference vector index: a map and a mutex, plain
// loops, nothing clever. Use it to check other implementations and in unit
// tests; flatvec is much faster.
//
// Like every index here it stores vectors at unit length, so Score is the
// cosine similarity and Distance = 1 - Score. Matches carry ID, DocID, Text
// and a copy of Metadata, but no Vector.
package memvec

import (
	"context"
	"sort"
	"sync"

	"github.com/anythingllm-go/anythingllm/anythingllm"
	"github.com/anythingllm-go/anythingllm/vectordb/internal/vecmath"
)

type namespace struct {
	dim  int
	recs map[string]anythingllm.VectorRecord // by ID; Vector normalised
}

// Store is the reference index.
type Store struct {
	mu sync.RWMutex
	ns map[string]*namespace
}

// New returns an empty index.
func New() *Store { return &Store{ns: map[string]*namespace{}} }

// Upsert adds records, replacing any with the same ID. A batch with a bad
// vector is refused whole.
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
	if n != nil && n.dim != len(vecs[0]) {
		return vecmath.DimMismatch(len(vecs[0]), n.dim)
	}
	if n == nil {
		n = &namespace{dim: len(vecs[0]), recs: map[string]anythingllm.VectorRecord{}}
		s.ns[name] = n
	}
	for i, r := range records {
		r = vecmath.CopyRecord(r)
		r.Vector = vecs[i]
		n.recs[r.ID] = r
	}
	return nil
}

// Query scores every record with a plain loop and sorts them all. Ties
// are broken by ID. Matches carry no Vector.
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
	exclude := vecmath.ExcludeSet(q.ExcludeDocIDs)
	var out []anythingllm.VectorMatch
	for _, r := range n.recs {
		if _, skip := exclude[r.DocID]; skip {
			continue
		}
		var dot float32
		for i := range qv {
			dot += qv[i] * r.Vector[i]
		}
		if dot < q.MinScore {
			continue
		}
		m := anythingllm.VectorMatch{VectorRecord: r, Score: dot, Distance: 1 - dot}
		m.Vector = nil
		out = append(out, m)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Score != out[j].Score {
			return out[i].Score > out[j].Score
		}
		return out[i].ID < out[j].ID
	})
	if k := vecmath.TopKOf(q.TopK); len(out) > k {
		out = out[:k]
	}
	for i := range out {
		out[i].VectorRecord = vecmath.CopyRecord(out[i].VectorRecord)
		out[i].Vector = nil
	}
	return out, nil
}

// DeleteDocument removes every record of docID.
func (s *Store) DeleteDocument(ctx context.Context, name, docID string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if n := s.ns[name]; n != nil {
		for id, r := range n.recs {
			if r.DocID == docID {
				delete(n.recs, id)
			}
		}
	}
	return nil
}

// DeleteNamespace drops a namespace; an unknown one is not an error.
func (s *Store) DeleteNamespace(ctx context.Context, name string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.ns, name)
	return nil
}

// Count returns a namespace's size, ErrNotFound if it does not exist.
func (s *Store) Count(ctx context.Context, name string) (int, error) {
	return vecmath.Count(&s.mu, s.ns, name, func(n *namespace) int { return len(n.recs) })
}

// Total counts the records of every namespace.
func (s *Store) Total(ctx context.Context) (int, error) {
	return vecmath.Total(&s.mu, s.ns, func(n *namespace) int { return len(n.recs) })
}

// Close drops everything.
func (s *Store) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.ns = map[string]*namespace{}
	return nil
}
