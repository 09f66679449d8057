package anythingllm

import (
	"cmp"
	"context"
	"strings"
)

// settingVars maps the names GET /v1/system reports to environment
// variables. Secrets are reported only as booleans.
var (
	settingVars = map[string]string{
		"LLMProvider": "LLM_PROVIDER", "EmbeddingEngine": "EMBEDDING_ENGINE", "EmbeddingBasePath": "EMBEDDING_BASE_PATH",
		"EmbeddingModelPref": "EMBEDDING_MODEL_PREF", "OpenAiModelPref": "OPEN_MODEL_PREF",
		"OllamaLLMBasePath": "OLLAMA_BASE_PATH", "OllamaLLMModelPref": "OLLAMA_MODEL_PREF", "OllamaLLMTokenLimit": "OLLAMA_MODEL_TOKEN_LIMIT",
		"GenericOpenAiBasePath": "GENERIC_OPEN_AI_BASE_PATH", "GenericOpenAiModelPref": "GENERIC_OPEN_AI_MODEL_PREF",
		"GenericOpenAiTokenLimit": "GENERIC_OPEN_AI_MODEL_TOKEN_LIMIT", "LMStudioBasePath": "LMSTUDIO_BASE_PATH",
		"LMStudioModelPref": "LMSTUDIO_MODEL_PREF", "LMStudioTokenLimit": "LMSTUDIO_MODEL_TOKEN_LIMIT",
		"LocalAiBasePath": "LOCAL_AI_BASE_PATH", "LocalAiModelPref": "LOCAL_AI_MODEL_PREF", "LocalAiTokenLimit": "LOCAL_AI_MODEL_TOKEN_LIMIT",
		"GroqModelPref": "GROQ_MODEL_PREF", "TogetherAiModelPref": "TOGETHER_AI_MODEL_PREF", "OpenRouterModelPref": "OPENROUTER_MODEL_PREF",
		"MistralModelPref": "MISTRAL_MODEL_PREF", "DeepSeekModelPref": "DEEPSEEK_MODEL_PREF", "XAIModelPref": "XAI_LLM_MODEL_PREF",
		"FireworksAiLLMModelPref": "FIREWORKS_AI_LLM_MODEL_PREF", "PerplexityModelPref": "PERPLEXITY_MODEL_PREF",
		"DefaultModelTextGen": "DEFAULT_MODEL_TEXT_GEN", "DefaultModelText2Text": "DEFAULT_MODEL_TEXT2TEXT",
		"DefaultModelEmbedding": "DEFAULT_MODEL_EMBEDDING", "DefaultModelImage": "DEFAULT_MODEL_IMAGE",
		"DefaultModelStt": "DEFAULT_MODEL_STT", "DefaultModelTts": "DEFAULT_MODEL_TTS",
		"VectorDB": "VECTOR_DB", "PGVectorTableName": "PGVECTOR_TABLE_NAME", "WeaviateEndpoint": "WEAVIATE_ENDPOINT",
	}
	secretVars = map[string]string{
		"OpenAiKey": "OPEN_AI_KEY", "GenericOpenAiKey": "GENERIC_OPEN_AI_API_KEY", "OllamaLLMAuthToken": "OLLAMA_AUTH_TOKEN",
		"LocalAiApiKey": "LOCAL_AI_API_KEY", "GroqApiKey": "GROQ_API_KEY", "TogetherAiApiKey": "TOGETHER_AI_API_KEY",
		"OpenRouterApiKey": "OPENROUTER_API_KEY", "MistralApiKey": "MISTRAL_API_KEY", "DeepSeekApiKey": "DEEPSEEK_API_KEY",
		"XAIApiKey": "XAI_LLM_API_KEY", "FireworksAiLLMApiKey": "FIREWORKS_AI_LLM_API_KEY", "PerplexityApiKey": "PERPLEXITY_API_KEY",
		"GenericOpenAiEmbeddingApiKey": "GENERIC_OPEN_AI_EMBEDDING_API_KEY", "AuthToken": "AUTH_TOKEN", "JWTSecret": "JWT_SECRET",
		"BootstrapApiKey": "ANYTHINGLLM_API_KEY", "DatabaseUrl": "DATABASE_URL",
		"PGVectorConnectionString": "PGVECTOR_CONNECTION_STRING", "WeaviateApiKey": "WEAVIATE_API_KEY",
	}
)

// secretEnv holds the environment names of secretVars.
var secretEnv = func() map[string]bool {
	m := map[string]bool{}
	for _, v := range secretVars {
		m[v] = true
	}
	return m
}()

func (a *App) env(name string) string {
	if a.opts.Env == nil {
		return ""
	}
	return a.opts.Env(name)
}

// SystemSettings reports the configuration as GET /v1/system does: plain
// settings as strings (absent when unset), every secret only as a boolean.
func (a *App) SystemSettings(ctx context.Context) (map[string]any, error) {
	out := map[string]any{}
	for name, v := range settingVars {
		if val := a.effectiveEnv(ctx, v); val != "" {
			out[name] = val
		}
	}
	for name, v := range secretVars {
		out[name] = a.effectiveEnv(ctx, v) != ""
	}
	if _, ok := out["LLMProvider"]; !ok {
		out["LLMProvider"] = cmp.Or(a.opts.LLMProvider, "ollama")
	}
	if _, ok := out["EmbeddingEngine"]; !ok {
		out["EmbeddingEngine"] = "native"
	}
	if _, ok := out["VectorDB"]; !ok {
		out["VectorDB"] = "flatvec"
	}
	out["RequiresAuth"] = a.env("AUTH_TOKEN") != ""
	out["WorkspaceDeletionProtection"] = a.opts.WorkspaceDeletionProtection
	mu, err := a.MultiUserMode(ctx)
	if err != nil {
		return nil, err
	}
	out["MultiUserMode"] = mu
	n, err := a.deps.Store.Documents().CountVectors(ctx, 0)
	if err != nil {
		return nil, err
	}
	out["HasExistingEmbeddings"] = n > 0
	for k, v := range out {
		if s, ok := v.(string); ok && strings.ContainsAny(s, "\x00\r\n") {
			out[k] = strings.Map(func(r rune) rune {
				if r < 32 {
					return -1
				}
				return r
			}, s)
		}
	}
	return out, nil
}
