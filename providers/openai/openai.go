// Package openai is a ChatModel and Embedder for OpenAI and every
// OpenAI-compatible service (generic-openai, LM Studio, LocalAI, Groq,
// Together, OpenRouter, Mistral, DeepSeek, xAI, ...), chosen by base URL.
// It wraps github.com/sashabaranov/go-openai.
//
//	c, err := openai.New(&openai.Options{BaseURL: "http://127.0.0.1:1234/v1", Model: "llama3"})
package openai

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"iter"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/anythingllm-go/anythingllm/anythingllm"
	goopenai "github.com/sashabaranov/go-openai"
)

// Options configure a Client. A nil *Options means OpenAI's API with no key.
type Options struct {
	APIKey         string
	BaseURL        string // default https://api.openai.com/v1
	Model          string // default chat model; default gpt-4o
	EmbeddingModel string // default text-embedding-ada-002
	ImageModel     string // default image model; "" = the service's default
	STTModel       string // default transcription model; default whisper-1
	TTSModel       string // default speech model; default tts-1
	TTSVoice       string // default voice; default alloy
	Provider       string // a name for errors and metrics, e.g. "generic-openai"
	ContextWindow  int    // the model's prompt window in tokens; default 4096
	HTTPClient     *http.Client
	Timeout        time.Duration // per request; default 5 minutes
}

// Failed calls are not retried here: the App retries rate limits and
// outages (anythingllm.Options.MaxRetries) for every provider.

// Client talks to one OpenAI-compatible service.
type Client struct {
	c    *goopenai.Client
	opts Options
}

// New returns a client; it does not contact the service.
func New(opts *Options) (*Client, error) {
	var o Options
	if opts != nil {
		o = *opts
	}
	if o.BaseURL == "" {
		o.BaseURL = "https://api.openai.com/v1"
	}
	o.BaseURL = strings.TrimRight(o.BaseURL, "/")
	if o.Model == "" {
		o.Model = "gpt-4o"
	}
	if o.EmbeddingModel == "" {
		o.EmbeddingModel = "text-embedding-ada-002"
	}
	if o.Provider == "" {
		o.Provider = "openai"
	}
	if o.STTModel == "" {
		o.STTModel = "whisper-1"
	}
	if o.TTSModel == "" {
		o.TTSModel = "tts-1"
	}
	if o.TTSVoice == "" {
		o.TTSVoice = "alloy"
	}
	if o.ContextWindow <= 0 {
		o.ContextWindow = 4096
	}
	if o.Timeout <= 0 {
		o.Timeout = 5 * time.Minute
	}
	cfg := goopenai.DefaultConfig(o.APIKey)
	cfg.BaseURL = o.BaseURL
	if o.HTTPClient != nil {
		cfg.HTTPClient = o.HTTPClient
	} else {
		cfg.HTTPClient = &http.Client{Transport: http.DefaultTransport}
	}
	return &Client{c: goopenai.NewClientWithConfig(cfg), opts: o}, nil
}

// Name is the provider name.
func (c *Client) Name() string { return c.opts.Provider }

// DefaultModel is the model used when a request names none.
func (c *Client) DefaultModel() string { return c.opts.Model }

// ContextWindow reports the configured prompt window.
func (c *Client) ContextWindow(model string) int { return c.opts.ContextWindow }

func (c *Client) request(req *anythingllm.ChatRequest, stream bool) goopenai.ChatCompletionRequest {
	r := goopenai.ChatCompletionRequest{Model: req.Model, MaxTokens: req.MaxTokens, Stop: req.Stop, Stream: stream}
	if r.Model == "" {
		r.Model = c.opts.Model
	}
	if req.Temperature != nil {
		r.Temperature = float32(*req.Temperature)
	}
	if req.TopP != nil {
		r.TopP = float32(*req.TopP)
	}
	if req.FrequencyPenalty != nil {
		r.FrequencyPenalty = float32(*req.FrequencyPenalty)
	}
	if req.PresencePenalty != nil {
		r.PresencePenalty = float32(*req.PresencePenalty)
	}
	if stream {
		r.StreamOptions = &goopenai.StreamOptions{IncludeUsage: true}
	}
	for _, m := range req.Messages {
		msg := goopenai.ChatCompletionMessage{Role: m.Role}
		if len(m.Images) == 0 {
			msg.Content = m.Content
		} else {
			msg.MultiContent = []goopenai.ChatMessagePart{{Type: goopenai.ChatMessagePartTypeText, Text: m.Content}}
			for _, img := range m.Images {
				msg.MultiContent = append(msg.MultiContent, goopenai.ChatMessagePart{Type: goopenai.ChatMessagePartTypeImageURL,
					ImageURL: &goopenai.ChatMessageImageURL{URL: dataURL(img)}})
			}
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
	resp, err := c.c.CreateChatCompletion(ctx, r)
	if err != nil {
		return nil, c.mapErr(ctx, err)
	}
	out := &anythingllm.ChatResponse{Model: resp.Model, Usage: anythingllm.Usage{
		PromptTokens: resp.Usage.PromptTokens, CompletionTokens: resp.Usage.CompletionTokens, TotalTokens: resp.Usage.TotalTokens}}
	if len(resp.Choices) > 0 {
		out.Text = resp.Choices[0].Message.Content
		out.FinishReason = string(resp.Choices[0].FinishReason)
	}
	if out.Model == "" {
		out.Model = r.Model
	}
	return out, nil
}

// ChatStream streams a completion. Breaking out of the loop or canceling
// ctx closes the upstream connection.
func (c *Client) ChatStream(ctx context.Context, req *anythingllm.ChatRequest) iter.Seq2[anythingllm.ChatChunk, error] {
	return func(yield func(anythingllm.ChatChunk, error) bool) {
		ctx, cancel := context.WithTimeout(ctx, c.opts.Timeout)
		defer cancel()
		stream, err := c.c.CreateChatCompletionStream(ctx, c.request(req, true))
		if err != nil {
			yield(anythingllm.ChatChunk{}, c.mapErr(ctx, err))
			return
		}
		defer stream.Close()
		var finish string
		var usage *anythingllm.Usage
		for {
			resp, err := stream.Recv()
			if errors.Is(err, io.EOF) {
				yield(anythingllm.ChatChunk{FinishReason: cmp.Or(finish, "stop"), Usage: usage}, nil)
				return
			}
			if err != nil {
				yield(anythingllm.ChatChunk{}, c.mapErr(ctx, err))
				return
			}
			if resp.Usage != nil {
				usage = &anythingllm.Usage{PromptTokens: resp.Usage.PromptTokens, CompletionTokens: resp.Usage.CompletionTokens, TotalTokens: resp.Usage.TotalTokens}
			}
			for _, ch := range resp.Choices {
				if ch.FinishReason != "" {
					finish = string(ch.FinishReason)
				}
				if ch.Delta.Content != "" {
					if !yield(anythingllm.ChatChunk{Text: ch.Delta.Content}, nil) {
						return
					}
				}
			}
		}
	}
}

// Embed embeds texts with the embedding model.
func (c *Client) Embed(ctx context.Context, texts []string) ([][]float32, error) {
	return c.EmbedModel(ctx, "", texts)
}

// EmbedModel embeds texts with a model named per call ("" = the client's
// embedding model).
func (c *Client) EmbedModel(ctx context.Context, model string, texts []string) ([][]float32, error) {
	if model == "" {
		model = c.opts.EmbeddingModel
	}
	if len(texts) == 0 {
		return [][]float32{}, nil
	}
	ctx, cancel := context.WithTimeout(ctx, c.opts.Timeout)
	defer cancel()
	resp, err := c.c.CreateEmbeddings(ctx, goopenai.EmbeddingRequestStrings{Input: texts, Model: goopenai.EmbeddingModel(model)})
	if err != nil {
		return nil, c.mapErr(ctx, err)
	}
	out := make([][]float32, len(texts))
	for _, d := range resp.Data {
		if d.Index < 0 || d.Index >= len(out) {
			return nil, anythingllm.Errorf(anythingllm.Unavailable, "%s returned an embedding for input %d of %d", c.opts.Provider, d.Index, len(texts))
		}
		out[d.Index] = d.Embedding
	}
	for i, v := range out {
		if v == nil {
			return nil, anythingllm.Errorf(anythingllm.Unavailable, "%s returned no embedding for input %d", c.opts.Provider, i)
		}
	}
	return out, nil
}

// Dimensions is unknown until the first call.
func (c *Client) Dimensions() int { return 0 }

// ListModels lists the service's models.
func (c *Client) ListModels(ctx context.Context) ([]anythingllm.ModelInfo, error) {
	resp, err := c.c.ListModels(ctx)
	if err != nil {
		return nil, c.mapErr(ctx, err)
	}
	out := make([]anythingllm.ModelInfo, len(resp.Models))
	for i, m := range resp.Models {
		out[i] = anythingllm.ModelInfo{ID: m.ID}
	}
	return out, nil
}

// mapErr gives errors codes and messages that name the provider and base
// URL, never the key.
func (c *Client) mapErr(ctx context.Context, err error) error {
	if ctx.Err() != nil {
		if errors.Is(ctx.Err(), context.DeadlineExceeded) {
			return anythingllm.WrapError(anythingllm.DeadlineExceeded, err, "%s at %s did not answer in time", c.opts.Provider, c.opts.BaseURL)
		}
		return anythingllm.WrapError(anythingllm.Canceled, context.Canceled, "request canceled")
	}
	var apiErr *goopenai.APIError
	var reqErr *goopenai.RequestError
	status := 0
	msg := ""
	switch {
	case errors.As(err, &apiErr):
		status, msg = apiErr.HTTPStatusCode, apiErr.Message
	case errors.As(err, &reqErr):
		status = reqErr.HTTPStatusCode
	}
	where := fmt.Sprintf("%s at %s", c.opts.Provider, c.opts.BaseURL)
	switch {
	case status == 429:
		return anythingllm.WrapError(anythingllm.RateLimited, err, "%s is rate limiting requests: %s", where, msg)
	case status == 401 || status == 403:
		return anythingllm.WrapError(anythingllm.PermissionDenied, err, "%s refused the API key", where)
	case status == 404:
		return anythingllm.WrapError(anythingllm.NotFound, err, "%s: model not found: %s", where, msg)
	case status == 400 || status == 422:
		return anythingllm.WrapError(anythingllm.InvalidArgument, err, "%s rejected the request: %s", where, msg)
	case status >= 500:
		return anythingllm.WrapError(anythingllm.Unavailable, err, "%s failed (HTTP %d)", where, status)
	}
	var netErr net.Error
	var opErr *net.OpError
	if errors.As(err, &opErr) || errors.As(err, &netErr) || strings.Contains(err.Error(), "connection refused") {
		return anythingllm.WrapError(anythingllm.Unavailable, err, "cannot reach %s; is it running?", where)
	}
	return anythingllm.WrapError(anythingllm.Unavailable, err, "%s failed", where)
}

func dataURL(img anythingllm.Image) string {
	return "data:" + img.MIME + ";base64," + encodeBase64(img.Data)
}
