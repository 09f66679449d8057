package anythingllm

import (
	"context"
	"strings"
	"time"

	"github.com/google/uuid"
)

// OpenAIChatRequest is a chat completion sent to a workspace through the
// OpenAI-compatible API: model = workspace slug.
type OpenAIChatRequest struct {
	Workspace   string
	Messages    []Message // the last must be the user's prompt
	Temperature *float64
}

// OpenAIChatResult is what the completion produced.
type OpenAIChatResult struct {
	Text         *string // nil for refusals with no content
	FinishReason string
	Sources      []Source
	Metrics      Metrics
	Created      time.Time
}

// OpenAIChat answers a chat completion with the workspace's documents: the
// first system message replaces the workspace prompt, earlier messages are
// the history, and the chat is saved to the workspace's default history.
// emit, when non-nil, receives the answer as it streams.
func (a *App) OpenAIChat(ctx context.Context, req *OpenAIChatRequest, emit func(delta string) error) (*OpenAIChatResult, error) {
	w, err := a.deps.Store.Workspaces().GetBySlug(ctx, req.Workspace)
	if err != nil {
		if Code(err) == NotFound {
			return nil, Errorf(NotFound, "The model `%s` does not exist: no workspace has that slug (GET /api/v1/openai/models lists them)", req.Workspace)
		}
		return nil, err
	}
	if len(req.Messages) == 0 || req.Messages[len(req.Messages)-1].Role != RoleUser {
		return nil, Errorf(InvalidArgument, "No user prompt found. Must be last element in message array with 'user' role.")
	}
	user := req.Messages[len(req.Messages)-1]
	if strings.TrimSpace(user.Content) == "" && len(user.Images) == 0 {
		return nil, Errorf(InvalidArgument, "the last user message is empty")
	}
	t := &chatTurn{w: w, in: &ChatInput{Message: user.Content}, mode: ModeChat}
	if w.ChatMode != nil && *w.ChatMode == ModeQuery {
		t.mode = ModeQuery
	}
	res := &OpenAIChatResult{Created: a.now(), Sources: []Source{}}
	vectors, err := a.indexedVectors(ctx, w)
	if err != nil {
		return nil, err
	}
	refusal := DefaultRefusal
	if w.QueryRefusalResponse != nil && *w.QueryRefusalResponse != "" {
		refusal = *w.QueryRefusalResponse
	}
	if t.mode == ModeQuery && vectors == 0 {
		res.Text, res.FinishReason = &refusal, "abort"
		_, err := a.saveChat(ctx, t, refusal, nil, false, res.Metrics)
		return res, err
	}
	if t.model, t.provider, err = a.chatModel(ctx, w); err != nil {
		return nil, err
	}
	// Pinned documents first, as the native chat: whole, and left out of
	// the search so they are not cited twice.
	var contexts, exclude []string
	pinned, err := a.pinnedContext(ctx, w)
	if err != nil {
		return nil, err
	}
	for _, p := range pinned {
		contexts = append(contexts, p.text)
		res.Sources = append(res.Sources, p.source)
		exclude = append(exclude, p.docID)
	}
	if vectors > 0 {
		topN, threshold := searchSettings(w)
		results, err := a.queryIndex(ctx, w, user.Content, topN, threshold, exclude)
		if err != nil {
			return nil, err
		}
		for _, r := range results {
			contexts = append(contexts, r.Text)
			res.Sources = append(res.Sources, resultSource(r))
		}
	}
	if t.mode == ModeQuery && len(contexts) == 0 {
		res.Text, res.FinishReason = &refusal, "no_content"
		_, err := a.saveChat(ctx, t, refusal, nil, false, res.Metrics)
		return res, err
	}
	system := a.systemPrompt(w, t.in)
	history := req.Messages[:len(req.Messages)-1]
	if len(history) > 0 && history[0].Role == RoleSystem {
		system, history = history[0].Content, history[1:]
	}
	msgs := append([]Message{{Role: RoleSystem, Content: withContext(system, contexts)}}, history...)
	msgs = append(msgs, user)
	model := ""
	if w.ChatModel != nil {
		model = *w.ChatModel
	}
	temp := req.Temperature
	if temp == nil {
		temp = w.OpenAITemp
	}
	creq := &ChatRequest{Model: model, Messages: a.fitWindow(t.model, model, msgs), Temperature: temp}
	start := time.Now()
	var text string
	var usage Usage
	if emit == nil {
		resp, err := a.chat(ctx, t.model, creq)
		if err != nil {
			return nil, err
		}
		text, usage = resp.Text, resp.Usage
	} else {
		var b strings.Builder
		for chunk, err := range a.chatStream(ctx, t.model, creq) {
			if err != nil {
				return nil, err
			}
			if chunk.Usage != nil {
				usage = *chunk.Usage
			}
			if chunk.Text != "" {
				b.WriteString(chunk.Text)
				if err := emit(chunk.Text); err != nil {
					text = b.String()
					if text != "" {
						_, _ = a.saveChat(context.WithoutCancel(ctx), t, text, res.Sources, true, metricsOf(usage, start, model, t.provider))
					}
					return nil, err
				}
			}
		}
		text = b.String()
	}
	if strings.TrimSpace(text) == "" {
		res.FinishReason = "no_content"
		return res, nil
	}
	res.Metrics = metricsOf(usage, start, model, t.provider)
	if _, err := a.saveChat(ctx, t, text, res.Sources, true, res.Metrics); err != nil {
		return nil, err
	}
	res.Text, res.FinishReason = &text, "stop"
	return res, nil
}

// OpenAIModel is a workspace listed as a model.
type OpenAIModel struct {
	ID      string `json:"id"`
	Object  string `json:"object"`
	Created int64  `json:"created"`
	OwnedBy string `json:"owned_by"`
}

// OpenAIModels lists workspaces as models.
func (a *App) OpenAIModels(ctx context.Context) ([]OpenAIModel, error) {
	ws, err := a.deps.Store.Workspaces().List(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]OpenAIModel, len(ws))
	for i, w := range ws {
		owner := a.opts.LLMProvider
		if w.ChatProvider != nil {
			owner = *w.ChatProvider
		}
		out[i] = OpenAIModel{ID: w.Slug, Object: "model", Created: w.CreatedAt.Unix(), OwnedBy: owner}
	}
	return out, nil
}

// EmbedTexts embeds texts with the system embedder.
func (a *App) EmbedTexts(ctx context.Context, texts []string) ([][]float32, error) {
	if len(texts) == 0 {
		return nil, Errorf(InvalidArgument, "input must be a non-empty string or array of strings")
	}
	for i, t := range texts {
		if strings.TrimSpace(t) == "" {
			return nil, Errorf(InvalidArgument, "input[%d] is empty", i)
		}
	}
	if a.deps.Embedder == nil {
		return nil, Errorf(Unavailable, "no embedding engine is configured")
	}
	return a.embedBatched(ctx, texts)
}

// VectorStoreInfo describes a workspace as an OpenAI vector store.
type VectorStoreInfo struct {
	ID         string         `json:"id"`
	Object     string         `json:"object"`
	Name       string         `json:"name"`
	FileCounts map[string]int `json:"file_counts"`
	Provider   string         `json:"provider"`
}

// VectorStores lists workspaces as vector stores.
func (a *App) VectorStores(ctx context.Context) ([]VectorStoreInfo, error) {
	ws, err := a.deps.Store.Workspaces().List(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]VectorStoreInfo, len(ws))
	for i, w := range ws {
		docs, err := a.deps.Store.Documents().ListByWorkspace(ctx, w.ID)
		if err != nil {
			return nil, err
		}
		out[i] = VectorStoreInfo{ID: w.Slug, Object: "vector_store", Name: w.Name, FileCounts: map[string]int{"total": len(docs)}, Provider: "anythingllm-go"}
	}
	return out, nil
}

// newCompletionID names a completion.
func newCompletionID() string { return "chatcmpl-" + uuid.NewString() }

// NewCompletionID names an OpenAI-style completion.
func NewCompletionID() string { return newCompletionID() }
