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

// AdminChat is a chat as the admin chat log shows it: the stored row plus
// the workspace's name and slug and the user's name, as upstream.
type AdminChat struct {
	Chat
	Workspace AdminChatWorkspace `json:"workspace"`
	User      AdminChatUser      `json:"user"`
}

// AdminChatWorkspace names a chat's workspace; a deleted one is
// {"name":"deleted workspace","slug":null}.
type AdminChatWorkspace struct {
	Name string  `json:"name"`
	Slug *string `json:"slug"`
}

// AdminChatUser names a chat's user: "API" for a chat made through the API
// with a session id, "unknown user" for none.
type AdminChatUser struct {
	Username string `json:"username"`
}

// chatNames resolves the workspace and user names of chats, caching the
// look-ups (the admin chat log and the export both need them).
type chatNames struct {
	st    Store
	ws    map[int64]AdminChatWorkspace
	users map[int64]string
}

func newChatNames(st Store) *chatNames {
	return &chatNames{st: st, ws: map[int64]AdminChatWorkspace{}, users: map[int64]string{}}
}

func (n *chatNames) workspace(ctx context.Context, id int64) (AdminChatWorkspace, error) {
	if w, ok := n.ws[id]; ok {
		return w, nil
	}
	w := AdminChatWorkspace{Name: "deleted workspace"}
	got, err := n.st.Workspaces().Get(ctx, id)
	switch {
	case err == nil:
		slug := got.Slug
		w = AdminChatWorkspace{Name: got.Name, Slug: &slug}
	case Code(err) != NotFound:
		return w, err
	}
	n.ws[id] = w
	return w, nil
}

func (n *chatNames) username(ctx context.Context, c *Chat) (string, error) {
	if c.UserID == nil {
		if c.APISessionID != nil {
			return "API", nil
		}
		return "unknown user", nil
	}
	if name, ok := n.users[*c.UserID]; ok {
		return name, nil
	}
	name := "unknown user"
	u, err := n.st.Users().Get(ctx, *c.UserID)
	switch {
	case err == nil:
		name = u.Username
	case Code(err) != NotFound:
		return "", err
	}
	n.users[*c.UserID] = name
	return name, nil
}

// AdminChatsPageSize is the admin chat log's page size, as upstream.
const AdminChatsPageSize = 20

// AdminChats pages every chat of the instance (any workspace, user, thread
// or session), newest first, AdminChatsPageSize per page; more reports
// whether later pages exist. A negative page is page 0. Unlike the other
// admin methods it works in single-user mode too, as upstream.
func (a *App) AdminChats(ctx context.Context, page int) (chats []AdminChat, more bool, err error) {
	if page < 0 {
		page = 0
	}
	const size = AdminChatsPageSize
	if page > 1<<30/size {
		return []AdminChat{}, false, nil // far past any table; avoids overflow
	}
	rows, err := a.deps.Store.Chats().List(ctx, &ChatFilter{Newest: true, Limit: size, Offset: page * size})
	if err != nil {
		return nil, false, err
	}
	total, err := a.deps.Store.Chats().Count(ctx, nil)
	if err != nil {
		return nil, false, err
	}
	names := newChatNames(a.deps.Store)
	chats = make([]AdminChat, len(rows))
	for i := range rows {
		c := AdminChat{Chat: rows[i]}
		if c.Workspace, err = names.workspace(ctx, c.WorkspaceID); err != nil {
			return nil, false, err
		}
		if c.User.Username, err = names.username(ctx, &rows[i]); err != nil {
			return nil, false, err
		}
		chats[i] = c
	}
	return chats, total > (page+1)*size, nil
}
