package anythingllm

import (
	"context"
	"strings"
)

// This file holds the provider proxy verbs behind /api/llm/*,
// /api/embedding and /api/image/generate: thin, validated passes to the
// configured providers, with no workspace or RAG involved.

// GenerateOverride picks other providers for one request, from the
// X-OpenAI-Base-URL and X-OpenAI-Key headers. Nil fields mean the App's own.
type GenerateOverride struct {
	BaseURL string
	APIKey  string
}

// Providers are the providers one proxy request uses.
type Providers struct {
	LLM      ChatModel
	Embedder Embedder
	Images   ImageGenerator
	STT      Transcriber
	TTS      SpeechSynthesizer
}

// OverrideFunc builds providers for a GenerateOverride. The stock binary
// sets it only when the operator allows per-request overrides, because a
// caller-chosen base URL makes the server fetch arbitrary URLs.
type OverrideFunc func(ctx context.Context, o GenerateOverride) (*Providers, error)

// Generate runs a plain completion on the default chat model (or on the
// override's). The ranges of its parameters (temperature, top_p, the
// penalties, max_tokens, stop) are the provider's to check; httpapi checks
// them on requests as OpenAI does.
func (a *App) Generate(ctx context.Context, req *ChatRequest, o *GenerateOverride) (*ChatResponse, error) {
	return a.generate(ctx, CategoryTextGen, req, o)
}

// generate is Generate and Instruct: the request's model, else the
// category's default.
func (a *App) generate(ctx context.Context, cat ModelCategory, req *ChatRequest, o *GenerateOverride) (*ChatResponse, error) {
	if req == nil || len(req.Messages) == 0 {
		return nil, Errorf(InvalidArgument, "messages must be a non-empty array")
	}
	for i, m := range req.Messages {
		switch m.Role {
		case RoleSystem, RoleUser, RoleAssistant:
		default:
			return nil, Errorf(InvalidArgument, "messages[%d].role must be system, user or assistant", i)
		}
		if strings.TrimSpace(m.Content) == "" && len(m.Images) == 0 {
			return nil, Errorf(InvalidArgument, "messages[%d].content cannot be empty", i)
		}
	}
	p, err := a.overridden(ctx, o)
	if err != nil {
		return nil, err
	}
	llm := p.LLM
	if llm == nil {
		return nil, Errorf(Unavailable, "no LLM provider is configured")
	}
	r := *req
	r.Model = a.modelFor(ctx, cat, req.Model)
	return a.chat(ctx, llm, &r)
}

// EmbedText embeds one input with the default embedder (or the override's).
func (a *App) EmbedText(ctx context.Context, input string, o *GenerateOverride) ([]float32, error) {
	vecs, err := a.EmbedInputs(ctx, &EmbedRequest{Inputs: []string{input}}, o)
	if err != nil {
		return nil, err
	}
	return vecs[0], nil
}

// GenerateImage passes req to the image generator (n defaults to 1; httpapi
// checks the ranges of n, quality and style on requests).
func (a *App) GenerateImage(ctx context.Context, req *ImageRequest, o *GenerateOverride) (*ImageResponse, error) {
	if req == nil || strings.TrimSpace(req.Prompt) == "" {
		return nil, Errorf(InvalidArgument, "prompt cannot be empty")
	}
	if req.N == 0 {
		req.N = 1
	}
	p, err := a.overridden(ctx, o)
	if err != nil {
		return nil, err
	}
	img := p.Images
	if img == nil {
		return nil, Errorf(Unavailable, "no image generation provider is configured")
	}
	r := *req
	r.Model = a.modelFor(ctx, CategoryImage, req.Model)
	resp, err := img.GenerateImage(ctx, &r)
	if err != nil {
		return nil, err
	}
	if len(resp.Images) == 0 {
		return nil, Errorf(Unavailable, "the image provider returned no image")
	}
	return resp, nil
}

// overridden returns the providers for one request.
func (a *App) overridden(ctx context.Context, o *GenerateOverride) (*Providers, error) {
	if o == nil || (o.BaseURL == "" && o.APIKey == "") {
		// The default chat model as chats use it: rebuilt from settings
		// changed through update-env.
		llm, _, err := a.overriddenLLM(ctx)
		if err != nil {
			return nil, err
		}
		if llm == nil {
			llm = a.deps.LLM
		}
		return &Providers{LLM: llm, Embedder: a.deps.Embedder, Images: a.deps.Images, STT: a.deps.STT, TTS: a.deps.TTS}, nil
	}
	if a.opts.Override == nil {
		return nil, Errorf(PermissionDenied, "per-request provider override (X-OpenAI-Base-URL, X-OpenAI-Key) is disabled on this server")
	}
	p, err := a.opts.Override(ctx, *o)
	if err != nil {
		return nil, err
	}
	if p == nil {
		p = &Providers{}
	}
	return p, nil
}

// Tokenizer returns the App's tokenizer, or nil.
func (a *App) Tokenizer() Tokenizer { return a.deps.Tokenizer }
