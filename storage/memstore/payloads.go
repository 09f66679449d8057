package memstore

import (
	"context"
	"maps"

	"github.com/anythingllm-go/anythingllm/anythingllm"
)

var _ anythingllm.VectorPayloadReader = documents{}

// VectorPayloads returns the Text and Metadata of the named chunks of the
// workspace with slug namespace. It scans every stored vector (memstore
// keeps no index by chunk ID), which costs about a millisecond per 100,000.
func (d documents) VectorPayloads(ctx context.Context, namespace string, refs []anythingllm.VectorRef) (map[string]anythingllm.VectorPayload, error) {
	out := map[string]anythingllm.VectorPayload{}
	if len(refs) == 0 {
		return out, nil
	}
	want := make(map[string]string, len(refs)) // chunk ID -> document
	for _, r := range refs {
		want[r.ID] = r.DocID
	}
	err := d.s.do(func(st *state) error {
		var ws int64 = -1
		for id, w := range st.workspaces {
			if w.Slug == namespace {
				ws = id
			}
		}
		for i := range st.vectors {
			r := &st.vectors[i]
			if doc, ok := want[r.rec.ID]; ok && r.workspaceID == ws && doc == r.rec.DocID {
				out[r.rec.ID] = anythingllm.VectorPayload{Text: r.rec.Text, Metadata: maps.Clone(r.rec.Metadata)}
			}
		}
		return nil
	})
	return out, err
}
