// Package ollama is a ChatModel, Embedder and ModelLister for Ollama's own
// API, through github.com/ollama/ollama/api.
//
//	c, err := ollama.New(&ollama.Options{BaseURL: "http://127.0.0.1:11434", Model: "llama3.2"})
package ollama

import (
	"cmp"
	"context"
	"errors"
	"iter"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/anythingllm-go/anythingllm/anythingllm"
	"github.com/ollama/ollama/api"
)

// Options configure a Client. A nil *Options means a local Ollama.
type Options struct {
	BaseURL        string // default http://127.0.0.1:11434
	Model          string // default chat model; default llama3.2
	EmbeddingModel string // default nomic-embed-text
	ContextWindow  int    // default 4096
	HTTPClient     *http.Client
	Timeout        time.Duration // per request; default 5 minutes
}

// Client talks to one Ollama server.
type Client struct {
	c    *api.Client
	opts Options
}

// New returns a client; it does not contact the server.
func New(opts *Options) (*Client, error) {
	var o Options
	if opts != nil {
		o = *opts
	}
	if o.BaseURL == "" {
		o.BaseURL = "http://127.0.0.1:11434"
	}
	o.BaseURL = strings.TrimRight(o.BaseURL, "/")
	if o.Model == "" {
		o.Model = "llama3.2"
	}
	if o.EmbeddingModel == "" {
		o.EmbeddingModel = "nomic-embed-text"
	}
	if o.ContextWindow <= 0 {
		o.ContextWindow = 4096
	}
	if o.Timeout <= 0 {
		o.Timeout = 5 * time.Minute
	}
	u, err := url.Parse(o.BaseURL)
	if err != nil || u.Host == "" {
		return nil, anythingllm.Errorf(anythingllm.InvalidArgument, "OLLAMA_BASE_PATH %q is not a URL", o.BaseURL)
	}
	hc := o.HTTPClient
	if hc == nil {
		hc = &http.Client{}
	}
	return &Client{c: api.NewClient(u, hc), opts: o}, nil
}

// ContextWindow reports the configured prompt window.
func (c *Client) ContextWindow(model string) int { return c.opts.ContextWindow }

func (c *Client) request(req *anythingllm.ChatRequest, stream bool) *api.ChatRequest {
	r := &api.ChatRequest{Model: req.Model, Stream: &stream, Options: map[string]any{}}
	if r.Model == "" {
		r.Model = c.opts.Model
	}
	if req.Temperature != nil {
		r.Options["temperature"] = *req.Temperature
	}
	if req.TopP != nil {
		r.Options["top_p"] = *req.TopP
	}
	if req.MaxTokens > 0 {
		r.Options["num_predict"] = req.MaxTokens
	}
	if len(req.Stop) > 0 {
		r.Options["stop"] = req.Stop
	}
	for _, m := range req.Messages {
		msg := api.Message{Role: m.Role, Content: m.Content}
		for _, img := range m.Images {
			msg.Images = append(msg.Images, api.ImageData(img.Data))
		}
		r.Messages = append(r.Messages, msg)
	}
	return r
}

// Chat runs a completion.
func (c *Client) Chat(ctx context.Context, req *anythingllm.ChatRequest) (*anythingllm.ChatResponse, error) {
	ctx, cancel := context.WithTimeout(ctx, c.opts.Timeout)
	defer cancel()
	r := c.request(req, false)
	var out anythingllm.ChatResponse
	err := c.c.Chat(ctx, r, func(resp api.ChatResponse) error {
		out.Text += resp.Message.Content
		if resp.Done {
			out.Model, out.FinishReason = resp.Model, cmp.Or(resp.DoneReason, "stop")
			out.Usage = anythingllm.Usage{PromptTokens: resp.PromptEvalCount, CompletionTokens: resp.EvalCount, TotalTokens: resp.PromptEvalCount + resp.EvalCount}
		}
		return nil
	})
	if err != nil {
		return nil, c.mapErr(ctx, err)
	}
	return &out, nil
}

// errStop ends the callback loop when the consumer stops reading.
var errStop = errors.New("consumer stopped")

// ChatStream adapts Ollama's callback API to a pull iterator: the request
// runs in a goroutine feeding a channel; breaking out of the loop cancels
// it and waits for the goroutine, so nothing leaks.
func (c *Client) ChatStream(ctx context.Context, req *anythingllm.ChatRequest) iter.Seq2[anythingllm.ChatChunk, error] {
	return func(yield func(anythingllm.ChatChunk, error) bool) {
		ctx, cancel := context.WithTimeout(ctx, c.opts.Timeout)
		defer cancel()
		chunks := make(chan anythingllm.ChatChunk)
		done := make(chan error, 1)
		go func() {
			done <- c.c.Chat(ctx, c.request(req, true), func(resp api.ChatResponse) error {
				ch := anythingllm.ChatChunk{Text: resp.Message.Content}
				if resp.Done {
					ch.FinishReason = cmp.Or(resp.DoneReason, "stop")
					ch.Usage = &anythingllm.Usage{PromptTokens: resp.PromptEvalCount, CompletionTokens: resp.EvalCount, TotalTokens: resp.PromptEvalCount + resp.EvalCount}
				}
				select {
				case chunks <- ch:
					return nil
				case <-ctx.Done():
					return errStop
				}
			})
			close(chunks)
		}()
		for ch := range chunks {
			if !yield(ch, nil) {
				cancel()
				for range chunks { // let the goroutine finish
				}
				<-done
				return
			}
		}
		if err := <-done; err != nil && !errors.Is(err, errStop) {
			yield(anythingllm.ChatChunk{}, c.mapErr(ctx, err))
		}
	}
}

// Embed embeds texts with the embedding model.
func (c *Client) Embed(ctx context.Context, texts []string) ([][]float32, error) {
	if len(texts) == 0 {
		return [][]float32{}, nil
	}
	ctx, cancel := context.WithTimeout(ctx, c.opts.Timeout)
	defer cancel()
	resp, err := c.c.Embed(ctx, &api.EmbedRequest{Model: c.opts.EmbeddingModel, Input: texts})
	if err != nil {
		return nil, c.mapErr(ctx, err)
	}
	if len(resp.Embeddings) != len(texts) {
		return nil, anythingllm.Errorf(anythingllm.Unavailable, "ollama returned %d embeddings for %d inputs", len(resp.Embeddings), len(texts))
	}
	return resp.Embeddings, nil
}

// Dimensions is unknown until the first call.
func (c *Client) Dimensions() int { return 0 }

// ListModels lists the server's models.
func (c *Client) ListModels(ctx context.Context) ([]anythingllm.ModelInfo, error) {
	resp, err := c.c.List(ctx)
	if err != nil {
		return nil, c.mapErr(ctx, err)
	}
	out := make([]anythingllm.ModelInfo, len(resp.Models))
	for i, m := range resp.Models {
		out[i] = anythingllm.ModelInfo{ID: m.Name}
	}
	return out, nil
}

func (c *Client) mapErr(ctx context.Context, err error) error {
	if ctx.Err() != nil {
		if errors.Is(ctx.Err(), context.DeadlineExceeded) {
			return anythingllm.WrapError(anythingllm.DeadlineExceeded, err, "ollama at %s did not answer in time", c.opts.BaseURL)
		}
		return anythingllm.WrapError(anythingllm.Canceled, context.Canceled, "request canceled")
	}
	var ae api.AuthorizationError
	if errors.As(err, &ae) {
		return anythingllm.WrapError(anythingllm.PermissionDenied, err, "ollama at %s refused the request (HTTP %d)", c.opts.BaseURL, ae.StatusCode)
	}
	var se api.StatusError
	if errors.As(err, &se) {
		switch {
		case se.StatusCode == 429:
			return anythingllm.WrapError(anythingllm.RateLimited, err, "ollama at %s is rate limiting requests", c.opts.BaseURL)
		case se.StatusCode == 401 || se.StatusCode == 403:
			return anythingllm.WrapError(anythingllm.PermissionDenied, err, "ollama at %s refused the request", c.opts.BaseURL)
		case se.StatusCode == 404:
			return anythingllm.WrapError(anythingllm.NotFound, err, "ollama at %s: model not found: %s", c.opts.BaseURL, se.ErrorMessage)
		case se.StatusCode == 400:
			return anythingllm.WrapError(anythingllm.InvalidArgument, err, "ollama at %s rejected the request: %s", c.opts.BaseURL, se.ErrorMessage)
		}
		return anythingllm.WrapError(anythingllm.Unavailable, err, "ollama at %s failed (HTTP %d)", c.opts.BaseURL, se.StatusCode)
	}
	var op *net.OpError
	if errors.As(err, &op) || strings.Contains(err.Error(), "connection refused") {
		return anythingllm.WrapError(anythingllm.Unavailable, err, "cannot reach ollama at %s; is it running?", c.opts.BaseURL)
	}
	return anythingllm.WrapError(anythingllm.Unavailable, err, "ollama at %s failed", c.opts.BaseURL)
}

// FromEnv builds the chat client from AnythingLLM's variables:
// OLLAMA_BASE_PATH, OLLAMA_MODEL_PREF, OLLAMA_MODEL_TOKEN_LIMIT.
func FromEnv(getenv func(string) string) (*Client, error) {
	o := &Options{BaseURL: getenv("OLLAMA_BASE_PATH"), Model: getenv("OLLAMA_MODEL_PREF")}
	if n, err := strconv.Atoi(getenv("OLLAMA_MODEL_TOKEN_LIMIT")); err == nil && n > 0 {
		o.ContextWindow = n
	}
	return New(o)
}

// EmbedderFromEnv builds the embedder for EMBEDDING_ENGINE=ollama:
// EMBEDDING_BASE_PATH (default OLLAMA_BASE_PATH) and EMBEDDING_MODEL_PREF.
func EmbedderFromEnv(getenv func(string) string) (*Client, error) {
	base := getenv("EMBEDDING_BASE_PATH")
	if base == "" {
		base = getenv("OLLAMA_BASE_PATH")
	}
	return New(&Options{BaseURL: base, EmbeddingModel: getenv("EMBEDDING_MODEL_PREF")})
}
