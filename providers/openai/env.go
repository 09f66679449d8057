package openai

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
)

// Provider describes an OpenAI-compatible LLM_PROVIDER of AnythingLLM: its
// default base URL and the environment variables that configure it.
type Provider struct {
	BaseURL      string // default base URL ("" = the base URL variable is required)
	BaseURLVar   string
	KeyVar       string
	ModelVar     string
	DefaultModel string
	WindowVar    string // the model's token limit, when the provider has one
}

// KnownProviders are the LLM_PROVIDER values this package serves. Ollama is
// reached through its OpenAI-compatible endpoint (<OLLAMA_BASE_PATH>/v1).
var KnownProviders = map[string]Provider{
	"openai":         {BaseURL: "https://api.openai.com/v1", KeyVar: "OPEN_AI_KEY", ModelVar: "OPEN_MODEL_PREF", DefaultModel: "gpt-4o"},
	"generic-openai": {BaseURLVar: "GENERIC_OPEN_AI_BASE_PATH", KeyVar: "GENERIC_OPEN_AI_API_KEY", ModelVar: "GENERIC_OPEN_AI_MODEL_PREF", WindowVar: "GENERIC_OPEN_AI_MODEL_TOKEN_LIMIT"},
	"ollama":         {BaseURL: "http://127.0.0.1:11434", BaseURLVar: "OLLAMA_BASE_PATH", KeyVar: "OLLAMA_AUTH_TOKEN", ModelVar: "OLLAMA_MODEL_PREF", DefaultModel: "llama3.2", WindowVar: "OLLAMA_MODEL_TOKEN_LIMIT"},
	"lmstudio":       {BaseURL: "http://127.0.0.1:1234/v1", BaseURLVar: "LMSTUDIO_BASE_PATH", ModelVar: "LMSTUDIO_MODEL_PREF", WindowVar: "LMSTUDIO_MODEL_TOKEN_LIMIT"},
	"localai":        {BaseURL: "http://127.0.0.1:8080/v1", BaseURLVar: "LOCAL_AI_BASE_PATH", KeyVar: "LOCAL_AI_API_KEY", ModelVar: "LOCAL_AI_MODEL_PREF", WindowVar: "LOCAL_AI_MODEL_TOKEN_LIMIT"},
	"groq":           {BaseURL: "https://api.groq.com/openai/v1", KeyVar: "GROQ_API_KEY", ModelVar: "GROQ_MODEL_PREF"},
	"togetherai":     {BaseURL: "https://api.together.xyz/v1", KeyVar: "TOGETHER_AI_API_KEY", ModelVar: "TOGETHER_AI_MODEL_PREF"},
	"openrouter":     {BaseURL: "https://openrouter.ai/api/v1", KeyVar: "OPENROUTER_API_KEY", ModelVar: "OPENROUTER_MODEL_PREF"},
	"mistral":        {BaseURL: "https://api.mistral.ai/v1", KeyVar: "MISTRAL_API_KEY", ModelVar: "MISTRAL_MODEL_PREF"},
	"deepseek":       {BaseURL: "https://api.deepseek.com/v1", KeyVar: "DEEPSEEK_API_KEY", ModelVar: "DEEPSEEK_MODEL_PREF"},
	"xai":            {BaseURL: "https://api.x.ai/v1", KeyVar: "XAI_LLM_API_KEY", ModelVar: "XAI_LLM_MODEL_PREF"},
	"fireworksai":    {BaseURL: "https://api.fireworks.ai/inference/v1", KeyVar: "FIREWORKS_AI_LLM_API_KEY", ModelVar: "FIREWORKS_AI_LLM_MODEL_PREF"},
	"perplexity":     {BaseURL: "https://api.perplexity.ai", KeyVar: "PERPLEXITY_API_KEY", ModelVar: "PERPLEXITY_MODEL_PREF"},
}

// ProviderNames lists KnownProviders, sorted.
func ProviderNames() []string {
	out := make([]string, 0, len(KnownProviders))
	for n := range KnownProviders {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// FromEnv builds the client for an LLM_PROVIDER from AnythingLLM's
// environment variables.
func FromEnv(provider string, getenv func(string) string) (*Client, error) {
	p, ok := KnownProviders[provider]
	if !ok {
		return nil, fmt.Errorf("LLM_PROVIDER=%s is not supported; use one of %s", provider, strings.Join(ProviderNames(), ", "))
	}
	base := p.BaseURL
	if p.BaseURLVar != "" && getenv(p.BaseURLVar) != "" {
		base = getenv(p.BaseURLVar)
	}
	if base == "" {
		return nil, fmt.Errorf("LLM_PROVIDER=%s needs %s", provider, p.BaseURLVar)
	}
	if provider == "ollama" && !strings.HasSuffix(strings.TrimRight(base, "/"), "/v1") {
		base = strings.TrimRight(base, "/") + "/v1"
	}
	o := &Options{BaseURL: base, Provider: provider, Model: p.DefaultModel}
	if p.KeyVar != "" {
		o.APIKey = getenv(p.KeyVar)
	}
	if v := getenv(p.ModelVar); v != "" {
		o.Model = v
	}
	if o.Model == "" {
		return nil, fmt.Errorf("LLM_PROVIDER=%s needs %s (the model name)", provider, p.ModelVar)
	}
	if p.WindowVar != "" {
		if n, err := strconv.Atoi(getenv(p.WindowVar)); err == nil && n > 0 {
			o.ContextWindow = n
		}
	}
	return New(o)
}

// EmbedderFromEnv builds the embedder for EMBEDDING_ENGINE=openai or
// generic-openai (EMBEDDING_BASE_PATH, EMBEDDING_MODEL_PREF, and the key of
// OPEN_AI_KEY or GENERIC_OPEN_AI_EMBEDDING_API_KEY).
func EmbedderFromEnv(engine string, getenv func(string) string) (*Client, error) {
	o := &Options{Provider: engine, EmbeddingModel: getenv("EMBEDDING_MODEL_PREF")}
	switch engine {
	case "openai":
		o.APIKey = getenv("OPEN_AI_KEY")
		o.BaseURL = getenv("EMBEDDING_BASE_PATH")
	case "generic-openai", "lmstudio", "localai", "ollama":
		o.APIKey = getenv("GENERIC_OPEN_AI_EMBEDDING_API_KEY")
		o.BaseURL = getenv("EMBEDDING_BASE_PATH")
		if o.BaseURL == "" {
			return nil, fmt.Errorf("EMBEDDING_ENGINE=%s needs EMBEDDING_BASE_PATH", engine)
		}
		if engine == "ollama" && !strings.HasSuffix(strings.TrimRight(o.BaseURL, "/"), "/v1") {
			o.BaseURL = strings.TrimRight(o.BaseURL, "/") + "/v1"
		}
		if o.EmbeddingModel == "" {
			return nil, fmt.Errorf("EMBEDDING_ENGINE=%s needs EMBEDDING_MODEL_PREF", engine)
		}
	default:
		return nil, fmt.Errorf("EMBEDDING_ENGINE=%s is not supported", engine)
	}
	return New(o)
}

// MediaFromEnv builds the client for images, transcription and speech: the
// LLM_PROVIDER's own client
// when it is an OpenAI-compatible service other than Ollama (which has no
// images or audio API), else OpenAI itself when OPEN_AI_KEY is set. It
// returns nil when neither applies: those routes then answer Unavailable.
func MediaFromEnv(provider string, getenv func(string) string) (*Client, error) {
	if _, ok := KnownProviders[provider]; ok && provider != "ollama" {
		return FromEnv(provider, getenv)
	}
	if key := getenv("OPEN_AI_KEY"); key != "" {
		return New(&Options{Provider: "openai", APIKey: key})
	}
	return nil, nil
}
