package vectordb_test

import (
	"context"
	"flag"
	"fmt"
	"maps"
	"math/rand/v2"
	"runtime"
	"testing"
	"time"

	"github.com/anythingllm-go/anythingllm/anythingllm"
	"github.com/anythingllm-go/anythingllm/internal/membw"
	"github.com/anythingllm-go/anythingllm/vectordb/chromemvec"
	"github.com/anythingllm-go/anythingllm/vectordb/flatvec"
	"github.com/anythingllm-go/anythingllm/vectordb/memvec"
)

// benchSizes are the index sizes of BenchmarkQuery. The large one is the
// goal's size (OpenAI's 1,536-dimension embeddings) and needs about 2 GB;
// -short skips it.
var benchSizes = []struct {
	rows, dim int
	long      bool
}{
	{10_000, 384, false},
	{100_000, 1536, true},
}

// BenchmarkQuery times a top-10 query for each implementation and reports
// it against the memory-bandwidth floor measured in the same run: the time
// for GOMAXPROCS goroutines to sum a float32 slice as large as the index
// (best of 5). "x-floor" = query time / floor time; a flat scan cannot go
// below 1. StreamRead is that floor as a benchmark of its own.
//
//	go test -run '^$' -bench Query -benchtime 10x ./vectordb/
func BenchmarkQuery(b *testing.B) {
	ctx := context.Background()
	procs := runtime.GOMAXPROCS(0)
	for _, size := range benchSizes {
		b.Run(fmt.Sprintf("%dx%d", size.rows, size.dim), func(b *testing.B) {
			if size.long && testing.Short() {
				b.Skip("needs about 2 GB; skipped in -short mode")
			}
			recs, query := benchData(size.rows, size.dim)
			b.Run("StreamRead", func(b *testing.B) {
				data := make([]float32, size.rows*size.dim)
				for i := range data {
					data[i] = float32(i & 7)
				}
				b.SetBytes(int64(len(data) * 4))
				b.ResetTimer()
				for range b.N {
					membw.Sum(data, procs)
				}
			})
			impls := []struct {
				name string
				make func() anythingllm.VectorStore
			}{
				{"flatvec", func() anythingllm.VectorStore { return flatvec.New(nil) }},
				{"flatvec-compact", func() anythingllm.VectorStore { return newCompact(nil) }},
				{"flatvec-binary", func() anythingllm.VectorStore { return newCompact(&flatvec.Options{Quantize: flatvec.Binary}) }},
				{"chromemvec", func() anythingllm.VectorStore { return chromemvec.New(nil) }},
				{"memvec", func() anythingllm.VectorStore { return memvec.New() }},
			}
			for _, impl := range impls {
				var store anythingllm.VectorStore // built once, on the first call
				b.Run(impl.name, func(b *testing.B) {
					if store == nil {
						b.StopTimer()
						store = impl.make()
						for lo := 0; lo < len(recs); lo += 1000 {
							if err := store.Upsert(ctx, "ns", recs[lo:min(lo+1000, len(recs))]); err != nil {
								b.Fatal(err)
							}
						}
						runtime.GC()
						b.StartTimer()
					}
					floor := membw.StreamFloor(size.rows*size.dim, procs)
					q := &anythingllm.VectorQuery{Vector: query, TopK: 10, MinScore: -1}
					b.ResetTimer()
					start := time.Now()
					for range b.N {
						ms, err := store.Query(ctx, "ns", q)
						if err != nil || len(ms) != 10 {
							b.Fatal(err, len(ms))
						}
					}
					per := time.Since(start) / time.Duration(b.N)
					b.ReportMetric(float64(floor)/1e6, "floor-ms")
					b.ReportMetric(float64(per)/float64(floor), "x-floor")
				})
				if store != nil {
					_ = store.Close()
				}
				store = nil
				runtime.GC()
			}
		})
	}
}

var benchCache = map[[2]int]struct {
	recs  []anythingllm.VectorRecord
	query []float32
}{}

// benchData returns rows random vectors (one backing array, ten chunks per
// document) and a query, the same on every call.
func benchData(rows, dim int) ([]anythingllm.VectorRecord, []float32) {
	if d, ok := benchCache[[2]int{rows, dim}]; ok {
		return d.recs, d.query
	}
	clear(benchCache) // keep one size in memory at a time
	r := rand.New(rand.NewPCG(7, uint64(dim)))
	all := make([]float32, rows*dim)
	for i := range all {
		all[i] = r.Float32()*2 - 1
	}
	recs := make([]anythingllm.VectorRecord, rows)
	for i := range recs {
		recs[i] = anythingllm.VectorRecord{ID: fmt.Sprint(i), DocID: fmt.Sprint(i / 10), Text: "chunk", Vector: all[i*dim : (i+1)*dim : (i+1)*dim]}
	}
	q := make([]float32, dim)
	for j := range q {
		q[j] = r.Float32()*2 - 1
	}
	benchCache[[2]int{rows, dim}] = struct {
		recs  []anythingllm.VectorRecord
		query []float32
	}{recs, q}
	return recs, q
}

// payloads is the store a compact flatvec reads Text and Metadata from: it
// records what is upserted through it (the App's DocumentStore in real use).
type payloads struct {
	anythingllm.VectorStore
	p map[string]anythingllm.VectorPayload
}

func (s *payloads) Upsert(ctx context.Context, ns string, recs []anythingllm.VectorRecord) error {
	for _, r := range recs {
		// Shares the caller's map: the benchmark's records outlive the store,
		// so the index's heap figure counts only the index.
		s.p[r.ID] = anythingllm.VectorPayload{Text: r.Text, Metadata: r.Metadata}
	}
	return s.VectorStore.Upsert(ctx, ns, recs)
}

func (s *payloads) VectorPayloads(ctx context.Context, ns string, refs []anythingllm.VectorRef) (map[string]anythingllm.VectorPayload, error) {
	out := make(map[string]anythingllm.VectorPayload, len(refs))
	for _, r := range refs {
		out[r.ID] = s.p[r.ID]
	}
	return out, nil
}

func newCompact(opts *flatvec.Options) *payloads {
	s := &payloads{p: map[string]anythingllm.VectorPayload{}}
	o := flatvec.Options{}
	if opts != nil {
		o = *opts
	}
	o.Payloads = s
	s.VectorStore = flatvec.New(&o)
	return s
}

var quantizedRows = flag.Int("quantized-rows", 100_000, "rows of BenchmarkQuantized (1000000 needs about 14 GB)")

// BenchmarkQuantized compares flatvec's exact, compact and binary modes on
// clustered data (1,000 Gaussian clusters around random centres, as real
// embeddings are clustered) at -quantized-rows x 1,536 and reports, beside
// "x-floor" (query time over the float32 streaming floor), "index-bytes/raw"
// (the live heap the index adds, after GC, over the raw float32 bytes; the
// binary index's memory-mapped floats are page cache, not heap) and
// "recall@10" against the exact scan over 100 queries drawn like the data.
//
//	go test -run '^$' -bench Quantized -benchtime 20x ./vectordb/
func BenchmarkQuantized(b *testing.B) {
	if testing.Short() {
		b.Skip("100k x 1536 needs about 2 GB; skipped in -short mode")
	}
	const dim, clusters, queries = 1536, 1000, 100
	rows := *quantizedRows
	ctx := context.Background()
	recs, qs := clusteredData(rows, queries, dim, clusters)
	procs := runtime.GOMAXPROCS(0)
	var truth [][]string // the exact top 10 of each query
	modes := []struct {
		name string
		opts *flatvec.Options
	}{
		{"exact", nil},
		{"compact", &flatvec.Options{}},
		{"binary", &flatvec.Options{Quantize: flatvec.Binary, Dir: b.TempDir()}},
		{"binary-rerank200", &flatvec.Options{Quantize: flatvec.Binary, Dir: b.TempDir(), Rerank: 200}},
	}
	for _, mode := range modes {
		b.Run(mode.name, func(b *testing.B) {
			before := heapInUse()
			var store anythingllm.VectorStore
			if mode.opts == nil {
				store = flatvec.New(nil)
			} else {
				store = newCompact(mode.opts)
			}
			defer store.Close()
			for lo := 0; lo < len(recs); lo += 1000 {
				if err := store.Upsert(ctx, "ns", recs[lo:min(lo+1000, len(recs))]); err != nil {
					b.Fatal(err)
				}
			}
			held := heapInUse() - before
			if c, ok := store.(*payloads); ok {
				held -= c.heap() // the payload store's map is not the index
			}
			found := 0
			for i, q := range qs {
				ms, err := store.Query(ctx, "ns", &anythingllm.VectorQuery{Vector: q, TopK: 10, MinScore: -1})
				if err != nil || len(ms) != 10 {
					b.Fatal(err, len(ms))
				}
				if truth == nil || len(truth) <= i {
					truth = append(truth, ids(ms))
				}
				for _, m := range ms {
					found += countOf(truth[i], m.ID)
				}
			}
			floor := membw.StreamFloor(rows*dim, procs)
			b.ResetTimer()
			start := time.Now()
			for i := range b.N {
				if _, err := store.Query(ctx, "ns", &anythingllm.VectorQuery{Vector: qs[i%queries], TopK: 10, MinScore: -1}); err != nil {
					b.Fatal(err)
				}
			}
			per := time.Since(start) / time.Duration(b.N)
			b.ReportMetric(float64(floor)/1e6, "floor-ms")
			b.ReportMetric(float64(per)/float64(floor), "x-floor")
			b.ReportMetric(float64(held)/float64(rows*dim*4), "index-bytes/raw")
			b.ReportMetric(float64(found)/float64(10*queries), "recall@10")
		})
		runtime.GC()
	}
}

// heap estimates the payload map's live bytes by building a copy of it.
func (s *payloads) heap() uint64 {
	before := heapInUse()
	c := maps.Clone(s.p)
	after := heapInUse()
	runtime.KeepAlive(c)
	return after - before
}

func ids(ms []anythingllm.VectorMatch) []string {
	out := make([]string, len(ms))
	for i, m := range ms {
		out[i] = m.ID
	}
	return out
}

func countOf(s []string, x string) int {
	for _, y := range s {
		if y == x {
			return 1
		}
	}
	return 0
}

// heapInUse is the live heap after a full collection.
func heapInUse() uint64 {
	runtime.GC()
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}

// clusteredData draws rows vectors and q queries around k Gaussian centres:
// centre components N(c_j, 1), where c is one vector of N(0, 1.5)
// components that every centre shares (real embeddings share a large
// component), plus N(0, 1) noise per component. A chunk's cosine to its
// cluster's others is then about 0.76, to the rest about 0.53. IDs look
// like the App's (UUIDs), ten chunks per document.
func clusteredData(rows, q, dim, k int) ([]anythingllm.VectorRecord, [][]float32) {
	r := rand.New(rand.NewPCG(11, uint64(dim)))
	common := make([]float64, dim)
	for j := range common {
		common[j] = 1.5 * r.NormFloat64()
	}
	centres := make([]float32, k*dim)
	for i := range centres {
		centres[i] = float32(common[i%dim] + r.NormFloat64())
	}
	all := make([]float32, (rows+q)*dim)
	for i := range rows + q {
		c := centres[r.IntN(k)*dim:][:dim]
		for j, x := range c {
			all[i*dim+j] = x + float32(r.NormFloat64())
		}
	}
	recs := make([]anythingllm.VectorRecord, rows)
	for i := range recs {
		recs[i] = anythingllm.VectorRecord{ID: fmt.Sprintf("%08x-0000-4000-8000-%012x", i, i), DocID: fmt.Sprint(i / 10),
			Text: "chunk", Metadata: map[string]any{"title": "t"}, Vector: all[i*dim : (i+1)*dim : (i+1)*dim]}
	}
	qs := make([][]float32, q)
	for i := range qs {
		qs[i] = all[(rows+i)*dim : (rows+i+1)*dim]
	}
	return recs, qs
}
