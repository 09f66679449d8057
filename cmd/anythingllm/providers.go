package main

import (
	"cmp"
	"context"
	"fmt"
	"log/slog"
	"path/filepath"
	"strconv"

	"github.com/anythingllm-go/anythingllm/anythingllm"
	"github.com/anythingllm-go/anythingllm/anythingllm/collector"
	"github.com/anythingllm-go/anythingllm/anythingllm/tokenizer"
	"github.com/anythingllm-go/anythingllm/connectors/all"
	"github.com/anythingllm-go/anythingllm/providers/native"
	"github.com/anythingllm-go/anythingllm/providers/ollama"
	"github.com/anythingllm-go/anythingllm/providers/openai"
	"github.com/anythingllm-go/anythingllm/storage/bunstore"
	"github.com/anythingllm-go/anythingllm/vectordb/follow"
)

// Provider functions for the wire injector in wire.go. Each builds one
// part from the Config; cleanups close what they open.

// provideStore opens the database (SQLite in STORAGE_DIR, or DATABASE_URL)
// and migrates it.
func provideStore(ctx context.Context, cfg *Config) (*bunstore.Store, func(), error) {
	st, err := openStore(ctx, cfg)
	if err != nil {
		return nil, nil, err
	}
	return st, func() { _ = st.Close() }, nil
}

// configAndStore loads the configuration and opens the (migrated)
// database, for the commands that need no App.
func configAndStore(ctx context.Context, e *env) (*Config, *bunstore.Store, error) {
	cfg, err := loadConfig(e.envFile)
	if err != nil {
		return nil, nil, err
	}
	st, err := openStore(ctx, cfg)
	if err != nil {
		return nil, nil, err
	}
	return cfg, st, nil
}

func openStore(ctx context.Context, cfg *Config) (*bunstore.Store, error) {
	st, err := bunstore.Open(ctx, cfg.dsn(), &bunstore.Options{MaxOpenConns: cfg.DatabaseMaxConns})
	if err != nil {
		return nil, fmt.Errorf("opening the database (%s): %w", cfg.databaseLabel(), err)
	}
	if err := st.Migrate(ctx); err != nil {
		_ = st.Close()
		return nil, fmt.Errorf("migrating the database (%s): %w", cfg.databaseLabel(), err)
	}
	return st, nil
}

// provideOptions maps the configuration to App options.
func provideOptions(cfg *Config) *anythingllm.Options {
	return &anythingllm.Options{
		BootstrapAPIKey:  cfg.BootstrapKey,
		LLMProvider:      cfg.LLMProvider,
		LoadIndexAtStart: cfg.loadIndex,

		WorkspaceDeletionProtection: cfg.DeletionProtection,
		EmbedBatchSize:              atoi(cfg.Env("EMBEDDING_BATCH_SIZE")),
		EmbedConcurrency:            atoi(cfg.Env("EMBEDDING_CONCURRENCY")),
		Env:                         cfg.Env,
		LinkAllowedHosts:            cfg.LinkAllowedHosts,
		LLMFactory:                  llmFromEnv,
		Connectors:                  all.New(nil),
		PayloadCipher:               payloadCipher(cfg),
		Override:                    overrides(cfg),
	}
}

// overrides enables the X-OpenAI-Base-URL and X-OpenAI-Key headers when
// OPENAI_OVERRIDE_ALLOWED_HOSTS lists hosts; nil (refused) otherwise.
func overrides(cfg *Config) anythingllm.OverrideFunc {
	if len(cfg.OverrideAllowedHosts) == 0 {
		return nil
	}
	def, err := openai.MediaFromEnv(cfg.LLMProvider, cfg.Env)
	if err != nil {
		def = nil
	}
	return openai.Overrides(&openai.OverrideOptions{AllowedHosts: cfg.OverrideAllowedHosts, Default: def})
}

// payloadCipher encrypts connector credentials from SIG_KEY and SIG_SALT;
// missing or "null" values mean none (nothing is written to .env).
func payloadCipher(cfg *Config) anythingllm.PayloadCipher {
	c, err := all.CipherFromEnv(cfg.Env)
	if err != nil || c == nil {
		return nil
	}
	return c
}

// provideVectors is the vector store VECTOR_DB names. An in-process index
// (flat, the default; chromem; memory) is rebuilt from SQL at start: for
// serve it is a vectordb/follow index, loaded by App.LoadVectorIndex, then
// following the database's vector change log, so every replica (and the
// CLI beside it) sees the documents any of them adds or removes. An
// external engine (pgvector, weaviate) is shared by every replica as it
// is: no load, no change feed; `anythingllm vectors reindex` fills it.
func provideVectors(ctx context.Context, cfg *Config, store *bunstore.Store, logger *slog.Logger) (anythingllm.VectorStore, func(), error) {
	eng, err := chooseVectorEngine(ctx, cfg, store)
	if err != nil {
		return nil, nil, err
	}
	logger.Info("vector database", "engine", eng.name, "quantize", cmp.Or(eng.quantize, "none"))
	if eng.external() {
		v := &lazyEngine{name: eng.name, open: eng.open}
		x := &externalIndex{VectorStore: v, name: eng.name, docs: store.Documents(), logger: logger}
		return x, func() { _ = v.Close() }, nil
	}
	if !cfg.loadIndex {
		v := eng.mk()
		return v, func() { _ = v.Close() }, nil
	}
	idx := follow.New(store, eng.mk, &follow.Options{Logger: logger, Snapshot: snapshotPath(cfg)})
	rctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := idx.Run(rctx); err != nil {
			logger.Error("following the vector change log failed; this process will not see other processes' document changes", "err", err)
		}
	}()
	return idx, func() {
		cancel()
		<-done
		_ = idx.Close()
	}, nil
}

// snapshotPath is where serve keeps its vector index snapshot:
// VECTOR_SNAPSHOT (a path, or "off"), by default vector-index.snapshot in
// STORAGE_DIR, each replica's own disk.
func snapshotPath(cfg *Config) string {
	switch p := cfg.Env("VECTOR_SNAPSHOT"); p {
	case "off":
		return ""
	case "":
		return filepath.Join(cfg.StorageDir, "vector-index.snapshot")
	default:
		return p
	}
}

// provideEmbedder picks the embedder from EMBEDDING_ENGINE.
func provideEmbedder(cfg *Config) (anythingllm.Embedder, error) {
	switch cfg.EmbeddingEngine {
	case "", "native":
		return native.New(), nil
	}
	if cfg.EmbeddingEngine == "ollama" {
		return ollama.EmbedderFromEnv(cfg.Env)
	}
	e, err := openai.EmbedderFromEnv(cfg.EmbeddingEngine, cfg.Env)
	if err != nil {
		return nil, err
	}
	return e, nil
}

// llmFromEnv builds a chat model: Ollama through its native API, every
// other provider through the OpenAI-compatible client.
func llmFromEnv(provider string, getenv func(string) string) (anythingllm.ChatModel, error) {
	if provider == "ollama" {
		return ollama.FromEnv(getenv)
	}
	return openai.FromEnv(provider, getenv)
}

// provideLLM builds the chat model from LLM_PROVIDER and its variables.
// Nothing is contacted at start: a chat while the LLM is unreachable
// answers an error naming the provider and its URL.
func provideLLM(cfg *Config) (anythingllm.ChatModel, error) {
	return llmFromEnv(cfg.LLMProvider, cfg.Env)
}

// provideImages, provideSTT and provideTTS build the image generator,
// transcriber and speech synthesizer from LLM_PROVIDER (an
// OpenAI-compatible one) or OPEN_AI_KEY; none leaves those routes
// answering 503.
func provideImages(cfg *Config) (anythingllm.ImageGenerator, error) {
	c, err := openai.MediaFromEnv(cfg.LLMProvider, cfg.Env)
	if err != nil || c == nil {
		return nil, err
	}
	return c, nil
}

func provideSTT(cfg *Config) (anythingllm.Transcriber, error) {
	c, err := openai.MediaFromEnv(cfg.LLMProvider, cfg.Env)
	if err != nil || c == nil {
		return nil, err
	}
	return c, nil
}

func provideTTS(cfg *Config) (anythingllm.SpeechSynthesizer, error) {
	c, err := openai.MediaFromEnv(cfg.LLMProvider, cfg.Env)
	if err != nil || c == nil {
		return nil, err
	}
	return c, nil
}

// provideParser is the collector for binary formats (office, EPUB, mail, PDF).
func provideParser(cfg *Config) (*collector.Collector, func()) {
	// The PDF engine's compiled WebAssembly is cached under STORAGE_DIR, so
	// only the first PDF ever parsed pays the ~4 s compile.
	c := collector.New(&collector.Options{CacheDir: filepath.Join(cfg.StorageDir, "cache", "wazero")})
	return c, func() { _ = c.Close() }
}

// provideTokenizer is the offline cl100k_base tokenizer.
func provideTokenizer() *tokenizer.Tokenizer { return tokenizer.New() }

// atoi reads an optional positive number; anything else means the default.
func atoi(s string) int {
	n, err := strconv.Atoi(s)
	if err != nil || n < 0 {
		return 0
	}
	return n
}
