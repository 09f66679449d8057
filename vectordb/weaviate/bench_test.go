package weaviate_test

import (
	"flag"
	"fmt"
	mrand "math/rand/v2"
	"testing"
	"time"

	"github.com/anythingllm-go/anythingllm/anythingllm"
	"github.com/anythingllm-go/anythingllm/vectordb/flatvec"
	"github.com/anythingllm-go/anythingllm/vectordb/weaviate"
)

var (
	benchRows    = flag.Int("weaviate.rows", 10_000, "BenchmarkWeaviate: vectors in the index")
	benchDim     = flag.Int("weaviate.dim", 384, "BenchmarkWeaviate: their dimension")
	benchQueries = 100 // distinct queries, cycled; recall is averaged over them
)

// BenchmarkWeaviate builds an index of -weaviate.rows random vectors of
// -weaviate.dim dimensions on the server of ANYTHINGLLM_TEST_WEAVIATE_URL,
// once per index type, and times a top-10 query. It reports the build time
// (build-s, rows/s), recall@10 against the exact answer, and the query
// time as a ratio to flatvec's on the same data in the same run
// (x-flatvec).
//
//	go test -run '^$' -bench Weaviate -benchtime 200x ./vectordb/weaviate/ -weaviate.rows 10000
func BenchmarkWeaviate(b *testing.B) {
	serverURL(b) // skips without a server
	rows, dim := *benchRows, *benchDim
	r := mrand.New(mrand.NewPCG(7, uint64(dim)))
	randVec := func() []float32 {
		v := make([]float32, dim)
		for j := range v {
			v[j] = r.Float32()*2 - 1
		}
		return v
	}
	recs := make([]anythingllm.VectorRecord, rows)
	for i := range recs {
		recs[i] = anythingllm.VectorRecord{ID: fmt.Sprintf("c%07d", i), DocID: fmt.Sprintf("d%06d", i/10), Vector: randVec(), Text: "chunk text"}
	}
	queries := make([]*anythingllm.VectorQuery, benchQueries)
	for i := range queries {
		queries[i] = &anythingllm.VectorQuery{Vector: randVec(), TopK: 10, MinScore: -1}
	}
	// The exact answers, and flatvec's query time as the yardstick.
	exact := flatvec.New(nil)
	if err := exact.Upsert(ctx, "ns", recs); err != nil {
		b.Fatal(err)
	}
	want := make([]map[string]bool, len(queries))
	for i, q := range queries {
		ms, err := exact.Query(ctx, "ns", q)
		if err != nil {
			b.Fatal(err)
		}
		want[i] = map[string]bool{}
		for _, m := range ms {
			want[i][m.ID] = true
		}
	}
	start := time.Now()
	const flatRuns = 20
	for i := range flatRuns * len(queries) {
		_, _ = exact.Query(ctx, "ns", queries[i%len(queries)])
	}
	flatPer := time.Since(start) / time.Duration(flatRuns*len(queries))

	for _, idx := range []string{"hnsw", "flat"} {
		var (
			s     *weaviate.Store
			build time.Duration
		)
		b.Run(fmt.Sprintf("%s/%dx%d", idx, rows, dim), func(b *testing.B) {
			if s == nil { // build once, on the first call
				s = newStore(b, weaviate.Options{IndexType: idx})
				start := time.Now()
				for lo := 0; lo < len(recs); lo += 1000 {
					if err := s.Upsert(ctx, "ns", recs[lo:min(lo+1000, len(recs))]); err != nil {
						b.Fatal(err)
					}
				}
				build = time.Since(start)
			}
			hits := 0
			for i, q := range queries {
				ms, err := s.Query(ctx, "ns", q)
				if err != nil {
					b.Fatal(err)
				}
				for _, m := range ms {
					if want[i][m.ID] {
						hits++
					}
				}
			}
			b.ResetTimer()
			start := time.Now()
			i := 0
			for b.Loop() {
				if _, err := s.Query(ctx, "ns", queries[i%len(queries)]); err != nil {
					b.Fatal(err)
				}
				i++
			}
			per := time.Since(start) / time.Duration(max(i, 1))
			b.ReportMetric(build.Seconds(), "build-s")
			b.ReportMetric(float64(rows)/build.Seconds(), "rows/s")
			b.ReportMetric(float64(hits)/float64(10*len(queries)), "recall@10")
			b.ReportMetric(float64(per)/float64(flatPer), "x-flatvec")
		})
	}
}
