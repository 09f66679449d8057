package bunstore_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/anythingllm-go/anythingllm/anythingllm"
	"github.com/anythingllm-go/anythingllm/storage/bunstore"
	"github.com/anythingllm-go/anythingllm/storage/bunstore/bunstoretest"
)

// BenchmarkVectorPayloads reads the payloads of the 10 matches of a query
// (10 documents) among 20,000 stored chunks of 1,536 dimensions, as a
// compact flatvec index does after each query.
//
//	go test -run '^$' -bench VectorPayloads ./storage/bunstore/
func BenchmarkVectorPayloads(b *testing.B) {
	for _, db := range []struct {
		name string
		open func(testing.TB) *bunstore.Store
	}{{"SQLite", bunstoretest.SQLite}, {"Postgres", bunstoretest.Postgres}} {
		b.Run(db.name, func(b *testing.B) {
			ctx := context.Background()
			s := db.open(b)
			ws := &anythingllm.Workspace{Name: "w", Slug: "w"}
			if err := s.Workspaces().Create(ctx, ws); err != nil {
				b.Fatal(err)
			}
			const docs, per, dim = 2000, 10, 1536
			vec := make([]float32, dim)
			for i := range vec {
				vec[i] = float32(i%7) - 3
			}
			id := func(d, i int) string { return fmt.Sprintf("%08x-0000-4000-8000-%012x", d, i) }
			for d := range docs {
				vs := make([]anythingllm.VectorRecord, per)
				for i := range vs {
					vs[i] = anythingllm.VectorRecord{ID: id(d, i), Vector: vec, Text: "chunk text",
						Metadata: map[string]any{"title": "a title", "url": "file://x"}}
				}
				doc := &anythingllm.WorkspaceDocument{DocID: fmt.Sprint(d), Docpath: fmt.Sprintf("f/%d.json", d), WorkspaceID: ws.ID, Metadata: "{}"}
				if err := s.Documents().Add(ctx, doc, vs); err != nil {
					b.Fatal(err)
				}
			}
			var refs []anythingllm.VectorRef
			for i := range 10 {
				d := i * 197
				refs = append(refs, anythingllm.VectorRef{ID: id(d, i), DocID: fmt.Sprint(d)})
			}
			r := s.Documents().(anythingllm.VectorPayloadReader)
			b.ResetTimer()
			for range b.N {
				got, err := r.VectorPayloads(ctx, "w", refs)
				if err != nil || len(got) != 10 {
					b.Fatal(err, len(got))
				}
			}
		})
	}
}
