package anythingllm

import (
	"cmp"
	"context"
	"fmt"
	"maps"
	"math"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode"
)

// Settings changed through update-env are stored in system_settings under
// "env:<NAME>" and override the process environment: they survive a
// restart and take effect at once (the chat model is rebuilt from the
// effective values when they change).

const envLabelPrefix = "env:"

type envSetting struct {
	env    string
	checks []func(string) string // each returns a message, or ""
}

func notEmpty(v string) string {
	if strings.TrimSpace(v) == "" {
		return "Value cannot be empty"
	}
	return ""
}

func validURL(v string) string {
	u, err := url.Parse(v)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return "URL is not a valid URL."
	}
	return ""
}

func noTrailingSlash(v string) string {
	if strings.HasSuffix(v, "/") {
		return "URL cannot end with a slash"
	}
	return ""
}

func nonZero(v string) string {
	n, err := strconv.ParseFloat(v, 64)
	if err != nil || math.IsNaN(n) || math.IsInf(n, 0) {
		return "Value must be a number"
	}
	if n <= 0 {
		return "Value must be greater than zero"
	}
	return ""
}

func openAIKey(v string) string {
	if !strings.HasPrefix(v, "sk-") {
		return "OpenAI Key must start with sk-"
	}
	return ""
}

// SupportedVectorDBs are the VECTOR_DB values update-env accepts: lancedb
// (upstream's default; here the in-process flat index), pgvector and
// weaviate as upstream names them, and this build's own in-process
// indexes. A changed engine is used from the next start, after
// `anythingllm vectors reindex` has copied the stored vectors into it.
var SupportedVectorDBs = []string{"lancedb", "pgvector", "weaviate", "flat", "chromem", "memory"}

func supportedVectorDB(v string) string {
	if slices.Contains(SupportedVectorDBs, v) {
		return ""
	}
	return "Invalid VectorDB type. Must be one of " + strings.Join(SupportedVectorDBs, ", ") + "."
}

// postgresURL is upstream's looksLikePostgresConnectionString, which also
// takes postgres:// as every PostgreSQL client does.
func postgresURL(v string) string {
	if !strings.HasPrefix(v, "postgresql://") && !strings.HasPrefix(v, "postgres://") {
		return "Invalid Postgres connection string. Must start with postgresql://"
	}
	if strings.ContainsAny(v, " \t") {
		return "Invalid Postgres connection string. Must not contain spaces."
	}
	return ""
}

// sqlIdentifier accepts a table name that needs no quoting (upstream's
// validatePGVectorTableName also refuses the rest).
func sqlIdentifier(v string) string {
	for i, r := range v {
		if r != '_' && !(r >= 'a' && r <= 'z') && !(r >= 'A' && r <= 'Z') && !(i > 0 && r >= '0' && r <= '9') {
			return "Invalid table name. Use letters, digits and underscores, starting with a letter or underscore."
		}
	}
	if len(v) > 48 {
		return "Invalid table name. At most 48 characters."
	}
	return ""
}

// SupportedLLMProviders are the LLM_PROVIDER values update-env accepts.
var SupportedLLMProviders = []string{"openai", "generic-openai", "ollama", "lmstudio", "localai", "groq", "togetherai",
	"openrouter", "mistral", "deepseek", "xai", "fireworksai", "perplexity"}

func supportedLLM(v string) string {
	for _, p := range SupportedLLMProviders {
		if p == v {
			return ""
		}
	}
	return fmt.Sprintf("%s is not a valid LLM provider.", v)
}

// envSettings is the update-env allow-list: upstream's keys for the
// providers this build supports. Storage paths, the database, the auth
// token, the JWT secret and API keys of the server itself are not here,
// so they can never be set.
var envSettings = map[string]envSetting{
	"LLMProvider":             {"LLM_PROVIDER", []func(string) string{notEmpty, supportedLLM}},
	"OpenAiKey":               {"OPEN_AI_KEY", []func(string) string{notEmpty, openAIKey}},
	"OpenAiModelPref":         {"OPEN_MODEL_PREF", []func(string) string{notEmpty}},
	"GenericOpenAiBasePath":   {"GENERIC_OPEN_AI_BASE_PATH", []func(string) string{validURL}},
	"GenericOpenAiModelPref":  {"GENERIC_OPEN_AI_MODEL_PREF", []func(string) string{notEmpty}},
	"GenericOpenAiTokenLimit": {"GENERIC_OPEN_AI_MODEL_TOKEN_LIMIT", []func(string) string{nonZero}},
	"GenericOpenAiKey":        {"GENERIC_OPEN_AI_API_KEY", nil},
	"OllamaLLMBasePath":       {"OLLAMA_BASE_PATH", []func(string) string{notEmpty, validURL, noTrailingSlash}},
	"OllamaLLMModelPref":      {"OLLAMA_MODEL_PREF", nil},
	"OllamaLLMTokenLimit":     {"OLLAMA_MODEL_TOKEN_LIMIT", nil},
	"OllamaLLMAuthToken":      {"OLLAMA_AUTH_TOKEN", nil},
	"LMStudioBasePath":        {"LMSTUDIO_BASE_PATH", []func(string) string{notEmpty, validURL}},
	"LMStudioModelPref":       {"LMSTUDIO_MODEL_PREF", nil},
	"LMStudioTokenLimit":      {"LMSTUDIO_MODEL_TOKEN_LIMIT", nil},
	"LocalAiBasePath":         {"LOCAL_AI_BASE_PATH", []func(string) string{notEmpty, validURL}},
	"LocalAiModelPref":        {"LOCAL_AI_MODEL_PREF", nil},
	"LocalAiTokenLimit":       {"LOCAL_AI_MODEL_TOKEN_LIMIT", []func(string) string{nonZero}},
	"LocalAiApiKey":           {"LOCAL_AI_API_KEY", nil},
	"GroqApiKey":              {"GROQ_API_KEY", []func(string) string{notEmpty}},
	"GroqModelPref":           {"GROQ_MODEL_PREF", []func(string) string{notEmpty}},
	"TogetherAiApiKey":        {"TOGETHER_AI_API_KEY", []func(string) string{notEmpty}},
	"TogetherAiModelPref":     {"TOGETHER_AI_MODEL_PREF", []func(string) string{notEmpty}},
	"OpenRouterApiKey":        {"OPENROUTER_API_KEY", []func(string) string{notEmpty}},
	"OpenRouterModelPref":     {"OPENROUTER_MODEL_PREF", []func(string) string{notEmpty}},
	"MistralApiKey":           {"MISTRAL_API_KEY", []func(string) string{notEmpty}},
	"MistralModelPref":        {"MISTRAL_MODEL_PREF", []func(string) string{notEmpty}},
	"DeepSeekApiKey":          {"DEEPSEEK_API_KEY", []func(string) string{notEmpty}},
	"DeepSeekModelPref":       {"DEEPSEEK_MODEL_PREF", []func(string) string{notEmpty}},
	"XAIApiKey":               {"XAI_LLM_API_KEY", []func(string) string{notEmpty}},
	"XAIModelPref":            {"XAI_LLM_MODEL_PREF", []func(string) string{notEmpty}},
	"FireworksAiLLMApiKey":    {"FIREWORKS_AI_LLM_API_KEY", []func(string) string{notEmpty}},
	"FireworksAiLLMModelPref": {"FIREWORKS_AI_LLM_MODEL_PREF", []func(string) string{notEmpty}},
	"PerplexityApiKey":        {"PERPLEXITY_API_KEY", []func(string) string{notEmpty}},
	"PerplexityModelPref":     {"PERPLEXITY_MODEL_PREF", []func(string) string{notEmpty}},
	// The vector engine and its settings (upstream's names).
	"VectorDB":                 {"VECTOR_DB", []func(string) string{notEmpty, supportedVectorDB}},
	"PGVectorConnectionString": {"PGVECTOR_CONNECTION_STRING", []func(string) string{notEmpty, postgresURL}},
	"PGVectorTableName":        {"PGVECTOR_TABLE_NAME", []func(string) string{notEmpty, sqlIdentifier}},
	"WeaviateEndpoint":         {"WEAVIATE_ENDPOINT", []func(string) string{validURL}},
	"WeaviateApiKey":           {"WEAVIATE_API_KEY", nil},
	// Per-category default models of the /api/llm, /api/embedding,
	// /api/image, /api/stt and /api/tts routes (models.go); "" = the
	// provider's default.
	"DefaultModelTextGen":   {"DEFAULT_MODEL_TEXT_GEN", nil},
	"DefaultModelText2Text": {"DEFAULT_MODEL_TEXT2TEXT", nil},
	"DefaultModelEmbedding": {"DEFAULT_MODEL_EMBEDDING", nil},
	"DefaultModelImage":     {"DEFAULT_MODEL_IMAGE", nil},
	"DefaultModelStt":       {"DEFAULT_MODEL_STT", nil},
	"DefaultModelTts":       {"DEFAULT_MODEL_TTS", nil},
}

// neverSettable are upstream keys refused outright.
var neverSettable = map[string]bool{"AuthToken": true, "JWTSecret": true, "StorageDir": true, "DatabaseUrl": true}

// EnvUpdate is the result of UpdateEnv: the applied keys (secrets masked
// as "******") and, if a key was refused, the messages (processing stops
// at the first refused key).
type EnvUpdate struct {
	NewValues map[string]string
	Error     string
}

// EnvSetting is one setting of an update, by upstream's key name (for
// example "OpenAiKey" or "GenericOpenAiBasePath").
type EnvSetting struct {
	Key, Value string
}

// UpdateEnv applies settings in order, as upstream: unknown keys are
// ignored, masked values ("******") skipped, and the first invalid key
// stops the update (earlier keys stay applied).
func (a *App) UpdateEnv(ctx context.Context, settings []EnvSetting) (*EnvUpdate, error) {
	out := &EnvUpdate{NewValues: map[string]string{}}
	for _, kv := range settings {
		key, v := kv.Key, kv.Value
		if neverSettable[key] {
			out.Error = "Cannot set this setting."
			break
		}
		s, ok := envSettings[key]
		if !ok {
			continue
		}
		if strings.Contains(v, "******") {
			continue
		}
		if strings.IndexFunc(v, func(r rune) bool { return unicode.IsControl(r) }) >= 0 {
			out.Error = fmt.Sprintf("%s cannot contain control characters", key)
			break
		}
		var msgs []string
		for _, check := range s.checks {
			if m := check(v); m != "" {
				msgs = append(msgs, m)
			}
		}
		if len(msgs) > 0 {
			out.Error = strings.Join(msgs, "\n")
			break
		}
		if err := a.deps.Store.Settings().Set(ctx, envLabelPrefix+s.env, v); err != nil {
			return nil, err
		}
		if _, secret := secretVars[key]; secret {
			// Never echo a secret: the mask is what clients send back to
			// mean "unchanged", so a round trip is harmless.
			v = "******"
		}
		out.NewValues[key] = v
	}
	a.overrides.invalidate()
	return out, nil
}

// overrideCache holds the stored env overrides, refreshed every few
// seconds so that changes made by another process are seen too.
type overrideCache struct {
	mu      sync.Mutex
	vals    map[string]string
	fetched time.Time
}

func (c *overrideCache) invalidate() {
	c.mu.Lock()
	c.fetched = time.Time{}
	c.mu.Unlock()
}

func (a *App) envOverrides(ctx context.Context) map[string]string {
	c := &a.overrides
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.vals != nil && time.Since(c.fetched) < 3*time.Second {
		return c.vals
	}
	vals := map[string]string{}
	if all, err := a.deps.Store.Settings().All(ctx); err == nil {
		for _, s := range all {
			if name, ok := strings.CutPrefix(s.Label, envLabelPrefix); ok {
				vals[name] = s.Value
			}
		}
	}
	c.vals, c.fetched = vals, time.Now()
	return vals
}

// Setting returns the effective value of a configuration variable, by its
// environment name (e.g. "LLM_PROVIDER", "OPEN_MODEL_PREF"): the value
// stored through update-env if there is one, else the process environment
// (Options.Env). Stored values are re-read at most every 3 seconds, and at
// once after an update through this App. Use it wherever a setting may be
// changed at run time, instead of reading the environment.
func (a *App) Setting(ctx context.Context, name string) string {
	return a.effectiveEnv(ctx, name)
}

// EffectiveSetting reads a configuration variable as an App would, before
// there is one: the value stored through update-env in settings, else
// getenv's. The stock binary picks its vector engine with it at start.
func EffectiveSetting(ctx context.Context, settings SettingsStore, getenv func(string) string, name string) (string, error) {
	v, err := settings.Get(ctx, envLabelPrefix+name)
	switch {
	case err == nil:
		return v, nil
	case Code(err) != NotFound:
		return "", err
	case getenv != nil:
		return getenv(name), nil
	}
	return "", nil
}

// effectiveEnv reads a setting: the stored override, else the environment.
func (a *App) effectiveEnv(ctx context.Context, name string) string {
	if v, ok := a.envOverrides(ctx)[name]; ok {
		return v
	}
	return a.env(name)
}

// overriddenLLM rebuilds the chat model when stored settings differ from
// the environment the default model was built from. It returns nil when
// nothing is overridden (use Deps.LLM).
func (a *App) overriddenLLM(ctx context.Context) (ChatModel, string, error) {
	ov := a.envOverrides(ctx)
	if len(ov) == 0 || a.opts.LLMFactory == nil {
		return nil, "", nil
	}
	sig := overridesSignature(ov)
	a.llmMu.Lock()
	defer a.llmMu.Unlock()
	if a.llmSig == sig && a.llmCached != nil {
		return a.llmCached, a.llmProvider, nil
	}
	getenv := func(name string) string { return a.effectiveEnv(ctx, name) }
	provider := cmp.Or(getenv("LLM_PROVIDER"), cmp.Or(a.opts.LLMProvider, "ollama"))
	m, err := a.opts.LLMFactory(provider, getenv)
	if err != nil {
		return nil, "", WrapError(Unavailable, err, "the configured LLM (%s) cannot be built: %v", provider, err)
	}
	a.llmSig, a.llmCached, a.llmProvider = sig, m, provider
	return m, provider, nil
}

// overridesSignature names a set of stored settings: a chat model built
// from them is reused while the signature stays the same.
func overridesSignature(ov map[string]string) string {
	var sig strings.Builder
	for _, k := range slices.Sorted(maps.Keys(ov)) {
		sig.WriteString(k + "=" + ov[k] + "\x00")
	}
	return sig.String()
}
