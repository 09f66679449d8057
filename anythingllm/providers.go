package anythingllm

import (
	"context"
	"iter"
)

// Message roles.
const (
	RoleSystem    = "system"
	RoleUser      = "user"
	RoleAssistant = "assistant"
)

// Message is one chat message sent to a model.
type Message struct {
	Role    string
	Content string
	Images  []Image // for vision models; only on user messages
}

// Image is an attached image: raw bytes and their MIME type.
type Image struct {
	MIME string
	Data []byte
}

// ChatRequest asks a ChatModel for a completion. Fields a model does not
// support are refused with ErrUnimplemented, never silently dropped.
type ChatRequest struct {
	Model            string // "" = the model's default
	Messages         []Message
	Temperature      *float64
	MaxTokens        int
	TopP             *float64
	FrequencyPenalty *float64
	PresencePenalty  *float64
	Stop             []string
}

// Usage counts tokens.
type Usage struct {
	PromptTokens     int `json:"prompt_tokens"`
	CompletionTokens int `json:"completion_tokens"`
	TotalTokens      int `json:"total_tokens"`
}

// ChatResponse is a whole completion.
type ChatResponse struct {
	Text         string
	Model        string
	FinishReason string
	Usage        Usage
}

// ChatChunk is one piece of a streamed completion. The last chunk has a
// FinishReason and, when the provider reports it, Usage.
type ChatChunk struct {
	Text         string
	FinishReason string
	Usage        *Usage
}

// ChatModel is a language model. Errors carry codes: ErrUnavailable when
// the service cannot be reached, ErrRateLimited on 429, ErrPermissionDenied
// on 401/403, ErrNotFound for an unknown model, ErrCanceled when ctx ends.
type ChatModel interface {
	Chat(ctx context.Context, req *ChatRequest) (*ChatResponse, error)
	// ChatStream yields chunks until the completion ends or an error
	// occurs (yielded once, last). Breaking out of the loop, or canceling
	// ctx, stops the upstream request and releases its connection.
	ChatStream(ctx context.Context, req *ChatRequest) iter.Seq2[ChatChunk, error]
}

// Embedder turns texts into vectors: one vector per text, in order.
type Embedder interface {
	Embed(ctx context.Context, texts []string) ([][]float32, error)
	// Dimensions is the vector length, or 0 if not known before a call.
	Dimensions() int
}

// ImageRequest asks for generated images.
type ImageRequest struct {
	Model   string
	Prompt  string
	N       int
	Size    string
	Quality string
	Style   string
	User    string
}

// GeneratedImage is one generated image: a URL or inline bytes.
type GeneratedImage struct {
	URL           string
	MIME          string
	Data          []byte
	RevisedPrompt string
}

// ImageResponse holds generated images.
type ImageResponse struct {
	Images []GeneratedImage
}

// ImageGenerator makes images from a prompt.
type ImageGenerator interface {
	GenerateImage(ctx context.Context, req *ImageRequest) (*ImageResponse, error)
}

// ModelInfo describes a model a provider offers.
type ModelInfo struct {
	ID            string
	ContextWindow int // 0 = unknown
}

// ModelLister is an optional capability of a provider, found by type
// assertion.
type ModelLister interface {
	ListModels(ctx context.Context) ([]ModelInfo, error)
}

// ContextWindower is an optional capability of a ChatModel: the prompt
// window of a model in tokens (0 = unknown).
type ContextWindower interface {
	ContextWindow(model string) int
}

// Tokenizer counts and cuts tokens. The stock one is cl100k_base, compiled
// into the binary.
type Tokenizer interface {
	CountTokens(text string) int
	// Truncate returns the longest prefix of text with at most max tokens.
	Truncate(text string, max int) string
}

// ParsedPart is one document extracted from an uploaded file.
type ParsedPart struct {
	Title       string // "" = the file name
	Author      string
	Description string
	Text        string
}

// FileParser turns uploaded files of the types it supports into text. The
// stock one is anythingllm/collector (office, EPUB, mail, PDF); plain-text
// formats are read by the App itself.
type FileParser interface {
	Supports(fileName string) bool
	Parse(ctx context.Context, fileName string, data []byte) ([]ParsedPart, error)
	MIMETypes() map[string][]string
}
