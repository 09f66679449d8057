package anythingllm_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/anythingllm-go/anythingllm/anythingllm"
	"github.com/anythingllm-go/anythingllm/storage/bunstore/bunstoretest"
	"github.com/anythingllm-go/anythingllm/vectordb/flatvec"
)

// BenchmarkLoadVectorIndex100k measures start-up: loading 100,000 stored
// vectors of 1,536 dimensions from SQLite into the flat index. The goal is
// under 2 s; "s/load" reports it.
//
//	go test -run '^$' -bench LoadVectorIndex -benchtime 1x ./anythingllm/
func BenchmarkLoadVectorIndex100k(b *testing.B) {
	if testing.Short() {
		b.Skip("seeding 100k x 1536 vectors takes a while; skipped in -short mode")
	}
	total, dim, perDoc := benchVectors(), 1536, 100
	ctx := context.Background()
	st := bunstoretest.SQLite(b)
	now := time.Now()
	w := &anythingllm.Workspace{Name: "big", Slug: "big", CreatedAt: now, LastUpdatedAt: now}
	if err := st.Workspaces().Create(ctx, w); err != nil {
		b.Fatal(err)
	}
	r := rand.New(rand.NewPCG(3, 4))
	for d := range total / perDoc {
		recs := make([]anythingllm.VectorRecord, perDoc)
		for i := range recs {
			v := make([]float32, dim)
			for j := range v {
				v[j] = r.Float32() - 0.5
			}
			recs[i] = anythingllm.VectorRecord{ID: fmt.Sprintf("%d-%d", d, i), Vector: v, Text: "chunk text", Metadata: map[string]any{"title": "t"}}
		}
		doc := &anythingllm.WorkspaceDocument{DocID: fmt.Sprint(d), Docpath: fmt.Sprintf("f/%d.json", d), Filename: "x", WorkspaceID: w.ID, CreatedAt: now, LastUpdatedAt: now}
		if err := st.Documents().Add(ctx, doc, recs); err != nil {
			b.Fatal(err)
		}
	}
	b.ResetTimer()
	for range b.N {
		app, _ := anythingllm.New(anythingllm.Deps{Store: st, Vectors: flatvec.New(nil)}, &anythingllm.Options{LoadIndexAtStart: true})
		start := time.Now()
		n, err := app.LoadVectorIndex(ctx)
		if err != nil || n != total {
			b.Fatal(n, err)
		}
		b.ReportMetric(time.Since(start).Seconds(), "s/load")
	}
}

// benchVectors is 100,000 unless ANYTHINGLLM_BENCH_VECTORS says otherwise.
func benchVectors() int {
	if v, err := strconv.Atoi(os.Getenv("ANYTHINGLLM_BENCH_VECTORS")); err == nil && v > 0 {
		return v
	}
	return 100_000
}
