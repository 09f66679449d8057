package main

import (
	"testing"
	"time"

	"github.com/anythingllm-go/anythingllm/anythingllm"
	"github.com/anythingllm-go/anythingllm/providers/providertest"
)

// The project's provider conformance suite, run against the user-written
// providers exactly as against the stock ones.

func TestEchoModelConformance(t *testing.T) {
	providertest.RunChatModelTests(t, providertest.ChatHarness{
		New: func(t *testing.T) anythingllm.ChatModel { return &EchoModel{} },
		SlowStream: func(t *testing.T) (anythingllm.ChatModel, func() bool) {
			m := &EchoModel{WordDelay: 20 * time.Millisecond}
			return m, m.stopped.Load
		},
	})
}

func TestHashEmbedderConformance(t *testing.T) {
	providertest.RunEmbedderTests(t, func(t *testing.T) anythingllm.Embedder { return HashEmbedder{Dims: 64} })
}
