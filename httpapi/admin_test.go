package httpapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/anythingllm-go/anythingllm/anythingllm"
	"github.com/anythingllm-go/anythingllm/httpapi/httpapitest"
)

func TestAdminRoutesNeedMultiUserMode(t *testing.T) {
	env := httpapitest.New(t, nil)
	var mu map[string]any
	if st := env.DoJSON(t, "GET", "/api/v1/admin/is-multi-user-mode", nil, &mu); st != 200 || mu["isMultiUser"] != false {
		t.Fatalf("is-multi-user-mode: %d %v", st, mu)
	}
	for _, c := range []struct{ method, path string }{
		{"GET", "/api/v1/admin/users"}, {"POST", "/api/v1/admin/users/new"}, {"POST", "/api/v1/admin/users/1"},
		{"DELETE", "/api/v1/admin/users/1"}, {"GET", "/api/v1/admin/invites"}, {"POST", "/api/v1/admin/invite/new"}, {"DELETE", "/api/v1/admin/invite/1"},
	} {
		resp := env.Do(t, c.method, c.path, map[string]any{"username": "x", "password": "longenough"})
		body := httpapitest.Body(t, resp)
		if resp.StatusCode != 401 || !strings.Contains(body, "Instance is not in Multi-User mode") {
			t.Errorf("%s %s: %d %s", c.method, c.path, resp.StatusCode, body)
		}
	}
}

func multiUserEnv(t *testing.T, logs *bytes.Buffer) (*httpapitest.Env, int64) {
	opts := &httpapitest.Options{}
	if logs != nil {
		opts.Logger = slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	env := httpapitest.New(t, opts)
	admin, err := env.App.EnableMultiUser(context.Background(), "root", "correct horse")
	if err != nil {
		t.Fatal(err)
	}
	return env, admin.ID
}

func TestUsersRules(t *testing.T) {
	var logs bytes.Buffer
	env, adminID := multiUserEnv(t, &logs)
	var mu map[string]any
	if env.DoJSON(t, "GET", "/api/v1/admin/is-multi-user-mode", nil, &mu); mu["isMultiUser"] != true {
		t.Fatalf("mode not seen: %v", mu)
	}
	bad := map[string]string{
		`{"username":"Sam","password":"longenough"}`:              "Username must start with a lowercase letter",
		`{"username":"s","password":"longenough"}`:                "at least 2 characters",
		`{"username":"sam","password":"short"}`:                   "at least 8 characters",
		`{"username":"sam","password":"longenough","role":"god"}`: "Invalid role",
		`{"username":"root","password":"longenough"}`:             "A user with that username already exists",
	}
	for body, want := range bad {
		var out map[string]any
		resp := env.Do(t, "POST", "/api/v1/admin/users/new", strings.NewReader(body))
		_ = jsonDecode(resp, &out)
		if resp.StatusCode != 400 || out["user"] != nil || !strings.Contains(fmt.Sprint(out["error"]), want) {
			t.Errorf("%s: %d %v", body, resp.StatusCode, out)
		}
	}
	var created struct{ User map[string]any }
	if st := env.DoJSON(t, "POST", "/api/v1/admin/users/new", map[string]any{"username": "sam", "password": "hunter22", "role": "default"}, &created); st != 200 || created.User["username"] != "sam" {
		t.Fatalf("create: %d %v", st, created)
	}
	samID := int64(created.User["id"].(float64))
	// Case variants and unknown keys change nothing.
	var res map[string]any
	if st := env.DoJSON(t, "POST", fmt.Sprintf("/api/v1/admin/users/%d", samID), map[string]any{"ROLE": "admin", "Role": "admin", "isAdmin": true}, &res); st != 400 || res["success"] != false {
		t.Fatalf("case variants: %d %v", st, res)
	}
	u, _ := env.App.Store().Users().Get(context.Background(), samID)
	if u.Role != anythingllm.RoleDefault {
		t.Fatalf("a case variant changed the role to %s", u.Role)
	}
	// Values of the wrong type are refused and change nothing (upstream
	// suspends on the string "0", which JavaScript finds truthy).
	for body, want := range map[string]string{`{"suspended":"0","bio":"x"}`: "suspended must be 0, 1, true or false",
		`{"username":5}`: "username must be a string", `{"password":true}`: "password must be a string",
		`{"dailyMessageLimit":"ten"}`: "Daily message limit must be null or a number greater than or equal to 1",
		`{"dailyMessageLimit":0.5}`:   "Daily message limit must be null or a number greater than or equal to 1"} {
		if st := env.DoJSON(t, "POST", fmt.Sprintf("/api/v1/admin/users/%d", samID), json.RawMessage(body), &res); st != 400 || res["error"] != want {
			t.Errorf("%s: %d %v, want 400 %q", body, st, res, want)
		}
	}
	if u, _ := env.App.Store().Users().Get(context.Background(), samID); u.Suspended != 0 || u.Bio != "" {
		t.Fatalf("a refused update changed the user: %+v", u)
	}
	if st := env.DoJSON(t, "POST", fmt.Sprintf("/api/v1/admin/users/%d", samID), map[string]any{"suspended": 1, "bio": "hi", "dailyMessageLimit": 3}, &res); st != 200 || res["success"] != true {
		t.Fatalf("suspend: %d %v", st, res)
	}
	if st := env.DoJSON(t, "POST", fmt.Sprintf("/api/v1/admin/users/%d", samID), map[string]any{"dailyMessageLimit": nil}, &res); st != 200 {
		t.Fatalf("remove the limit: %d %v", st, res)
	}
	if u, _ := env.App.Store().Users().Get(context.Background(), samID); u.Suspended != 1 || u.Bio != "hi" || u.DailyMessageLimit != nil {
		t.Fatalf("after the updates: %+v", u)
	}
	// The last admin cannot be demoted, suspended or deleted.
	for _, body := range []map[string]any{{"role": "default"}, {"suspended": 1}} {
		if st := env.DoJSON(t, "POST", fmt.Sprintf("/api/v1/admin/users/%d", adminID), body, &res); st != 409 || !strings.Contains(fmt.Sprint(res["error"]), "No system admins will remain") {
			t.Errorf("last admin %v: %d %v", body, st, res)
		}
	}
	if st := env.DoJSON(t, "DELETE", fmt.Sprintf("/api/v1/admin/users/%d", adminID), nil, &res); st != 409 {
		t.Fatalf("delete last admin: %d %v", st, res)
	}
	if st := env.DoJSON(t, "DELETE", fmt.Sprintf("/api/v1/admin/users/%d", samID), nil, &res); st != 200 {
		t.Fatalf("delete user: %d %v", st, res)
	}
	resp := env.Do(t, "GET", "/api/v1/admin/users", nil)
	body := httpapitest.Body(t, resp)
	if strings.Contains(body, "$2a$") || strings.Contains(body, "password") || !strings.Contains(body, `"username":"root"`) {
		t.Fatalf("users listing: %s", body)
	}
	if strings.Contains(logs.String(), "hunter22") || strings.Contains(logs.String(), "correct horse") {
		t.Fatal("a password reached the log")
	}
}

func TestInvitesWorkOnce(t *testing.T) {
	env, _ := multiUserEnv(t, nil)
	newWorkspace(t, env, map[string]any{"name": "Team"})
	ws, _ := env.App.Store().Workspaces().GetBySlug(context.Background(), "team")
	var out struct{ Invite map[string]any }
	if st := env.DoJSON(t, "POST", "/api/v1/admin/invite/new", map[string]any{"workspace_ids": []int64{ws.ID}}, &out); st != 200 || out.Invite["status"] != "pending" {
		t.Fatalf("invite: %d %v", st, out)
	}
	code := out.Invite["code"].(string)
	if !anythingllm.IsAPIKeyFormat(code) {
		t.Fatalf("invite code %q", code)
	}
	u, err := env.App.ClaimInvite(context.Background(), code, "newbie", "longenough")
	if err != nil {
		t.Fatal(err)
	}
	if ids, _ := env.App.Store().Users().UserWorkspaceIDs(context.Background(), u.ID); len(ids) != 1 || ids[0] != ws.ID {
		t.Fatalf("invitee workspaces = %v", ids)
	}
	if _, err := env.App.ClaimInvite(context.Background(), code, "second", "longenough"); err == nil {
		t.Fatal("an invite code worked twice")
	}
	var list struct{ Invites []map[string]any }
	env.DoJSON(t, "GET", "/api/v1/admin/invites", nil, &list)
	if len(list.Invites) != 1 || list.Invites[0]["status"] != "claimed" {
		t.Fatalf("invites = %v", list)
	}
	id := int64(list.Invites[0]["id"].(float64))
	var res map[string]any
	if st := env.DoJSON(t, "DELETE", fmt.Sprintf("/api/v1/admin/invite/%d", id), nil, &res); st != 200 || res["success"] != true {
		t.Fatalf("disable: %d %v", st, res)
	}
	if st := env.DoJSON(t, "DELETE", "/api/v1/admin/invite/999", nil, &res); st != 404 {
		t.Fatalf("disable unknown: %d", st)
	}
}

func TestWorkspaceMembersAndAdminChats(t *testing.T) {
	env, adminID := multiUserEnv(t, nil)
	newWorkspace(t, env, map[string]any{"name": "Crew"})
	ws, _ := env.App.Store().Workspaces().GetBySlug(context.Background(), "crew")
	var created struct{ User map[string]any }
	env.DoJSON(t, "POST", "/api/v1/admin/users/new", map[string]any{"username": "ann", "password": "longenough"}, &created)
	annID := int64(created.User["id"].(float64))
	var m struct {
		Success bool
		Users   []map[string]any
	}
	if st := env.DoJSON(t, "POST", "/api/v1/admin/workspaces/crew/manage-users", map[string]any{"userIds": []int64{annID, 9999}}, &m); st != 200 || !m.Success || len(m.Users) != 1 {
		t.Fatalf("manage (upstream userIds): %d %+v", st, m)
	}
	if st := env.DoJSON(t, "POST", "/api/v1/admin/workspaces/crew/manage-users", map[string]any{"user_ids": []int64{adminID}, "reset": true}, &m); st != 200 || len(m.Users) != 1 || int64(m.Users[0]["userId"].(float64)) != adminID {
		t.Fatalf("manage with reset (spec user_ids): %d %+v", st, m)
	}
	if st := env.DoJSON(t, "POST", "/api/v1/admin/workspaces/crew/manage-users", map[string]any{"user_ids": []int64{9999}}, &m); st != 404 {
		t.Fatalf("no valid ids: %d", st)
	}
	if st := env.DoJSON(t, "POST", "/api/v1/admin/workspaces/ghost/manage-users", map[string]any{"user_ids": []int64{annID}}, &m); st != 404 {
		t.Fatalf("unknown slug: %d", st)
	}
	var res map[string]any
	if st := env.DoJSON(t, "POST", fmt.Sprintf("/api/v1/admin/workspaces/%d/update-users", ws.ID), map[string]any{"user_ids": []int64{annID, adminID}}, &res); st != 200 {
		t.Fatalf("update-users: %d %v", st, res)
	}
	var list struct{ Users []map[string]any }
	if st := env.DoJSON(t, "GET", fmt.Sprintf("/api/v1/admin/workspaces/%d/users", ws.ID), nil, &list); st != 200 || len(list.Users) != 2 || list.Users[1]["username"] != "ann" {
		t.Fatalf("members: %d %+v", st, list)
	}
	for i := range 25 {
		now := time.Now()
		if err := env.App.Store().Chats().Create(context.Background(), &anythingllm.Chat{WorkspaceID: ws.ID, Prompt: fmt.Sprint(i), Response: "{}", Include: true, CreatedAt: now, LastUpdatedAt: now}); err != nil {
			t.Fatal(err)
		}
	}
	var page struct {
		Chats    []map[string]any
		HasPages bool
	}
	if st := env.DoJSON(t, "POST", "/api/v1/admin/workspace-chats", map[string]any{"offset": 0}, &page); st != 200 || len(page.Chats) != 20 || !page.HasPages || page.Chats[0]["prompt"] != "24" {
		t.Fatalf("page 0: %d %d %v", st, len(page.Chats), page.HasPages)
	}
	if env.DoJSON(t, "POST", "/api/v1/admin/workspace-chats", map[string]any{"offset": 1}, &page); len(page.Chats) != 5 || page.HasPages {
		t.Fatalf("page 1: %d %v", len(page.Chats), page.HasPages)
	}
}

// Creating a user reads only exactly spelled keys: "ROLE" or "Role" do not
// make an admin.
func TestCreateUserIgnoresCaseVariants(t *testing.T) {
	env, _ := multiUserEnv(t, nil)
	for i, body := range []string{
		`{"username":"eve","password":"longenough","ROLE":"admin"}`,
		`{"username":"mallory","password":"longenough","Role":"admin","isAdmin":true}`,
		`{"username":"trent","password":"longenough","role":"default","ROLE":"admin"}`,
	} {
		var out struct{ User map[string]any }
		if st := env.DoJSON(t, "POST", "/api/v1/admin/users/new", strings.NewReader(body), &out); st != 200 || out.User["role"] != "default" {
			t.Errorf("body %d: %d %v", i, st, out)
		}
	}
	var out struct {
		User  map[string]any
		Error string
	}
	if st := env.DoJSON(t, "POST", "/api/v1/admin/users/new", map[string]any{"username": "lim", "password": "longenough", "dailyMessageLimit": 0}, &out); st != 400 || out.User != nil || !strings.Contains(out.Error, "Daily message limit") {
		t.Fatalf("daily limit 0: %d %+v", st, out)
	}
	// A long password (bcrypt reads 72 bytes) is accepted up to 250 characters.
	if st := env.DoJSON(t, "POST", "/api/v1/admin/users/new", map[string]any{"username": "long", "password": strings.Repeat("p", 250), "role": "manager"}, &out); st != 200 || out.User["role"] != "manager" {
		t.Fatalf("250-char password: %d %+v", st, out)
	}
	if st := env.DoJSON(t, "POST", "/api/v1/admin/users/new", map[string]any{"username": "longer", "password": strings.Repeat("p", 251)}, &out); st != 400 || !strings.Contains(out.Error, "not be longer than 250") {
		t.Fatalf("251-char password: %d %+v", st, out)
	}
	var res struct {
		Success bool
		Error   string
	}
	if st := env.DoJSON(t, "POST", "/api/v1/admin/users/4242", map[string]any{"role": "admin"}, &res); st != 404 || res.Success || res.Error != "User not found" {
		t.Fatalf("update unknown user: %d %+v", st, res)
	}
	if st := env.DoJSON(t, "DELETE", "/api/v1/admin/users/4242", nil, &res); st != 404 || res.Error != "User not found" {
		t.Fatalf("delete unknown user: %d %+v", st, res)
	}
	if st := env.DoJSON(t, "DELETE", "/api/v1/admin/users/abc", nil, &res); st != 400 || res.Success {
		t.Fatalf("delete non-numeric id: %d %+v", st, res)
	}
}

func TestInviteListingExpandsUsers(t *testing.T) {
	env, _ := multiUserEnv(t, nil)
	var out struct{ Invite map[string]any }
	// Upstream's workspaceIds name works as the spec's workspace_ids.
	if st := env.DoJSON(t, "POST", "/api/v1/admin/invite/new", map[string]any{"workspaceIds": []int64{7, 8}}, &out); st != 200 || out.Invite["workspaceIds"] != "[7,8]" {
		t.Fatalf("invite: %d %v", st, out)
	}
	code := out.Invite["code"].(string)
	if st := env.DoJSON(t, "POST", "/api/v1/admin/invite/new", map[string]any{"workspace_ids": []int64{-1}}, nil); st != 400 {
		t.Fatalf("negative workspace id: %d", st)
	}
	if _, err := env.App.ClaimInvite(context.Background(), code, "joiner", "longenough"); err != nil {
		t.Fatal(err)
	}
	if st := env.DoJSON(t, "POST", "/api/v1/admin/invite/new", nil, &out); st != 200 || out.Invite["workspaceIds"] != "[]" {
		t.Fatalf("invite without a body: %d %v", st, out)
	}
	resp := env.Do(t, "GET", "/api/v1/admin/invites", nil)
	body := httpapitest.Body(t, resp)
	if !strings.Contains(body, `"username":"joiner"}`) || !strings.Contains(body, `"claimedBy":null`) || !strings.Contains(body, `"createdBy":0`) {
		t.Fatalf("invites listing: %s", body)
	}
	if strings.Contains(body, "$2a$") {
		t.Fatal("a password hash in the invites listing")
	}
}

func TestAdminChatsShapeAndSingleUserMode(t *testing.T) {
	env := httpapitest.New(t, nil) // single-user: the chat log works anyway, as upstream
	newWorkspace(t, env, map[string]any{"name": "Log"})
	ws, _ := env.App.Store().Workspaces().GetBySlug(context.Background(), "log")
	now := time.Now()
	sess := "s1"
	for _, c := range []anythingllm.Chat{
		{WorkspaceID: ws.ID, Prompt: "api", Response: `{"text":"a"}`, APISessionID: &sess},
		{WorkspaceID: ws.ID, Prompt: "anon", Response: `{"text":"b"}`},
	} {
		c.Include, c.CreatedAt, c.LastUpdatedAt = true, now, now
		if err := env.App.Store().Chats().Create(context.Background(), &c); err != nil {
			t.Fatal(err)
		}
	}
	var page struct {
		Chats []struct {
			Prompt    string
			Workspace struct {
				Name string
				Slug *string
			}
			User struct{ Username string }
		}
		HasPages  bool  `json:"hasPages"`
		HasPages2 *bool `json:"has_pages"`
	}
	if st := env.DoJSON(t, "POST", "/api/v1/admin/workspace-chats", nil, &page); st != 200 || len(page.Chats) != 2 || page.HasPages2 == nil || *page.HasPages2 {
		t.Fatalf("chats: %d %+v", st, page)
	}
	got := map[string]string{}
	for _, c := range page.Chats {
		slug := "<nil>"
		if c.Workspace.Slug != nil {
			slug = *c.Workspace.Slug
		}
		got[c.Prompt] = c.Workspace.Name + "/" + slug + "/" + c.User.Username
	}
	want := map[string]string{"api": "Log/log/API", "anon": "Log/log/unknown user"}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("chat names = %v, want %v", got, want)
	}
	if st := env.DoJSON(t, "POST", "/api/v1/admin/workspace-chats", map[string]any{"offset": 1 << 62}, &page); st != 200 || len(page.Chats) != 0 {
		t.Fatalf("huge offset: %d %+v", st, page)
	}
}
