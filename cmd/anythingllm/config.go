package main

import (
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/joho/godotenv"
)

// Config is the binary's configuration, read from the environment with
// AnythingLLM's variable names (so an existing .env carries over) plus a few
// of ours. Secrets are kept out of String and logs.
type Config struct {
	StorageDir  string // STORAGE_DIR, default ./storage
	Port        int    // SERVER_PORT, default 3001
	DatabaseURL string // DATABASE_URL: postgres://... ; empty = SQLite in STORAGE_DIR
	// DatabaseMaxConns is DATABASE_MAX_CONNECTIONS: the connection pool's
	// size; default 20 for PostgreSQL, 8 for SQLite. Replicas times this
	// must stay under the server's max_connections.
	DatabaseMaxConns int
	// BlobStore is BLOB_STORE: file (under STORAGE_DIR), database, or
	// s3://BUCKET?endpoint=URL&region=R&prefix=P. Default: database with
	// PostgreSQL (so replicas share documents), file otherwise.
	BlobStore      string
	BootstrapKey   string // ANYTHINGLLM_API_KEY: an API key accepted without being stored
	LLMProvider    string // LLM_PROVIDER, default ollama
	MaxBodyBytes   int64  // MAX_BODY_BYTES, default 32 MiB
	MaxUploadBytes int64  // MAX_UPLOAD_BYTES, default 1 GiB
	LogLevel       string // LOG_LEVEL: debug, info (default), warn, error
	LogFormat      string // LOG_FORMAT: text (default) or json
	// DeletionProtection is WORKSPACE_DELETION_PROTECTION: set to anything,
	// workspace deletion is refused.
	DeletionProtection bool
	// LinkAllowedHosts is LINK_ALLOWED_HOSTS: comma-separated host names or
	// CIDR networks upload-link may fetch although they are private.
	LinkAllowedHosts []string
	// OverrideAllowedHosts is OPENAI_OVERRIDE_ALLOWED_HOSTS: comma-separated
	// host names or CIDR networks an X-OpenAI-Base-URL header may name.
	// Empty (the default): per-request overrides are refused.
	OverrideAllowedHosts []string
	// EmbeddingEngine is EMBEDDING_ENGINE; default native.
	EmbeddingEngine string
	Env             func(string) string

	loadIndex bool // serve loads the vector index at start

}

// Named types for wire: each config value has its own type.
type (
	// StorageDir is the root folder for the database and files.
	StorageDir string
	// DatabaseURL selects PostgreSQL when it is a postgres:// URL.
	DatabaseURL string
)

// loadConfig reads the optional .env file (the real environment wins) and
// then the environment.
func loadConfig(envFile string) (*Config, error) {
	if envFile != "" {
		if err := godotenv.Load(envFile); err != nil {
			return nil, fmt.Errorf("reading %s: %w", envFile, err)
		}
	} else if _, err := os.Stat(".env"); err == nil {
		if err := godotenv.Load(".env"); err != nil {
			return nil, fmt.Errorf("reading .env: %w", err)
		}
	}
	return configFrom(os.Getenv)
}

func configFrom(getenv func(string) string) (*Config, error) {
	c := &Config{
		StorageDir:     "./storage",
		Port:           3001,
		LLMProvider:    "ollama",
		MaxBodyBytes:   32 << 20,
		MaxUploadBytes: 1 << 30,
		LogLevel:       "info",
		LogFormat:      "text",
		Env:            getenv,
	}
	if v := getenv("STORAGE_DIR"); v != "" {
		c.StorageDir = v
	}
	abs, err := filepath.Abs(c.StorageDir)
	if err != nil {
		return nil, fmt.Errorf("STORAGE_DIR: %w", err)
	}
	c.StorageDir = abs
	if v := getenv("SERVER_PORT"); v != "" {
		p, err := strconv.Atoi(v)
		if err != nil || p < 0 || p > 65535 {
			return nil, fmt.Errorf("SERVER_PORT must be a port number, got %q", v)
		}
		c.Port = p
	}
	c.DatabaseURL = getenv("DATABASE_URL")
	if c.DatabaseURL != "" && !strings.HasPrefix(c.DatabaseURL, "postgres://") && !strings.HasPrefix(c.DatabaseURL, "postgresql://") {
		return nil, fmt.Errorf("DATABASE_URL must be a postgres:// URL (leave it unset for SQLite in STORAGE_DIR)")
	}
	if v := getenv("DATABASE_MAX_CONNECTIONS"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			return nil, fmt.Errorf("DATABASE_MAX_CONNECTIONS must be a positive number, got %q", v)
		}
		c.DatabaseMaxConns = n
	}
	c.BlobStore = strings.TrimSpace(getenv("BLOB_STORE"))
	if c.BlobStore == "" {
		c.BlobStore = blobFile
		if c.DatabaseURL != "" {
			c.BlobStore = blobDatabase
		}
	}
	if err := checkBlobSpec(c.BlobStore); err != nil {
		return nil, fmt.Errorf("BLOB_STORE: %w", err)
	}
	c.BootstrapKey = strings.TrimSpace(getenv("ANYTHINGLLM_API_KEY"))
	c.DeletionProtection = getenv("WORKSPACE_DELETION_PROTECTION") != ""
	c.EmbeddingEngine = getenv("EMBEDDING_ENGINE")
	for _, h := range strings.Split(getenv("LINK_ALLOWED_HOSTS"), ",") {
		if h = strings.TrimSpace(h); h != "" {
			c.LinkAllowedHosts = append(c.LinkAllowedHosts, h)
		}
	}
	for _, h := range strings.Split(getenv("OPENAI_OVERRIDE_ALLOWED_HOSTS"), ",") {
		if h = strings.TrimSpace(h); h != "" {
			c.OverrideAllowedHosts = append(c.OverrideAllowedHosts, h)
		}
	}
	if v := getenv("LLM_PROVIDER"); v != "" {
		c.LLMProvider = v
	}
	for name, dst := range map[string]*int64{"MAX_BODY_BYTES": &c.MaxBodyBytes, "MAX_UPLOAD_BYTES": &c.MaxUploadBytes} {
		if v := getenv(name); v != "" {
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil || n <= 0 {
				return nil, fmt.Errorf("%s must be a positive number of bytes, got %q", name, v)
			}
			*dst = n
		}
	}
	if v := getenv("LOG_LEVEL"); v != "" {
		c.LogLevel = strings.ToLower(v)
	}
	if v := getenv("LOG_FORMAT"); v != "" {
		c.LogFormat = strings.ToLower(v)
	}
	if c.LogFormat != "text" && c.LogFormat != "json" {
		return nil, fmt.Errorf("LOG_FORMAT must be text or json, got %q", c.LogFormat)
	}
	return c, nil
}

// dsn is the database to open.
func (c *Config) dsn() string {
	if c.DatabaseURL != "" {
		return c.DatabaseURL
	}
	return filepath.Join(c.StorageDir, "anythingllm.db")
}

// databaseLabel names the database without credentials, for logs.
func (c *Config) databaseLabel() string {
	if c.DatabaseURL == "" {
		return "sqlite:" + c.dsn()
	}
	i := strings.Index(c.DatabaseURL, "@")
	if i < 0 {
		return "postgres"
	}
	host := c.DatabaseURL[i+1:]
	if j := strings.IndexAny(host, "?"); j >= 0 {
		host = host[:j]
	}
	return "postgres://" + host
}

func (c *Config) logger(w io.Writer) *slog.Logger {
	var level slog.Level
	switch c.LogLevel {
	case "debug":
		level = slog.LevelDebug
	case "warn", "warning":
		level = slog.LevelWarn
	case "error":
		level = slog.LevelError
	}
	opts := &slog.HandlerOptions{Level: level}
	if c.LogFormat == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}
