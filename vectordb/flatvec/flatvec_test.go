package flatvec_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/anythingllm-go/anythingllm/anythingllm"
	"github.com/anythingllm-go/anythingllm/vectordb/flatvec"
	"github.com/anythingllm-go/anythingllm/vectordb/memvec"
	"github.com/anythingllm-go/anythingllm/vectordb/vectortest"
)

func TestConformance(t *testing.T) {
	vectortest.RunConformanceTests(t, func(t *testing.T) anythingllm.VectorStore { return flatvec.New(nil) })
}

// The parallel scan path gives the same answers as the serial one.
func TestConformanceParallel(t *testing.T) {
	vectortest.RunConformanceTests(t, func(t *testing.T) anythingllm.VectorStore {
		return flatvec.New(&flatvec.Options{Parallelism: 3, MinParallelFloats: 1})
	})
}

// Deleting across block boundaries keeps results identical to the
// reference implementation.
func TestBlocksAgreeWithReference(t *testing.T) {
	ctx := context.Background()
	s, ref := flatvec.New(nil), memvec.New()
	r := rand.New(rand.NewPCG(5, 6))
	var recs []anythingllm.VectorRecord
	for i := range 3000 {
		v := make([]float32, 16)
		for j := range v {
			v[j] = r.Float32() - 0.5
		}
		recs = append(recs, anythingllm.VectorRecord{ID: fmt.Sprint(i), DocID: fmt.Sprint(i % 7), Vector: v})
	}
	for _, st := range []anythingllm.VectorStore{s, ref} {
		if err := st.Upsert(ctx, "ns", recs); err != nil {
			t.Fatal(err)
		}
		if err := st.DeleteDocument(ctx, "ns", "3"); err != nil {
			t.Fatal(err)
		}
	}
	n1, _ := s.Count(ctx, "ns")
	n2, _ := ref.Count(ctx, "ns")
	if n1 != n2 {
		t.Fatalf("count %d vs reference %d", n1, n2)
	}
	for q := range 10 {
		got, _ := s.Query(ctx, "ns", &anythingllm.VectorQuery{Vector: recs[q*100].Vector, TopK: 20, MinScore: -1})
		want, _ := ref.Query(ctx, "ns", &anythingllm.VectorQuery{Vector: recs[q*100].Vector, TopK: 20, MinScore: -1})
		for i := range want {
			if got[i].ID != want[i].ID {
				t.Fatalf("query %d rank %d: %s vs reference %s", q, i, got[i].ID, want[i].ID)
			}
		}
	}
}
