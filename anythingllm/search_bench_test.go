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

// heapInUse is the live heap after a full collection.
func heapInUse() uint64 {
	runtime.GC()
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}

// BenchmarkVectorSearchApp100k runs App.VectorSearch (top 10) over 100,000
// chunks of 1,536 dimensions and reports "x-floor": its time divided by the
// memory-bandwidth floor for the same bytes, measured in the same run, and
// "index-bytes/raw": the live heap the index adds (after GC) over the raw
// float32 bytes of the vectors.
//
//	go test -run '^$' -bench VectorSearchApp -benchtime 20x ./anythingllm/
//
// Sub-benchmarks:
//
//   - full: flatvec.New(nil), each row keeps its text and metadata;
//   - compact: the rows live in the App's memstore as documents, and flatvec
//     (Options.Payloads = the memstore) keeps only vectors and IDs;
//   - binary: compact plus Quantize: Binary (random vectors: its recall is
//     measured on clustered data by vectordb's BenchmarkQuantized).
func BenchmarkVectorSearchApp100k(b *testing.B) {
	if testing.Short() {
		b.Skip("100k x 1536 needs 600 MB to 1.3 GB; skipped in -short mode")
	}
	for _, mode := range []string{"full", "compact", "binary"} {
		b.Run(mode, func(b *testing.B) { benchVectorSearchApp(b, mode) })
		runtime.GC()
	}
}

func benchVectorSearchApp(b *testing.B, mode string) {
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
	store := memstore.New()
	var opts *flatvec.Options
	if mode != "full" {
		opts = &flatvec.Options{Payloads: store.Documents().(anythingllm.VectorPayloadReader), Dir: b.TempDir()}
		if mode == "binary" {
			opts.Quantize = flatvec.Binary
		}
	}
	vecs := flatvec.New(opts)
	defer vecs.Close()
	app, _ := anythingllm.New(anythingllm.Deps{Store: store, Vectors: vecs, Embedder: fixedQuery{rnd()}}, nil)
	ws, err := app.CreateWorkspace(ctx, &anythingllm.WorkspaceSettings{Name: new("big")})
	if err != nil {
		b.Fatal(err)
	}
	chunk := func(i int) anythingllm.VectorRecord {
		return anythingllm.VectorRecord{ID: fmt.Sprintf("%08d-0000-4000-8000-000000000000", i), DocID: fmt.Sprint(i / 10),
			Vector: rnd(), Text: "t", Metadata: map[string]any{"title": "x"}}
	}
	var before uint64
	if mode == "full" {
		before = heapInUse()
		batch := make([]anythingllm.VectorRecord, 0, 1000)
		for i := range rows {
			batch = append(batch, chunk(i))
			if len(batch) == cap(batch) {
				if err := vecs.Upsert(ctx, ws.Slug, batch); err != nil {
					b.Fatal(err)
				}
				batch = batch[:0]
			}
		}
	} else {
		// The chunks are stored as the App stores them, then indexed as
		// the App does at start.
		docs := store.Documents()
		for d := range rows / 10 {
			vs := make([]anythingllm.VectorRecord, 10)
			for i := range vs {
				vs[i] = chunk(d*10 + i)
			}
			doc := &anythingllm.WorkspaceDocument{DocID: fmt.Sprint(d), Docpath: fmt.Sprintf("f/%d.json", d), WorkspaceID: ws.ID}
			if err := docs.Add(ctx, doc, vs); err != nil {
				b.Fatal(err)
			}
		}
		before = heapInUse()
		if _, err := anythingllm.LoadStoredVectors(ctx, docs, vecs); err != nil {
			b.Fatal(err)
		}
	}
	held := heapInUse() - before
	floor := membw.StreamFloor(rows*dim, runtime.GOMAXPROCS(0))
	zero, ten := 0.0, 10.0
	b.ResetTimer()
	start := time.Now()
	for range b.N {
		res, err := app.VectorSearch(ctx, "big", &anythingllm.VectorSearchRequest{Query: "q", TopN: &ten, ScoreThreshold: &zero})
		if err != nil || len(res) != 10 || res[0].Text != "t" {
			b.Fatal(err, len(res))
		}
	}
	per := time.Since(start) / time.Duration(b.N)
	b.ReportMetric(float64(floor.Microseconds())/1000, "floor-ms")
	b.ReportMetric(float64(per)/float64(floor), "x-floor")
	b.ReportMetric(float64(held)/float64(rows*dim*4), "index-bytes/raw")
}
