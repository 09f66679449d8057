package httpapi_test

import (
	"context"
	"encoding/json"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/anythingllm-go/anythingllm/anythingllm"
	"github.com/anythingllm-go/anythingllm/httpapi/httpapitest"
)

type wsResp struct {
	Workspace map[string]any `json:"workspace"`
	Message   *string        `json:"message"`
}

func newWorkspace(t *testing.T, env *httpapitest.Env, body map[string]any) map[string]any {
	t.Helper()
	var out wsResp
	if st := env.DoJSON(t, "POST", "/api/v1/workspace/new", body, &out); st != 200 {
		t.Fatalf("create %v: %d", body, st)
	}
	return out.Workspace
}

func TestWorkspaceCreateDefaultsAndSlugs(t *testing.T) {
	env := httpapitest.New(t, nil)
	w := newWorkspace(t, env, map[string]any{"name": "My Docs + Notes!", "slug": "ignored"})
	if w["slug"] != "my-docs-plus-notes-bang" || w["name"] != "My Docs + Notes!" {
		t.Fatalf("slug = %v", w["slug"])
	}
	if w["chatMode"] != "automatic" || w["similarityThreshold"] != 0.25 || w["topN"] != float64(4) || w["openAiHistory"] != float64(20) {
		t.Fatalf("defaults = %v", w)
	}
	if !strings.Contains(w["openAiPrompt"].(string), "{datetime}") {
		t.Fatalf("default prompt = %v", w["openAiPrompt"])
	}
	if _, err := time.Parse(time.RFC3339, w["createdAt"].(string)); err != nil {
		t.Fatalf("createdAt %v: %v", w["createdAt"], err)
	}
	again := newWorkspace(t, env, map[string]any{"name": "My Docs + Notes!"})
	if !regexp.MustCompile(`^my-docs-plus-notes-bang-\d{8}$`).MatchString(again["slug"].(string)) {
		t.Fatalf("a taken slug became %v", again["slug"])
	}
	uuidish := newWorkspace(t, env, map[string]any{"name": "!!!"})["slug"].(string)
	if uuidish != "bang-bang-bang" {
		t.Fatalf("symbol-only name slug = %q", uuidish)
	}
}

func TestWorkspaceNormalisation(t *testing.T) {
	env := httpapitest.New(t, nil)
	w := newWorkspace(t, env, map[string]any{"name": "n", "similarityThreshold": 7, "topN": 0, "openAiTemp": -1,
		"openAiHistory": "12", "chatMode": "shout", "chatProvider": "none", "queryRefusalResponse": "", "unknownKey": 1})
	if w["similarityThreshold"] != 1.0 || w["topN"] != float64(1) || w["openAiTemp"] != nil || w["openAiHistory"] != float64(12) ||
		w["chatMode"] != "automatic" || w["chatProvider"] != nil || w["queryRefusalResponse"] != nil {
		t.Fatalf("normalised = %v", w)
	}
	if _, ok := w["unknownKey"]; ok {
		t.Fatal("an unknown key was stored")
	}
	// Values JavaScript's parseFloat rejects fall back to the defaults;
	// a numeric prefix is read; a name that is not a string is blank.
	w = newWorkspace(t, env, map[string]any{"name": "m", "similarityThreshold": nil, "topN": "abc", "openAiHistory": true,
		"openAiTemp": "0.7 degrees", "vectorSearchMode": 3})
	if w["similarityThreshold"] != 0.25 || w["topN"] != float64(4) || w["openAiHistory"] != float64(20) || w["openAiTemp"] != 0.7 ||
		w["vectorSearchMode"] != "default" {
		t.Fatalf("defaults = %v", w)
	}
}

func TestWorkspaceCreateNeedsName(t *testing.T) {
	env := httpapitest.New(t, nil)
	for _, body := range []any{map[string]any{}, map[string]any{"name": ""}, map[string]any{"name": 5}} {
		var out map[string]any
		if st := env.DoJSON(t, "POST", "/api/v1/workspace/new", body, &out); st != 400 || out["message"] != "name cannot be null" || out["workspace"] != nil {
			t.Errorf("%v: %d %v", body, st, out)
		}
	}
	resp := env.Do(t, "POST", "/api/v1/workspace/new", strings.NewReader("[1,2"))
	if resp.StatusCode != 400 {
		t.Fatalf("malformed JSON: %d", resp.StatusCode)
	}
	resp.Body.Close()
}

func TestWorkspaceGetListUpdateDelete(t *testing.T) {
	env := httpapitest.New(t, nil)
	w := newWorkspace(t, env, map[string]any{"name": "Alpha"})
	ctx := context.Background()
	ws, _ := env.App.Store().Workspaces().GetBySlug(ctx, "alpha")
	th := &anythingllm.Thread{Name: "T", Slug: "t-1", WorkspaceID: ws.ID, CreatedAt: time.Now(), LastUpdatedAt: time.Now()}
	if err := env.App.Store().Threads().Create(ctx, th); err != nil {
		t.Fatal(err)
	}

	var got struct{ Workspace []map[string]any }
	if st := env.DoJSON(t, "GET", "/api/v1/workspace/alpha", nil, &got); st != 200 || len(got.Workspace) != 1 {
		t.Fatalf("get: %d %v", st, got)
	}
	if docs, ok := got.Workspace[0]["documents"].([]any); !ok || len(docs) != 0 {
		t.Fatalf("documents = %v", got.Workspace[0]["documents"])
	}
	threads := got.Workspace[0]["threads"].([]any)
	if len(threads) != 1 || threads[0].(map[string]any)["slug"] != "t-1" {
		t.Fatalf("threads = %v", threads)
	}
	if _, hasName := threads[0].(map[string]any)["name"]; hasName {
		t.Fatal("GET workspace threads carry a name (upstream omits it)")
	}
	resp := env.Do(t, "GET", "/api/v1/workspace/nope/", nil)
	if body := httpapitest.Body(t, resp); resp.StatusCode != 200 || body != `{"workspace":[]}`+"\n" {
		t.Fatalf("unknown slug: %d %q", resp.StatusCode, body)
	}

	var list struct{ Workspaces []map[string]any }
	if st := env.DoJSON(t, "GET", "/api/v1/workspaces", nil, &list); st != 200 || len(list.Workspaces) != 1 {
		t.Fatalf("list: %d %v", st, list)
	}
	if th := list.Workspaces[0]["threads"].([]any); th[0].(map[string]any)["name"] != "T" {
		t.Fatalf("list threads = %v", th)
	}

	var up wsResp
	if st := env.DoJSON(t, "POST", "/api/v1/workspace/alpha/update", map[string]any{"name": "Renamed", "openAiTemp": 0.3}, &up); st != 200 ||
		up.Workspace["name"] != "Renamed" || up.Workspace["openAiTemp"] != 0.3 || up.Workspace["slug"] != "alpha" || up.Message != nil {
		t.Fatalf("update: %d %+v", st, up)
	}
	if st := env.DoJSON(t, "POST", "/api/v1/workspace/alpha/update", map[string]any{"bogus": 1}, &up); st != 200 ||
		up.Message == nil || *up.Message != "No valid fields to update!" || up.Workspace["id"] != w["id"] {
		t.Fatalf("no valid fields: %d %+v", st, up)
	}
	if st := env.DoJSON(t, "POST", "/api/v1/workspace/alpha/update", map[string]any{"chatProvider": "openai", "chatModel": "gpt-4o"}, &up); st != 200 || up.Workspace["chatModel"] != "gpt-4o" {
		t.Fatalf("set provider: %d %+v", st, up)
	}
	if st := env.DoJSON(t, "POST", "/api/v1/workspace/alpha/update", map[string]any{"chatProvider": "default"}, &up); st != 200 || up.Workspace["chatProvider"] != nil || up.Workspace["chatModel"] != nil {
		t.Fatalf("provider default: %d %+v", st, up)
	}
	if st := env.DoJSON(t, "POST", "/api/v1/workspace/nope/update", map[string]any{"name": "x"}, nil); st != 404 {
		t.Fatalf("update unknown: %d", st)
	}

	resp = env.Do(t, "DELETE", "/api/v1/workspace/alpha", nil)
	if body := httpapitest.Body(t, resp); resp.StatusCode != 200 || body != "OK" {
		t.Fatalf("delete: %d %q", resp.StatusCode, body)
	}
	if _, err := env.App.Store().Threads().Get(ctx, th.ID); err == nil {
		t.Fatal("thread survived the workspace")
	}
	if st := env.DoJSON(t, "DELETE", "/api/v1/workspace/alpha", nil, nil); st != 404 {
		t.Fatalf("delete twice: %d", st)
	}
}

func TestWorkspaceDeletionProtection(t *testing.T) {
	env := httpapitest.New(t, &httpapitest.Options{App: &anythingllm.Options{WorkspaceDeletionProtection: true}})
	newWorkspace(t, env, map[string]any{"name": "kept"})
	resp := env.Do(t, "DELETE", "/api/v1/workspace/kept", nil)
	body := httpapitest.Body(t, resp)
	var out map[string]any
	_ = json.Unmarshal([]byte(body), &out)
	if resp.StatusCode != 403 || out["success"] != false || out["error"] != "Workspace deletion is blocked by the system administrator." {
		t.Fatalf("protected delete: %d %s", resp.StatusCode, body)
	}
}
