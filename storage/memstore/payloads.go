package memstore

import (
	"context"
	"maps"

	"github.com/anythingllm-go/anythingllm/anythingllm"
)

var _ anythingllm.VectorPayloadReader = documents{}

// VectorPayloads returns the Text and Metadata of the named chunks of the
// workspace with slug namespace. Chunks are found through an index by
// chunk ID that is only a hint: each hit is checked against the row it
// points at, and the index is rebuilt (one scan) when a chunk is not where
// it says, so no write path has to maintain it.
func (d documents) VectorPayloads(ctx context.Context, namespace string, refs []anythingllm.VectorRef) (map[string]anythingllm.VectorPayload, error) {
	out := map[string]anythingllm.VectorPayload{}
	if len(refs) == 0 {
		return out, nil
	}
	err := d.s.do(func(st *state) error {
		var ws int64 = -1
		for id, w := range st.workspaces {
			if w.Slug == namespace {
				ws = id
			}
		}
		find := func(r anythingllm.VectorRef) (*vecRow, bool) {
			i, ok := st.vecPos[r.ID]
			if !ok || i >= len(st.vectors) || st.vectors[i].rec.ID != r.ID {
				return nil, false
			}
			return &st.vectors[i], true
		}
		rebuilt := false
		for _, ref := range refs {
			row, ok := find(ref)
			if !ok && !rebuilt {
				st.vecPos = make(map[string]int, len(st.vectors))
				for i := range st.vectors {
					st.vecPos[st.vectors[i].rec.ID] = i
				}
				rebuilt = true
				row, ok = find(ref)
			}
			if ok && (row.workspaceID != ws || row.rec.DocID != ref.DocID) {
				// The same chunk ID in another workspace: look the slow way.
				ok = false
				for i := range st.vectors {
					if r := &st.vectors[i]; r.rec.ID == ref.ID && r.workspaceID == ws && r.rec.DocID == ref.DocID {
						row, ok = r, true
						break
					}
				}
			}
			if ok {
				out[ref.ID] = anythingllm.VectorPayload{Text: row.rec.Text, Metadata: maps.Clone(row.rec.Metadata)}
			}
		}
		return nil
	})
	return out, err
}
