// Package vectortest is the conformance suite for anythingllm.VectorStore.
//
//	func TestConformance(t *testing.T) {
//		vectortest.RunConformanceTests(t, func(t *testing.T) anythingllm.VectorStore { return flatvec.New(nil) })
//	}
package vectortest

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"sync"
	"testing"

	"github.com/anythingllm-go/anythingllm/anythingllm"
	"github.com/anythingllm-go/anythingllm/vectordb/memvec"
)

var ctx = context.Background()

func rec(id, doc string, v ...float32) anythingllm.VectorRecord {
	return anythingllm.VectorRecord{ID: id, DocID: doc, Vector: v, Text: "text " + id, Metadata: map[string]any{"title": doc}}
}

func ids(ms []anythingllm.VectorMatch) []string {
	out := make([]string, len(ms))
	for i, m := range ms {
		out[i] = m.ID
	}
	return out
}

func near(a, b float32) bool { return math.Abs(float64(a-b)) < 1e-5 }

// RunConformanceTests runs the suite; newStore returns an empty store (the
// suite closes it). The data are small: the suite takes well under a
// second, also with -race. Results are compared with memvec, the reference.
func RunConformanceTests(t *testing.T, newStore func(t *testing.T) anythingllm.VectorStore) {
	mk := func(t *testing.T) anythingllm.VectorStore {
		s := newStore(t)
		t.Cleanup(func() { _ = s.Close() })
		return s
	}
	t.Run("ExactScores", func(t *testing.T) {
		s := mk(t)
		must(t, s.Upsert(ctx, "ns", []anythingllm.VectorRecord{
			rec("same", "d1", 2, 0), rec("ortho", "d1", 0, 3), rec("opposite", "d2", -1, 0), rec("diag", "d2", 1, 1),
		}))
		ms, err := s.Query(ctx, "ns", &anythingllm.VectorQuery{Vector: []float32{1, 0}, TopK: 10, MinScore: -1})
		must(t, err)
		if !slices.Equal(ids(ms), []string{"same", "diag", "ortho", "opposite"}) {
			t.Fatalf("order = %v", ids(ms))
		}
		want := map[string]float32{"same": 1, "diag": float32(1 / math.Sqrt2), "ortho": 0, "opposite": -1}
		for _, m := range ms {
			if !near(m.Score, want[m.ID]) || !near(m.Distance, 1-want[m.ID]) {
				t.Errorf("%s: score %v distance %v, want %v / %v", m.ID, m.Score, m.Distance, want[m.ID], 1-want[m.ID])
			}
			if m.Text != "text "+m.ID || m.Metadata["title"] == nil || m.DocID == "" {
				t.Errorf("%s: record not returned whole: %+v", m.ID, m.VectorRecord)
			}
		}
	})
	t.Run("TiesBrokenByID", func(t *testing.T) {
		// Every replica holding the same vectors must answer alike, whatever
		// order it received them in: equal scores rank by ID, also at the
		// top-k cut.
		for _, order := range [][]string{{"c", "a", "d", "b"}, {"b", "d", "a", "c"}} {
			s := mk(t)
			for _, id := range order {
				must(t, s.Upsert(ctx, "ns", []anythingllm.VectorRecord{rec(id, "doc-"+id, 1, 1)}))
			}
			ms, err := s.Query(ctx, "ns", &anythingllm.VectorQuery{Vector: []float32{1, 1}, TopK: 3})
			must(t, err)
			if !slices.Equal(ids(ms), []string{"a", "b", "c"}) {
				t.Fatalf("inserted %v: order = %v, want [a b c]", order, ids(ms))
			}
		}
	})
	t.Run("TopKAndDefault", func(t *testing.T) {
		s := mk(t)
		var rs []anythingllm.VectorRecord
		for i := range 10 {
			rs = append(rs, rec(fmt.Sprint(i), "d", 1, float32(i)))
		}
		must(t, s.Upsert(ctx, "ns", rs))
		for k, want := range map[int]int{0: 4, -3: 4, 3: 3, 50: 10} {
			ms, err := s.Query(ctx, "ns", &anythingllm.VectorQuery{Vector: []float32{1, 0}, TopK: k, MinScore: -1})
			must(t, err)
			if len(ms) != want {
				t.Errorf("TopK %d: %d matches, want %d", k, len(ms), want)
			}
			for i := 1; i < len(ms); i++ {
				if ms[i].Score > ms[i-1].Score {
					t.Errorf("TopK %d: not descending", k)
				}
			}
		}
	})
	t.Run("MinScoreAndExclude", func(t *testing.T) {
		s := mk(t)
		must(t, s.Upsert(ctx, "ns", []anythingllm.VectorRecord{rec("a", "d1", 1, 0), rec("b", "d2", 1, 0.1), rec("c", "d3", 0, 1)}))
		ms, err := s.Query(ctx, "ns", &anythingllm.VectorQuery{Vector: []float32{1, 0}, TopK: 10, MinScore: 0.5})
		must(t, err)
		if !slices.Equal(ids(ms), []string{"a", "b"}) {
			t.Fatalf("MinScore: %v", ids(ms))
		}
		ms, err = s.Query(ctx, "ns", &anythingllm.VectorQuery{Vector: []float32{1, 0}, TopK: 10, MinScore: -1, ExcludeDocIDs: []string{"d1", "d3"}})
		must(t, err)
		if !slices.Equal(ids(ms), []string{"b"}) {
			t.Fatalf("ExcludeDocIDs: %v", ids(ms))
		}
	})
	t.Run("UpsertReplaces", func(t *testing.T) {
		s := mk(t)
		must(t, s.Upsert(ctx, "ns", []anythingllm.VectorRecord{rec("a", "d", 1, 0), rec("b", "d", 1, 1)}))
		r := rec("a", "d2", 0, 1)
		r.Text, r.Metadata = "new text", map[string]any{"title": "new"}
		must(t, s.Upsert(ctx, "ns", []anythingllm.VectorRecord{r}))
		if n, _ := s.Count(ctx, "ns"); n != 2 {
			t.Fatalf("count after replace = %d, want 2", n)
		}
		ms, err := s.Query(ctx, "ns", &anythingllm.VectorQuery{Vector: []float32{0, 1}, TopK: 1})
		must(t, err)
		if len(ms) != 1 || ms[0].ID != "a" || !near(ms[0].Score, 1) || ms[0].Text != "new text" || ms[0].DocID != "d2" || ms[0].Metadata["title"] != "new" {
			t.Fatalf("replaced record not used: %+v", ms)
		}
		// The replaced chunk now belongs to d2: deleting d removes only b.
		must(t, s.DeleteDocument(ctx, "ns", "d"))
		ms, _ = s.Query(ctx, "ns", &anythingllm.VectorQuery{Vector: []float32{0, 1}, TopK: 10, MinScore: -1})
		if !slices.Equal(ids(ms), []string{"a"}) {
			t.Fatalf("after deleting the old document: %v", ids(ms))
		}
		// Duplicate IDs within one batch: the last one wins.
		must(t, s.Upsert(ctx, "dup", []anythingllm.VectorRecord{rec("x", "d", 1, 0), rec("x", "d", 0, 1)}))
		if n, _ := s.Count(ctx, "dup"); n != 1 {
			t.Fatalf("count after a batch with a duplicate ID = %d, want 1", n)
		}
		ms, _ = s.Query(ctx, "dup", &anythingllm.VectorQuery{Vector: []float32{0, 1}, TopK: 1})
		if len(ms) != 1 || !near(ms[0].Score, 1) {
			t.Fatalf("duplicate in a batch: the last record did not win: %+v", ms)
		}
	})
	t.Run("NoAliasing", func(t *testing.T) {
		s := mk(t)
		r := rec("a", "d", 1, 0)
		must(t, s.Upsert(ctx, "ns", []anythingllm.VectorRecord{r, rec("b", "d", 0, 1)}))
		r.Vector[0], r.Vector[1] = 0, 1 // the caller reuses its buffers
		r.Metadata["title"] = "changed by caller"
		q := []float32{1, 0}
		ms, err := s.Query(ctx, "ns", &anythingllm.VectorQuery{Vector: q, TopK: 2})
		must(t, err)
		if len(ms) == 0 || ms[0].ID != "a" || !near(ms[0].Score, 1) || ms[0].Metadata["title"] != "d" {
			t.Fatalf("the store kept the caller's slices or map: %+v", ms)
		}
		ms[0].Metadata["title"] = "changed by reader"
		if ms[0].Vector != nil {
			ms[0].Vector[0] = -1
		}
		q[0] = 0 // the query buffer is the caller's too
		ms, _ = s.Query(ctx, "ns", &anythingllm.VectorQuery{Vector: []float32{1, 0}, TopK: 1})
		if len(ms) != 1 || ms[0].ID != "a" || !near(ms[0].Score, 1) || ms[0].Metadata["title"] != "d" {
			t.Fatalf("a returned match aliases the store: %+v", ms)
		}
	})
	t.Run("DeleteDocumentAndNamespaces", func(t *testing.T) {
		s := mk(t)
		must(t, s.Upsert(ctx, "a", []anythingllm.VectorRecord{rec("1", "d1", 1, 0), rec("2", "d1", 1, 1), rec("3", "d2", 0, 1)}))
		must(t, s.Upsert(ctx, "b", []anythingllm.VectorRecord{rec("4", "d1", 1, 0, 0)}))
		must(t, s.DeleteDocument(ctx, "a", "d1"))
		if n, _ := s.Count(ctx, "a"); n != 1 {
			t.Fatalf("count after DeleteDocument = %d, want 1", n)
		}
		ms, _ := s.Query(ctx, "a", &anythingllm.VectorQuery{Vector: []float32{1, 0}, TopK: 10, MinScore: -1})
		if !slices.Equal(ids(ms), []string{"3"}) {
			t.Fatalf("after DeleteDocument: %v", ids(ms))
		}
		if n, _ := s.Count(ctx, "b"); n != 1 {
			t.Fatal("DeleteDocument reached into another namespace")
		}
		if tot, _ := s.Total(ctx); tot != 2 {
			t.Fatalf("Total = %d, want 2", tot)
		}
		must(t, s.DeleteNamespace(ctx, "a"))
		if _, err := s.Count(ctx, "a"); !errors.Is(err, anythingllm.ErrNotFound) {
			t.Fatalf("Count of a dropped namespace = %v, want ErrNotFound", err)
		}
		ms, err := s.Query(ctx, "a", &anythingllm.VectorQuery{Vector: []float32{1, 0}})
		if err != nil || len(ms) != 0 {
			t.Fatalf("Query of an unknown namespace = %v, %v", ms, err)
		}
		must(t, s.DeleteNamespace(ctx, "never"))
	})
	t.Run("NamespacesIsolated", func(t *testing.T) {
		s := mk(t)
		must(t, s.Upsert(ctx, "a", []anythingllm.VectorRecord{rec("1", "d", 1, 0), rec("2", "d", 0, 1)}))
		must(t, s.Upsert(ctx, "b", []anythingllm.VectorRecord{rec("1", "d", 0, 0, 1)})) // same IDs, other dims
		ms, err := s.Query(ctx, "b", &anythingllm.VectorQuery{Vector: []float32{0, 0, 1}, TopK: 10, MinScore: -1})
		must(t, err)
		if len(ms) != 1 || ms[0].ID != "1" || !near(ms[0].Score, 1) {
			t.Fatalf("namespace b sees %+v", ms)
		}
		must(t, s.DeleteDocument(ctx, "b", "d"))
		if n, err := s.Count(ctx, "a"); n != 2 || err != nil {
			t.Fatalf("deleting in b changed a: %d %v", n, err)
		}
		if n, err := s.Count(ctx, "b"); n != 0 || err != nil {
			t.Fatalf("Count of an emptied namespace = %d, %v, want 0, nil", n, err)
		}
		ms, err = s.Query(ctx, "b", &anythingllm.VectorQuery{Vector: []float32{0, 0, 1}})
		if err != nil || len(ms) != 0 {
			t.Fatalf("Query of an emptied namespace = %v, %v", ms, err)
		}
		must(t, s.DeleteNamespace(ctx, "b"))
		must(t, s.Upsert(ctx, "b", []anythingllm.VectorRecord{rec("9", "d", 1, 1, 1, 1)})) // a new dimension after a drop
		if tot, _ := s.Total(ctx); tot != 3 {
			t.Fatalf("Total = %d, want 3", tot)
		}
	})
	t.Run("BadVectors", func(t *testing.T) {
		s := mk(t)
		must(t, s.Upsert(ctx, "ns", []anythingllm.VectorRecord{rec("a", "d", 1, 0)}))
		for name, err := range map[string]error{
			"upsert wrong dims": s.Upsert(ctx, "ns", []anythingllm.VectorRecord{rec("b", "d", 1, 0, 0)}),
			"upsert zero":       s.Upsert(ctx, "ns2", []anythingllm.VectorRecord{rec("z", "d", 0, 0)}),
			"upsert empty":      s.Upsert(ctx, "ns2", []anythingllm.VectorRecord{rec("e", "d")}),
			"upsert NaN":        s.Upsert(ctx, "ns2", []anythingllm.VectorRecord{rec("n", "d", float32(math.NaN()), 1)}),
		} {
			if !errors.Is(err, anythingllm.ErrInvalidArgument) {
				t.Errorf("%s: %v, want ErrInvalidArgument", name, err)
			}
		}
		for name, err := range map[string]error{
			"upsert mixed dims": s.Upsert(ctx, "ns", []anythingllm.VectorRecord{rec("c", "d", 0, 1), rec("b", "d", 1, 0, 0)}),
			"upsert no ID":      s.Upsert(ctx, "ns", []anythingllm.VectorRecord{rec("", "d", 0, 1)}),
			"upsert bad last":   s.Upsert(ctx, "ns", []anythingllm.VectorRecord{rec("c", "d", 0, 1), rec("z", "d", 0, 0)}),
			"new ns mixed dims": s.Upsert(ctx, "ns3", []anythingllm.VectorRecord{rec("c", "d", 0, 1), rec("b", "d", 1, 0, 0)}),
		} {
			if !errors.Is(err, anythingllm.ErrInvalidArgument) {
				t.Errorf("%s: %v, want ErrInvalidArgument", name, err)
			}
		}
		for name, q := range map[string]*anythingllm.VectorQuery{
			"wrong dims": {Vector: []float32{1, 0, 0}},
			"zero":       {Vector: []float32{0, 0}},
			"empty":      {},
			"NaN":        {Vector: []float32{float32(math.Inf(1)), 0}},
			"nil":        nil,
		} {
			if _, err := s.Query(ctx, "ns", q); !errors.Is(err, anythingllm.ErrInvalidArgument) {
				t.Errorf("query %s: %v, want ErrInvalidArgument", name, err)
			}
		}
		if n, _ := s.Count(ctx, "ns"); n != 1 {
			t.Fatalf("a refused upsert changed the namespace: %d", n)
		}
		for _, ns := range []string{"ns2", "ns3"} {
			if _, err := s.Count(ctx, ns); !errors.Is(err, anythingllm.ErrNotFound) {
				t.Errorf("a refused upsert created namespace %s: %v", ns, err)
			}
		}
	})
	t.Run("AgreesWithReference", func(t *testing.T) {
		s := mk(t)
		ref := memvec.New()
		r := rand.New(rand.NewPCG(1, 2))
		var rs []anythingllm.VectorRecord
		for i := range 1000 {
			v := make([]float32, 64)
			for j := range v {
				v[j] = r.Float32()*2 - 1
			}
			rs = append(rs, anythingllm.VectorRecord{ID: fmt.Sprint(i), DocID: fmt.Sprint(i % 37), Vector: v, Text: "t"})
		}
		must(t, s.Upsert(ctx, "ns", rs))
		must(t, ref.Upsert(ctx, "ns", rs))
		for i := range 20 {
			q := make([]float32, 64)
			for j := range q {
				q[j] = r.Float32()*2 - 1
			}
			vq := &anythingllm.VectorQuery{Vector: q, TopK: 10, MinScore: -1}
			switch i % 4 {
			case 1:
				vq.ExcludeDocIDs = []string{"0", "1", "2", "3", "4", "5", "6", "7", "8", "9"}
			case 2:
				vq.MinScore, vq.TopK = 0.3, 1000 // only the few above 0.3 qualify
			case 3:
				vq.TopK = 0
			}
			got, err := s.Query(ctx, "ns", vq)
			must(t, err)
			want, _ := ref.Query(ctx, "ns", vq)
			if !slices.Equal(ids(got), ids(want)) {
				t.Fatalf("query %d: top = %v, reference %v", i, ids(got), ids(want))
			}
			for j := range got {
				if !near(got[j].Score, want[j].Score) || !near(got[j].Distance, want[j].Distance) {
					t.Fatalf("query %d rank %d: score %v, reference %v", i, j, got[j].Score, want[j].Score)
				}
			}
		}
	})
	t.Run("Concurrent", func(t *testing.T) {
		s := mk(t)
		var wg sync.WaitGroup
		for g := range 4 {
			wg.Add(2)
			go func() {
				defer wg.Done()
				for i := range 50 {
					_ = s.Upsert(ctx, "ns", []anythingllm.VectorRecord{rec(fmt.Sprintf("%d-%d", g, i), fmt.Sprint(g), 1, float32(i))})
					if i%10 == 0 {
						_ = s.DeleteDocument(ctx, "ns", fmt.Sprint((g+1)%4))
					}
				}
			}()
			go func() {
				defer wg.Done()
				for range 50 {
					if _, err := s.Query(ctx, "ns", &anythingllm.VectorQuery{Vector: []float32{1, 1}, TopK: 5, MinScore: -1}); err != nil {
						t.Error(err)
					}
				}
			}()
		}
		wg.Wait()
		n, err := s.Count(ctx, "ns")
		must(t, err)
		ms, err := s.Query(ctx, "ns", &anythingllm.VectorQuery{Vector: []float32{1, 1}, TopK: 1000, MinScore: -1})
		must(t, err)
		if len(ms) != n {
			t.Fatalf("after concurrent writes Count = %d but a full query finds %d", n, len(ms))
		}
		seen := map[string]bool{}
		for _, m := range ms {
			if seen[m.ID] {
				t.Fatalf("ID %s returned twice", m.ID)
			}
			seen[m.ID] = true
		}
	})
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
