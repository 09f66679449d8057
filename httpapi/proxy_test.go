package httpapi_test

import (
	"context"
	"encoding/base64"
	"encoding/binary"
	"math"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/anythingllm-go/anythingllm/anythingllm"
	"github.com/anythingllm-go/anythingllm/anythingllmtest"
	"github.com/anythingllm-go/anythingllm/httpapi/httpapitest"
)

type pngImages struct{}

func (pngImages) GenerateImage(ctx context.Context, req *anythingllm.ImageRequest) (*anythingllm.ImageResponse, error) {
	return &anythingllm.ImageResponse{Images: []anythingllm.GeneratedImage{{MIME: "image/png", Data: []byte{0x89, 'P', 'N', 'G'}, RevisedPrompt: "revised " + req.Prompt}}}, nil
}

func TestGenerate(t *testing.T) {
	llm := anythingllmtest.NewChatModel().Then(anythingllmtest.Turn{Text: "HELLO", Usage: &anythingllm.Usage{PromptTokens: 3, CompletionTokens: 2, TotalTokens: 5}})
	env := httpapitest.New(t, &httpapitest.Options{Deps: anythingllm.Deps{LLM: llm}})
	var out struct {
		Content string
		Usage   map[string]int
	}
	st := env.DoJSON(t, "POST", "/api/llm/generate", map[string]any{
		"messages":    []map[string]string{{"role": "system", "content": "be loud"}, {"role": "user", "content": "hello"}},
		"temperature": 0.5, "max_tokens": 7, "stop": []string{"\n"},
	}, &out)
	if st != 200 || out.Content != "HELLO" || out.Usage["total_tokens"] != 5 {
		t.Fatalf("generate = %d %+v", st, out)
	}
	reqs := llm.Requests()
	if len(reqs) != 1 {
		t.Fatalf("the model got %d requests, want 1", len(reqs))
	}
	if last := reqs[0]; last.MaxTokens != 7 || *last.Temperature != 0.5 || len(last.Messages) != 2 || last.Messages[1].Content != "hello" || last.Stop[0] != "\n" {
		t.Fatalf("request passed on as %+v", last)
	}
	bad := []map[string]any{
		{},
		{"messages": []map[string]string{{"role": "robot", "content": "x"}}},
		{"messages": []map[string]string{{"role": "user", "content": " "}}},
		{"messages": []map[string]string{{"role": "user", "content": "x"}}, "temperature": 3},
		{"messages": []map[string]string{{"role": "user", "content": "x"}}, "top_p": -0.1},
		{"messages": []map[string]string{{"role": "user", "content": "x"}}, "presence_penalty": 2.5},
	}
	for _, b := range bad {
		var e struct{ Error string }
		if st := env.DoJSON(t, "POST", "/api/llm/instruct", b, &e); st != 400 || e.Error == "" {
			t.Errorf("bad request %v: %d %q", b, st, e.Error)
		}
	}
	resp := env.Do(t, "POST", "/api/llm/generate", strings.NewReader("{not json"))
	if resp.StatusCode != 400 {
		t.Fatalf("malformed JSON: %d", resp.StatusCode)
	}
	resp.Body.Close()
}

func TestGenerateWithoutProviderIs503(t *testing.T) {
	env := httpapitest.New(t, nil)
	var e struct{ Error string }
	st := env.DoJSON(t, "POST", "/api/llm/generate", map[string]any{"messages": []map[string]string{{"role": "user", "content": "x"}}}, &e)
	if st != 503 || !strings.Contains(e.Error, "no LLM provider") {
		t.Fatalf("no provider: %d %q", st, e.Error)
	}
}

func TestProviderOverrideHeadersRefusedByDefault(t *testing.T) {
	env := httpapitest.New(t, &httpapitest.Options{Deps: anythingllm.Deps{LLM: anythingllmtest.NewChatModel()}})
	h := http.Header{"Authorization": {"Bearer " + env.Key}, "X-OpenAI-Base-URL": {"http://169.254.169.254/"}, "Content-Type": {"application/json"}}
	resp := env.DoWith(t, "POST", "/api/llm/generate", strings.NewReader(`{"messages":[{"role":"user","content":"x"}]}`), h)
	body := httpapitest.Body(t, resp)
	if resp.StatusCode != 403 || !strings.Contains(body, "override") {
		t.Fatalf("override header: %d %s", resp.StatusCode, body)
	}
}

func TestEmbedding(t *testing.T) {
	emb := anythingllmtest.NewEmbedder(3)
	env := httpapitest.New(t, &httpapitest.Options{Deps: anythingllm.Deps{Embedder: emb}})
	want, err := anythingllmtest.NewEmbedder(3).Embed(t.Context(), []string{"four"})
	if err != nil {
		t.Fatal(err)
	}
	var out struct {
		Embedding []float32
	}
	if st := env.DoJSON(t, "POST", "/api/embedding", map[string]string{"input": "four"}, &out); st != 200 || !slices.Equal(out.Embedding, want[0]) {
		t.Fatalf("embedding = %d %+v, want %v", st, out, want[0])
	}
	var b64 struct{ Embedding string }
	if st := env.DoJSON(t, "POST", "/api/embedding/", map[string]string{"input": "four", "encoding_format": "base64"}, &b64); st != 200 {
		t.Fatalf("base64: %d", st)
	}
	raw, err := base64.StdEncoding.DecodeString(b64.Embedding)
	var decoded []float32
	for i := 0; i+4 <= len(raw); i += 4 {
		decoded = append(decoded, math.Float32frombits(binary.LittleEndian.Uint32(raw[i:])))
	}
	if err != nil || len(raw) != 12 || !slices.Equal(decoded, want[0]) {
		t.Fatalf("base64 embedding decodes to %v (%v)", raw, err)
	}
	for _, b := range []map[string]string{{"input": ""}, {"input": "x", "encoding_format": "int8"}} {
		if st := env.DoJSON(t, "POST", "/api/embedding", b, nil); st != 400 {
			t.Errorf("%v: %d, want 400", b, st)
		}
	}
}

func TestImageGenerate(t *testing.T) {
	env := httpapitest.New(t, &httpapitest.Options{Deps: anythingllm.Deps{Images: pngImages{}}})
	var out struct {
		URL           string `json:"url"`
		RevisedPrompt string `json:"revised_prompt"`
	}
	if st := env.DoJSON(t, "POST", "/api/image/generate", map[string]any{"prompt": "sunset"}, &out); st != 200 ||
		!strings.HasPrefix(out.URL, "data:image/png;base64,") || out.RevisedPrompt != "revised sunset" {
		t.Fatalf("image = %d %+v", st, out)
	}
	for _, b := range []map[string]any{{"prompt": ""}, {"prompt": "x", "n": 11}, {"prompt": "x", "style": "noir"}, {"prompt": "x", "quality": "ultra"}} {
		if st := env.DoJSON(t, "POST", "/api/image/generate", b, nil); st != 400 {
			t.Errorf("%v: %d, want 400", b, st)
		}
	}
}
