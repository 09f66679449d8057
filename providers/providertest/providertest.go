// Package providertest is the conformance suite for chat models and
// embedders. Providers that talk HTTP run it against the in-repo fake
// servers (fakeopenai), so it never touches the network.
package providertest

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/anythingllm-go/anythingllm/anythingllm"
)

// ChatHarness makes the model under test.
type ChatHarness struct {
	// New returns a model whose replies echo the last user message
	// ("Echo: <message>").
	New func(t *testing.T) anythingllm.ChatModel
	// FailNext, if set, makes the next upstream calls fail with these
	// HTTP statuses (429, 401, 404, 500...).
	FailNext func(statuses ...int)
	// Unreachable returns a model pointed at a closed port.
	Unreachable func(t *testing.T) anythingllm.ChatModel
	// SlowStream returns a model that streams slowly and a func reporting
	// whether the upstream saw the stream abandoned.
	SlowStream func(t *testing.T) (anythingllm.ChatModel, func() bool)
}

func userMsg(text string) *anythingllm.ChatRequest {
	return &anythingllm.ChatRequest{Messages: []anythingllm.Message{{Role: anythingllm.RoleSystem, Content: "be brief"}, {Role: anythingllm.RoleUser, Content: text}}}
}

// RunChatModelTests runs the chat suite.
func RunChatModelTests(t *testing.T, h ChatHarness) {
	ctx := context.Background()
	t.Run("Chat", func(t *testing.T) {
		resp, err := h.New(t).Chat(ctx, userMsg("hello there"))
		if err != nil {
			t.Fatal(err)
		}
		if resp.Text != "Echo: hello there" || resp.Usage.TotalTokens == 0 {
			t.Fatalf("Chat = %+v", resp)
		}
	})
	t.Run("Stream", func(t *testing.T) {
		var text strings.Builder
		finals := 0
		var usage *anythingllm.Usage
		for c, err := range h.New(t).ChatStream(ctx, userMsg("stream me please")) {
			if err != nil {
				t.Fatal(err)
			}
			text.WriteString(c.Text)
			if c.FinishReason != "" {
				finals++
				usage = c.Usage
			}
		}
		if text.String() != "Echo: stream me please" || finals != 1 || usage == nil || usage.CompletionTokens == 0 {
			t.Fatalf("stream text %q, %d final chunks, usage %+v", text.String(), finals, usage)
		}
	})
	t.Run("CanceledBeforeCall", func(t *testing.T) {
		cctx, cancel := context.WithCancel(ctx)
		cancel()
		if _, err := h.New(t).Chat(cctx, userMsg("x")); !errors.Is(err, anythingllm.ErrCanceled) {
			t.Fatalf("canceled Chat = %v, want ErrCanceled", err)
		}
	})
	if h.FailNext != nil {
		t.Run("ErrorCodes", func(t *testing.T) {
			m := h.New(t)
			for status, want := range map[int]error{429: anythingllm.ErrRateLimited, 401: anythingllm.ErrPermissionDenied, 404: anythingllm.ErrNotFound, 500: anythingllm.ErrUnavailable} {
				h.FailNext(status)
				if _, err := m.Chat(ctx, userMsg("x")); !errors.Is(err, want) {
					t.Errorf("HTTP %d: %v, want %v", status, err, want)
				}
				h.FailNext(status)
				var got error
				for _, err := range m.ChatStream(ctx, userMsg("x")) {
					got = err
				}
				if !errors.Is(got, want) {
					t.Errorf("stream HTTP %d: %v, want %v", status, got, want)
				}
			}
		})
	}
	if h.Unreachable != nil {
		t.Run("Unreachable", func(t *testing.T) {
			_, err := h.Unreachable(t).Chat(ctx, userMsg("x"))
			if !errors.Is(err, anythingllm.ErrUnavailable) || !strings.Contains(anythingllm.ErrorMessage(err), "127.0.0.1") {
				t.Fatalf("unreachable: %v (want ErrUnavailable naming the URL)", err)
			}
		})
	}
	if h.SlowStream != nil {
		t.Run("BreakingOutStopsUpstream", func(t *testing.T) {
			m, abandoned := h.SlowStream(t)
			n := 0
			for c, err := range m.ChatStream(ctx, userMsg("one two three four five six seven eight nine ten")) {
				if err != nil {
					t.Fatal(err)
				}
				if c.Text != "" {
					n++
				}
				if n == 2 {
					break
				}
			}
			deadline := time.Now().Add(5 * time.Second)
			for !abandoned() {
				if time.Now().After(deadline) {
					t.Fatal("the upstream stream kept running after the consumer stopped")
				}
				time.Sleep(10 * time.Millisecond)
			}
		})
	}
}

// RunEmbedderTests checks length, order, dimensions and empty input.
func RunEmbedderTests(t *testing.T, newEmbedder func(t *testing.T) anythingllm.Embedder) {
	ctx := context.Background()
	e := newEmbedder(t)
	texts := []string{"first text", "second text", "third text entirely different"}
	vs, err := e.Embed(ctx, texts)
	if err != nil {
		t.Fatal(err)
	}
	if len(vs) != 3 || len(vs[0]) == 0 || len(vs[0]) != len(vs[2]) {
		t.Fatalf("shape: %d vectors", len(vs))
	}
	again, _ := e.Embed(ctx, texts[2:])
	for i := range again[0] {
		if again[0][i] != vs[2][i] {
			t.Fatal("order or determinism broken: text 3 embeds differently alone")
		}
	}
	if d := e.Dimensions(); d != 0 && d != len(vs[0]) {
		t.Fatalf("Dimensions() = %d, vectors have %d", d, len(vs[0]))
	}
	empty, err := e.Embed(ctx, nil)
	if err != nil || len(empty) != 0 {
		t.Fatalf("empty input: %v, %v", empty, err)
	}
}
