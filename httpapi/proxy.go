package httpapi

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"math"
	"net/http"

	"github.com/anythingllm-go/anythingllm/anythingllm"
)

// Handlers for /api/llm/generate, /api/llm/instruct, /api/embedding and
// /api/image/generate: provider passes without workspaces.

type generateMessage struct {
	Role    string `json:"role" validate:"oneof=system user assistant"`
	Content string `json:"content"`
}

type generateRequest struct {
	Model            string            `json:"model,omitempty"`
	Messages         []generateMessage `json:"messages" validate:"required,min=1,dive" msg:"messages must be a non-empty array"`
	Temperature      *float64          `json:"temperature,omitempty" validate:"omitnil,between=0:2"`
	MaxTokens        int               `json:"max_tokens,omitempty" validate:"gte=0"`
	TopP             *float64          `json:"top_p,omitempty" validate:"omitnil,between=0:1"`
	FrequencyPenalty *float64          `json:"frequency_penalty,omitempty" validate:"omitnil,between=-2:2"`
	PresencePenalty  *float64          `json:"presence_penalty,omitempty" validate:"omitnil,between=-2:2"`
	Stop             []string          `json:"stop,omitempty" validate:"max=4" msg:"stop accepts at most 4 sequences"`
}

type generateResponse struct {
	Content string            `json:"content"`
	Usage   anythingllm.Usage `json:"usage"`
}

type embeddingRequest struct {
	Model          string          `json:"model,omitempty"`
	Input          json.RawMessage `json:"input"`
	EncodingFormat string          `json:"encoding_format,omitempty" validate:"omitempty,oneof=float base64"`
}

type embeddingUsage struct {
	PromptTokens int `json:"prompt_tokens"`
	TotalTokens  int `json:"total_tokens"`
}

type embeddingResponse struct {
	// Embedding is a []float32 (or a base64 string) for a string input,
	// and a list of them, in order, for an array input.
	Embedding any            `json:"embedding"`
	Usage     embeddingUsage `json:"usage"`
}

type imageRequest struct {
	Model   string `json:"model,omitempty"`
	Prompt  string `json:"prompt" validate:"required"`
	N       int    `json:"n,omitempty" validate:"omitempty,between=1:10"`
	Size    string `json:"size,omitempty" validate:"omitempty,oneof=256x256 512x512 1024x1024 1792x1024 1024x1792 1536x1024 1024x1536 auto"`
	Quality string `json:"quality,omitempty" validate:"omitempty,oneof=standard hd low medium high auto"`
	Style   string `json:"style,omitempty" validate:"omitempty,oneof=vivid natural"`
	User    string `json:"user,omitempty"`
}

// imageItem is one generated image: a URL, or the image inline as base64
// when the provider answered that way (gpt-image models always do).
type imageItem struct {
	URL           string `json:"url,omitempty"`
	B64JSON       string `json:"b64_json,omitempty"`
	RevisedPrompt string `json:"revised_prompt,omitempty"`
}

// imageResponse is the first image's fields (upstream's shape) and, when
// more than one image was made, every image in order under images.
type imageResponse struct {
	imageItem
	Images []imageItem `json:"images,omitempty"`
}

// providerOverride reads the X-OpenAI-* headers.
func providerOverride(r *http.Request) *anythingllm.GenerateOverride {
	o := &anythingllm.GenerateOverride{
		BaseURL: r.Header.Get("X-OpenAI-Base-URL"),
		APIKey:  r.Header.Get("X-OpenAI-Key"),
	}
	if o.BaseURL == "" && o.APIKey == "" {
		return nil
	}
	return o
}

func (s *server) handleGenerate(w http.ResponseWriter, r *http.Request) {
	s.generate(w, r, s.app.Generate)
}

func (s *server) generate(w http.ResponseWriter, r *http.Request, run func(context.Context, *anythingllm.ChatRequest, *anythingllm.GenerateOverride) (*anythingllm.ChatResponse, error)) {
	req, err := decode[generateRequest](r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	creq := &anythingllm.ChatRequest{
		Model: req.Model, Temperature: req.Temperature, MaxTokens: req.MaxTokens, TopP: req.TopP,
		FrequencyPenalty: req.FrequencyPenalty, PresencePenalty: req.PresencePenalty, Stop: req.Stop,
	}
	for _, m := range req.Messages {
		creq.Messages = append(creq.Messages, anythingllm.Message{Role: m.Role, Content: m.Content})
	}
	resp, err := run(r.Context(), creq, providerOverride(r))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	encode(w, http.StatusOK, generateResponse{Content: resp.Text, Usage: resp.Usage})
}

func (s *server) handleInstruct(w http.ResponseWriter, r *http.Request) {
	s.generate(w, r, s.app.Instruct)
}

func (s *server) handleEmbedding(w http.ResponseWriter, r *http.Request) {
	req, err := decode[embeddingRequest](r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	inputs, array := []string{""}, false
	if len(req.Input) > 0 {
		if inputs, array, err = stringOrArray(req.Input, "input"); err != nil {
			s.writeError(w, r, err)
			return
		}
	}
	vecs, err := s.app.EmbedInputs(r.Context(), &anythingllm.EmbedRequest{Model: req.Model, Inputs: inputs}, providerOverride(r))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	n := 0
	if tk := s.app.Tokenizer(); tk != nil {
		for _, in := range inputs {
			n += tk.CountTokens(in)
		}
	}
	items := make([]any, len(vecs))
	for i, v := range vecs {
		items[i] = v
		if req.EncodingFormat == "base64" {
			items[i] = base64.StdEncoding.EncodeToString(float32LE(v))
		}
	}
	out := embeddingResponse{Embedding: items, Usage: embeddingUsage{PromptTokens: n, TotalTokens: n}}
	if !array {
		out.Embedding = items[0]
	}
	encode(w, http.StatusOK, out)
}

// stringOrArray reads a JSON string or an array of strings; array
// reports which it was.
func stringOrArray(raw json.RawMessage, field string) (values []string, array bool, err error) {
	var one string
	if err := json.Unmarshal(raw, &one); err == nil {
		return []string{one}, false, nil
	}
	if err := json.Unmarshal(raw, &values); err != nil || values == nil {
		return nil, false, anythingllm.Errorf(anythingllm.InvalidArgument, "%s must be a string or an array of strings", field)
	}
	return values, true, nil
}

func (s *server) handleImageGenerate(w http.ResponseWriter, r *http.Request) {
	req, err := decode[imageRequest](r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	resp, err := s.app.GenerateImage(r.Context(), &anythingllm.ImageRequest{
		Model: req.Model, Prompt: req.Prompt, N: req.N, Size: req.Size,
		Quality: req.Quality, Style: req.Style, User: req.User,
	}, providerOverride(r))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	items := make([]imageItem, len(resp.Images))
	for i, img := range resp.Images {
		items[i] = imageItem{URL: img.URL, RevisedPrompt: img.RevisedPrompt}
		if img.URL == "" {
			items[i].B64JSON = base64.StdEncoding.EncodeToString(img.Data)
		}
	}
	out := imageResponse{imageItem: items[0]}
	if len(items) > 1 {
		out.Images = items
	}
	encode(w, http.StatusOK, out)
}

// float32LE encodes floats as little-endian bytes, OpenAI's base64 layout.
func float32LE(v []float32) []byte {
	b := make([]byte, 4*len(v))
	for i, f := range v {
		u := math.Float32bits(f)
		b[4*i], b[4*i+1], b[4*i+2], b[4*i+3] = byte(u), byte(u>>8), byte(u>>16), byte(u>>24)
	}
	return b
}
