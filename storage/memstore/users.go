package memstore

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/anythingllm-go/anythingllm/anythingllm"
)

type users struct{ s *Store }

func (u users) Create(ctx context.Context, usr *anythingllm.User) error {
	return u.s.do(func(st *state) error {
		for _, o := range st.users {
			if o.Username == usr.Username {
				return exists(fmt.Sprintf("username %q", usr.Username))
			}
		}
		usr.ID = st.nextID()
		st.users[usr.ID] = *usr
		return nil
	})
}

func (u users) Get(ctx context.Context, id int64) (*anythingllm.User, error) {
	var out anythingllm.User
	err := u.s.do(func(st *state) error {
		v, ok := st.users[id]
		if !ok {
			return notFound("user")
		}
		out = v
		return nil
	})
	return &out, err
}

func (u users) GetByUsername(ctx context.Context, username string) (*anythingllm.User, error) {
	var out anythingllm.User
	err := u.s.do(func(st *state) error {
		for _, v := range st.users {
			if v.Username == username {
				out = v
				return nil
			}
		}
		return notFound("user")
	})
	return &out, err
}

func (u users) List(ctx context.Context) ([]anythingllm.User, error) {
	var out []anythingllm.User
	err := u.s.do(func(st *state) error { out = sortedByID(st.users, nil); return nil })
	return out, err
}

func (u users) Update(ctx context.Context, usr *anythingllm.User) error {
	return u.s.do(func(st *state) error {
		if _, ok := st.users[usr.ID]; !ok {
			return notFound("user")
		}
		for id, o := range st.users {
			if id != usr.ID && o.Username == usr.Username {
				return exists(fmt.Sprintf("username %q", usr.Username))
			}
		}
		st.users[usr.ID] = *usr
		return nil
	})
}

func (u users) Delete(ctx context.Context, id int64) error {
	return u.s.do(func(st *state) error {
		if _, ok := st.users[id]; !ok {
			return notFound("user")
		}
		delete(st.users, id)
		st.members = slices.DeleteFunc(st.members, func(m member) bool { return m.userID == id })
		for tid, t := range st.threads {
			if t.UserID != nil && *t.UserID == id {
				delete(st.threads, tid)
			}
		}
		return nil
	})
}

func (u users) WorkspaceUsers(ctx context.Context, workspaceID int64) ([]anythingllm.WorkspaceUser, error) {
	var out []anythingllm.WorkspaceUser
	err := u.s.do(func(st *state) error {
		for _, m := range st.members {
			if m.workspaceID != workspaceID {
				continue
			}
			usr, ok := st.users[m.userID]
			if !ok {
				continue
			}
			out = append(out, anythingllm.WorkspaceUser{UserID: usr.ID, Username: usr.Username, Role: usr.Role, LastUpdatedAt: m.updated})
		}
		slices.SortFunc(out, func(a, b anythingllm.WorkspaceUser) int { return cmp.Compare(a.UserID, b.UserID) })
		return nil
	})
	return out, err
}

func (u users) SetWorkspaceUsers(ctx context.Context, workspaceID int64, userIDs []int64) error {
	return u.s.do(func(st *state) error {
		if _, ok := st.workspaces[workspaceID]; !ok {
			return notFound("workspace")
		}
		st.members = slices.DeleteFunc(st.members, func(m member) bool { return m.workspaceID == workspaceID })
		return addMembers(st, workspaceID, userIDs)
	})
}

func (u users) AddWorkspaceUsers(ctx context.Context, workspaceID int64, userIDs []int64) error {
	return u.s.do(func(st *state) error {
		if _, ok := st.workspaces[workspaceID]; !ok {
			return notFound("workspace")
		}
		return addMembers(st, workspaceID, userIDs)
	})
}

func addMembers(st *state, workspaceID int64, userIDs []int64) error {
	for _, id := range userIDs {
		if _, ok := st.users[id]; !ok {
			return notFound(fmt.Sprintf("user %d", id))
		}
	}
	now := time.Now().UTC().Truncate(time.Millisecond)
	for _, id := range userIDs {
		if !slices.ContainsFunc(st.members, func(m member) bool { return m.workspaceID == workspaceID && m.userID == id }) {
			st.members = append(st.members, member{userID: id, workspaceID: workspaceID, updated: now})
		}
	}
	return nil
}

func (u users) UserWorkspaceIDs(ctx context.Context, userID int64) ([]int64, error) {
	var out []int64
	err := u.s.do(func(st *state) error {
		for _, m := range st.members {
			if m.userID == userID {
				out = append(out, m.workspaceID)
			}
		}
		slices.Sort(out)
		return nil
	})
	return out, err
}
