package memstore

import (
	"context"
	"fmt"

	"github.com/anythingllm-go/anythingllm/anythingllm"
)

type threads struct{ s *Store }

func (t threads) Create(ctx context.Context, th *anythingllm.Thread) error {
	return t.s.do(func(st *state) error {
		if _, ok := st.workspaces[th.WorkspaceID]; !ok {
			return notFound("workspace")
		}
		for _, o := range st.threads {
			if o.Slug == th.Slug {
				return exists(fmt.Sprintf("thread slug %q", th.Slug))
			}
		}
		th.ID = st.nextID()
		st.threads[th.ID] = *th
		return nil
	})
}

func (t threads) Get(ctx context.Context, id int64) (*anythingllm.Thread, error) {
	var out anythingllm.Thread
	err := t.s.do(func(st *state) error {
		v, ok := st.threads[id]
		if !ok {
			return notFound("thread")
		}
		out = v
		return nil
	})
	return &out, err
}

func (t threads) GetBySlug(ctx context.Context, workspaceID int64, slug string) (*anythingllm.Thread, error) {
	var out anythingllm.Thread
	err := t.s.do(func(st *state) error {
		for _, v := range st.threads {
			if v.Slug == slug && v.WorkspaceID == workspaceID {
				out = v
				return nil
			}
		}
		return notFound("thread")
	})
	return &out, err
}

func (t threads) ListByWorkspace(ctx context.Context, workspaceID int64) ([]anythingllm.Thread, error) {
	var out []anythingllm.Thread
	err := t.s.do(func(st *state) error {
		out = sortedByID(st.threads, func(v anythingllm.Thread) bool { return v.WorkspaceID == workspaceID })
		return nil
	})
	return out, err
}

func (t threads) Update(ctx context.Context, th *anythingllm.Thread) error {
	return t.s.do(func(st *state) error {
		if _, ok := st.threads[th.ID]; !ok {
			return notFound("thread")
		}
		for id, o := range st.threads {
			if id != th.ID && o.Slug == th.Slug {
				return exists(fmt.Sprintf("thread slug %q", th.Slug))
			}
		}
		st.threads[th.ID] = *th
		return nil
	})
}

func (t threads) Delete(ctx context.Context, id int64) error {
	return t.s.do(func(st *state) error {
		if _, ok := st.threads[id]; !ok {
			return notFound("thread")
		}
		delete(st.threads, id)
		for cid, c := range st.chats {
			if c.ThreadID != nil && *c.ThreadID == id {
				delete(st.chats, cid)
			}
		}
		return nil
	})
}
