package httpapi

import (
	"cmp"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"

	"github.com/anythingllm-go/anythingllm/anythingllm"
)

// The OpenAI-compatible routes: workspaces are models. Responses follow
// OpenAI's shapes so the official SDKs work unchanged.

type openAIMessage struct {
	Role    string          `json:"role"`
	Content json.RawMessage `json:"content" doc:"a string, or an array of text and image_url parts"`
}

type openAIChatRequest struct {
	Model       string          `json:"model" doc:"a workspace slug"`
	Messages    []openAIMessage `json:"messages"`
	Temperature *float64        `json:"temperature,omitempty"`
	Stream      bool            `json:"stream,omitempty"`
}

type openAIChoice struct {
	Index        int               `json:"index"`
	Message      *openAIOutMessage `json:"message,omitempty"`
	Delta        *openAIOutMessage `json:"delta,omitempty"`
	Logprobs     *struct{}         `json:"logprobs"`
	FinishReason *string           `json:"finish_reason"`
}

type openAIOutMessage struct {
	Role    string  `json:"role,omitempty"`
	Content *string `json:"content"`
}

type openAIUsage struct {
	PromptTokens     int `json:"prompt_tokens"`
	CompletionTokens int `json:"completion_tokens"`
	TotalTokens      int `json:"total_tokens"`
}

type openAIChatResponse struct {
	ID      string         `json:"id"`
	Object  string         `json:"object"`
	Created int64          `json:"created"`
	Model   string         `json:"model"`
	Choices []openAIChoice `json:"choices"`
	Usage   *openAIUsage   `json:"usage,omitempty"`
}

type openAIModelsResponse struct {
	Object string                    `json:"object"`
	Data   []anythingllm.OpenAIModel `json:"data"`
}

type openAIEmbeddingsRequest struct {
	Input  json.RawMessage `json:"input" doc:"a string or an array of strings"`
	Inputs json.RawMessage `json:"inputs,omitempty" doc:"legacy name of input"`
	Model  string          `json:"model,omitempty"`
}

type openAIEmbedding struct {
	Object    string    `json:"object"`
	Embedding []float32 `json:"embedding"`
	Index     int       `json:"index"`
}

type openAIEmbeddingsResponse struct {
	Object string            `json:"object"`
	Data   []openAIEmbedding `json:"data"`
	Model  string            `json:"model"`
}

type vectorStoresResponse struct {
	FirstID *string                       `json:"first_id,omitempty"`
	LastID  *string                       `json:"last_id,omitempty"`
	Data    []anythingllm.VectorStoreInfo `json:"data"`
	HasMore bool                          `json:"has_more"`
}

type openAIError struct {
	Error openAIErrorBody `json:"error"`
}

type openAIErrorBody struct {
	Message string  `json:"message"`
	Type    string  `json:"type"`
	Code    *string `json:"code"`
}

// openAIFailed answers in OpenAI's error shape.
func (s *server) openAIFailed(w http.ResponseWriter, r *http.Request, err error) {
	status, msg := errorStatus(err)
	if status >= 500 {
		s.log.ErrorContext(r.Context(), "openai-compatible request failed", "err", err)
	}
	typ := "invalid_request_error"
	var code *string
	switch status {
	case http.StatusNotFound:
		c := "model_not_found"
		code = &c
	case http.StatusServiceUnavailable, http.StatusInternalServerError:
		typ = "server_error"
	case http.StatusTooManyRequests:
		c := "rate_limit_exceeded"
		typ, code = "rate_limit_error", &c
	}
	encode(w, status, openAIError{Error: openAIErrorBody{Message: msg, Type: typ, Code: code}})
}

func (s *server) handleOpenAIModels(w http.ResponseWriter, r *http.Request) {
	ms, err := s.app.OpenAIModels(r.Context())
	if err != nil {
		s.openAIFailed(w, r, err)
		return
	}
	if ms == nil {
		ms = []anythingllm.OpenAIModel{}
	}
	encode(w, http.StatusOK, openAIModelsResponse{Object: "list", Data: ms})
}

// messages converts OpenAI messages; image_url parts become images.
func openAIMessages(in []openAIMessage) ([]anythingllm.Message, error) {
	out := make([]anythingllm.Message, 0, len(in))
	for i, m := range in {
		msg := anythingllm.Message{Role: m.Role}
		var text string
		var parts []struct {
			Type     string `json:"type"`
			Text     string `json:"text"`
			ImageURL struct {
				URL string `json:"url"`
			} `json:"image_url"`
		}
		switch {
		case len(m.Content) == 0 || string(m.Content) == "null":
		case json.Unmarshal(m.Content, &text) == nil:
			msg.Content = text
		case json.Unmarshal(m.Content, &parts) == nil:
			var texts []string
			for _, p := range parts {
				switch p.Type {
				case "text":
					texts = append(texts, p.Text)
				case "image_url":
					img, err := dataURLImage(p.ImageURL.URL)
					if err != nil {
						return nil, anythingllm.Errorf(anythingllm.InvalidArgument, "messages[%d]: %v", i, err)
					}
					msg.Images = append(msg.Images, img)
				}
			}
			msg.Content = strings.Join(texts, "\n")
		default:
			return nil, anythingllm.Errorf(anythingllm.InvalidArgument, "messages[%d].content must be a string or an array of parts", i)
		}
		switch m.Role {
		case "system", "user", "assistant":
		case "developer":
			msg.Role = "system"
		default:
			return nil, anythingllm.Errorf(anythingllm.InvalidArgument, "messages[%d].role must be system, user or assistant", i)
		}
		out = append(out, msg)
	}
	return out, nil
}

func dataURLImage(u string) (anythingllm.Image, error) {
	rest, ok := strings.CutPrefix(u, "data:")
	head, body, found := strings.Cut(rest, ",")
	if !ok || !found || !strings.HasSuffix(head, ";base64") {
		return anythingllm.Image{}, fmt.Errorf("image_url must be a base64 data URL")
	}
	data, err := base64.StdEncoding.DecodeString(body)
	if err != nil {
		return anythingllm.Image{}, fmt.Errorf("image_url is not valid base64")
	}
	mime := strings.TrimSuffix(head, ";base64")
	if mime == "" {
		mime = "image/png"
	}
	return anythingllm.Image{MIME: mime, Data: data}, nil
}

func (s *server) handleOpenAIChat(w http.ResponseWriter, r *http.Request) {
	in, err := decode[openAIChatRequest](r)
	if err != nil {
		s.openAIFailed(w, r, err)
		return
	}
	msgs, err := openAIMessages(in.Messages)
	if err != nil {
		s.openAIFailed(w, r, err)
		return
	}
	req := &anythingllm.OpenAIChatRequest{Workspace: in.Model, Messages: msgs, Temperature: in.Temperature}
	id := anythingllm.NewCompletionID()
	if !in.Stream {
		res, err := s.app.OpenAIChat(r.Context(), req, nil)
		if err != nil {
			s.openAIFailed(w, r, err)
			return
		}
		fr := res.FinishReason
		encode(w, http.StatusOK, openAIChatResponse{ID: id, Object: "chat.completion", Created: res.Created.Unix(), Model: in.Model,
			Choices: []openAIChoice{{Message: &openAIOutMessage{Role: "assistant", Content: res.Text}, FinishReason: &fr}}, Usage: usageOf(res.Metrics)})
		return
	}
	release, err := s.streamSlot(w, r)
	if err != nil {
		s.openAIFailed(w, r, err)
		return
	}
	defer release()
	rc := http.NewResponseController(w)
	started := false
	send := func(v any) error {
		if !started {
			w.Header().Set("Content-Type", "text/event-stream")
			w.Header().Set("Cache-Control", "no-cache")
			w.Header().Set("Connection", "keep-alive")
			w.WriteHeader(http.StatusOK)
			started = true
		}
		b, _ := marshalWire(v)
		s.streamWriteDeadline(rc)
		if _, err := fmt.Fprintf(w, "data: %s\n\n", b); err != nil {
			return err
		}
		if err := rc.Flush(); err != nil {
			return err
		}
		return r.Context().Err()
	}
	chunk := func(content *string, finish *string) openAIChatResponse {
		return openAIChatResponse{ID: id, Object: "chat.completion.chunk", Created: s.app.Now().Unix(), Model: in.Model,
			Choices: []openAIChoice{{Delta: &openAIOutMessage{Role: "assistant", Content: content}, FinishReason: finish}}}
	}
	res, err := s.app.OpenAIChat(r.Context(), req, func(delta string) error { return send(chunk(&delta, nil)) })
	if err != nil {
		if !started {
			s.openAIFailed(w, r, err)
			return
		}
		s.log.ErrorContext(r.Context(), "openai-compatible stream failed", "err", err)
		return
	}
	if !started && res.Text != nil { // a refusal: one chunk with the text
		_ = send(chunk(res.Text, nil))
	}
	fr := res.FinishReason
	final := chunk(nil, &fr)
	final.Choices[0].Delta = &openAIOutMessage{}
	final.Usage = usageOf(res.Metrics)
	if send(final) == nil {
		s.streamWriteDeadline(rc)
		_, _ = fmt.Fprint(w, "data: [DONE]\n\n")
		_ = rc.Flush()
	}
}

func usageOf(m anythingllm.Metrics) *openAIUsage {
	return &openAIUsage{PromptTokens: m.PromptTokens, CompletionTokens: m.CompletionTokens, TotalTokens: m.TotalTokens}
}

func (s *server) handleOpenAIEmbeddings(w http.ResponseWriter, r *http.Request) {
	in, err := decode[openAIEmbeddingsRequest](r)
	if err != nil {
		s.openAIFailed(w, r, err)
		return
	}
	raw := in.Input
	if len(raw) == 0 {
		raw = in.Inputs
	}
	var texts []string
	var one string
	switch {
	case json.Unmarshal(raw, &one) == nil:
		texts = []string{one}
	case json.Unmarshal(raw, &texts) == nil:
	default:
		s.openAIFailed(w, r, anythingllm.Errorf(anythingllm.InvalidArgument, "input must be a string or an array of strings"))
		return
	}
	vecs, err := s.app.EmbedTexts(r.Context(), texts)
	if err != nil {
		s.openAIFailed(w, r, err)
		return
	}
	out := openAIEmbeddingsResponse{Object: "list", Model: cmp.Or(in.Model, "anythingllm-go"), Data: make([]openAIEmbedding, len(vecs))}
	for i, v := range vecs {
		out.Data[i] = openAIEmbedding{Object: "embedding", Embedding: v, Index: i}
	}
	encode(w, http.StatusOK, out)
}

func (s *server) handleOpenAIVectorStores(w http.ResponseWriter, r *http.Request) {
	if len(r.URL.Query()) > 0 {
		encode(w, http.StatusOK, vectorStoresResponse{Data: []anythingllm.VectorStoreInfo{}})
		return
	}
	vs, err := s.app.VectorStores(r.Context())
	if err != nil {
		s.openAIFailed(w, r, err)
		return
	}
	out := vectorStoresResponse{Data: vs}
	if len(vs) > 0 {
		out.FirstID, out.LastID = &vs[0].ID, &vs[len(vs)-1].ID
	} else {
		out.Data = []anythingllm.VectorStoreInfo{}
	}
	encode(w, http.StatusOK, out)
}
