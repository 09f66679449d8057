package flatvec_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"runtime"
	"testing"
	"time"

	"github.com/anythingllm-go/anythingllm/anythingllm"
	"github.com/anythingllm-go/anythingllm/internal/membw"
	"github.com/anythingllm-go/anythingllm/vectordb/flatvec"
)

// BenchmarkQuery100kx1536 measures a top-10 query over 100,000 vectors of
// 1,536 dimensions and reports it against the memory-bandwidth floor
// measured in the same run: summing a float32 slice of the same size with
// the same number of goroutines. "x-floor" is query time / floor time.
//
//	go test -run '^$' -bench Query100k -benchtime 20x ./vectordb/flatvec/
func BenchmarkQuery100kx1536(b *testing.B) {
	const rows, dim = 100_000, 1536
	if testing.Short() {
		b.Skip("100k x 1536 needs 600 MB; skipped in -short mode")
	}
	r := rand.New(rand.NewPCG(7, 7))
	s := flatvec.New(nil)
	batch := make([]anythingllm.VectorRecord, 0, 1000)
	for i := range rows {
		v := make([]float32, dim)
		for j := range v {
			v[j] = r.Float32()*2 - 1
		}
		batch = append(batch, anythingllm.VectorRecord{ID: fmt.Sprint(i), DocID: fmt.Sprint(i / 10), Vector: v})
		if len(batch) == cap(batch) {
			if err := s.Upsert(context.Background(), "ns", batch); err != nil {
				b.Fatal(err)
			}
			batch = batch[:0]
		}
	}
	q := make([]float32, dim)
	for j := range q {
		q[j] = r.Float32()*2 - 1
	}
	floor := membw.StreamFloor(rows*dim, runtime.GOMAXPROCS(0))
	runtime.GC()
	b.ResetTimer()
	start := time.Now()
	for range b.N {
		ms, err := s.Query(context.Background(), "ns", &anythingllm.VectorQuery{Vector: q, TopK: 10, MinScore: -1})
		if err != nil || len(ms) != 10 {
			b.Fatal(err, len(ms))
		}
	}
	per := time.Since(start) / time.Duration(b.N)
	b.ReportMetric(float64(floor.Microseconds())/1000, "floor-ms")
	b.ReportMetric(float64(per)/float64(floor), "x-floor")
}
