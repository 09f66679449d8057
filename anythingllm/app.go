package anythingllm

import (
	"crypto/sha256"
	"errors"
	"log/slog"
	"net/http"
	"sync"
	"time"
)

// Deps are the parts an App is built from. Store is required; the others
// have defaults or disable the features that need them (a nil Embedder
// makes embedding and vector search answer ErrUnavailable).
type Deps struct {
	Store    Store       // SQL: workspaces, chats, documents, vectors, users, keys, settings
	Vectors  VectorStore // the in-memory index serving vector search
	Blobs    BlobStore   // files under STORAGE_DIR: documents/, vector-cache/, ...
	Embedder Embedder
	LLM      ChatModel            // the default chat model (LLM_PROVIDER)
	LLMs     map[string]ChatModel // more chat models by provider name, for per-workspace choice
	Images   ImageGenerator
	STT      Transcriber       // speech to text (/api/stt/transcribe)
	TTS      SpeechSynthesizer // text to speech (/api/tts)
	Parser   FileParser        // binary formats (office, PDF, mail); nil = plain text only
	// FileRoots are the Files API's stores by root name (RootFiles,
	// RootAssets, RootPfp, ...); a missing root answers ErrUnavailable.
	FileRoots map[string]BlobStore
	Tokenizer Tokenizer
	Logger    *slog.Logger
}

// Options tune an App. A nil *Options, and every zero field, means the
// default.
type Options struct {
	// Now is the clock; default time.Now.
	Now func() time.Time
	// BootstrapAPIKey, when set, is accepted as an API key besides the
	// stored ones. Only its hash is kept. For container deployments that
	// cannot run `anythingllm apikey create` first.
	BootstrapAPIKey string
	// LLMProvider names Deps.LLM, e.g. "ollama" or "openai".
	LLMProvider string
	// Env reads the process environment (for GET /v1/system); nil reports
	// nothing from it.
	Env func(string) string
	// WorkspaceDeletionProtection refuses every workspace deletion
	// (upstream's WORKSPACE_DELETION_PROTECTION).
	WorkspaceDeletionProtection bool
	// EmbedBatchSize is how many chunks go to the embedder per call;
	// default 500.
	EmbedBatchSize int
	// EmbedConcurrency is how many embedder calls run at once; default 2.
	EmbedConcurrency int
	// MaxRetries is how many times a provider call (a chat, the start of a
	// stream, an embedding batch) that failed with RateLimited or
	// Unavailable is retried; default DefaultMaxRetries, negative: never.
	MaxRetries int
	// RetryDelay is the first pause before a retry (doubling); default
	// 500 ms.
	RetryDelay time.Duration
	// LoadIndexAtStart says LoadVectorIndex will be called: until it
	// finishes, searches wait for it.
	LoadIndexAtStart bool
	// LinkAllowedHosts are host names or CIDR networks upload-link may
	// fetch although they are private (intranet sites, on purpose).
	LinkAllowedHosts []string
	// LinkClient replaces the upload-link HTTP client (tests).
	LinkClient *http.Client
	// LLMFactory builds a chat model from a provider name and settings;
	// with it, settings changed through update-env take effect at once.
	LLMFactory func(provider string, getenv func(string) string) (ChatModel, error)
	// Override, when set, builds providers for the X-OpenAI-Base-URL and
	// X-OpenAI-Key headers of the /api/llm, /api/embedding and /api/image
	// routes. Nil refuses such requests.
	Override OverrideFunc
	// Connectors are the document sources ImportFromConnector, the ext/
	// routes and live sync use, by Name (see connectors/all). None: those
	// answer Unimplemented.
	Connectors []Connector
	// PayloadCipher encrypts credentials in chunkSources (SIG_KEY and
	// SIG_SALT); nil: credentialed imports store no token.
	PayloadCipher PayloadCipher
}

// App is the portable core: it owns every policy (RAG pipeline, prompts,
// token budgets, chunking, citations, provider choice, ingestion) and talks
// to the world only through the interfaces in Deps. It is safe for
// concurrent use. Build one with New.
type App struct {
	deps Deps
	opts Options
	log  *slog.Logger

	bootstrapHash []byte // sha256 of Options.BootstrapAPIKey, or nil

	overrides   overrideCache
	llmMu       sync.Mutex
	llmSig      string
	llmCached   ChatModel
	llmProvider string
	perProvider map[string]ChatModel

	linkOnce sync.Once
	link     *http.Client

	index struct {
		indexState
		once sync.Once
	}
}

// New builds an App. It does not start background work.
func New(deps Deps, opts *Options) (*App, error) {
	if deps.Store == nil {
		return nil, errors.New("anythingllm: Deps.Store is required")
	}
	a := &App{deps: deps}
	if opts != nil {
		a.opts = *opts
	}
	if a.opts.Now == nil {
		a.opts.Now = time.Now
	}
	a.index.done = make(chan struct{})
	a.log = deps.Logger
	if a.log == nil {
		a.log = slog.New(slog.DiscardHandler)
	}
	if k := a.opts.BootstrapAPIKey; k != "" {
		h := sha256.Sum256([]byte(k))
		a.bootstrapHash = h[:]
	}
	return a, nil
}

// Store returns the App's store, for callers that need raw access (CLI
// tools, migrations, tests).
func (a *App) Store() Store { return a.deps.Store }

// Logger returns the App's logger.
func (a *App) Logger() *slog.Logger { return a.log }

// now returns the current time in UTC, cut to milliseconds so that every
// store round-trips it exactly.
func (a *App) now() time.Time { return a.opts.Now().UTC().Truncate(time.Millisecond) }

// Now is the App's clock, in UTC.
func (a *App) Now() time.Time { return a.now() }
