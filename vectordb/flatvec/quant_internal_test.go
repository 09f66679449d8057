package flatvec

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/anythingllm-go/anythingllm/anythingllm"
)

// The running sum behind the codes' centre follows inserts, replacements
// and deletes, and the codes are re-encoded when the centre moves.
func TestCentreFollowsRows(t *testing.T) {
	ctx := context.Background()
	s := New(&Options{Quantize: Binary, Dir: t.TempDir()})
	defer s.Close()
	r := rand.New(rand.NewPCG(1, 2))
	recs := func(n, first int) []anythingllm.VectorRecord {
		out := make([]anythingllm.VectorRecord, n)
		for i := range out {
			v := make([]float32, 70)
			for j := range v {
				v[j] = r.Float32() + float32(j%3) // a common component
			}
			out[i] = anythingllm.VectorRecord{ID: fmt.Sprint(first + i), DocID: fmt.Sprint((first + i) % 5), Vector: v}
		}
		return out
	}
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(s.Upsert(ctx, "ns", recs(300, 0)))   // centred at 256 rows
	must(s.DeleteDocument(ctx, "ns", "2"))    // 240 rows left
	must(s.Upsert(ctx, "ns", recs(100, 250))) // 50 replaced (some deleted before), 50 new
	must(s.Upsert(ctx, "ns", recs(300, 400))) // past 512: centred again
	n := s.ns["ns"]
	want := make([]float64, n.dim)
	v := make([]float32, n.dim)
	for row := range n.rows {
		n.file.get(row, v)
		for j, x := range v {
			want[j] += float64(x)
		}
	}
	for j := range want {
		if math.Abs(want[j]-n.centre.sum[j]) > 1e-6*float64(len(n.rows)) {
			t.Fatalf("sum[%d] = %v, the rows add up to %v", j, n.centre.sum[j], want[j])
		}
	}
	if n.centre.next != 2*len(n.rows) || n.centre.mean == nil {
		t.Fatalf("centred for the next time at %d rows, with %d rows", n.centre.next, len(n.rows))
	}
	code := make([]uint64, n.words)
	for row := range n.rows {
		n.file.get(row, v)
		encodeBinary(code, v, n.centre.mean)
		if fmt.Sprint(code) != fmt.Sprint(n.code(row)) {
			t.Fatalf("row %d: code %x, want %x", row, n.code(row), code)
		}
	}
}
