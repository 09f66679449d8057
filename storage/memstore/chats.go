package memstore

import (
	"context"
	"slices"

	"github.com/anythingllm-go/anythingllm/anythingllm"
)

type chats struct{ s *Store }

func (c chats) Create(ctx context.Context, ch *anythingllm.Chat) error {
	return c.s.do(func(st *state) error {
		if _, ok := st.workspaces[ch.WorkspaceID]; !ok {
			return notFound("workspace")
		}
		if ch.ThreadID != nil {
			if _, ok := st.threads[*ch.ThreadID]; !ok {
				return notFound("thread")
			}
		}
		ch.ID = st.nextID()
		st.chats[ch.ID] = *ch
		return nil
	})
}

func (c chats) Get(ctx context.Context, id int64) (*anythingllm.Chat, error) {
	var out anythingllm.Chat
	err := c.s.do(func(st *state) error {
		v, ok := st.chats[id]
		if !ok {
			return notFound("chat")
		}
		out = v
		return nil
	})
	return &out, err
}

func (c chats) List(ctx context.Context, f *anythingllm.ChatFilter) ([]anythingllm.Chat, error) {
	var out []anythingllm.Chat
	err := c.s.do(func(st *state) error {
		out = sortedByID(st.chats, func(v anythingllm.Chat) bool { return f.Matches(&v) })
		return nil
	})
	if f != nil {
		if f.Newest {
			slices.Reverse(out)
		}
		if f.Offset > 0 {
			out = out[min(f.Offset, len(out)):]
		}
		if f.Limit > 0 && len(out) > f.Limit {
			out = out[:f.Limit]
		}
	}
	return out, err
}

func (c chats) Count(ctx context.Context, f *anythingllm.ChatFilter) (int, error) {
	n := 0
	err := c.s.do(func(st *state) error {
		for _, v := range st.chats {
			if f.Matches(&v) {
				n++
			}
		}
		return nil
	})
	return n, err
}

func (c chats) Update(ctx context.Context, ch *anythingllm.Chat) error {
	return c.s.do(func(st *state) error {
		if _, ok := st.chats[ch.ID]; !ok {
			return notFound("chat")
		}
		st.chats[ch.ID] = *ch
		return nil
	})
}

func (c chats) SetInclude(ctx context.Context, f *anythingllm.ChatFilter, include bool) (int, error) {
	n := 0
	err := c.s.do(func(st *state) error {
		for id, v := range st.chats {
			if f.Matches(&v) {
				v.Include = include
				st.chats[id] = v
				n++
			}
		}
		return nil
	})
	return n, err
}

func (c chats) Delete(ctx context.Context, f *anythingllm.ChatFilter) (int, error) {
	if f.Empty() {
		return 0, anythingllm.Errorf(anythingllm.InvalidArgument, "refusing to delete chats with an empty filter")
	}
	n := 0
	err := c.s.do(func(st *state) error {
		for id, v := range st.chats {
			if f.Matches(&v) {
				delete(st.chats, id)
				n++
			}
		}
		return nil
	})
	return n, err
}
