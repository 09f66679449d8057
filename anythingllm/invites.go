package anythingllm

import (
	"context"
	"encoding/json"
	"strconv"
	"strings"
)

// Invite statuses.
const (
	InvitePending  = "pending"
	InviteClaimed  = "claimed"
	InviteDisabled = "disabled"
)

// InviteUserRef names the user who claimed or created an invite.
type InviteUserRef struct {
	ID       int64  `json:"id"`
	Username string `json:"username"`
}

// InviteListing is an invite as GET /v1/admin/invites shows it: upstream
// replaces a non-zero claimedBy / createdBy with {id, username}; a zero or
// null one, or one naming a deleted user, stays as stored.
type InviteListing struct {
	Invite
	ClaimedBy any `json:"claimedBy" doc:"null, or {id, username}"`
	CreatedBy any `json:"createdBy" doc:"0 when made through the API, or {id, username}"`
}

// NewInvite creates a pending invite for the given workspaces, with a code
// in the API-key format. Multi-user mode only. The workspace ids are kept
// as upstream does, as a JSON array in a string; ids of workspaces that no
// longer exist when the invite is claimed are skipped then.
func (a *App) NewInvite(ctx context.Context, workspaceIDs []int64) (*Invite, error) {
	if err := a.requireMultiUser(ctx); err != nil {
		return nil, err
	}
	ids := make([]string, 0, len(workspaceIDs))
	for _, id := range workspaceIDs {
		if id <= 0 {
			return nil, Errorf(InvalidArgument, "workspace ids must be positive numbers, got %d", id)
		}
		ids = append(ids, strconv.FormatInt(id, 10))
	}
	list := "[" + strings.Join(ids, ",") + "]"
	now := a.now()
	inv := &Invite{Code: NewAPIKeySecret(), Status: InvitePending, WorkspaceIDs: &list, CreatedAt: now, LastUpdatedAt: now}
	if err := a.deps.Store.Invites().Create(ctx, inv); err != nil {
		return nil, err
	}
	return inv, nil
}

// ListInvites lists every invite, whatever its status, with the claiming
// and creating users expanded. Multi-user mode only.
func (a *App) ListInvites(ctx context.Context) ([]InviteListing, error) {
	if err := a.requireMultiUser(ctx); err != nil {
		return nil, err
	}
	list, err := a.deps.Store.Invites().List(ctx)
	if err != nil {
		return nil, err
	}
	names := map[int64]*InviteUserRef{}
	ref := func(id int64) (*InviteUserRef, error) {
		if r, ok := names[id]; ok {
			return r, nil
		}
		u, err := a.deps.Store.Users().Get(ctx, id)
		var r *InviteUserRef
		switch {
		case err == nil:
			r = &InviteUserRef{ID: u.ID, Username: u.Username}
		case Code(err) != NotFound:
			return nil, err
		}
		names[id] = r
		return r, nil
	}
	out := make([]InviteListing, len(list))
	for i, inv := range list {
		l := InviteListing{Invite: inv, CreatedBy: inv.CreatedBy}
		if inv.ClaimedBy != nil {
			l.ClaimedBy = *inv.ClaimedBy
			if *inv.ClaimedBy != 0 {
				r, err := ref(*inv.ClaimedBy)
				if err != nil {
					return nil, err
				}
				if r != nil {
					l.ClaimedBy = r
				}
			}
		}
		if inv.CreatedBy != 0 {
			r, err := ref(inv.CreatedBy)
			if err != nil {
				return nil, err
			}
			if r != nil {
				l.CreatedBy = r
			}
		}
		out[i] = l
	}
	return out, nil
}

// DisableInvite deactivates an invite (a soft delete: it stays listed).
// Disabling a disabled invite succeeds, as upstream. Multi-user mode only.
func (a *App) DisableInvite(ctx context.Context, id int64) error {
	if err := a.requireMultiUser(ctx); err != nil {
		return err
	}
	return a.deps.Store.InTx(ctx, func(tx Store) error {
		inv, err := tx.Invites().Get(ctx, id)
		if Code(err) == NotFound {
			return Errorf(NotFound, "Invite not found or already disabled")
		}
		if err != nil {
			return err
		}
		inv.Status, inv.LastUpdatedAt = InviteDisabled, a.now()
		return tx.Invites().Update(ctx, inv)
	})
}

// ClaimInvite turns a pending invite into a default user who joins the
// invite's workspaces that still exist. A code works once: a claimed or
// disabled invite answers FailedPrecondition. Upstream claims through a UI
// route; this is its library form (tests and custom servers use it).
func (a *App) ClaimInvite(ctx context.Context, code, username, password string) (*User, error) {
	if err := a.requireMultiUser(ctx); err != nil {
		return nil, err
	}
	var u *User
	err := a.deps.Store.InTx(ctx, func(tx Store) error {
		inv, err := tx.Invites().GetByCode(ctx, code)
		if Code(err) == NotFound {
			return Errorf(NotFound, "Invite not found.")
		}
		if err != nil {
			return err
		}
		if inv.Status != InvitePending {
			return Errorf(FailedPrecondition, "Invite is no longer valid.")
		}
		if u, err = a.createUser(ctx, tx, &NewUserRequest{Username: username, Password: password}); err != nil {
			return err
		}
		var ws []int64
		if inv.WorkspaceIDs != nil {
			_ = json.Unmarshal([]byte(*inv.WorkspaceIDs), &ws)
		}
		for _, id := range ws {
			_, err := tx.Workspaces().Get(ctx, id)
			if Code(err) == NotFound {
				continue
			}
			if err != nil {
				return err
			}
			if err := tx.Users().AddWorkspaceUsers(ctx, id, []int64{u.ID}); err != nil {
				return err
			}
		}
		inv.Status, inv.ClaimedBy, inv.LastUpdatedAt = InviteClaimed, &u.ID, a.now()
		return tx.Invites().Update(ctx, inv)
	})
	if err != nil {
		return nil, err
	}
	return u, nil
}
