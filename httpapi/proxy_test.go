package httpapi_test

import (
	"context"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/anythingllm-go/anythingllm/anythingllm"
	"github.com/anythingllm-go/anythingllm/anythingllmtest"
	"github.com/anythingllm-go/anythingllm/httpapi/httpapitest"
	"github.com/anythingllm-go/anythingllm/providers/openai"
	"github.com/anythingllm-go/anythingllm/providers/providertest/fakeopenai"
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
	user := []map[string]string{{"role": "user", "content": "x"}}
	bad := []struct {
		body map[string]any
		want string
	}{
		{map[string]any{}, "messages must be a non-empty array"},
		{map[string]any{"messages": []map[string]string{}}, "messages must be a non-empty array"},
		{map[string]any{"messages": []map[string]string{{"role": "user", "content": "x"}, {"role": "robot", "content": "x"}}}, "messages[1].role must be system, user or assistant"},
		{map[string]any{"messages": []map[string]string{{"role": "user", "content": " "}}}, "messages[0].content cannot be empty"},
		{map[string]any{"messages": user, "temperature": 3}, "temperature must be between 0 and 2"},
		{map[string]any{"messages": user, "top_p": -0.1}, "top_p must be between 0 and 1"},
		{map[string]any{"messages": user, "presence_penalty": 2.5}, "presence_penalty must be between -2 and 2"},
		{map[string]any{"messages": user, "frequency_penalty": -3}, "frequency_penalty must be between -2 and 2"},
		{map[string]any{"messages": user, "max_tokens": -1}, "max_tokens must be positive"},
		{map[string]any{"messages": user, "stop": []string{"a", "b", "c", "d", "e"}}, "stop accepts at most 4 sequences"},
	}
	for _, b := range bad {
		var e struct{ Error string }
		if st := env.DoJSON(t, "POST", "/api/llm/instruct", b.body, &e); st != 400 || e.Error != b.want {
			t.Errorf("bad request %v: %d %q, want 400 %q", b.body, st, e.Error, b.want)
		}
	}
	if llm.Calls() != 1 {
		t.Fatalf("the LLM was called %d times; invalid requests must not reach it", llm.Calls())
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
	for b, want := range map[string]string{`{"input":""}`: "input cannot be empty", `{"input":"x","encoding_format":"int8"}`: "encoding_format must be float or base64"} {
		var e struct{ Error string }
		if st := env.DoJSON(t, "POST", "/api/embedding", json.RawMessage(b), &e); st != 400 || e.Error != want {
			t.Errorf("%v: %d %q, want 400 %q", b, st, e.Error, want)
		}
	}
}

func TestImageGenerate(t *testing.T) {
	env := httpapitest.New(t, &httpapitest.Options{Deps: anythingllm.Deps{Images: pngImages{}}})
	var out struct {
		URL           string `json:"url"`
		B64JSON       string `json:"b64_json"`
		RevisedPrompt string `json:"revised_prompt"`
		Images        []any  `json:"images"`
	}
	if st := env.DoJSON(t, "POST", "/api/image/generate", map[string]any{"prompt": "sunset"}, &out); st != 200 ||
		out.URL != "" || out.B64JSON != base64.StdEncoding.EncodeToString([]byte{0x89, 'P', 'N', 'G'}) || out.RevisedPrompt != "revised sunset" || out.Images != nil {
		t.Fatalf("image = %d %+v", st, out)
	}
	for b, want := range map[string]string{`{"prompt":""}`: "prompt is required", `{"prompt":"  "}`: "prompt cannot be empty",
		`{"prompt":"x","n":11}`: "n must be between 1 and 10",
		`{"prompt":"x","n":-1}`: "n must be between 1 and 10", `{"prompt":"x","style":"noir"}`: "style must be vivid or natural",
		`{"prompt":"x","quality":"ultra"}`: "quality must be standard, hd, low, medium, high or auto",
		`{"prompt":"x","size":"10x10"}`:    "size must be 256x256, 512x512, 1024x1024, 1792x1024, 1024x1792, 1536x1024, 1024x1536 or auto"} {
		var e struct{ Error string }
		if st := env.DoJSON(t, "POST", "/api/image/generate", json.RawMessage(b), &e); st != 400 || e.Error != want {
			t.Errorf("%v: %d %q, want 400 %q", b, st, e.Error, want)
		}
	}
}

// Through the OpenAI client against the fake OpenAI server: every image
// when n > 1, URLs or b64_json as the upstream answers.
func TestImageGenerateThroughOpenAI(t *testing.T) {
	fake := fakeopenai.New(nil)
	t.Cleanup(fake.Close)
	c, err := openai.New(&openai.Options{BaseURL: fake.BaseURL(), ImageModel: "dall-e-3"})
	if err != nil {
		t.Fatal(err)
	}
	env := httpapitest.New(t, &httpapitest.Options{Deps: anythingllm.Deps{Images: c}})
	type item struct {
		URL           string `json:"url"`
		B64JSON       string `json:"b64_json"`
		RevisedPrompt string `json:"revised_prompt"`
	}
	var out struct {
		item
		Images []item `json:"images"`
	}
	st := env.DoJSON(t, "POST", "/api/image/generate/", map[string]any{"prompt": "mountains", "n": 3, "size": "1024x1024", "quality": "hd", "style": "natural", "user": "u7"}, &out)
	if st != 200 || !strings.HasPrefix(out.URL, fake.URL+"/files/image-0.png") || out.RevisedPrompt != "revised: mountains" || len(out.Images) != 3 {
		t.Fatalf("n=3: %d %+v", st, out)
	}
	for i, img := range out.Images {
		if img.URL != fmt.Sprintf("%s/files/image-%d.png", fake.URL, i) || img.B64JSON != "" {
			t.Fatalf("image %d = %+v", i, img)
		}
	}
	if got := fake.ImageRequests(); len(got) != 1 || got[0].N != 3 || got[0].Style != "natural" || got[0].Quality != "hd" || got[0].User != "u7" || got[0].Model != "dall-e-3" {
		t.Fatalf("upstream saw %+v", got)
	}
	out = struct {
		item
		Images []item `json:"images"`
	}{}
	st = env.DoJSON(t, "POST", "/api/image/generate", map[string]any{"prompt": "cat", "model": "gpt-image-1"}, &out)
	if st != 200 || out.URL != "" || out.B64JSON != base64.StdEncoding.EncodeToString(fakeopenai.PNG) || out.Images != nil {
		t.Fatalf("b64: %d %+v", st, out)
	}
}
