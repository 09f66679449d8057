package openai_test

import (
	"errors"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/anythingllm-go/anythingllm/anythingllm"
	"github.com/anythingllm-go/anythingllm/providers/openai"
	"github.com/anythingllm-go/anythingllm/providers/providertest"
	"github.com/anythingllm-go/anythingllm/providers/providertest/fakeopenai"
)

func TestChatModelConformance(t *testing.T) {
	fake := fakeopenai.New(nil)
	t.Cleanup(fake.Close)
	newClient := func(t *testing.T, base string) anythingllm.ChatModel {
		c, err := openai.New(&openai.Options{BaseURL: base, Model: "fake-model", APIKey: "sk-test", Provider: "generic-openai"})
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	providertest.RunChatModelTests(t, providertest.ChatHarness{
		New:      func(t *testing.T) anythingllm.ChatModel { return newClient(t, fake.BaseURL()) },
		FailNext: fake.FailNext,
		Unreachable: func(t *testing.T) anythingllm.ChatModel {
			l, _ := net.Listen("tcp", "127.0.0.1:0")
			addr := l.Addr().String()
			l.Close()
			return newClient(t, "http://"+addr+"/v1")
		},
		SlowStream: func(t *testing.T) (anythingllm.ChatModel, func() bool) {
			slow := fakeopenai.New(&fakeopenai.Options{ChunkDelay: 50 * time.Millisecond})
			t.Cleanup(slow.Close)
			return newClient(t, slow.BaseURL()), func() bool { return slow.Canceled() > 0 }
		},
	})
}

func TestEmbedderConformance(t *testing.T) {
	fake := fakeopenai.New(nil)
	t.Cleanup(fake.Close)
	providertest.RunEmbedderTests(t, func(t *testing.T) anythingllm.Embedder {
		c, _ := openai.New(&openai.Options{BaseURL: fake.BaseURL(), EmbeddingModel: "fake-embed"})
		return c
	})
}

func TestKeyNeverInErrors(t *testing.T) {
	fake := fakeopenai.New(nil)
	t.Cleanup(fake.Close)
	c, _ := openai.New(&openai.Options{BaseURL: fake.BaseURL(), Model: "fake-model", APIKey: "sk-very-secret-123"})
	fake.FailNext(401)
	_, err := c.Chat(t.Context(), &anythingllm.ChatRequest{Messages: []anythingllm.Message{{Role: "user", Content: "x"}}})
	if err == nil || strings.Contains(err.Error(), "sk-very-secret-123") {
		t.Fatalf("error = %v", err)
	}
}

// The provider does not retry (the App does, for every provider); it
// reports each failure with the code the App's retry policy reads.
func TestReportsRateLimitsAndServerErrorsWithoutRetrying(t *testing.T) {
	fake := fakeopenai.New(nil)
	t.Cleanup(fake.Close)
	c, _ := openai.New(&openai.Options{BaseURL: fake.BaseURL(), Model: "fake-model"})
	req := &anythingllm.ChatRequest{Messages: []anythingllm.Message{{Role: "user", Content: "retry me"}}}
	fake.FailNext(429, 503)
	if _, err := c.Chat(t.Context(), req); !errors.Is(err, anythingllm.ErrRateLimited) {
		t.Fatalf("first call: %v, want RateLimited", err)
	}
	if _, err := c.Chat(t.Context(), req); !errors.Is(err, anythingllm.ErrUnavailable) {
		t.Fatalf("second call: %v, want Unavailable", err)
	}
	if resp, err := c.Chat(t.Context(), req); err != nil || resp.Text != "Echo: retry me" {
		t.Fatalf("third call: %v %+v", err, resp)
	}
}
