// Package memvec is the reference vector index: a map and a mutex, plain
// loops, nothing clever. Use it to check other implementations and in unit
// tests; flatvec is faster.
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

func (s *Store) Upsert(ctx context.Context, name string, records []anythingllm.VectorRecord) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := s.ns[name]
	for _, r := range records {
		v, err := vecmath.Normalized(r.Vector)
		if err != nil {
			return err
		}
		if n == nil {
			n = &namespace{dim: len(v), recs: map[string]anythingllm.VectorRecord{}}
			s.ns[name] = n
		}
		if len(v) != n.dim {
			return vecmath.DimMismatch(len(v), n.dim)
		}
		r = vecmath.CopyRecord(r)
		r.Vector = v
		n.recs[r.ID] = r
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
	if n == nil {
		return nil, nil
	}
	if len(qv) != n.dim {
		return nil, vecmath.DimMismatch(len(qv), n.dim)
	}
	var out []anythingllm.VectorMatch
	for _, r := range n.recs {
		skip := false
		for _, d := range q.ExcludeDocIDs {
			skip = skip || d == r.DocID
		}
		if skip {
			continue
		}
		var dot float32
		for i := range qv {
			dot += qv[i] * r.Vector[i]
		}
		if dot < q.MinScore {
			continue
		}
		m := anythingllm.VectorMatch{VectorRecord: vecmath.CopyRecord(r), Score: dot, Distance: 1 - dot}
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
	return out, nil
}

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

func (s *Store) DeleteNamespace(ctx context.Context, name string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.ns, name)
	return nil
}

func (s *Store) Count(ctx context.Context, name string) (int, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	n := s.ns[name]
	if n == nil {
		return 0, vecmath.NotFound(name)
	}
	return len(n.recs), nil
}

func (s *Store) Total(ctx context.Context) (int, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	t := 0
	for _, n := range s.ns {
		t += len(n.recs)
	}
	return t, nil
}

func (s *Store) Close() error { return nil }
