package anythingllm_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"runtime"
	"testing"
	"time"

	"github.com/anythingllm-go/anythingllm/anythingllm"
	"github.com/anythingllm-go/anythingllm/internal/membw"
	"github.com/anythingllm-go/anythingllm/storage/memstore"
	"github.com/anythingllm-go/anythingllm/vectordb/flatvec"
)

// fixedQuery embeds every text as the same vector: embedding costs nothing,
// so the benchmark measures the App's search path and the index.
type fixedQuery struct{ v []float32 }

func (f fixedQuery) Embed(ctx context.Context, texts []string) ([][]float32, error) {
	out := make([][]float32, len(texts))
	for i := range out {
		out[i] = f.v
	}
	return out, nil
}
func (f fixedQuery) Dimensions() int { return len(f.v) }

// BenchmarkVectorSearchApp100k runs App.VectorSearch (top 10) over 100,000
// chunks of 1,536 dimensions and reports "x-floor": its time divided by the
// memory-bandwidth floor for the same bytes, measured in the same run.
//
//	go test -run '^$' -bench VectorSearchApp -benchtime 20x ./anythingllm/
func BenchmarkVectorSearchApp100k(b *testing.B) {
	if testing.Short() {
		b.Skip("100k x 1536 needs 600 MB; skipped in -short mode")
	}
	const rows, dim = 100_000, 1536
	ctx := context.Background()
	r := rand.New(rand.NewPCG(9, 9))
	rnd := func() []float32 {
		v := make([]float32, dim)
		for i := range v {
			v[i] = r.Float32() - 0.5
		}
		return v
	}
	vecs := flatvec.New(nil)
	app, _ := anythingllm.New(anythingllm.Deps{Store: memstore.New(), Vectors: vecs, Embedder: fixedQuery{rnd()}}, nil)
	if _, err := app.CreateWorkspace(ctx, &anythingllm.WorkspaceSettings{Name: new("big")}); err != nil {
		b.Fatal(err)
	}
	batch := make([]anythingllm.VectorRecord, 0, 1000)
	for i := range rows {
		batch = append(batch, anythingllm.VectorRecord{ID: fmt.Sprint(i), DocID: fmt.Sprint(i / 10), Vector: rnd(), Text: "t", Metadata: map[string]any{"title": "x"}})
		if len(batch) == cap(batch) {
			if err := vecs.Upsert(ctx, "big", batch); err != nil {
				b.Fatal(err)
			}
			batch = batch[:0]
		}
	}
	floor := membw.StreamFloor(rows*dim, runtime.GOMAXPROCS(0))
	zero, ten := 0.0, 10.0
	b.ResetTimer()
	start := time.Now()
	for range b.N {
		res, err := app.VectorSearch(ctx, "big", &anythingllm.VectorSearchRequest{Query: "q", TopN: &ten, ScoreThreshold: &zero})
		if err != nil || len(res) != 10 {
			b.Fatal(err, len(res))
		}
	}
	per := time.Since(start) / time.Duration(b.N)
	b.ReportMetric(float64(floor.Microseconds())/1000, "floor-ms")
	b.ReportMetric(float64(per)/float64(floor), "x-floor")
}
