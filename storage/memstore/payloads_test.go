package memstore_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/anythingllm-go/anythingllm/anythingllm"
	"github.com/anythingllm-go/anythingllm/storage/memstore"
)

// BenchmarkVectorPayloads reads the payloads of 10 chunks among 100,000
// (memstore scans them all).
func BenchmarkVectorPayloads(b *testing.B) {
	ctx := context.Background()
	s := memstore.New()
	ws := &anythingllm.Workspace{Name: "w", Slug: "w"}
	if err := s.Workspaces().Create(ctx, ws); err != nil {
		b.Fatal(err)
	}
	for d := range 10_000 {
		vs := make([]anythingllm.VectorRecord, 10)
		for i := range vs {
			vs[i] = anythingllm.VectorRecord{ID: fmt.Sprintf("%08x-0000-4000-8000-%012x", d*10+i, i), Vector: []float32{1}, Text: "t"}
		}
		if err := s.Documents().Add(ctx, &anythingllm.WorkspaceDocument{DocID: fmt.Sprint(d), Docpath: fmt.Sprint(d), WorkspaceID: ws.ID}, vs); err != nil {
			b.Fatal(err)
		}
	}
	var refs []anythingllm.VectorRef
	for i := range 10 {
		n := i * 9973
		refs = append(refs, anythingllm.VectorRef{ID: fmt.Sprintf("%08x-0000-4000-8000-%012x", n, n%10), DocID: fmt.Sprint(n / 10)})
	}
	r := s.Documents().(anythingllm.VectorPayloadReader)
	b.ResetTimer()
	for range b.N {
		got, err := r.VectorPayloads(ctx, "w", refs)
		if err != nil || len(got) != 10 {
			b.Fatal(err, len(got))
		}
	}
}
