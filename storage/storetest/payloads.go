package storetest

import (
	"fmt"
	"testing"

	"github.com/anythingllm-go/anythingllm/anythingllm"
)

// testVectorPayloads: the stored Text and Metadata of named chunks, only
// those of the namespace and document named, gone with their document.
func testVectorPayloads(t *testing.T, s anythingllm.Store) {
	r, ok := s.Documents().(anythingllm.VectorPayloadReader)
	if !ok {
		t.Skipf("%T does not implement anythingllm.VectorPayloadReader", s.Documents())
	}
	a := mkWorkspace(t, s, "alpha")
	b := mkWorkspace(t, s, "beta")
	mkDoc(t, s, a.ID, "d1", "f/1.json", 3)
	mkDoc(t, s, a.ID, "d2", "f/2.json", 2)
	mkDoc(t, s, b.ID, "d3", "f/3.json", 2)
	ref := func(doc string, i int) anythingllm.VectorRef {
		return anythingllm.VectorRef{ID: fmt.Sprintf("%s-v%d", doc, i), DocID: doc}
	}
	got, err := r.VectorPayloads(ctx, "alpha", []anythingllm.VectorRef{
		ref("d1", 0), ref("d1", 2), ref("d2", 1),
		ref("d3", 0),               // another workspace's
		{ID: "d1-v1", DocID: "d2"}, // the wrong document
		{ID: "nope", DocID: "d1"},
	})
	must(t, err)
	if len(got) != 3 {
		t.Fatalf("got %d payloads, want 3: %v", len(got), got)
	}
	for _, want := range []anythingllm.VectorRef{ref("d1", 0), ref("d1", 2), ref("d2", 1)} {
		p, ok := got[want.ID]
		if !ok {
			t.Fatalf("no payload for %s", want.ID)
		}
		var i int
		_, _ = fmt.Sscanf(want.ID[len(want.DocID)+2:], "%d", &i)
		if wantText := fmt.Sprintf("chunk %d of %s", i, want.DocID); p.Text != wantText {
			t.Errorf("%s: text %q, want %q", want.ID, p.Text, wantText)
		}
		if p.Metadata["title"] != "f/"+want.DocID[1:]+".json" || p.Metadata["n"] != float64(i) {
			t.Errorf("%s: metadata %v", want.ID, p.Metadata)
		}
	}
	got, err = r.VectorPayloads(ctx, "beta", []anythingllm.VectorRef{ref("d3", 1)})
	must(t, err)
	if got["d3-v1"].Text != "chunk 1 of d3" {
		t.Fatalf("beta: %v", got)
	}
	must(t, s.Documents().Remove(ctx, "d1"))
	got, err = r.VectorPayloads(ctx, "alpha", []anythingllm.VectorRef{ref("d1", 0), ref("d2", 0)})
	must(t, err)
	if _, ok := got["d1-v0"]; ok || len(got) != 1 {
		t.Fatalf("after removing d1: %v", got)
	}
	got, err = r.VectorPayloads(ctx, "nowhere", []anythingllm.VectorRef{ref("d2", 0)})
	must(t, err)
	if len(got) != 0 {
		t.Fatalf("unknown namespace: %v", got)
	}
	got, err = r.VectorPayloads(ctx, "alpha", nil)
	if err != nil || len(got) != 0 {
		t.Fatalf("no refs: %v, %v", got, err)
	}
}
