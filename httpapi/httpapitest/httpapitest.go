// Package httpapitest runs an httpapi server on loopback for tests: an App
// on in-memory parts (or the ones you pass), an API key, and helpers to
// call it.
//
//	env := httpapitest.New(t, nil)
//	var out struct{ Authenticated bool }
//	status := env.DoJSON(t, "GET", "/api/v1/auth", nil, &out)
package httpapitest

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/anythingllm-go/anythingllm/anythingllm"
	"github.com/anythingllm-go/anythingllm/httpapi"
	"github.com/anythingllm-go/anythingllm/storage/blobstore"
	"github.com/anythingllm-go/anythingllm/storage/memstore"
)

// Options change the test server. A nil *Options means all defaults.
type Options struct {
	// Deps are the App's parts; nil Store and Blobs default to memory.
	Deps anythingllm.Deps
	// App options; nil means defaults.
	App *anythingllm.Options
	// Server options; nil means defaults.
	Server *httpapi.Options
	// Logger receives the server's logs; default discards them.
	Logger *slog.Logger
	// NoSchemaCheck turns off validating every response against the
	// server's OpenAPI document (on by default).
	NoSchemaCheck bool
}

// Env is a running test server.
type Env struct {
	App    *anythingllm.App
	Server *httptest.Server
	URL    string // base URL, e.g. http://127.0.0.1:PORT
	Key    string // a valid API key
}

// New starts a server; it is closed when the test ends.
func New(t testing.TB, opts *Options) *Env {
	t.Helper()
	var o Options
	if opts != nil {
		o = *opts
	}
	deps := o.Deps
	if deps.Store == nil {
		deps.Store = memstore.New()
	}
	if deps.Blobs == nil {
		deps.Blobs = blobstore.NewMemory()
	}
	if deps.Logger == nil {
		deps.Logger = o.Logger
	}
	if deps.Logger == nil {
		deps.Logger = slog.New(slog.DiscardHandler)
	}
	app, err := anythingllm.New(deps, o.App)
	if err != nil {
		t.Fatal(err)
	}
	_, key, err := app.CreateAPIKey(context.Background(), &anythingllm.CreateAPIKeyRequest{Name: "test"})
	if err != nil {
		t.Fatal(err)
	}
	var h http.Handler = httpapi.NewServer(app, o.Server)
	if !o.NoSchemaCheck {
		h = &schemaValidator{t: t, next: h}
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return &Env{App: app, Server: srv, URL: srv.URL, Key: key}
}

// Do sends a request with the API key. body is sent as JSON unless it is
// an io.Reader or nil.
func (e *Env) Do(t testing.TB, method, path string, body any) *http.Response {
	t.Helper()
	return e.DoWith(t, method, path, body, http.Header{"Authorization": {"Bearer " + e.Key}})
}

// DoWith sends a request with exactly the given headers.
func (e *Env) DoWith(t testing.TB, method, path string, body any, h http.Header) *http.Response {
	t.Helper()
	var r io.Reader
	ctype := ""
	switch b := body.(type) {
	case nil:
	case io.Reader:
		r = b
	default:
		buf, err := json.Marshal(b)
		if err != nil {
			t.Fatal(err)
		}
		r, ctype = bytes.NewReader(buf), "application/json"
	}
	req, err := http.NewRequest(method, e.URL+path, r)
	if err != nil {
		t.Fatal(err)
	}
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	for k, v := range h {
		req.Header[k] = v
	}
	resp, err := e.Server.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	return resp
}

// DoJSON sends a request with the API key, decodes a JSON answer into out
// (if non-nil) and returns the status.
func (e *Env) DoJSON(t testing.TB, method, path string, body, out any) int {
	t.Helper()
	resp := e.Do(t, method, path, body)
	defer resp.Body.Close()
	if out != nil {
		if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
			t.Fatalf("%s %s: decoding the %d answer: %v", method, path, resp.StatusCode, err)
		}
	}
	return resp.StatusCode
}

// Body reads and closes a response body.
func Body(t testing.TB, resp *http.Response) string {
	t.Helper()
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
