package bench

import (
	"cmp"
	"context"
	"fmt"
	"os"
	"runtime"
	"slices"
	"strconv"
	"testing"
	"time"

	chromem "github.com/philippgille/chromem-go"

	"github.com/anythingllm-go/anythingllm/anythingllm"
	"github.com/anythingllm-go/anythingllm/bench/internal/benchdata"
	"github.com/anythingllm-go/anythingllm/internal/membw"
	"github.com/anythingllm-go/anythingllm/storage/memstore"
	"github.com/anythingllm-go/anythingllm/vectordb/flatvec"
)

// Vector search benchmarks. Sizes come from ANYTHINGLLM_BENCH_VECTOR_SIZES
// ("ROWSxDIM,..."); the default is the report's list. Select one size with
// the sub-benchmark name:
//
//	go test -run '^$' -bench 'VectorSearch/^100000x1536$' -benchtime 10x -count 5 ./bench/

// SmokeEnv, when set, makes every benchmark in this package small enough
// for CI to run them all in seconds.
const SmokeEnv = "ANYTHINGLLM_BENCH_SMOKE"

var smoke = os.Getenv(SmokeEnv) != ""

// defaultVectorSizes are the sizes.
const defaultVectorSizes = "10000x384,100000x384,1000000x384,10000x1536,100000x1536"

func vectorSizes(b *testing.B) []benchdata.Size {
	def := defaultVectorSizes
	if smoke {
		def = "2000x384,1000x1536"
	}
	sizes, err := benchdata.ParseSizes(cmp.Or(os.Getenv("ANYTHINGLLM_BENCH_VECTOR_SIZES"), def))
	if err != nil {
		b.Fatal(err)
	}
	return sizes
}

// indexModes are the ways the App's index can be built, each given the
// store that holds the chunks' texts (the compact modes read the hits'
// texts from it, as serve does). Exact modes are checked for recall too (a
// sanity check: it must be 1); the report picks every mode up by name
// (app-*).
var indexModes = []struct {
	name  string
	exact bool
	make  func(anythingllm.VectorPayloadReader) anythingllm.VectorStore
}{
	// What serve runs: vectors and IDs in memory, texts from the store.
	{"app-exact", true, func(p anythingllm.VectorPayloadReader) anythingllm.VectorStore {
		return flatvec.New(&flatvec.Options{Payloads: p})
	}},
	// The index holding every chunk's text and metadata too.
	{"app-full", true, func(anythingllm.VectorPayloadReader) anythingllm.VectorStore { return flatvec.New(nil) }},
	// VECTOR_QUANTIZE=binary.
	{"app-binary", false, func(p anythingllm.VectorPayloadReader) anythingllm.VectorStore {
		return flatvec.New(&flatvec.Options{Payloads: p, Quantize: flatvec.Binary})
	}},
}

// fixedQuery embeds every text as the same vector: embedding costs nothing,
// so a search measures the App's search path and the index.
type fixedQuery struct{ v []float32 }

func (f fixedQuery) Embed(ctx context.Context, texts []string) ([][]float32, error) {
	out := make([][]float32, len(texts))
	for i := range out {
		out[i] = f.v
	}
	return out, nil
}
func (f fixedQuery) Dimensions() int { return len(f.v) }

// vsState is what one size's sub-benchmarks share across -count rounds;
// one size is kept at a time.
type vsState struct {
	size    benchdata.Size
	rows    []float32
	query   []float32
	floor   []float32 // as many floats as the index, streamed for the floor
	apps    map[string]*anythingllm.App
	bytes   map[string]uint64 // heap held by each mode's index
	chromem *chromem.Collection
}

var vs *vsState

func heapInUse() uint64 {
	runtime.GC()
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}

func vectorState(size benchdata.Size) *vsState {
	if vs != nil && vs.size == size {
		return vs
	}
	vs = nil
	runtime.GC()
	s := &vsState{size: size, rows: benchdata.Uniform(size), query: benchdata.Query(size.Dim, 1),
		apps: map[string]*anythingllm.App{}, bytes: map[string]uint64{}}
	s.floor = make([]float32, size.Floats())
	for i := range s.floor {
		s.floor[i] = float32(i & 7)
	}
	vs = s
	return s
}

// records cuts the rows into VectorRecords as the App stores them (ten
// chunks per document, a short text and a title).
// chunksPerDoc is how many chunks records() gives one document: few
// documents keep filling memstore (which checks every document on each
// add) fast at 1M chunks.
const chunksPerDoc = 1000

func records(rows []float32, dim, lo, hi int) []anythingllm.VectorRecord {
	recs := make([]anythingllm.VectorRecord, 0, hi-lo)
	for i := lo; i < hi; i++ {
		recs = append(recs, anythingllm.VectorRecord{ID: strconv.Itoa(i), DocID: strconv.Itoa(i / chunksPerDoc),
			Vector: rows[i*dim : (i+1)*dim : (i+1)*dim], Text: "t", Metadata: map[string]any{"title": "x"}})
	}
	return recs
}

func (s *vsState) app(b *testing.B, name string, mk func(anythingllm.VectorPayloadReader) anythingllm.VectorStore) *anythingllm.App {
	if a, ok := s.apps[name]; ok {
		return a
	}
	ctx := context.Background()
	st := memstore.New()
	w := &anythingllm.Workspace{Name: "big", Slug: "big", CreatedAt: time.Now(), LastUpdatedAt: time.Now()}
	if err := st.Workspaces().Create(ctx, w); err != nil {
		b.Fatal(err)
	}
	// The store holds the chunks (their texts for the compact modes), by
	// document as records() numbers them; it is not counted as the
	// index's memory.
	for lo := 0; lo < s.size.Rows; lo += chunksPerDoc {
		recs := records(s.rows, s.size.Dim, lo, min(lo+chunksPerDoc, s.size.Rows))
		d := &anythingllm.WorkspaceDocument{DocID: recs[0].DocID, Docpath: "d/" + recs[0].DocID + ".json", Filename: "d", WorkspaceID: w.ID}
		if err := st.Documents().Add(ctx, d, recs); err != nil {
			b.Fatal(err)
		}
	}
	before := heapInUse()
	idx := mk(st.Documents().(anythingllm.VectorPayloadReader))
	app, err := anythingllm.New(anythingllm.Deps{Store: st, Vectors: idx, Embedder: fixedQuery{s.query}}, nil)
	if err != nil {
		b.Fatal(err)
	}
	for lo := 0; lo < s.size.Rows; lo += 10_000 {
		if err := idx.Upsert(ctx, "big", records(s.rows, s.size.Dim, lo, min(lo+10_000, s.size.Rows))); err != nil {
			b.Fatal(err)
		}
	}
	s.bytes[name] = heapInUse() - before
	s.apps[name] = app
	return app
}

func (s *vsState) chromemCollection(b *testing.B) *chromem.Collection {
	if s.chromem != nil {
		return s.chromem
	}
	ctx := context.Background()
	col, err := chromem.NewDB().CreateCollection("big", nil, func(context.Context, string) ([]float32, error) { return s.query, nil })
	if err != nil {
		b.Fatal(err)
	}
	// In batches: AddDocuments starts one goroutine per document.
	for lo := 0; lo < s.size.Rows; lo += 10_000 {
		docs := make([]chromem.Document, 0, 10_000)
		for _, r := range records(s.rows, s.size.Dim, lo, min(lo+10_000, s.size.Rows)) {
			docs = append(docs, chromem.Document{ID: r.ID, Embedding: r.Vector, Content: r.Text, Metadata: map[string]string{"title": "x"}})
		}
		if err := col.AddDocuments(ctx, docs, runtime.GOMAXPROCS(0)); err != nil {
			b.Fatal(err)
		}
	}
	s.chromem = col
	return col
}

// BenchmarkVectorSearch: top-10 search at each size by the App (one
// sub-benchmark per index mode) and by chromem-go's own QueryEmbedding,
// each reporting "x-floor": its best time over the best time to merely
// stream as many float32 bytes as the index holds once with GOMAXPROCS
// goroutines (the floor of an exact flat scan), the two alternating query
// by query, and "ms/query", the median. The App modes also
// report "index-bytes/raw": the heap their index holds over rows x dim x 4.
func BenchmarkVectorSearch(b *testing.B) {
	ctx := context.Background()
	for _, size := range vectorSizes(b) {
		b.Run(size.String(), func(b *testing.B) {
			s := vectorState(size)
			procs := runtime.GOMAXPROCS(0)
			// timed runs search, each query right after one stream of
			// the floor, so that both sides are measured in the same spell
			// of a shared machine. x-floor is the best query over the best
			// floor of the run (a floor is a best case: internal/membw's
			// StreamFloor takes the best of 5; on a loaded machine a mean
			// is set by preemptions, and a static two-way split such as
			// the floor's suffers from them more than the index's scan);
			// ms/query is the median query.
			timed := func(b *testing.B, search func() error) {
				qs := make([]time.Duration, 0, b.N)
				bestFloor := time.Duration(1 << 62)
				b.ResetTimer()
				for range b.N {
					t0 := time.Now()
					membw.Sum(s.floor, procs)
					t1 := time.Now()
					if err := search(); err != nil {
						b.Fatal(err)
					}
					qs = append(qs, time.Since(t1))
					bestFloor = min(bestFloor, t1.Sub(t0))
				}
				slices.Sort(qs)
				b.ReportMetric(float64(qs[len(qs)/2])/1e6, "ms/query")
				b.ReportMetric(float64(bestFloor)/1e6, "floor-ms")
				b.ReportMetric(float64(qs[0])/float64(bestFloor), "x-floor")
			}
			b.Run("floor", func(b *testing.B) {
				b.SetBytes(int64(len(s.floor) * 4))
				for range b.N {
					membw.Sum(s.floor, procs)
				}
			})
			for _, m := range indexModes {
				b.Run(m.name, func(b *testing.B) {
					app := s.app(b, m.name, m.make)
					zero, ten := 0.0, 10.0
					timed(b, func() error {
						res, err := app.VectorSearch(ctx, "big", &anythingllm.VectorSearchRequest{Query: "q", TopN: &ten, ScoreThreshold: &zero})
						if err == nil && len(res) != 10 {
							err = fmt.Errorf("%d results", len(res))
						}
						return err
					})
					b.ReportMetric(float64(s.bytes[m.name])/float64(size.Floats()*4), "index-bytes/raw")
				})
			}
			b.Run("chromem", func(b *testing.B) {
				col := s.chromemCollection(b)
				timed(b, func() error {
					res, err := col.QueryEmbedding(ctx, s.query, 10, nil, nil)
					if err == nil && len(res) != 10 {
						err = fmt.Errorf("%d results", len(res))
					}
					return err
				})
			})
		})
	}
}

// TestVectorSearchSizes keeps the size list parseable.
func TestVectorSearchSizes(t *testing.T) {
	sizes, err := benchdata.ParseSizes(defaultVectorSizes)
	if err != nil || len(sizes) != 5 || sizes[2] != (benchdata.Size{Rows: 1_000_000, Dim: 384}) {
		t.Fatalf("%v %v", sizes, err)
	}
	if _, err := benchdata.ParseSizes("10x"); err == nil {
		t.Fatal("10x parsed")
	}
}
