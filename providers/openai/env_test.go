package openai_test

import (
	"strings"
	"testing"

	"github.com/anythingllm-go/anythingllm/providers/openai"
)

func TestFromEnv(t *testing.T) {
	env := map[string]string{"GENERIC_OPEN_AI_BASE_PATH": "http://127.0.0.1:9/v1", "GENERIC_OPEN_AI_MODEL_PREF": "m", "GENERIC_OPEN_AI_MODEL_TOKEN_LIMIT": "8192"}
	c, err := openai.FromEnv("generic-openai", func(k string) string { return env[k] })
	if err != nil || c.DefaultModel() != "m" || c.ContextWindow("m") != 8192 || c.Name() != "generic-openai" {
		t.Fatalf("generic-openai: %v %+v", err, c)
	}
	c, err = openai.FromEnv("ollama", func(k string) string { return map[string]string{"OLLAMA_MODEL_PREF": "llama3"}[k] })
	if err != nil || c.DefaultModel() != "llama3" {
		t.Fatalf("ollama: %v", err)
	}
	if _, err := openai.FromEnv("generic-openai", func(string) string { return "" }); err == nil || !strings.Contains(err.Error(), "GENERIC_OPEN_AI_BASE_PATH") {
		t.Fatalf("missing base path: %v", err)
	}
	if _, err := openai.FromEnv("bedrock", func(string) string { return "" }); err == nil || !strings.Contains(err.Error(), "not supported") {
		t.Fatalf("unknown provider: %v", err)
	}
}

func TestMediaFromEnv(t *testing.T) {
	env := map[string]string{"GENERIC_OPEN_AI_BASE_PATH": "http://127.0.0.1:9/v1", "GENERIC_OPEN_AI_MODEL_PREF": "m"}
	c, err := openai.MediaFromEnv("generic-openai", func(k string) string { return env[k] })
	if err != nil || c == nil || c.Name() != "generic-openai" {
		t.Fatalf("generic-openai: %v %+v", err, c)
	}
	if c, err := openai.MediaFromEnv("ollama", func(string) string { return "" }); err != nil || c != nil {
		t.Fatalf("ollama without an OpenAI key: %v %+v, want none", err, c)
	}
	c, err = openai.MediaFromEnv("ollama", func(k string) string { return map[string]string{"OPEN_AI_KEY": "sk-x"}[k] })
	if err != nil || c == nil || c.Name() != "openai" {
		t.Fatalf("ollama with an OpenAI key: %v %+v", err, c)
	}
}
