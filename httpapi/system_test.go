package httpapi_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/anythingllm-go/anythingllm/anythingllm"
	"github.com/anythingllm-go/anythingllm/httpapi/httpapitest"
)

func TestSystemSettingsHideSecrets(t *testing.T) {
	env := map[string]string{"LLM_PROVIDER": "openai", "OPEN_AI_KEY": "sk-secret-123", "OPEN_MODEL_PREF": "gpt-4o", "DATABASE_URL": "postgres://u:pw@h/db"}
	e := httpapitest.New(t, &httpapitest.Options{App: &anythingllm.Options{Env: func(k string) string { return env[k] }}})
	resp := e.Do(t, "GET", "/api/v1/system", nil)
	body := httpapitest.Body(t, resp)
	if resp.StatusCode != 200 || strings.Contains(body, "sk-secret-123") || strings.Contains(body, "pw@h") {
		t.Fatalf("settings leak a secret: %s", body)
	}
	var out struct{ Settings map[string]any }
	_ = json.Unmarshal([]byte(body), &out)
	if out.Settings["OpenAiKey"] != true || out.Settings["GroqApiKey"] != false || out.Settings["LLMProvider"] != "openai" ||
		out.Settings["OpenAiModelPref"] != "gpt-4o" || out.Settings["MultiUserMode"] != false || out.Settings["EmbeddingEngine"] != "native" {
		t.Fatalf("settings = %v", out.Settings)
	}
}

func TestExportChatsFormats(t *testing.T) {
	c := newChatEnv(t, nil, 0)
	newWorkspace(t, c.Env, map[string]any{"name": "Exp"})
	c.chat(t, "/api/v1/workspace/exp/chat", map[string]any{"message": `say "hi"` + "\nplease", "sessionId": "s1"})
	c.chat(t, "/api/v1/workspace/exp/chat", map[string]any{"message": "second"})
	cases := map[string]struct{ ctype, check string }{
		"":           {"application/jsonl", `"role":"assistant"`},
		"jsonl":      {"application/jsonl", `{"messages":[{"role":"system"`},
		"json":       {"application/json", `"username": "API"`},
		"csv":        {"text/csv", `,"Exp","say ""hi"" please","Echo: say ""hi"" please",`},
		"jsonAlpaca": {"application/json", `"input": "second"`},
	}
	for typ, want := range cases {
		resp := c.Do(t, "GET", "/api/v1/system/export-chats?type="+typ, nil)
		body := httpapitest.Body(t, resp)
		if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != want.ctype || !strings.Contains(resp.Header.Get("Content-Disposition"), "attachment; filename=") || !strings.Contains(body, want.check) {
			t.Errorf("type=%q: %d %s %q\n%s", typ, resp.StatusCode, resp.Header.Get("Content-Type"), resp.Header.Get("Content-Disposition"), body)
		}
	}
	if lines := strings.Split(httpapitest.Body(t, c.Do(t, "GET", "/api/v1/system/export-chats", nil)), "\n"); len(lines) != 1 {
		t.Fatalf("jsonl has %d lines for one workspace, want 1", len(lines))
	}
	var e map[string]any
	if st := c.DoJSON(t, "GET", "/api/v1/system/export-chats?type=xml", nil, &e); st != 400 || !strings.Contains(e["message"].(string), "Invalid export type: xml") {
		t.Fatalf("bad type: %d %v", st, e)
	}
}
