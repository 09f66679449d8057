package httpapi_test

import (
	"bytes"
	"fmt"
	"log/slog"
	"strings"
	"testing"

	"github.com/anythingllm-go/anythingllm/anythingllm"
	"github.com/anythingllm-go/anythingllm/httpapi/httpapitest"
	"github.com/anythingllm-go/anythingllm/providers/openai"
	"github.com/anythingllm-go/anythingllm/providers/providertest/fakeopenai"
	"github.com/anythingllm-go/anythingllm/storage/memstore"
)

func TestUpdateEnvValidatesPersistsAndTakesEffect(t *testing.T) {
	first := fakeopenai.New(&fakeopenai.Options{Reply: func(*fakeopenai.ChatRequest) string { return "from first" }})
	defer first.Close()
	second := fakeopenai.New(&fakeopenai.Options{Models: []string{"fake-model", "m2"}, Reply: func(*fakeopenai.ChatRequest) string { return "from second" }})
	defer second.Close()
	env := map[string]string{"LLM_PROVIDER": "generic-openai", "GENERIC_OPEN_AI_BASE_PATH": first.BaseURL(), "GENERIC_OPEN_AI_MODEL_PREF": "fake-model"}
	getenv := func(k string) string { return env[k] }
	llm, _ := openai.FromEnv("generic-openai", getenv)
	store := memstore.New()
	var logs bytes.Buffer
	appOpts := &anythingllm.Options{Env: getenv, LLMProvider: "generic-openai",
		LLMFactory: func(p string, g func(string) string) (anythingllm.ChatModel, error) { return openai.FromEnv(p, g) }}
	e := httpapitest.New(t, &httpapitest.Options{Deps: anythingllm.Deps{Store: store, LLM: llm}, App: appOpts,
		Logger: slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))})
	newWorkspace(t, e, map[string]any{"name": "W"})
	chat := func(env *httpapitest.Env) string {
		var out chatOut
		env.DoJSON(t, "POST", "/api/v1/workspace/w/chat", map[string]any{"message": "hi"}, &out)
		if out.TextResponse == nil {
			t.Fatalf("chat failed: %+v", out)
		}
		return *out.TextResponse
	}
	if got := chat(e); got != "from first" {
		t.Fatalf("before: %q", got)
	}

	var res struct {
		NewValues map[string]string
		Error     any
	}
	body := `{"GenericOpenAiBasePath":"` + second.BaseURL() + `","OpenAiKey":"sk-secret-777","Unknown":"x","GenericOpenAiKey":"******"}`
	resp := e.Do(t, "POST", "/api/v1/system/update-env", strings.NewReader(body))
	_ = jsonDecode(resp, &res)
	if resp.StatusCode != 200 || res.Error != false || res.NewValues["GenericOpenAiBasePath"] != second.BaseURL() || len(res.NewValues) != 2 {
		t.Fatalf("update-env: %d %+v", resp.StatusCode, res)
	}
	if got := chat(e); got != "from second" {
		t.Fatalf("the new base path did not take effect without a restart: %q", got)
	}
	// Stops at the first invalid key; earlier keys stay applied.
	resp = e.Do(t, "POST", "/api/v1/system/update-env", strings.NewReader(`{"GenericOpenAiModelPref":"m2","OpenAiKey":"nope","GroqModelPref":"g"}`))
	_ = jsonDecode(resp, &res)
	if resp.StatusCode != 400 || res.Error != "OpenAI Key must start with sk-" || res.NewValues["GenericOpenAiModelPref"] != "m2" || res.NewValues["GroqModelPref"] != "" {
		t.Fatalf("invalid key: %d %+v", resp.StatusCode, res)
	}
	for _, b := range []string{`{"AuthToken":"x"}`, `{"JWTSecret":"x"}`, `{"LLMProvider":"bedrock"}`, `{"OllamaLLMBasePath":"not a url"}`, `{"GenericOpenAiModelPref":"a\nb"}`, `{"OpenAiModelPref":5}`, `[1]`} {
		resp := e.Do(t, "POST", "/api/v1/system/update-env", strings.NewReader(b))
		resp.Body.Close()
		if resp.StatusCode != 400 {
			t.Errorf("%s: %d, want 400", b, resp.StatusCode)
		}
	}
	// The body is read strictly: a truncated object, something after it or
	// a value that is not a string is refused and changes nothing.
	for _, b := range []string{`{"GenericOpenAiModelPref":"m3"`, `{"GenericOpenAiModelPref":"m3"} x`, `{"GenericOpenAiModelPref":"m3"}{}`,
		`{"GenericOpenAiModelPref":"m3","OpenAiModelPref":5}`, `{"GenericOpenAiModelPref":"m3","Unknown":null}`, `{"GenericOpenAiModelPref":"m3",}`, ``} {
		resp := e.Do(t, "POST", "/api/v1/system/update-env", strings.NewReader(b))
		body := httpapitest.Body(t, resp)
		if resp.StatusCode != 400 || strings.Contains(body, "m3") {
			t.Errorf("%s: %d %s, want 400 and nothing applied", b, resp.StatusCode, body)
		}
	}
	if v := e.App.Setting(t.Context(), "GENERIC_OPEN_AI_MODEL_PREF"); v != "m2" {
		t.Fatalf("a refused body was applied: model pref = %q", v)
	}
	// Secrets are reported as booleans only, never echoed or logged.
	sys := httpapitest.Body(t, e.Do(t, "GET", "/api/v1/system", nil))
	if strings.Contains(sys, "sk-secret-777") || !strings.Contains(sys, `"OpenAiKey":true`) {
		t.Fatalf("system settings: %s", sys)
	}
	if strings.Contains(logs.String(), "sk-secret-777") {
		t.Fatal("a secret reached the log")
	}
	// The settings survive a restart (a new App on the same store).
	e2 := httpapitest.New(t, &httpapitest.Options{Deps: anythingllm.Deps{Store: store, LLM: llm}, App: appOpts})
	if got := chat(e2); got != "from second" {
		t.Fatalf("after restart: %q", got)
	}
	if st := e2.DoJSON(t, "GET", "/api/v1/system/env-dump", nil, nil); st != 200 {
		t.Fatalf("env-dump: %d", st)
	}
}

func TestPreferences(t *testing.T) {
	env, _ := multiUserEnv(t, nil)
	var res map[string]any
	if st := env.DoJSON(t, "POST", "/api/v1/admin/preferences", map[string]any{"support_email": "help@example.com", "text_splitter_chunk_size": "-5",
		"multi_user_mode": "false", "footer_data": `[{"url":"https://a.example"},{"url":"javascript:x"}]`}, &res); st != 200 || res["success"] != true {
		t.Fatalf("preferences: %d %v", st, res)
	}
	st := env.App.Store().Settings()
	if v, _ := st.Get(t.Context(), "support_email"); v != "help@example.com" {
		t.Fatalf("support_email = %q", v)
	}
	if v, _ := st.Get(t.Context(), "text_splitter_chunk_size"); v != "1000" {
		t.Fatalf("chunk size = %q, want the normalised 1000", v)
	}
	if v, _ := st.Get(t.Context(), "multi_user_mode"); v != "true" {
		t.Fatal("preferences changed multi_user_mode")
	}
	if v, _ := st.Get(t.Context(), "footer_data"); v != `[{"url":"https://a.example"}]` {
		t.Fatalf("footer_data = %q", v)
	}
	plain := httpapitest.New(t, nil)
	if s := plain.DoJSON(t, "POST", "/api/v1/admin/preferences", map[string]any{"support_email": "x"}, nil); s != 401 {
		t.Fatalf("preferences in single-user mode: %d", s)
	}
}

// A workspace's own chatProvider is built at request time from the settings.
func TestPerWorkspaceProvider(t *testing.T) {
	fake := fakeopenai.New(&fakeopenai.Options{Reply: func(*fakeopenai.ChatRequest) string { return "from workspace provider" }})
	defer fake.Close()
	env := map[string]string{"GENERIC_OPEN_AI_BASE_PATH": fake.BaseURL(), "GENERIC_OPEN_AI_MODEL_PREF": "fake-model"}
	e := httpapitest.New(t, &httpapitest.Options{App: &anythingllm.Options{Env: func(k string) string { return env[k] }, LLMProvider: "ollama",
		LLMFactory: func(p string, g func(string) string) (anythingllm.ChatModel, error) { return openai.FromEnv(p, g) }}})
	newWorkspace(t, e, map[string]any{"name": "Own", "chatProvider": "generic-openai"})
	newWorkspace(t, e, map[string]any{"name": "Odd", "chatProvider": "bedrock"})
	var out chatOut
	if e.DoJSON(t, "POST", "/api/v1/workspace/own/chat", map[string]any{"message": "hi"}, &out); out.TextResponse == nil || *out.TextResponse != "from workspace provider" {
		t.Fatalf("workspace provider: %+v", out)
	}
	if st := e.DoJSON(t, "POST", "/api/v1/workspace/odd/chat", map[string]any{"message": "hi"}, &out); st != 503 || !strings.Contains(fmt.Sprint(out.Error), "bedrock") {
		t.Fatalf("unsupported workspace provider: %d %+v", st, out)
	}
}
