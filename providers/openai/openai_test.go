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
		// Retries off: the suite checks how each failure is reported.
		c, err := openai.New(&openai.Options{BaseURL: base, Model: "fake-model", APIKey: "sk-test", Provider: "generic-openai", MaxRetries: -1})
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

func TestRetriesRateLimitsAndServerErrors(t *testing.T) {
	fake := fakeopenai.New(nil)
	t.Cleanup(fake.Close)
	c, _ := openai.New(&openai.Options{BaseURL: fake.BaseURL(), Model: "fake-model", RetryDelay: time.Millisecond})
	req := &anythingllm.ChatRequest{Messages: []anythingllm.Message{{Role: "user", Content: "retry me"}}}
	fake.FailNext(429, 503)
	resp, err := c.Chat(t.Context(), req)
	if err != nil || resp.Text != "Echo: retry me" {
		t.Fatalf("after two transient failures: %v %+v", err, resp)
	}
	fake.FailNext(429, 429, 429)
	if _, err := c.Chat(t.Context(), req); !errors.Is(err, anythingllm.ErrRateLimited) {
		t.Fatalf("after the retries run out: %v", err)
	}
	fake.FailNext(401)
	if _, err := c.Chat(t.Context(), req); !errors.Is(err, anythingllm.ErrPermissionDenied) {
		t.Fatalf("401 is not retried: %v", err)
	}
}
