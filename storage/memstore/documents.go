package memstore

import (
	"cmp"
	"context"
	"fmt"
	"slices"

	"github.com/anythingllm-go/anythingllm/anythingllm"
)

type documents struct{ s *Store }

func (d documents) Add(ctx context.Context, doc *anythingllm.WorkspaceDocument, vectors []anythingllm.VectorRecord) error {
	return d.s.do(func(st *state) error {
		if _, ok := st.workspaces[doc.WorkspaceID]; !ok {
			return notFound("workspace")
		}
		for _, o := range st.docs {
			if o.DocID == doc.DocID {
				return exists(fmt.Sprintf("document %q", doc.DocID))
			}
			if o.WorkspaceID == doc.WorkspaceID && o.Docpath == doc.Docpath {
				return exists(fmt.Sprintf("document %q in this workspace", doc.Docpath))
			}
		}
		doc.ID = st.nextID()
		st.docs[doc.ID] = *doc
		for _, v := range vectors {
			v.DocID = doc.DocID
			v.Vector = slices.Clone(v.Vector)
			st.vectors = append(st.vectors, vecRow{seq: st.nextID(), workspaceID: doc.WorkspaceID, rec: v})
		}
		st.appendChange(anythingllm.VectorUpsert, st.workspaces[doc.WorkspaceID].Slug, doc.DocID)
		return nil
	})
}

func (d documents) Get(ctx context.Context, workspaceID int64, docpath string) (*anythingllm.WorkspaceDocument, error) {
	var out anythingllm.WorkspaceDocument
	err := d.s.do(func(st *state) error {
		for _, v := range st.docs {
			if v.WorkspaceID == workspaceID && v.Docpath == docpath {
				out = v
				return nil
			}
		}
		return notFound("document")
	})
	return &out, err
}

func (d documents) ListByWorkspace(ctx context.Context, workspaceID int64) ([]anythingllm.WorkspaceDocument, error) {
	var out []anythingllm.WorkspaceDocument
	err := d.s.do(func(st *state) error {
		out = sortedByID(st.docs, func(v anythingllm.WorkspaceDocument) bool { return v.WorkspaceID == workspaceID })
		return nil
	})
	return out, err
}

func (d documents) ListPinned(ctx context.Context, workspaceID int64) ([]anythingllm.WorkspaceDocument, error) {
	var out []anythingllm.WorkspaceDocument
	err := d.s.do(func(st *state) error {
		out = sortedByID(st.docs, func(v anythingllm.WorkspaceDocument) bool { return v.WorkspaceID == workspaceID && v.Pinned })
		return nil
	})
	return out, err
}

func (d documents) ListByDocpath(ctx context.Context, docpath string) ([]anythingllm.WorkspaceDocument, error) {
	var out []anythingllm.WorkspaceDocument
	err := d.s.do(func(st *state) error {
		out = sortedByID(st.docs, func(v anythingllm.WorkspaceDocument) bool { return v.Docpath == docpath })
		return nil
	})
	return out, err
}

func (d documents) SetPinned(ctx context.Context, workspaceID int64, docpath string, pinned bool) error {
	return d.s.do(func(st *state) error {
		for id, v := range st.docs {
			if v.WorkspaceID == workspaceID && v.Docpath == docpath {
				v.Pinned = pinned
				st.docs[id] = v
				return nil
			}
		}
		return notFound("document")
	})
}

func (d documents) Remove(ctx context.Context, docID string) error {
	return d.s.do(func(st *state) error {
		for id, v := range st.docs {
			if v.DocID == docID {
				delete(st.docs, id)
				st.vectors = slices.DeleteFunc(st.vectors, func(r vecRow) bool { return r.rec.DocID == docID })
				st.appendChange(anythingllm.VectorDeleteDoc, st.workspaces[v.WorkspaceID].Slug, docID)
				return nil
			}
		}
		return notFound("document")
	})
}

func (d documents) Vectors(ctx context.Context, afterSeq int64, limit int) ([]anythingllm.StoredVector, error) {
	var out []anythingllm.StoredVector
	err := d.s.do(func(st *state) error {
		i, _ := slices.BinarySearchFunc(st.vectors, afterSeq+1, func(r vecRow, seq int64) int { return cmp.Compare(r.seq, seq) })
		for ; i < len(st.vectors) && (limit <= 0 || len(out) < limit); i++ {
			r := st.vectors[i]
			rec := r.rec
			rec.Vector = slices.Clone(rec.Vector)
			out = append(out, anythingllm.StoredVector{Seq: r.seq, WorkspaceID: r.workspaceID,
				Namespace: st.workspaces[r.workspaceID].Slug, VectorRecord: rec})
		}
		return nil
	})
	return out, err
}

func (d documents) VectorsByDoc(ctx context.Context, docID string) ([]anythingllm.VectorRecord, error) {
	var out []anythingllm.VectorRecord
	err := d.s.do(func(st *state) error {
		for _, r := range st.vectors {
			if r.rec.DocID == docID {
				rec := r.rec
				rec.Vector = slices.Clone(rec.Vector)
				out = append(out, rec)
			}
		}
		return nil
	})
	return out, err
}

func (d documents) CountVectors(ctx context.Context, workspaceID int64) (int, error) {
	n := 0
	err := d.s.do(func(st *state) error {
		for _, r := range st.vectors {
			if workspaceID == 0 || r.workspaceID == workspaceID {
				n++
			}
		}
		return nil
	})
	return n, err
}
