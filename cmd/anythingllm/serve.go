package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"runtime/debug"
	"strconv"
	"time"

	"github.com/anythingllm-go/anythingllm/httpapi"
)

// shutdownTimeout bounds how long in-flight requests may run after SIGINT
// or SIGTERM.
const shutdownTimeout = 30 * time.Second

func runServe(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "serve", "[--port N]", "Start the HTTP server. It migrates the database first and stops gracefully on\nSIGINT/SIGTERM, letting in-flight requests finish.")
	port := fs.Int("port", -1, "port to listen on (default: SERVER_PORT or 3001)")
	host := fs.String("host", "", "address to listen on (default: all interfaces)")
	if err := parse(e, fs, args); err != nil {
		return err
	}
	cfg, err := loadConfig(e.envFile)
	if err != nil {
		return err
	}
	if *port >= 0 {
		cfg.Port = *port
	}
	log := cfg.logger(e.stderr)
	cfg.loadIndex = true
	app, cleanup, err := initApp(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer cleanup()
	if err := bootstrapAdmin(ctx, app, cfg); err != nil {
		return fmt.Errorf("enabling multi-user mode from ANYTHINGLLM_ADMIN_USERNAME/PASSWORD: %w", err)
	}

	stopJobs, err := serveJobs(app, log, cfg.Env)
	if err != nil {
		return err
	}
	defer stopJobs()

	var redoc []byte
	if f := cfg.Env("REDOC_SCRIPT_FILE"); f != "" {
		if redoc, err = os.ReadFile(f); err != nil { // #nosec G304 -- a path the operator configured
			return fmt.Errorf("REDOC_SCRIPT_FILE: %w", err)
		}
	}
	opts := &httpapi.Options{Logger: log, MaxBodyBytes: cfg.MaxBodyBytes, MaxUploadBytes: cfg.MaxUploadBytes, RedocScript: redoc}
	if err := serverLimits(cfg.Env, opts); err != nil {
		return err
	}
	ln, err := net.Listen("tcp", net.JoinHostPort(*host, strconv.Itoa(cfg.Port)))
	if err != nil {
		return fmt.Errorf("listening on port %d: %w", cfg.Port, err)
	}
	srv := httpapi.NewHTTPServer(app, opts)
	srv.BaseContext = func(net.Listener) context.Context { return context.WithoutCancel(ctx) }
	log.Info("anythingllm listening", "addr", ln.Addr().String(), "version", version,
		"storage", cfg.StorageDir, "database", cfg.databaseLabel(), "llm_provider", cfg.LLMProvider,
		"bootstrap_key", cfg.BootstrapKey != "")

	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	// The index loads while the server already answers /api/ping;
	// searches wait for it.
	go func() {
		start := time.Now()
		n, err := app.LoadVectorIndex(ctx)
		if err != nil {
			log.Error("loading the vector index failed; vector search is unavailable", "err", err)
			return
		}
		log.Info("vector index ready", "vectors", n, "duration", time.Since(start))
		// Start-up (migrations, the OpenAPI document, the load's pages)
		// leaves freed heap that the runtime would hand back to the OS
		// only slowly; an idle server held twice the memory it needs.
		debug.FreeOSMemory()
	}()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	log.Info("shutting down; waiting for in-flight requests", "timeout", shutdownTimeout)
	sctx, cancel := context.WithTimeout(context.Background(), shutdownTimeout)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		return fmt.Errorf("graceful shutdown: %w", err)
	}
	if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	log.Info("stopped")
	return nil
}

// serverLimits reads the limits against slow and greedy clients from the
// environment (unset: httpapi's defaults):
//
//	STREAM_LIMIT_PER_KEY      open streams per API key (default 8; 0: no limit)
//	HTTP_MAX_HEADER_BYTES     request header block (default 65536; bigger: 431)
//	HTTP_READ_HEADER_TIMEOUT  reading the headers (default 10s)
//	HTTP_BODY_READ_TIMEOUT    reading a body, plus 1 s per HTTP_MIN_BODY_RATE bytes (default 30s)
//	HTTP_MIN_BODY_RATE        bytes per second (default 16384)
//	HTTP_STREAM_WRITE_TIMEOUT each write of a stream to a client that stopped reading (default 30s)
func serverLimits(getenv func(string) string, o *httpapi.Options) error {
	ints := []struct {
		name string
		set  func(int)
	}{
		{"STREAM_LIMIT_PER_KEY", func(n int) {
			o.StreamsPerKey = n
			if n == 0 {
				o.StreamsPerKey = -1 // 0 in the environment means no limit
			}
		}},
		{"HTTP_MAX_HEADER_BYTES", func(n int) { o.MaxHeaderBytes = n }},
		{"HTTP_MIN_BODY_RATE", func(n int) { o.MinBodyRate = int64(n) }},
	}
	for _, v := range ints {
		s := getenv(v.name)
		if s == "" {
			continue
		}
		n, err := strconv.Atoi(s)
		if err != nil || n < 0 || (n == 0 && v.name != "STREAM_LIMIT_PER_KEY") {
			return fmt.Errorf("%s must be a positive whole number, got %q", v.name, s)
		}
		v.set(n)
	}
	durations := []struct {
		name string
		dst  *time.Duration
	}{
		{"HTTP_READ_HEADER_TIMEOUT", &o.ReadHeaderTimeout},
		{"HTTP_BODY_READ_TIMEOUT", &o.BodyReadTimeout},
		{"HTTP_STREAM_WRITE_TIMEOUT", &o.StreamWriteTimeout},
	}
	for _, v := range durations {
		s := getenv(v.name)
		if s == "" {
			continue
		}
		d, err := time.ParseDuration(s)
		if err != nil || d <= 0 {
			return fmt.Errorf("%s must be a positive duration such as 30s, got %q", v.name, s)
		}
		*v.dst = d
	}
	return nil
}
