package anythingllm

import (
	"context"
	"strings"
)

// ModelCategory names what a model is used for on the provider proxy
// routes; each has its own default model.
type ModelCategory string

// The model categories.
const (
	CategoryTextGen   ModelCategory = "text_gen"  // /api/llm/generate
	CategoryText2Text ModelCategory = "text2text" // /api/llm/instruct
	CategoryEmbedding ModelCategory = "embedding" // /api/embedding
	CategoryImage     ModelCategory = "image"     // /api/image/generate
	CategorySTT       ModelCategory = "stt"       // /api/stt/transcribe
	CategoryTTS       ModelCategory = "tts"       // /api/tts
)

// ModelCategorySettings maps each category to the setting (environment
// variable, or update-env key DefaultModel<Name>) holding its default
// model. Empty means the provider's own default.
var ModelCategorySettings = map[ModelCategory]string{
	CategoryTextGen:   "DEFAULT_MODEL_TEXT_GEN",
	CategoryText2Text: "DEFAULT_MODEL_TEXT2TEXT",
	CategoryEmbedding: "DEFAULT_MODEL_EMBEDDING",
	CategoryImage:     "DEFAULT_MODEL_IMAGE",
	CategorySTT:       "DEFAULT_MODEL_STT",
	CategoryTTS:       "DEFAULT_MODEL_TTS",
}

// DefaultModel is a category's default model from the settings (stored
// through update-env, else the environment); "" = the provider's default.
func (a *App) DefaultModel(ctx context.Context, c ModelCategory) string {
	name, ok := ModelCategorySettings[c]
	if !ok {
		return ""
	}
	return strings.TrimSpace(a.Setting(ctx, name))
}

// modelFor is the model a request uses: its own, else the category's default.
func (a *App) modelFor(ctx context.Context, c ModelCategory, requested string) string {
	if m := strings.TrimSpace(requested); m != "" {
		return m
	}
	return a.DefaultModel(ctx, c)
}

// ModelEmbedder is an optional capability of an Embedder: embedding with a
// model named per call ("" = its default).
type ModelEmbedder interface {
	EmbedModel(ctx context.Context, model string, texts []string) ([][]float32, error)
}

// EmbedRequest asks for the embeddings of one or more inputs.
type EmbedRequest struct {
	Model  string // "" = the embedding category's default, else the embedder's
	Inputs []string
}

// EmbedInputs embeds inputs, in order, with the default embedder (or the
// override's), using the request's model or the embedding category's
// default. A model named in the request that the embedder cannot choose
// is refused (Unimplemented); a default from the settings is then ignored.
func (a *App) EmbedInputs(ctx context.Context, req *EmbedRequest, o *GenerateOverride) ([][]float32, error) {
	if req == nil || len(req.Inputs) == 0 {
		return nil, Errorf(InvalidArgument, "input cannot be empty")
	}
	for i, in := range req.Inputs {
		if strings.TrimSpace(in) == "" {
			if len(req.Inputs) == 1 {
				return nil, Errorf(InvalidArgument, "input cannot be empty")
			}
			return nil, Errorf(InvalidArgument, "input[%d] cannot be empty", i)
		}
	}
	p, err := a.overridden(ctx, o)
	if err != nil {
		return nil, err
	}
	emb := p.Embedder
	if emb == nil {
		return nil, Errorf(Unavailable, "no embedding engine is configured")
	}
	model := a.modelFor(ctx, CategoryEmbedding, req.Model)
	me, canChoose := emb.(ModelEmbedder)
	if strings.TrimSpace(req.Model) != "" && !canChoose {
		return nil, Errorf(Unimplemented, "the embedding engine cannot use another model than its own; leave model out")
	}
	var vecs [][]float32
	if canChoose && model != "" {
		err = a.retry(ctx, func() (err error) {
			vecs, err = me.EmbedModel(ctx, model, req.Inputs)
			return err
		})
	} else {
		vecs, err = a.embedTexts(ctx, emb, req.Inputs)
	}
	if err != nil {
		return nil, err
	}
	if len(vecs) != len(req.Inputs) {
		return nil, Errorf(Internal, "embedder returned %d vectors for %d inputs", len(vecs), len(req.Inputs))
	}
	return vecs, nil
}

// Instruct runs an instruction-following completion (the text2text
// category's default model); Generate is the same on text_gen's.
func (a *App) Instruct(ctx context.Context, req *ChatRequest, o *GenerateOverride) (*ChatResponse, error) {
	return a.generate(ctx, CategoryText2Text, req, o)
}
