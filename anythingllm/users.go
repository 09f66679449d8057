package anythingllm

import (
	"context"
	"regexp"

	"golang.org/x/crypto/bcrypt"
)

// multiUserLabel is the system setting that turns multi-user mode on.
const multiUserLabel = "multi_user_mode"

// ErrNotMultiUser is returned by user and invite methods while the
// instance is in single-user mode.
var ErrNotMultiUser = &Error{Code: FailedPrecondition, Message: "Instance is not in Multi-User mode. Method denied"}

// MultiUserMode reports whether multi-user mode is on. It reads the store
// each time, so a change made by another process (the CLI) is seen at once.
func (a *App) MultiUserMode(ctx context.Context) (bool, error) {
	v, err := a.deps.Store.Settings().Get(ctx, multiUserLabel)
	if Code(err) == NotFound {
		return false, nil
	}
	return v == "true", err
}

func (a *App) requireMultiUser(ctx context.Context) error {
	on, err := a.MultiUserMode(ctx)
	if err != nil {
		return err
	}
	if !on {
		return ErrNotMultiUser
	}
	return nil
}

var usernameRE = regexp.MustCompile(`^[a-z][a-z0-9._@-]*$`)

func validUsername(u string) error {
	switch {
	case len(u) > 64:
		return Errorf(InvalidArgument, "Username cannot be longer than 64 characters")
	case len(u) < 2:
		return Errorf(InvalidArgument, "Username must be at least 2 characters")
	case !usernameRE.MatchString(u):
		return Errorf(InvalidArgument, "Username must start with a lowercase letter and only contain lowercase letters, numbers, underscores, hyphens, and periods")
	}
	return nil
}

func validPassword(p string) error {
	switch {
	case len(p) < 8:
		return Errorf(InvalidArgument, "password should be at least 8 characters long")
	case len(p) > 250:
		return Errorf(InvalidArgument, "password should not be longer than 250 characters")
	}
	return nil
}

func validRole(r string) (Role, error) {
	switch Role(r) {
	case RoleAdmin, RoleManager, RoleDefault:
		return Role(r), nil
	}
	return "", Errorf(InvalidArgument, "Invalid role. Allowed roles are: default, admin, manager")
}

// hashPassword hashes with bcrypt, cost 10, as upstream. bcrypt reads at
// most 72 bytes; like upstream's bcryptjs we hash the first 72 (so hashes
// carried over from an AnythingLLM database stay valid) instead of
// refusing the 73-250 byte passwords the length rule allows.
func hashPassword(p string) (string, error) {
	b := []byte(p)
	if len(b) > 72 {
		b = b[:72]
	}
	h, err := bcrypt.GenerateFromPassword(b, 10)
	if err != nil {
		return "", WrapError(InvalidArgument, err, "password cannot be hashed")
	}
	return string(h), nil
}

// NewUserRequest creates a user. Username and password follow upstream's
// rules: 2-64 characters matching ^[a-z][a-z0-9._@-]*$, and a password of
// 8-250 characters (stored as a bcrypt hash, cost 10).
type NewUserRequest struct {
	Username string
	Password string
	Role     string // default, manager or admin; "" = default
	Bio      string // at most 1,000 characters
	// DailyMessageLimit is nil (no limit) or at least 1.
	DailyMessageLimit *int
}

func (a *App) createUser(ctx context.Context, st Store, req *NewUserRequest) (*User, error) {
	if err := validPassword(req.Password); err != nil {
		return nil, err
	}
	if err := validUsername(req.Username); err != nil {
		return nil, err
	}
	role := RoleDefault
	if req.Role != "" {
		var err error
		if role, err = validRole(req.Role); err != nil {
			return nil, err
		}
	}
	if len(req.Bio) > 1000 {
		return nil, Errorf(InvalidArgument, "Bio cannot be longer than 1,000 characters")
	}
	if req.DailyMessageLimit != nil && *req.DailyMessageLimit < 1 {
		return nil, Errorf(InvalidArgument, "Daily message limit must be null or a number greater than or equal to 1")
	}
	hash, err := hashPassword(req.Password)
	if err != nil {
		return nil, err
	}
	now := a.now()
	u := &User{Username: req.Username, PasswordHash: hash, Role: role, Bio: req.Bio, DailyMessageLimit: req.DailyMessageLimit, CreatedAt: now, LastUpdatedAt: now}
	if err := st.Users().Create(ctx, u); err != nil {
		if Code(err) == AlreadyExists {
			return nil, Errorf(AlreadyExists, "A user with that username already exists")
		}
		return nil, err
	}
	return u, nil
}

// EnableMultiUser creates the first admin and turns multi-user mode on, in
// one transaction. It fails if the mode is already on.
func (a *App) EnableMultiUser(ctx context.Context, username, password string) (*User, error) {
	var admin *User
	err := a.deps.Store.InTx(ctx, func(tx Store) error {
		if v, err := tx.Settings().Get(ctx, multiUserLabel); err == nil && v == "true" {
			return Errorf(FailedPrecondition, "multi-user mode is already enabled")
		}
		var err error
		if admin, err = a.createUser(ctx, tx, &NewUserRequest{Username: username, Password: password, Role: string(RoleAdmin)}); err != nil {
			return err
		}
		return tx.Settings().Set(ctx, multiUserLabel, "true")
	})
	return admin, err
}

// ListUsers lists users (multi-user mode only).
func (a *App) ListUsers(ctx context.Context) ([]User, error) {
	if err := a.requireMultiUser(ctx); err != nil {
		return nil, err
	}
	return a.deps.Store.Users().List(ctx)
}

// CreateUser creates a user (multi-user mode only).
func (a *App) CreateUser(ctx context.Context, req *NewUserRequest) (*User, error) {
	if err := a.requireMultiUser(ctx); err != nil {
		return nil, err
	}
	return a.createUser(ctx, a.deps.Store, req)
}

// UserUpdate are the user fields an admin changes; a nil field is left as
// it is.
type UserUpdate struct {
	Username          *string
	Password          *string
	Role              *string
	Suspended         *bool
	Bio               *string
	DailyMessageLimit *int // at least 1
	// NoDailyMessageLimit removes the limit.
	NoDailyMessageLimit bool
}

// UpdateUser changes a user. The last admin cannot be demoted or suspended.
func (a *App) UpdateUser(ctx context.Context, id int64, in *UserUpdate) error {
	if err := a.requireMultiUser(ctx); err != nil {
		return err
	}
	if in == nil {
		in = &UserUpdate{}
	}
	return a.deps.Store.InTx(ctx, func(tx Store) error {
		u, err := tx.Users().Get(ctx, id)
		if err != nil {
			return Errorf(NotFound, "User not found")
		}
		changed := 0
		if in.Username != nil {
			changed++
			if s := *in.Username; s != u.Username {
				if err := validUsername(s); err != nil {
					return err
				}
				u.Username = s
			}
		}
		if in.Password != nil {
			changed++
			if err := validPassword(*in.Password); err != nil {
				return err
			}
			if u.PasswordHash, err = hashPassword(*in.Password); err != nil {
				return err
			}
		}
		if in.Role != nil {
			changed++
			if u.Role, err = validRole(*in.Role); err != nil {
				return err
			}
		}
		if in.Suspended != nil {
			changed++
			u.Suspended = 0
			if *in.Suspended {
				u.Suspended = 1
			}
		}
		if in.Bio != nil {
			changed++
			if len(*in.Bio) > 1000 {
				return Errorf(InvalidArgument, "Bio cannot be longer than 1,000 characters")
			}
			u.Bio = *in.Bio
		}
		switch {
		case in.NoDailyMessageLimit:
			changed++
			u.DailyMessageLimit = nil
		case in.DailyMessageLimit != nil:
			changed++
			if *in.DailyMessageLimit < 1 {
				return Errorf(InvalidArgument, "Daily message limit must be null or a number greater than or equal to 1")
			}
			v := *in.DailyMessageLimit
			u.DailyMessageLimit = &v
		}
		if changed == 0 {
			return Errorf(InvalidArgument, "No valid updates applied.")
		}
		if u.Role != RoleAdmin || u.Suspended != 0 {
			if err := lastAdminGuard(ctx, tx, u.ID); err != nil {
				return err
			}
		}
		u.LastUpdatedAt = a.now()
		if err := tx.Users().Update(ctx, u); err != nil {
			if Code(err) == AlreadyExists {
				return Errorf(AlreadyExists, "A user with that username already exists")
			}
			return err
		}
		return nil
	})
}

// lastAdminGuard refuses a change that leaves no active admin besides id.
func lastAdminGuard(ctx context.Context, st Store, id int64) error {
	users, err := st.Users().List(ctx)
	if err != nil {
		return err
	}
	wasAdmin := false
	for _, u := range users {
		if u.ID == id {
			wasAdmin = u.Role == RoleAdmin && u.Suspended == 0
			continue
		}
		if u.Role == RoleAdmin && u.Suspended == 0 {
			return nil
		}
	}
	if !wasAdmin {
		return nil
	}
	return Errorf(FailedPrecondition, "No system admins will remain if you do this. Update failed.")
}

// DeleteUser removes a user; the last admin cannot be deleted.
func (a *App) DeleteUser(ctx context.Context, id int64) error {
	if err := a.requireMultiUser(ctx); err != nil {
		return err
	}
	return a.deps.Store.InTx(ctx, func(tx Store) error {
		if _, err := tx.Users().Get(ctx, id); err != nil {
			return Errorf(NotFound, "User not found")
		}
		if err := lastAdminGuard(ctx, tx, id); err != nil {
			return err
		}
		return tx.Users().Delete(ctx, id)
	})
}
