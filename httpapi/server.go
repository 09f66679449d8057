// Package httpapi serves an *anythingllm.App over HTTP with AnythingLLM's
// developer API: the same routes, JSON bodies, status codes and stream
// events, so existing clients work unchanged.
//
//	app, _ := anythingllm.New(deps, nil)
//	http.ListenAndServe(":3001", httpapi.NewServer(app, nil))
//
// Every route is listed in routes.go; errors are mapped to statuses in
// errors.go. Handlers only decode, validate, call the App and encode.
package httpapi

import (
	"log/slog"
	"net/http"
	"time"

	"github.com/anythingllm-go/anythingllm/anythingllm"
)

// Options tune the server. A nil *Options means the defaults.
type Options struct {
	// Logger receives one line per request and every recovered panic;
	// default: the App's logger.
	Logger *slog.Logger
	// MaxBodyBytes limits JSON request bodies; default 32 MiB.
	MaxBodyBytes int64
	// MaxUploadBytes limits multipart uploads; default 1 GiB.
	MaxUploadBytes int64
	// RedocScript is ReDoc's standalone bundle (redoc.standalone.js from
	// the npm package "redoc"), served with the page at /api/redoc/ so it
	// works offline. Nil loads the bundle from ReDoc's CDN in the browser
	// (RedocCDN); no ReDoc is built into this module.
	RedocScript []byte

	// StreamsPerKey caps the streams (stream-chat, OpenAI-compatible chat
	// with stream:true) one API key may hold open at once; one more is
	// answered 429 with Retry-After. 0 means 8; a negative value, no cap.
	StreamsPerKey int
	// BodyReadTimeout bounds reading a request body: this long from the
	// request's start, plus one second per MinBodyRate bytes received; a
	// slower body is answered 408 and its connection closed. 0 means 30 s;
	// a negative value, no deadline.
	BodyReadTimeout time.Duration
	// MinBodyRate is in bytes per second; 0 means 16 KiB/s.
	MinBodyRate int64
	// StreamWriteTimeout bounds each write of a stream: a client that
	// stops reading is dropped after it. 0 means 30 s; negative, none.
	StreamWriteTimeout time.Duration

	// Connection limits, used by NewHTTPServer only (a handler cannot
	// set them): ReadHeaderTimeout (0 means 10 s), MaxHeaderBytes (0
	// means 64 KiB; net/http answers a bigger header block with 431) and
	// IdleTimeout (0 means 2 min).
	ReadHeaderTimeout time.Duration
	MaxHeaderBytes    int
	IdleTimeout       time.Duration
}

const (
	defaultMaxBodyBytes   = 32 << 20
	defaultMaxUploadBytes = 1 << 30
)

// server holds what handlers share.
type server struct {
	app  *anythingllm.App
	log  *slog.Logger
	opts Options

	streams *streamLimiter

	schema    *schemaDocument // the OpenAPI document, built once
	schemaErr error
}

// NewServer returns the HTTP handler for app.
func NewServer(app *anythingllm.App, opts *Options) http.Handler {
	s := &server{app: app}
	if opts != nil {
		s.opts = *opts
	}
	if s.opts.MaxBodyBytes <= 0 {
		s.opts.MaxBodyBytes = defaultMaxBodyBytes
	}
	if s.opts.MaxUploadBytes <= 0 {
		s.opts.MaxUploadBytes = defaultMaxUploadBytes
	}
	s.opts.limitsDefaults()
	s.streams = &streamLimiter{limit: s.opts.StreamsPerKey, open: map[string]int{}}
	s.log = s.opts.Logger
	if s.log == nil {
		s.log = app.Logger()
	}
	s.schema, s.schemaErr = newSchemaDocument(s.routes())
	if s.schemaErr != nil {
		s.log.Error("building the OpenAPI document failed", "err", s.schemaErr)
	}
	mux := http.NewServeMux()
	s.addRoutes(mux)
	return s.middleware(mux)
}
