package httpapi_test

import (
	"context"
	"encoding/json"
	"slices"
	"sync"
	"testing"

	"github.com/anythingllm-go/anythingllm/anythingllm"
	"github.com/anythingllm-go/anythingllm/anythingllmtest"
	"github.com/anythingllm-go/anythingllm/httpapi/httpapitest"
)

// modelEmbedder records the model of each call and embeds a text as
// [len(text), len(model)].
type modelEmbedder struct {
	mu     sync.Mutex
	models []string
}

func (e *modelEmbedder) Embed(ctx context.Context, texts []string) ([][]float32, error) {
	return e.EmbedModel(ctx, "", texts)
}

func (e *modelEmbedder) EmbedModel(ctx context.Context, model string, texts []string) ([][]float32, error) {
	e.mu.Lock()
	e.models = append(e.models, model)
	e.mu.Unlock()
	out := make([][]float32, len(texts))
	for i, t := range texts {
		out[i] = []float32{float32(len(t)), float32(len(model))}
	}
	return out, nil
}

func (e *modelEmbedder) Dimensions() int { return 2 }

type recordingImages struct {
	mu     sync.Mutex
	models []string
}

func (g *recordingImages) GenerateImage(ctx context.Context, req *anythingllm.ImageRequest) (*anythingllm.ImageResponse, error) {
	g.mu.Lock()
	g.models = append(g.models, req.Model)
	g.mu.Unlock()
	return &anythingllm.ImageResponse{Images: []anythingllm.GeneratedImage{{URL: "https://img.example/1.png"}}}, nil
}

func TestPerCategoryDefaultModels(t *testing.T) {
	llm := anythingllmtest.NewChatModel()
	emb := &modelEmbedder{}
	img := &recordingImages{}
	env := map[string]string{"DEFAULT_MODEL_TEXT_GEN": "gen-model", "DEFAULT_MODEL_TEXT2TEXT": "instruct-model",
		"DEFAULT_MODEL_EMBEDDING": "embed-model", "DEFAULT_MODEL_IMAGE": "image-model"}
	srv := httpapitest.New(t, &httpapitest.Options{Deps: anythingllm.Deps{LLM: llm, Embedder: emb, Images: img},
		App: &anythingllm.Options{Env: func(k string) string { return env[k] }}})
	user := []map[string]string{{"role": "user", "content": "hi"}}
	for _, c := range []struct {
		path, model, want string
	}{
		{"/api/llm/generate", "", "gen-model"},
		{"/api/llm/instruct/", "", "instruct-model"},
		{"/api/llm/instruct", "chosen", "chosen"},
		{"/api/llm/generate", "chosen-too", "chosen-too"},
	} {
		body := map[string]any{"messages": user}
		if c.model != "" {
			body["model"] = c.model
		}
		if st := srv.DoJSON(t, "POST", c.path, body, nil); st != 200 {
			t.Fatalf("%s: %d", c.path, st)
		}
		reqs := llm.Requests()
		if got := reqs[len(reqs)-1].Model; got != c.want {
			t.Errorf("%s model %q: the LLM got %q, want %q", c.path, c.model, got, c.want)
		}
	}
	// A stored setting wins over the environment.
	if st := srv.DoJSON(t, "POST", "/api/v1/system/update-env", map[string]string{"DefaultModelTextGen": "stored-gen"}, nil); st != 200 {
		t.Fatalf("update-env: %d", st)
	}
	if st := srv.DoJSON(t, "POST", "/api/llm/generate", map[string]any{"messages": user}, nil); st != 200 {
		t.Fatal(st)
	}
	if reqs := llm.Requests(); reqs[len(reqs)-1].Model != "stored-gen" {
		t.Errorf("after update-env the LLM got %q, want stored-gen", reqs[len(reqs)-1].Model)
	}

	for _, model := range []string{"", "dall-e-2"} {
		body := map[string]any{"prompt": "x"}
		if model != "" {
			body["model"] = model
		}
		if st := srv.DoJSON(t, "POST", "/api/image/generate", body, nil); st != 200 {
			t.Fatal(st)
		}
	}
	if !slices.Equal(img.models, []string{"image-model", "dall-e-2"}) {
		t.Errorf("image models %q, want the default then the request's", img.models)
	}

	var one struct{ Embedding []float32 }
	if st := srv.DoJSON(t, "POST", "/api/embedding", map[string]any{"input": "four"}, &one); st != 200 || !slices.Equal(one.Embedding, []float32{4, 11}) {
		t.Fatalf("string input: %d %+v", st, one)
	}
	var many struct {
		Embedding [][]float32
		Usage     map[string]int
	}
	if st := srv.DoJSON(t, "POST", "/api/embedding/", map[string]any{"input": []string{"a", "bcd"}, "model": "m3"}, &many); st != 200 ||
		len(many.Embedding) != 2 || !slices.Equal(many.Embedding[0], []float32{1, 2}) || !slices.Equal(many.Embedding[1], []float32{3, 2}) {
		t.Fatalf("array input: %d %+v", st, many)
	}
	var b64 struct{ Embedding []string }
	if st := srv.DoJSON(t, "POST", "/api/embedding/", map[string]any{"input": []string{"a", "b"}, "encoding_format": "base64"}, &b64); st != 200 || len(b64.Embedding) != 2 {
		t.Fatalf("array input, base64: %d %+v", st, b64)
	}
	if !slices.Equal(emb.models, []string{"embed-model", "m3", "embed-model"}) {
		t.Errorf("embedding models %q, want the default, the request's, the default", emb.models)
	}
	for b, want := range map[string]string{`{"input":42}`: "input must be a string or an array of strings", `{"input":[]}`: "input cannot be empty",
		`{"input":["a",""]}`: "input[1] cannot be empty", `{}`: "input cannot be empty"} {
		var e struct{ Error string }
		if st := srv.DoJSON(t, "POST", "/api/embedding", json.RawMessage(b), &e); st != 400 || e.Error != want {
			t.Errorf("%s: %d %q, want 400 %q", b, st, e.Error, want)
		}
	}
}

// An embedder that cannot choose its model refuses a request naming one,
// rather than answering with another model's vectors.
func TestEmbeddingModelRefusedWhenTheEngineCannotChoose(t *testing.T) {
	srv := httpapitest.New(t, &httpapitest.Options{Deps: anythingllm.Deps{Embedder: anythingllmtest.NewEmbedder(3)}})
	var e struct{ Error string }
	if st := srv.DoJSON(t, "POST", "/api/embedding", map[string]any{"input": "x", "model": "other"}, &e); st != 501 {
		t.Fatalf("model with a fixed embedder: %d %q, want 501", st, e.Error)
	}
}
