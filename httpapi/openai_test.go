package httpapi_test

import (
	"context"
	"errors"
	"io"
	"strings"
	"testing"

	goopenai "github.com/sashabaranov/go-openai"
)

// The Go OpenAI SDK works against the OpenAI-compatible routes unchanged.
func TestOpenAICompatibleWithGoSDK(t *testing.T) {
	c := newChatEnv(t, nil, 0)
	newWorkspace(t, c.Env, map[string]any{"name": "Support"})
	upload(t, c.Env, "/api/v1/document/upload", "r.txt", "Refunds are processed within five business days.", map[string]string{"addToWorkspaces": "support"})
	cfg := goopenai.DefaultConfig(c.Key)
	cfg.BaseURL = c.URL + "/api/v1/openai"
	sdk := goopenai.NewClientWithConfig(cfg)
	ctx := context.Background()

	models, err := sdk.ListModels(ctx)
	if err != nil || len(models.Models) != 1 || models.Models[0].ID != "support" {
		t.Fatalf("models: %+v %v", models, err)
	}
	resp, err := sdk.CreateChatCompletion(ctx, goopenai.ChatCompletionRequest{Model: "support", Messages: []goopenai.ChatCompletionMessage{
		{Role: "system", Content: "You are terse."}, {Role: "user", Content: "how many business days do refunds take?"}}})
	if err != nil || len(resp.Choices) != 1 || resp.Choices[0].Message.Content != "Echo: how many business days do refunds take?" || resp.Choices[0].FinishReason != "stop" {
		t.Fatalf("completion: %+v %v", resp, err)
	}
	sent := c.fake.Requests()[0].Messages[0].Text()
	if !strings.HasPrefix(sent, "You are terse.\nContext:") || !strings.Contains(sent, "five business days") {
		t.Fatalf("system message sent upstream = %q", sent)
	}
	stream, err := sdk.CreateChatCompletionStream(ctx, goopenai.ChatCompletionRequest{Model: "support", Stream: true,
		Messages: []goopenai.ChatCompletionMessage{{Role: "user", Content: "stream the refund policy"}}})
	if err != nil {
		t.Fatal(err)
	}
	var text strings.Builder
	finish := ""
	for {
		chunk, err := stream.Recv()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if len(chunk.Choices) > 0 {
			text.WriteString(chunk.Choices[0].Delta.Content)
			if chunk.Choices[0].FinishReason != "" {
				finish = string(chunk.Choices[0].FinishReason)
			}
		}
	}
	stream.Close()
	if text.String() != "Echo: stream the refund policy" || finish != "stop" {
		t.Fatalf("stream: %q finish %q", text.String(), finish)
	}
	emb, err := sdk.CreateEmbeddings(ctx, goopenai.EmbeddingRequestStrings{Input: []string{"refund", "policy"}, Model: "x"})
	if err != nil || len(emb.Data) != 2 || emb.Data[1].Index != 1 || len(emb.Data[0].Embedding) == 0 {
		t.Fatalf("embeddings: %+v %v", emb, err)
	}
	_, err = sdk.CreateChatCompletion(ctx, goopenai.ChatCompletionRequest{Model: "no-such-workspace", Messages: []goopenai.ChatCompletionMessage{{Role: "user", Content: "x"}}})
	var apiErr *goopenai.APIError
	if !errors.As(err, &apiErr) || apiErr.HTTPStatusCode != 404 || !strings.Contains(apiErr.Message, "no-such-workspace") {
		t.Fatalf("unknown model: %v", err)
	}
	_, err = sdk.CreateChatCompletion(ctx, goopenai.ChatCompletionRequest{Model: "support", Messages: []goopenai.ChatCompletionMessage{{Role: "assistant", Content: "x"}}})
	if !errors.As(err, &apiErr) || apiErr.HTTPStatusCode != 400 || !strings.Contains(apiErr.Message, "No user prompt found") {
		t.Fatalf("no user prompt: %v", err)
	}
	var vs map[string]any
	if st := c.DoJSON(t, "GET", "/api/v1/openai/vector_stores", nil, &vs); st != 200 || vs["first_id"] != "support" {
		t.Fatalf("vector stores: %d %v", st, vs)
	}
	// OpenAI-compatible chats land in the workspace's default history.
	var h struct{ History []map[string]any }
	c.DoJSON(t, "GET", "/api/v1/workspace/support/chats", nil, &h)
	if len(h.History) != 4 {
		t.Fatalf("history has %d entries, want 4", len(h.History))
	}
}
