package main

import (
	"context"
	"hash/fnv"
	"iter"
	"math"
	"strings"
	"sync/atomic"
	"time"

	"github.com/anythingllm-go/anythingllm/anythingllm"
)

// EchoModel is a user-written anythingllm.ChatModel: it answers
// "Echo: <last user message>" and streams the answer word by word.
type EchoModel struct {
	// WordDelay is the pause before each streamed word.
	WordDelay time.Duration

	stopped atomic.Bool // a consumer left a stream early
}

// Chat answers at once.
func (m *EchoModel) Chat(ctx context.Context, req *anythingllm.ChatRequest) (*anythingllm.ChatResponse, error) {
	if err := ctx.Err(); err != nil {
		// Errors carry a code: the App and httpapi map it to a status.
		return nil, anythingllm.WrapError(anythingllm.Code(err), err, "echo: request canceled")
	}
	text := answer(req)
	return &anythingllm.ChatResponse{Text: text, Model: "echo", FinishReason: "stop", Usage: usage(req, text)}, nil
}

// ChatStream yields the answer word by word, then a last chunk with the
// finish reason and the usage. Breaking out of the loop stops it.
func (m *EchoModel) ChatStream(ctx context.Context, req *anythingllm.ChatRequest) iter.Seq2[anythingllm.ChatChunk, error] {
	return func(yield func(anythingllm.ChatChunk, error) bool) {
		text := answer(req)
		for w := range strings.SplitAfterSeq(text, " ") {
			if m.WordDelay > 0 {
				select {
				case <-ctx.Done():
				case <-time.After(m.WordDelay):
				}
			}
			if err := ctx.Err(); err != nil {
				m.stopped.Store(true)
				yield(anythingllm.ChatChunk{}, anythingllm.WrapError(anythingllm.Code(err), err, "echo: request canceled"))
				return
			}
			if !yield(anythingllm.ChatChunk{Text: w}, nil) {
				m.stopped.Store(true)
				return
			}
		}
		u := usage(req, text)
		yield(anythingllm.ChatChunk{FinishReason: "stop", Usage: &u}, nil)
	}
}

func answer(req *anythingllm.ChatRequest) string {
	for i := len(req.Messages) - 1; i >= 0; i-- {
		if req.Messages[i].Role == anythingllm.RoleUser {
			return "Echo: " + req.Messages[i].Content
		}
	}
	return "Echo: "
}

func usage(req *anythingllm.ChatRequest, text string) anythingllm.Usage {
	p := 0
	for _, msg := range req.Messages {
		p += len(strings.Fields(msg.Content))
	}
	c := len(strings.Fields(text))
	return anythingllm.Usage{PromptTokens: p, CompletionTokens: c, TotalTokens: p + c}
}

// HashEmbedder is a user-written anythingllm.Embedder: each lower-cased
// word is hashed into one of Dims buckets; the vector is L2-normalised, so
// texts that share words are near.
type HashEmbedder struct{ Dims int }

// Dimensions is the vector length.
func (e HashEmbedder) Dimensions() int { return e.Dims }

// Embed returns one vector per text, in order.
func (e HashEmbedder) Embed(ctx context.Context, texts []string) ([][]float32, error) {
	if err := ctx.Err(); err != nil {
		return nil, anythingllm.WrapError(anythingllm.Code(err), err, "hash embedder: canceled")
	}
	out := make([][]float32, len(texts))
	for i, t := range texts {
		v := make([]float32, e.Dims)
		v[0] = 1e-3 // never the zero vector, which cannot be indexed
		for _, w := range strings.Fields(strings.ToLower(t)) {
			h := fnv.New32a()
			h.Write([]byte(strings.Trim(w, ".,;:!?\"'()")))
			v[h.Sum32()%uint32(e.Dims)]++
		}
		var sum float64
		for _, x := range v {
			sum += float64(x * x)
		}
		n := float32(1 / math.Sqrt(sum))
		for j := range v {
			v[j] *= n
		}
		out[i] = v
	}
	return out, nil
}
