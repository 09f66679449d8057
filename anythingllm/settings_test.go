package anythingllm_test

import (
	"context"
	"strings"
	"testing"

	"github.com/anythingllm-go/anythingllm/anythingllm"
	"github.com/anythingllm-go/anythingllm/storage/blobstore"
	"github.com/anythingllm-go/anythingllm/storage/memstore"
)

func TestUpdateEnvRulesAndSetting(t *testing.T) {
	ctx := context.Background()
	st := memstore.New()
	env := map[string]string{"LLM_PROVIDER": "ollama", "OPEN_AI_KEY": "sk-from-env", "STORAGE_DIR": "/data"}
	opts := &anythingllm.Options{Env: func(k string) string { return env[k] }}
	app, _ := anythingllm.New(anythingllm.Deps{Store: st}, opts)
	if got := app.Setting(ctx, "LLM_PROVIDER"); got != "ollama" {
		t.Fatalf("Setting before any update = %q", got)
	}
	// Body order: the first invalid key stops; earlier keys stay applied.
	res, err := app.UpdateEnv(ctx, []anythingllm.EnvSetting{{"LLMProvider", "openai"}, {"OpenAiModelPref", "gpt-4o"}, {"OllamaLLMBasePath", "http://h:11434/"}, {"OpenAiKey", "sk-x"}})
	if err != nil {
		t.Fatal(err)
	}
	if res.Error != "URL cannot end with a slash" || len(res.NewValues) != 2 || res.NewValues["OpenAiKey"] != "" {
		t.Fatalf("update = %+v", res)
	}
	if app.Setting(ctx, "LLM_PROVIDER") != "openai" || app.Setting(ctx, "OPEN_MODEL_PREF") != "gpt-4o" || app.Setting(ctx, "OPEN_AI_KEY") != "sk-from-env" {
		t.Fatal("applied keys not effective, or a key after the refused one applied")
	}
	// A new App on the same store (a restart) sees the stored values.
	again, _ := anythingllm.New(anythingllm.Deps{Store: st}, opts)
	if again.Setting(ctx, "LLM_PROVIDER") != "openai" {
		t.Fatal("a stored setting did not survive a restart")
	}
	for kv, want := range map[anythingllm.EnvSetting]string{
		{"AuthToken", "x"}:                   "Cannot set this setting.",
		{"JWTSecret", "x"}:                   "Cannot set this setting.",
		{"StorageDir", "/tmp"}:               "Cannot set this setting.",
		{"LLMProvider", "skynet"}:            "skynet is not a valid LLM provider.",
		{"LLMProvider", ""}:                  "Value cannot be empty",
		{"OpenAiKey", "pk-1"}:                "OpenAI Key must start with sk-",
		{"GenericOpenAiTokenLimit", "abc"}:   "Value must be a number",
		{"LocalAiTokenLimit", "0"}:           "Value must be greater than zero",
		{"GenericOpenAiBasePath", "ftp://x"}: "URL is not a valid URL.",
		{"OpenAiModelPref", "a\u0000b"}:      "control characters",
		{"OpenAiModelPref", "a\tb"}:          "control characters",
	} {
		res, err := app.UpdateEnv(ctx, []anythingllm.EnvSetting{kv})
		if err != nil || !strings.Contains(res.Error, want) || len(res.NewValues) != 0 {
			t.Errorf("%v: %+v %v, want %q", kv, res, err, want)
		}
	}
	if app.Setting(ctx, "STORAGE_DIR") != "/data" {
		t.Fatal("the storage path changed")
	}
	// Masked values are skipped, unknown keys ignored.
	res, _ = app.UpdateEnv(ctx, []anythingllm.EnvSetting{{"OpenAiKey", "sk-******"}, {"NotAKey", "x"}, {"openaikey", "sk-lower"}})
	if res.Error != "" || len(res.NewValues) != 0 || app.Setting(ctx, "OPEN_AI_KEY") != "sk-from-env" {
		t.Fatalf("masked/unknown: %+v", res)
	}
}

func TestSystemSettingsReportSecretsAsBooleans(t *testing.T) {
	ctx := context.Background()
	env := map[string]string{"OPEN_AI_KEY": "sk-secret-123", "OPEN_MODEL_PREF": "gpt-4o", "AUTH_TOKEN": "tok", "JWT_SECRET": "jwt"}
	app, _ := anythingllm.New(anythingllm.Deps{Store: memstore.New(), Blobs: blobstore.NewMemory()}, &anythingllm.Options{Env: func(k string) string { return env[k] }})
	if res, err := app.UpdateEnv(ctx, []anythingllm.EnvSetting{{"GroqApiKey", "gsk-stored-456"}}); err != nil || res.NewValues["GroqApiKey"] != "******" {
		t.Fatalf("a secret is echoed: %+v %v", res, err)
	}
	s, err := app.SystemSettings(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for k, want := range map[string]any{"OpenAiKey": true, "GroqApiKey": true, "MistralApiKey": false, "AuthToken": true, "JWTSecret": true,
		"RequiresAuth": true, "OpenAiModelPref": "gpt-4o", "MultiUserMode": false, "EmbeddingEngine": "native"} {
		if s[k] != want {
			t.Errorf("%s = %#v, want %#v", k, s[k], want)
		}
	}
	for k, v := range s {
		if str, ok := v.(string); ok && (strings.Contains(str, "secret") || strings.Contains(str, "stored") || str == "tok" || str == "jwt") {
			t.Errorf("%s carries a secret's value", k)
		}
	}
}
