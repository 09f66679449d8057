package anythingllm

import "context"

// WorkspaceMembers lists a workspace's members by workspace id; an unknown
// id lists none.
func (a *App) WorkspaceMembers(ctx context.Context, workspaceID int64) ([]WorkspaceUser, error) {
	if err := a.requireMultiUser(ctx); err != nil {
		return nil, err
	}
	us, err := a.deps.Store.Users().WorkspaceUsers(ctx, workspaceID)
	if us == nil && err == nil {
		us = []WorkspaceUser{}
	}
	return us, err
}

// knownUsers keeps the ids that name users.
func (a *App) knownUsers(ctx context.Context, st Store, ids []int64) ([]int64, error) {
	var out []int64
	for _, id := range ids {
		if _, err := st.Users().Get(ctx, id); err == nil {
			out = append(out, id)
		} else if Code(err) != NotFound {
			return nil, err
		}
	}
	return out, nil
}

// SetWorkspaceMembers replaces a workspace's members (by workspace id).
// Unknown user ids are ignored.
func (a *App) SetWorkspaceMembers(ctx context.Context, workspaceID int64, userIDs []int64) error {
	if err := a.requireMultiUser(ctx); err != nil {
		return err
	}
	return a.deps.Store.InTx(ctx, func(tx Store) error {
		ids, err := a.knownUsers(ctx, tx, userIDs)
		if err != nil {
			return err
		}
		return tx.Users().SetWorkspaceUsers(ctx, workspaceID, ids)
	})
}

// ManageWorkspaceMembers adds users to a workspace by slug, or with reset
// replaces its members. It fails when no id names a user.
func (a *App) ManageWorkspaceMembers(ctx context.Context, slug string, userIDs []int64, reset bool) ([]WorkspaceUser, error) {
	if err := a.requireMultiUser(ctx); err != nil {
		return nil, err
	}
	w, err := a.workspace(ctx, slug)
	if err != nil {
		return nil, err
	}
	err = a.deps.Store.InTx(ctx, func(tx Store) error {
		ids, err := a.knownUsers(ctx, tx, userIDs)
		if err != nil {
			return err
		}
		if len(ids) == 0 {
			return Errorf(NotFound, "No valid user IDs provided.")
		}
		if reset {
			return tx.Users().SetWorkspaceUsers(ctx, w.ID, ids)
		}
		return tx.Users().AddWorkspaceUsers(ctx, w.ID, ids)
	})
	if err != nil {
		return nil, err
	}
	return a.WorkspaceMembers(ctx, w.ID)
}

// AdminChats pages every chat, newest first, 20 per page.
func (a *App) AdminChats(ctx context.Context, page int) ([]Chat, bool, error) {
	if page < 0 {
		page = 0
	}
	const size = 20
	chats, err := a.deps.Store.Chats().List(ctx, &ChatFilter{Newest: true, Limit: size, Offset: page * size})
	if err != nil {
		return nil, false, err
	}
	total, err := a.deps.Store.Chats().Count(ctx, nil)
	if err != nil {
		return nil, false, err
	}
	if chats == nil {
		chats = []Chat{}
	}
	return chats, total > (page+1)*size, nil
}
