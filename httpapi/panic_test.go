package httpapi_test

import (
	"context"
	"iter"

	"github.com/anythingllm-go/anythingllm/anythingllm"
)

// panicking is a ChatModel whose every call panics.
type panicking struct{}

func (panicking) Chat(context.Context, *anythingllm.ChatRequest) (*anythingllm.ChatResponse, error) {
	panic("llm exploded")
}

func (panicking) ChatStream(context.Context, *anythingllm.ChatRequest) iter.Seq2[anythingllm.ChatChunk, error] {
	panic("llm exploded")
}
