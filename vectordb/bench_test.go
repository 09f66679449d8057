package vectordb_test

import (
	"context"
	"fmt"
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
