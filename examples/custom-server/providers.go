package main

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"path/filepath"
	"time"

	"github.com/anythingllm-go/anythingllm/anythingllm"
	"github.com/anythingllm-go/anythingllm/httpapi"
	"github.com/anythingllm-go/anythingllm/providers/native"
	"github.com/anythingllm-go/anythingllm/providers/openai"
	"github.com/anythingllm-go/anythingllm/storage/blobstore"
	"github.com/anythingllm-go/anythingllm/storage/bunstore"
	"github.com/anythingllm-go/anythingllm/vectordb/flatvec"
)

// Config chooses where the server keeps its data and which LLM it asks.
type Config struct {
	StorageDir    string // SQLite database and files
	OpenAIBaseURL string // any OpenAI-compatible server, e.g. http://127.0.0.1:8080/v1
	OpenAIKey     string
	Model         string // "" = the provider's default
	APIKey        string // accepted as an API key besides stored ones ("" = none)
	Logger        *slog.Logger
}

// Server is what the injector builds: the App and the HTTP handler that
// serves it.
type Server struct {
	App     *anythingllm.App
	Handler http.Handler
}

// Provider functions for the injector in wire.go. Each builds one part;
// cleanups close what they open.

func provideLogger(cfg Config) *slog.Logger {
	if cfg.Logger != nil {
		return cfg.Logger
	}
	return slog.Default()
}

// provideStore opens (and migrates) the SQLite database in StorageDir.
func provideStore(ctx context.Context, cfg Config) (*bunstore.Store, func(), error) {
	st, err := bunstore.OpenDir(ctx, cfg.StorageDir, nil)
	if err != nil {
		return nil, nil, fmt.Errorf("opening the database in %s: %w", cfg.StorageDir, err)
	}
	if err := st.Migrate(ctx); err != nil {
		_ = st.Close()
		return nil, nil, fmt.Errorf("migrating the database: %w", err)
	}
	return st, func() { _ = st.Close() }, nil
}

// provideBlobs keeps documents and files under StorageDir/files.
func provideBlobs(cfg Config) (*blobstore.FS, func(), error) {
	fs, err := blobstore.NewFS(filepath.Join(cfg.StorageDir, "files"), nil)
	if err != nil {
		return nil, nil, err
	}
	return fs, func() { _ = fs.Close() }, nil
}

// provideVectors is the in-memory flat index; run fills it from SQL.
func provideVectors() (*flatvec.Store, func()) {
	v := flatvec.New(nil)
	return v, func() { _ = v.Close() }
}

// provideEmbedder is the offline embedder: no model server needed.
func provideEmbedder() *native.Embedder { return native.New() }

// provideChatModel is an OpenAI-compatible chat model.
func provideChatModel(cfg Config) (*openai.Client, error) {
	return openai.New(&openai.Options{BaseURL: cfg.OpenAIBaseURL, APIKey: cfg.OpenAIKey, Model: cfg.Model, Provider: "generic-openai"})
}

func provideOptions(cfg Config) *anythingllm.Options {
	return &anythingllm.Options{LLMProvider: "generic-openai", BootstrapAPIKey: cfg.APIKey}
}

// provideHandler puts a custom route beside the stock API and wraps the
// API in a middleware.
func provideHandler(app *anythingllm.App, logger *slog.Logger) http.Handler {
	mux := http.NewServeMux()
	mux.Handle("/api/", logRequests(logger, httpapi.NewServer(app, nil)))
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		vectors, err := app.VectorCount(r.Context())
		w.Header().Set("Content-Type", "application/json")
		if err != nil {
			w.WriteHeader(http.StatusServiceUnavailable)
			_ = json.NewEncoder(w).Encode(map[string]string{"status": "down", "error": anythingllm.ErrorMessage(err)})
			return
		}
		_ = json.NewEncoder(w).Encode(map[string]any{"status": "ok", "vectors": vectors})
	})
	return mux
}

// logRequests is the middleware: it names the server in a header and logs
// every API request with its status and duration.
func logRequests(logger *slog.Logger, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		w.Header().Set("X-Served-By", "custom-server")
		rec := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
		next.ServeHTTP(rec, r)
		logger.Info("api", "method", r.Method, "path", r.URL.Path, "status", rec.status, "took", time.Since(start))
	})
}

type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (s *statusRecorder) WriteHeader(code int) {
	s.status = code
	s.ResponseWriter.WriteHeader(code)
}

// Unwrap lets http.ResponseController reach Flush for streamed chats.
func (s *statusRecorder) Unwrap() http.ResponseWriter { return s.ResponseWriter }
