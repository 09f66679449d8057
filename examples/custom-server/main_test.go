package main

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"testing"

	"github.com/anythingllm-go/anythingllm/providers/providertest/fakeopenai"
)

// The injector-built server, started on loopback against the fake OpenAI
// server, answers its custom route and the stock API (through the
// middleware).
func TestCustomServer(t *testing.T) {
	llm := fakeopenai.New(nil) // replies "Echo: <last user message>"
	t.Cleanup(llm.Close)
	const key = "test-key-0123456789"
	cfg := Config{StorageDir: t.TempDir(), OpenAIBaseURL: llm.BaseURL(), OpenAIKey: "sk-fake", Model: "fake-model", APIKey: key,
		Logger: slog.New(slog.DiscardHandler)}

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	urls := make(chan string, 1)
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, cfg, ln, func(_ *Server, url string) error { urls <- url; return nil })
	}()
	var base string
	select {
	case base = <-urls:
	case err := <-done:
		t.Fatalf("the server did not start: %v", err)
	}
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("run: %v", err)
		}
	})

	call := func(method, path, body string, out any) *http.Response {
		t.Helper()
		req, _ := http.NewRequestWithContext(t.Context(), method, base+path, strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+key)
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		if err := json.Unmarshal(b, out); err != nil {
			t.Fatalf("%s %s: %d %s", method, path, resp.StatusCode, b)
		}
		return resp
	}

	var health struct{ Status string }
	if resp := call("GET", "/healthz", "", &health); resp.StatusCode != 200 || health.Status != "ok" {
		t.Fatalf("custom route: %d %+v", resp.StatusCode, health)
	}

	var created struct{ Workspace struct{ Slug string } }
	resp := call("POST", "/api/v1/workspace/new", `{"name":"Team notes"}`, &created)
	if resp.StatusCode != 200 || created.Workspace.Slug != "team-notes" {
		t.Fatalf("create workspace: %d %+v", resp.StatusCode, created)
	}
	if got := resp.Header.Get("X-Served-By"); got != "custom-server" {
		t.Fatalf("the middleware did not run: X-Served-By = %q", got)
	}
	var chat struct {
		TextResponse string
		Error        any
	}
	if resp := call("POST", "/api/v1/workspace/team-notes/chat", `{"message":"hello there","mode":"chat"}`, &chat); resp.StatusCode != 200 || chat.TextResponse != "Echo: hello there" {
		t.Fatalf("chat through the OpenAI-compatible model: %d %+v", resp.StatusCode, chat)
	}
	if n := len(llm.Requests()); n != 1 {
		t.Fatalf("the fake OpenAI server got %d requests, want 1", n)
	}
}
