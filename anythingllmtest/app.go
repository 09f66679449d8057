package anythingllmtest

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
	"github.com/anythingllm-go/anythingllm/anythingllm/tokenizer"
	"github.com/anythingllm-go/anythingllm/httpapi"
	"github.com/anythingllm-go/anythingllm/providers/native"
	"github.com/anythingllm-go/anythingllm/storage/blobstore"
	"github.com/anythingllm-go/anythingllm/storage/memstore"
	"github.com/anythingllm-go/anythingllm/vectordb/flatvec"
)

// Provider is the LLM provider name the kit's App reports for its chat
// model (in chat metrics, for example).
const Provider = "anythingllmtest"

// config is what the options set.
type config struct {
	deps       anythingllm.Deps
	opts       anythingllm.Options
	workspaces []string
	server     *httpapi.Options
}

// Option changes what [NewApp] and [NewServer] build.
type Option func(*config)

// WithChatModel makes m the App's chat model (default: a new [ChatModel]).
func WithChatModel(m anythingllm.ChatModel) Option {
	return func(c *config) { c.deps.LLM = m }
}

// WithEmbedder makes e the App's embedder (default: the offline native
// embedder, providers/native).
func WithEmbedder(e anythingllm.Embedder) Option {
	return func(c *config) { c.deps.Embedder = e }
}

// WithDeps lets f change any of the App's parts after the defaults are
// set, e.g. to use a bunstore on a temporary directory or add FileRoots.
func WithDeps(f func(*anythingllm.Deps)) Option {
	return func(c *config) { f(&c.deps) }
}

// WithOptions lets f change the App's options (a fixed clock, batch sizes,
// ...).
func WithOptions(f func(*anythingllm.Options)) Option {
	return func(c *config) { f(&c.opts) }
}

// WithWorkspace creates workspaces with these names (slugs are the names
// slugified: "My docs" -> "my-docs") before the App is returned.
func WithWorkspace(names ...string) Option {
	return func(c *config) { c.workspaces = append(c.workspaces, names...) }
}

// WithServerOptions sets the httpapi options of [NewServer].
func WithServerOptions(o *httpapi.Options) Option {
	return func(c *config) { c.server = o }
}

func build(t testing.TB, opts []Option) (*anythingllm.App, *config) {
	t.Helper()
	vectors := flatvec.New(nil)
	c := &config{
		deps: anythingllm.Deps{
			Store:     memstore.New(),
			Blobs:     blobstore.NewMemory(),
			Vectors:   vectors,
			Embedder:  native.New(),
			Tokenizer: tokenizer.New(),
			LLM:       NewChatModel(),
			Logger:    slog.New(slog.DiscardHandler),
		},
		opts: anythingllm.Options{LLMProvider: Provider},
	}
	for _, o := range opts {
		o(c)
	}
	app, err := anythingllm.New(c.deps, &c.opts)
	if err != nil {
		t.Fatalf("anythingllmtest: %v", err)
	}
	t.Cleanup(func() { _ = vectors.Close() }) // the parts passed in are the caller's to close
	for _, name := range c.workspaces {
		if _, err := app.CreateWorkspace(context.Background(), &anythingllm.WorkspaceSettings{Name: new(name)}); err != nil {
			t.Fatalf("anythingllmtest: creating workspace %q: %v", name, err)
		}
	}
	return app, c
}

// NewApp returns an App on in-memory parts: memstore, an in-memory blob
// store, the flatvec index, the offline native embedder, the stock
// tokenizer and a scripted [ChatModel] (unless options replace them). It
// touches no network and no disk; what it holds is released when the test
// ends.
func NewApp(t testing.TB, opts ...Option) *anythingllm.App {
	t.Helper()
	app, _ := build(t, opts)
	return app
}

// Server is the App served over HTTP on loopback by [NewServer].
type Server struct {
	URL   string           // the server root, e.g. http://127.0.0.1:PORT; routes are under URL + "/api"
	Key   string           // a valid API key
	App   *anythingllm.App // the App behind the server
	Model *ChatModel       // the scripted chat model, or nil if WithChatModel set another kind
	HTTP  *httptest.Server // the underlying test server
}

// NewServer starts the stock API (httpapi.NewServer) over [NewApp]'s App on
// a loopback port and creates an API key for it. The server is closed when
// the test ends.
func NewServer(t testing.TB, opts ...Option) *Server {
	t.Helper()
	app, c := build(t, opts)
	_, key, err := app.CreateAPIKey(context.Background(), &anythingllm.CreateAPIKeyRequest{Name: "anythingllmtest"})
	if err != nil {
		t.Fatalf("anythingllmtest: creating an API key: %v", err)
	}
	hs := httptest.NewServer(httpapi.NewServer(app, c.server))
	t.Cleanup(hs.Close)
	m, _ := c.deps.LLM.(*ChatModel)
	return &Server{URL: hs.URL, Key: key, App: app, Model: m, HTTP: hs}
}

// Client returns an HTTP client that sends the server's API key with every
// request.
func (s *Server) Client() *http.Client {
	base := s.HTTP.Client()
	return &http.Client{Transport: &keyTransport{key: s.Key, next: base.Transport}}
}

type keyTransport struct {
	key  string
	next http.RoundTripper
}

func (k *keyTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.Header.Get("Authorization") == "" {
		r = r.Clone(r.Context())
		r.Header.Set("Authorization", "Bearer "+k.key)
	}
	return k.next.RoundTrip(r)
}

// Do sends a request to path (e.g. "/api/v1/workspaces") with the API key.
// body is sent as JSON unless it is nil or an io.Reader.
func (s *Server) Do(ctx context.Context, method, path string, body any) (*http.Response, error) {
	var r io.Reader
	isJSON := false
	switch b := body.(type) {
	case nil:
	case io.Reader:
		r = b
	default:
		buf, err := json.Marshal(b)
		if err != nil {
			return nil, err
		}
		r, isJSON = bytes.NewReader(buf), true
	}
	req, err := http.NewRequestWithContext(ctx, method, s.URL+path, r)
	if err != nil {
		return nil, err
	}
	if isJSON {
		req.Header.Set("Content-Type", "application/json")
	}
	return s.Client().Do(req)
}

// DoJSON is [Server.Do] that decodes the JSON answer into out (if non-nil)
// and returns the HTTP status.
func (s *Server) DoJSON(ctx context.Context, method, path string, body, out any) (int, error) {
	resp, err := s.Do(ctx, method, path, body)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	if out == nil {
		_, err = io.Copy(io.Discard, resp.Body)
		return resp.StatusCode, err
	}
	return resp.StatusCode, json.NewDecoder(resp.Body).Decode(out)
}
