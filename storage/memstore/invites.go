package memstore

import (
	"context"

	"github.com/anythingllm-go/anythingllm/anythingllm"
)

type invites struct{ s *Store }

func (i invites) Create(ctx context.Context, inv *anythingllm.Invite) error {
	return i.s.do(func(st *state) error {
		for _, o := range st.invites {
			if o.Code == inv.Code {
				return exists("invite code")
			}
		}
		inv.ID = st.nextID()
		st.invites[inv.ID] = *inv
		return nil
	})
}

func (i invites) Get(ctx context.Context, id int64) (*anythingllm.Invite, error) {
	var out anythingllm.Invite
	err := i.s.do(func(st *state) error {
		v, ok := st.invites[id]
		if !ok {
			return notFound("invite")
		}
		out = v
		return nil
	})
	return &out, err
}

func (i invites) GetByCode(ctx context.Context, code string) (*anythingllm.Invite, error) {
	var out anythingllm.Invite
	err := i.s.do(func(st *state) error {
		for _, v := range st.invites {
			if v.Code == code {
				out = v
				return nil
			}
		}
		return notFound("invite")
	})
	return &out, err
}

func (i invites) List(ctx context.Context) ([]anythingllm.Invite, error) {
	var out []anythingllm.Invite
	err := i.s.do(func(st *state) error { out = sortedByID(st.invites, nil); return nil })
	return out, err
}

func (i invites) Update(ctx context.Context, inv *anythingllm.Invite) error {
	return i.s.do(func(st *state) error {
		if _, ok := st.invites[inv.ID]; !ok {
			return notFound("invite")
		}
		for id, o := range st.invites {
			if id != inv.ID && o.Code == inv.Code {
				return exists("invite code")
			}
		}
		st.invites[inv.ID] = *inv
		return nil
	})
}
