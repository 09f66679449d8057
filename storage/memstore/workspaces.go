package memstore

import (
	"context"
	"fmt"
	"slices"

	"github.com/anythingllm-go/anythingllm/anythingllm"
)

type workspaces struct{ s *Store }

func (w workspaces) Create(ctx context.Context, ws *anythingllm.Workspace) error {
	return w.s.do(func(st *state) error {
		for _, o := range st.workspaces {
			if o.Slug == ws.Slug {
				return exists(fmt.Sprintf("workspace slug %q", ws.Slug))
			}
		}
		ws.ID = st.nextID()
		st.workspaces[ws.ID] = *ws
		return nil
	})
}

func (w workspaces) Get(ctx context.Context, id int64) (*anythingllm.Workspace, error) {
	var out anythingllm.Workspace
	err := w.s.do(func(st *state) error {
		v, ok := st.workspaces[id]
		if !ok {
			return notFound("workspace")
		}
		out = v
		return nil
	})
	return &out, err
}

func (w workspaces) GetBySlug(ctx context.Context, slug string) (*anythingllm.Workspace, error) {
	var out anythingllm.Workspace
	err := w.s.do(func(st *state) error {
		for _, v := range st.workspaces {
			if v.Slug == slug {
				out = v
				return nil
			}
		}
		return notFound("workspace")
	})
	return &out, err
}

func (w workspaces) List(ctx context.Context) ([]anythingllm.Workspace, error) {
	var out []anythingllm.Workspace
	err := w.s.do(func(st *state) error { out = sortedByID(st.workspaces, nil); return nil })
	return out, err
}

func (w workspaces) Update(ctx context.Context, ws *anythingllm.Workspace) error {
	return w.s.do(func(st *state) error {
		if _, ok := st.workspaces[ws.ID]; !ok {
			return notFound("workspace")
		}
		for id, o := range st.workspaces {
			if id != ws.ID && o.Slug == ws.Slug {
				return exists(fmt.Sprintf("workspace slug %q", ws.Slug))
			}
		}
		st.workspaces[ws.ID] = *ws
		return nil
	})
}

func (w workspaces) Delete(ctx context.Context, id int64) error {
	return w.s.do(func(st *state) error {
		ws, ok := st.workspaces[id]
		if !ok {
			return notFound("workspace")
		}
		delete(st.workspaces, id)
		st.appendChange(anythingllm.VectorDropNamespace, ws.Slug, "")
		for tid, t := range st.threads {
			if t.WorkspaceID == id {
				delete(st.threads, tid)
			}
		}
		for cid, c := range st.chats {
			if c.WorkspaceID == id {
				delete(st.chats, cid)
			}
		}
		for did, d := range st.docs {
			if d.WorkspaceID == id {
				delete(st.docs, did)
			}
		}
		st.vectors = slices.DeleteFunc(st.vectors, func(v vecRow) bool { return v.workspaceID == id })
		st.members = slices.DeleteFunc(st.members, func(m member) bool { return m.workspaceID == id })
		return nil
	})
}
