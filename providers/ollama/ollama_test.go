package ollama_test

import (
	"net"
	"testing"
	"time"

	"github.com/anythingllm-go/anythingllm/anythingllm"
	"github.com/anythingllm-go/anythingllm/providers/ollama"
	"github.com/anythingllm-go/anythingllm/providers/providertest"
	"github.com/anythingllm-go/anythingllm/providers/providertest/fakeollama"
)

func client(t *testing.T, base string) *ollama.Client {
	c, err := ollama.New(&ollama.Options{BaseURL: base, Model: "fake-model", EmbeddingModel: "fake-model"})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestChatModelConformance(t *testing.T) {
	fake := fakeollama.New(nil)
	t.Cleanup(fake.Close)
	providertest.RunChatModelTests(t, providertest.ChatHarness{
		New:      func(t *testing.T) anythingllm.ChatModel { return client(t, fake.URL) },
		FailNext: fake.FailNext,
		Unreachable: func(t *testing.T) anythingllm.ChatModel {
			l, _ := net.Listen("tcp", "127.0.0.1:0")
			addr := l.Addr().String()
			l.Close()
			return client(t, "http://"+addr)
		},
		SlowStream: func(t *testing.T) (anythingllm.ChatModel, func() bool) {
			slow := fakeollama.New(&fakeollama.Options{ChunkDelay: 50 * time.Millisecond})
			t.Cleanup(slow.Close)
			return client(t, slow.URL), func() bool { return slow.Canceled() > 0 }
		},
	})
}

func TestEmbedderConformance(t *testing.T) {
	fake := fakeollama.New(nil)
	t.Cleanup(fake.Close)
	providertest.RunEmbedderTests(t, func(t *testing.T) anythingllm.Embedder { return client(t, fake.URL) })
}

func TestListModels(t *testing.T) {
	fake := fakeollama.New(&fakeollama.Options{Models: []string{"a", "b"}})
	t.Cleanup(fake.Close)
	ms, err := client(t, fake.URL).ListModels(t.Context())
	if err != nil || len(ms) != 2 || ms[1].ID != "b" {
		t.Fatalf("models: %v %v", ms, err)
	}
}
