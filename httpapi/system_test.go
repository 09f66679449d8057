package httpapi_test

import (
	"encoding/json"
	"io"
	"strings"
	"testing"

	"github.com/anythingllm-go/anythingllm/anythingllm"
	"github.com/anythingllm-go/anythingllm/httpapi/httpapitest"
	"github.com/anythingllm-go/anythingllm/storage/blobstore"
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

// env-dump needs the API key and writes the effective non-secret settings;
// a secret is named but its value never written.
func TestEnvDumpOmitsSecrets(t *testing.T) {
	vars := map[string]string{"LLM_PROVIDER": "openai", "OPEN_AI_KEY": "sk-secret-123", "OPEN_MODEL_PREF": "gpt-4o"}
	blobs := blobstore.NewMemory()
	e := httpapitest.New(t, &httpapitest.Options{Deps: anythingllm.Deps{Blobs: blobs}, App: &anythingllm.Options{Env: func(k string) string { return vars[k] }}})
	if resp := e.DoWith(t, "GET", "/api/v1/system/env-dump", nil, nil); resp.StatusCode != 403 {
		t.Fatalf("env-dump without a key: %d", resp.StatusCode)
	}
	if st := e.DoJSON(t, "POST", "/api/v1/system/update-env", map[string]string{"OpenAiModelPref": "gpt-4.1"}, nil); st != 200 {
		t.Fatalf("update-env: %d", st)
	}
	resp := e.Do(t, "GET", "/api/v1/system/env-dump", nil)
	if body := httpapitest.Body(t, resp); resp.StatusCode != 200 || body != "OK" {
		t.Fatalf("env-dump: %d %q", resp.StatusCode, body)
	}
	r, err := blobs.Open(t.Context(), "env-dump/anythingllm.env")
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	b, _ := io.ReadAll(r)
	dump := string(b)
	if strings.Contains(dump, "sk-secret-123") || !strings.Contains(dump, "# OPEN_AI_KEY is set") ||
		!strings.Contains(dump, "OPEN_MODEL_PREF='gpt-4.1'") || !strings.Contains(dump, "LLM_PROVIDER='openai'") {
		t.Fatalf("dump:\n%s", dump)
	}
}
