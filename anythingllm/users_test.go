package anythingllm_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/anythingllm-go/anythingllm/anythingllm"
	"github.com/anythingllm-go/anythingllm/storage/memstore"
)

// multiUserApp is an App on a memory store with multi-user mode on and
// one admin, "root".
func multiUserApp(t *testing.T) (*anythingllm.App, *anythingllm.User) {
	t.Helper()
	app, err := anythingllm.New(anythingllm.Deps{Store: memstore.New()}, nil)
	if err != nil {
		t.Fatal(err)
	}
	admin, err := app.EnableMultiUser(context.Background(), "root", "root-password")
	if err != nil {
		t.Fatal(err)
	}
	return app, admin
}

func TestSingleUserModeRefusesUserMethods(t *testing.T) {
	ctx := context.Background()
	app, _ := anythingllm.New(anythingllm.Deps{Store: memstore.New()}, nil)
	if on, err := app.MultiUserMode(ctx); err != nil || on {
		t.Fatalf("fresh instance: multi-user %v %v", on, err)
	}
	_, errList := app.ListUsers(ctx)
	_, errCreate := app.CreateUser(ctx, &anythingllm.NewUserRequest{Username: "sam", Password: "longenough"})
	_, errInvite := app.NewInvite(ctx, nil)
	errMembers := app.SetWorkspaceMembers(ctx, 1, nil)
	errPrefs := app.UpdatePreferences(ctx, map[string]string{"support_email": "a@b"})
	for i, err := range []error{errList, errCreate, errInvite, errMembers, errPrefs} {
		if !errors.Is(err, anythingllm.ErrNotMultiUser) {
			t.Errorf("call %d: %v, want ErrNotMultiUser", i, err)
		}
	}
	if _, _, err := app.AdminChats(ctx, 0); err != nil {
		t.Fatalf("the admin chat log must work in single-user mode: %v", err)
	}
}

func TestEnableMultiUserOnce(t *testing.T) {
	ctx := context.Background()
	app, admin := multiUserApp(t)
	if admin.Role != anythingllm.RoleAdmin || admin.ID == 0 {
		t.Fatalf("first admin = %+v", admin)
	}
	if cost, err := bcrypt.Cost([]byte(admin.PasswordHash)); err != nil || cost != 10 {
		t.Fatalf("bcrypt cost = %d %v, want 10", cost, err)
	}
	if bcrypt.CompareHashAndPassword([]byte(admin.PasswordHash), []byte("root-password")) != nil {
		t.Fatal("the hash does not match the password")
	}
	if _, err := app.EnableMultiUser(ctx, "other", "other-password"); anythingllm.Code(err) != anythingllm.FailedPrecondition {
		t.Fatalf("enabling twice: %v", err)
	}
	if users, _ := app.ListUsers(ctx); len(users) != 1 {
		t.Fatalf("a failed enable left a user: %+v", users)
	}
	// A bad first admin leaves the mode off.
	app2, _ := anythingllm.New(anythingllm.Deps{Store: memstore.New()}, nil)
	if _, err := app2.EnableMultiUser(ctx, "Root", "root-password"); anythingllm.Code(err) != anythingllm.InvalidArgument {
		t.Fatalf("bad username: %v", err)
	}
	if on, _ := app2.MultiUserMode(ctx); on {
		t.Fatal("multi-user mode on after a refused admin")
	}
}

func TestUsernameAndPasswordRules(t *testing.T) {
	ctx := context.Background()
	app, _ := multiUserApp(t)
	cases := []struct {
		user, pass, role, want string
	}{
		{"ok.name_1-x@y", "longenough", "", ""},
		{"m2", "longenough", "manager", ""},
		{"a", "longenough", "", "at least 2 characters"},
		{strings.Repeat("a", 65), "longenough", "", "longer than 64"},
		{"1abc", "longenough", "", "must start with a lowercase letter"},
		{"Abc", "longenough", "", "must start with a lowercase letter"},
		{"ab cd", "longenough", "", "must start with a lowercase letter"},
		{"ab/cd", "longenough", "", "must start with a lowercase letter"},
		{"okay", "short", "", "at least 8 characters"},
		{"okay", "", "", "at least 8 characters"},
		{"okay", strings.Repeat("x", 251), "", "not be longer than 250"},
		{"okay", "longenough", "root", "Invalid role"},
		{"Bad Name", "short", "", "at least 8 characters"}, // the password is checked first, as upstream
		{"root", "longenough", "", "A user with that username already exists"},
	}
	for _, c := range cases {
		u, err := app.CreateUser(ctx, &anythingllm.NewUserRequest{Username: c.user, Password: c.pass, Role: c.role})
		switch {
		case c.want == "" && err != nil:
			t.Errorf("%q: %v", c.user, err)
		case c.want != "" && (err == nil || !strings.Contains(anythingllm.ErrorMessage(err), c.want)):
			t.Errorf("%q/%q: %v, want %q", c.user, c.pass, err, c.want)
		case c.want == "" && c.role == "" && u.Role != anythingllm.RoleDefault:
			t.Errorf("%q: default role %q", c.user, u.Role)
		}
	}
	// 73-250 byte passwords are accepted (bcrypt reads the first 72).
	u, err := app.CreateUser(ctx, &anythingllm.NewUserRequest{Username: "longpass", Password: strings.Repeat("z", 200)})
	if err != nil || bcrypt.CompareHashAndPassword([]byte(u.PasswordHash), []byte(strings.Repeat("z", 72))) != nil {
		t.Fatalf("long password: %v", err)
	}
}

func TestUpdateUserFields(t *testing.T) {
	ctx := context.Background()
	app, _ := multiUserApp(t)
	sam, err := app.CreateUser(ctx, &anythingllm.NewUserRequest{Username: "sam", Password: "longenough"})
	if err != nil {
		t.Fatal(err)
	}
	get := func() *anythingllm.User {
		u, err := app.Store().Users().Get(ctx, sam.ID)
		if err != nil {
			t.Fatal(err)
		}
		return u
	}
	// An update that sets nothing is refused.
	if err := app.UpdateUser(ctx, sam.ID, &anythingllm.UserUpdate{}); anythingllm.Code(err) != anythingllm.InvalidArgument {
		t.Fatalf("no fields: %v", err)
	}
	if u := get(); u.Role != anythingllm.RoleDefault || u.Suspended != 0 || u.PasswordHash != sam.PasswordHash {
		t.Fatalf("unknown keys changed the user: %+v", u)
	}
	if err := app.UpdateUser(ctx, sam.ID, &anythingllm.UserUpdate{Suspended: new(true), Bio: new("hello"), DailyMessageLimit: new(5)}); err != nil {
		t.Fatal(err)
	}
	if u := get(); u.Suspended != 1 || u.Bio != "hello" || u.DailyMessageLimit == nil || *u.DailyMessageLimit != 5 || u.Role != anythingllm.RoleDefault {
		t.Fatalf("after update: %+v", u)
	}
	if err := app.UpdateUser(ctx, sam.ID, &anythingllm.UserUpdate{Suspended: new(false), NoDailyMessageLimit: true}); err != nil {
		t.Fatal(err)
	}
	if u := get(); u.Suspended != 0 || u.DailyMessageLimit != nil {
		t.Fatalf("unsuspend: %+v", u)
	}
	for _, c := range []struct {
		in   anythingllm.UserUpdate
		want string
	}{
		{anythingllm.UserUpdate{DailyMessageLimit: new(0)}, "Daily message limit"},
		{anythingllm.UserUpdate{Bio: new(strings.Repeat("b", 1001))}, "Bio cannot be longer"},
		{anythingllm.UserUpdate{Role: new("superuser")}, "Invalid role"},
		{anythingllm.UserUpdate{Username: new("Root")}, "must start with a lowercase letter"},
		{anythingllm.UserUpdate{Username: new("root")}, "already exists"},
		{anythingllm.UserUpdate{Password: new("short")}, "at least 8 characters"},
		{anythingllm.UserUpdate{Username: new("new-name"), Password: new("short")}, "at least 8 characters"},
	} {
		if err := app.UpdateUser(ctx, sam.ID, &c.in); err == nil || !strings.Contains(anythingllm.ErrorMessage(err), c.want) {
			t.Errorf("%+v: %v, want %q", c.in, err, c.want)
		}
	}
	if u := get(); u.Username != "sam" {
		t.Fatalf("a refused update was partly applied: %+v", u)
	}
	// Sending the current username is a no-op.
	if err := app.UpdateUser(ctx, sam.ID, &anythingllm.UserUpdate{Username: new("sam"), Password: new("new-password")}); err != nil {
		t.Fatal(err)
	}
	if bcrypt.CompareHashAndPassword([]byte(get().PasswordHash), []byte("new-password")) != nil {
		t.Fatal("the password was not changed")
	}
	if err := app.UpdateUser(ctx, 9999, &anythingllm.UserUpdate{Bio: new("x")}); anythingllm.Code(err) != anythingllm.NotFound {
		t.Fatalf("unknown user: %v", err)
	}
}

func TestLastAdminIsProtected(t *testing.T) {
	ctx := context.Background()
	app, root := multiUserApp(t)
	for _, in := range []anythingllm.UserUpdate{{Role: new("default")}, {Role: new("manager")}, {Suspended: new(true)}} {
		if err := app.UpdateUser(ctx, root.ID, &in); anythingllm.Code(err) != anythingllm.FailedPrecondition {
			t.Errorf("%+v on the last admin: %v", in, err)
		}
	}
	if err := app.DeleteUser(ctx, root.ID); anythingllm.Code(err) != anythingllm.FailedPrecondition {
		t.Fatalf("deleting the last admin: %v", err)
	}
	// With a second admin, one may go; a suspended admin does not count.
	second, err := app.CreateUser(ctx, &anythingllm.NewUserRequest{Username: "second", Password: "longenough", Role: "admin"})
	if err != nil {
		t.Fatal(err)
	}
	if err := app.UpdateUser(ctx, second.ID, &anythingllm.UserUpdate{Suspended: new(true)}); err != nil {
		t.Fatal(err)
	}
	if err := app.DeleteUser(ctx, root.ID); anythingllm.Code(err) != anythingllm.FailedPrecondition {
		t.Fatalf("deleting the only active admin: %v", err)
	}
	if err := app.UpdateUser(ctx, second.ID, &anythingllm.UserUpdate{Suspended: new(false)}); err != nil {
		t.Fatal(err)
	}
	if err := app.DeleteUser(ctx, root.ID); err != nil {
		t.Fatalf("deleting one of two admins: %v", err)
	}
	if err := app.DeleteUser(ctx, root.ID); anythingllm.Code(err) != anythingllm.NotFound {
		t.Fatalf("deleting twice: %v", err)
	}
}

func TestInviteLifecycle(t *testing.T) {
	ctx := context.Background()
	app, _ := multiUserApp(t)
	now := time.Now()
	keep := &anythingllm.Workspace{Name: "Keep", Slug: "keep", CreatedAt: now, LastUpdatedAt: now}
	gone := &anythingllm.Workspace{Name: "Gone", Slug: "gone", CreatedAt: now, LastUpdatedAt: now}
	for _, w := range []*anythingllm.Workspace{keep, gone} {
		if err := app.Store().Workspaces().Create(ctx, w); err != nil {
			t.Fatal(err)
		}
	}
	inv, err := app.NewInvite(ctx, []int64{keep.ID, gone.ID})
	if err != nil {
		t.Fatal(err)
	}
	if !anythingllm.IsAPIKeyFormat(inv.Code) || inv.Status != "pending" || inv.CreatedBy != 0 {
		t.Fatalf("invite = %+v", inv)
	}
	if err := app.Store().Workspaces().Delete(ctx, gone.ID); err != nil {
		t.Fatal(err)
	}
	// A refused claim (bad username) leaves the invite pending.
	if _, err := app.ClaimInvite(ctx, inv.Code, "Bad Name", "longenough"); anythingllm.Code(err) != anythingllm.InvalidArgument {
		t.Fatalf("bad claim: %v", err)
	}
	u, err := app.ClaimInvite(ctx, inv.Code, "newbie", "longenough")
	if err != nil {
		t.Fatal(err)
	}
	if u.Role != anythingllm.RoleDefault {
		t.Fatalf("invitee role %q", u.Role)
	}
	if ids, _ := app.Store().Users().UserWorkspaceIDs(ctx, u.ID); len(ids) != 1 || ids[0] != keep.ID {
		t.Fatalf("invitee workspaces = %v (the deleted one must be skipped)", ids)
	}
	if _, err := app.ClaimInvite(ctx, inv.Code, "again", "longenough"); anythingllm.Code(err) != anythingllm.FailedPrecondition {
		t.Fatalf("second claim: %v", err)
	}
	if _, err := app.ClaimInvite(ctx, "NOPE", "x1", "longenough"); anythingllm.Code(err) != anythingllm.NotFound {
		t.Fatalf("unknown code: %v", err)
	}
	other, _ := app.NewInvite(ctx, nil)
	if err := app.DisableInvite(ctx, other.ID); err != nil {
		t.Fatal(err)
	}
	if err := app.DisableInvite(ctx, other.ID); err != nil {
		t.Fatalf("disabling twice must succeed, as upstream: %v", err)
	}
	if _, err := app.ClaimInvite(ctx, other.Code, "late", "longenough"); anythingllm.Code(err) != anythingllm.FailedPrecondition {
		t.Fatalf("claiming a disabled invite: %v", err)
	}
	list, err := app.ListInvites(ctx)
	if err != nil || len(list) != 2 {
		t.Fatalf("list: %v %+v", err, list)
	}
	if ref, ok := list[0].ClaimedBy.(*anythingllm.InviteUserRef); !ok || ref.Username != "newbie" {
		t.Fatalf("claimedBy = %#v", list[0].ClaimedBy)
	}
	if list[1].ClaimedBy != nil || list[1].CreatedBy != int64(0) || list[1].Status != "disabled" {
		t.Fatalf("second invite = %+v", list[1])
	}
}

func TestWorkspaceMembers(t *testing.T) {
	ctx := context.Background()
	app, root := multiUserApp(t)
	now := time.Now()
	w := &anythingllm.Workspace{Name: "Team", Slug: "team", CreatedAt: now, LastUpdatedAt: now}
	if err := app.Store().Workspaces().Create(ctx, w); err != nil {
		t.Fatal(err)
	}
	ann, _ := app.CreateUser(ctx, &anythingllm.NewUserRequest{Username: "ann", Password: "longenough"})
	bob, _ := app.CreateUser(ctx, &anythingllm.NewUserRequest{Username: "bob", Password: "longenough"})
	us, err := app.ManageWorkspaceMembers(ctx, "team", []int64{ann.ID, 4242}, false)
	if err != nil || len(us) != 1 || us[0].Username != "ann" {
		t.Fatalf("add: %v %+v", err, us)
	}
	if us, _ = app.ManageWorkspaceMembers(ctx, "team", []int64{bob.ID, ann.ID}, false); len(us) != 2 {
		t.Fatalf("add without reset keeps members once: %+v", us)
	}
	if us, _ = app.ManageWorkspaceMembers(ctx, "team", []int64{root.ID}, true); len(us) != 1 || us[0].UserID != root.ID {
		t.Fatalf("reset: %+v", us)
	}
	if _, err := app.ManageWorkspaceMembers(ctx, "team", []int64{4242}, true); anythingllm.Code(err) != anythingllm.NotFound {
		t.Fatalf("no valid ids: %v", err)
	}
	if _, err := app.ManageWorkspaceMembers(ctx, "nope", []int64{ann.ID}, false); anythingllm.Code(err) != anythingllm.NotFound {
		t.Fatalf("unknown slug: %v", err)
	}
	if err := app.SetWorkspaceMembers(ctx, w.ID, []int64{ann.ID, bob.ID, 4242}); err != nil {
		t.Fatal(err)
	}
	if us, _ = app.WorkspaceMembers(ctx, w.ID); len(us) != 2 {
		t.Fatalf("overwrite: %+v", us)
	}
	if err := app.SetWorkspaceMembers(ctx, w.ID, nil); err != nil {
		t.Fatal(err)
	}
	if us, err = app.WorkspaceMembers(ctx, w.ID); err != nil || us == nil || len(us) != 0 {
		t.Fatalf("cleared: %v %#v", err, us)
	}
	if us, err = app.WorkspaceMembers(ctx, 9999); err != nil || len(us) != 0 {
		t.Fatalf("unknown workspace id: %v %+v", err, us)
	}
}
