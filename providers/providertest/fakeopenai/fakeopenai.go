// Package fakeopenai is an in-repo fake of the OpenAI HTTP API for tests:
// chat completions (plain and streamed as server-sent events, ending with
// "data: [DONE]"), embeddings, the model list, image generation, transcription and speech, with deterministic
// answers, optional delays, injected failures and request recording. It
// speaks the real wire protocol, so real clients (go-openai, the openai npm
// package) work against it.
package fakeopenai

import (
	"encoding/json"
	"fmt"
	"hash/fnv"
	"math"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"time"
)

// Message is a chat message as received.
type Message struct {
	Role    string `json:"role"`
	Content any    `json:"content"` // a string, or an array of parts
}

// Text returns a message's text (the text parts of a multi-part message).
func (m Message) Text() string {
	switch c := m.Content.(type) {
	case string:
		return c
	case []any:
		var b strings.Builder
		for _, p := range c {
			if part, ok := p.(map[string]any); ok && part["type"] == "text" {
				b.WriteString(fmt.Sprint(part["text"]))
			}
		}
		return b.String()
	}
	return ""
}

// ChatRequest is a received chat completion request.
type ChatRequest struct {
	Model       string    `json:"model"`
	Messages    []Message `json:"messages"`
	Stream      bool      `json:"stream"`
	Temperature *float64  `json:"temperature"`
	MaxTokens   int       `json:"max_tokens"`
}

// Options tune the fake. A nil *Options means the defaults.
type Options struct {
	// Reply makes the answer; default "Echo: <last user message>".
	Reply func(req *ChatRequest) string
	// ChunkDelay is the pause between streamed chunks.
	ChunkDelay time.Duration
	// Dimensions of embeddings; default 64.
	Dimensions int
	// Models are the listed model ids; default ["fake-model"].
	Models []string
}

// Server is a running fake.
type Server struct {
	*httptest.Server
	opts Options

	mu            sync.Mutex
	requests      []ChatRequest
	imageRequests []ImageRequest
	sttRequests   []TranscriptionRequest
	ttsRequests   []SpeechRequest
	fail          []int // statuses to answer, in order, before succeeding
	canceled      int   // streams whose client went away
}

// New starts a fake on a loopback port.
func New(opts *Options) *Server {
	s := &Server{}
	if opts != nil {
		s.opts = *opts
	}
	if s.opts.Dimensions <= 0 {
		s.opts.Dimensions = 64
	}
	if len(s.opts.Models) == 0 {
		s.opts.Models = []string{"fake-model"}
	}
	s.Server = httptest.NewServer(s.Handler())
	return s
}

// BaseURL is the URL clients use as their OpenAI base ("<url>/v1").
func (s *Server) BaseURL() string { return s.URL + "/v1" }

// FailNext makes the next requests answer these HTTP statuses, in order.
func (s *Server) FailNext(statuses ...int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.fail = append(s.fail, statuses...)
}

// Requests returns the chat requests received so far.
func (s *Server) Requests() []ChatRequest {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]ChatRequest(nil), s.requests...)
}

// Canceled counts streams the client abandoned before the end.
func (s *Server) Canceled() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.canceled
}

// Handler serves the fake API.
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /v1/chat/completions", s.chat)
	mux.HandleFunc("POST /v1/embeddings", s.embeddings)
	mux.HandleFunc("GET /v1/models", s.models)
	mux.HandleFunc("POST /v1/images/generations", s.images)
	mux.HandleFunc("POST /v1/audio/transcriptions", s.transcriptions)
	mux.HandleFunc("POST /v1/audio/speech", s.speech)
	return mux
}

func apiError(w http.ResponseWriter, status int, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]any{"error": map[string]any{"message": msg, "type": "fake_error", "code": status}})
}

func (s *Server) injected(w http.ResponseWriter) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.fail) == 0 {
		return false
	}
	st := s.fail[0]
	s.fail = s.fail[1:]
	apiError(w, st, fmt.Sprintf("injected failure %d", st))
	return true
}

func (s *Server) reply(req *ChatRequest) string {
	if s.opts.Reply != nil {
		return s.opts.Reply(req)
	}
	for i := len(req.Messages) - 1; i >= 0; i-- {
		if req.Messages[i].Role == "user" {
			return "Echo: " + req.Messages[i].Text()
		}
	}
	return "Echo: (nothing)"
}

func words(text string) []string {
	var out []string
	for i, w := range strings.SplitAfter(text, " ") {
		if w != "" || i == 0 {
			out = append(out, w)
		}
	}
	return out
}

func (s *Server) chat(w http.ResponseWriter, r *http.Request) {
	if s.injected(w) {
		return
	}
	var req ChatRequest
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
		apiError(w, 400, "invalid JSON")
		return
	}
	if !contains(s.opts.Models, req.Model) {
		apiError(w, 404, fmt.Sprintf("The model `%s` does not exist", req.Model))
		return
	}
	s.mu.Lock()
	s.requests = append(s.requests, req)
	s.mu.Unlock()
	text := s.reply(&req)
	promptTokens := 0
	for _, m := range req.Messages {
		promptTokens += len(strings.Fields(m.Text()))
	}
	pieces := words(text)
	usage := map[string]int{"prompt_tokens": promptTokens, "completion_tokens": len(pieces), "total_tokens": promptTokens + len(pieces)}
	id := "chatcmpl-fake"
	if !req.Stream {
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]any{
			"id": id, "object": "chat.completion", "created": time.Now().Unix(), "model": req.Model,
			"choices": []any{map[string]any{"index": 0, "message": map[string]any{"role": "assistant", "content": text}, "finish_reason": "stop"}},
			"usage":   usage,
		})
		return
	}
	w.Header().Set("Content-Type", "text/event-stream")
	flusher, _ := w.(http.Flusher)
	send := func(v any) bool {
		b, _ := json.Marshal(v)
		if _, err := fmt.Fprintf(w, "data: %s\n\n", b); err != nil {
			return false
		}
		if flusher != nil {
			flusher.Flush()
		}
		return true
	}
	chunk := func(delta map[string]any, finish any) map[string]any {
		return map[string]any{"id": id, "object": "chat.completion.chunk", "created": time.Now().Unix(), "model": req.Model,
			"choices": []any{map[string]any{"index": 0, "delta": delta, "finish_reason": finish}}}
	}
	send(chunk(map[string]any{"role": "assistant", "content": ""}, nil))
	for _, p := range pieces {
		if s.opts.ChunkDelay > 0 {
			select {
			case <-time.After(s.opts.ChunkDelay):
			case <-r.Context().Done():
				s.mu.Lock()
				s.canceled++
				s.mu.Unlock()
				return
			}
		}
		if !send(chunk(map[string]any{"content": p}, nil)) {
			s.mu.Lock()
			s.canceled++
			s.mu.Unlock()
			return
		}
	}
	send(chunk(map[string]any{}, "stop"))
	send(map[string]any{"id": id, "object": "chat.completion.chunk", "model": req.Model, "choices": []any{}, "usage": usage})
	fmt.Fprint(w, "data: [DONE]\n\n")
	if flusher != nil {
		flusher.Flush()
	}
}

// Vector is the fake's deterministic embedding of a text: a unit vector
// from a hash of its words, so equal texts embed equally.
func Vector(text string, dims int) []float32 {
	v := make([]float32, dims)
	for _, w := range strings.Fields(strings.ToLower(text)) {
		h := fnv.New32a()
		h.Write([]byte(w))
		v[h.Sum32()%uint32(dims)] += 1
	}
	var sum float64
	for _, x := range v {
		sum += float64(x * x)
	}
	if sum == 0 {
		v[0], sum = 1, 1
	}
	for i := range v {
		v[i] /= float32(math.Sqrt(sum))
	}
	return v
}

func (s *Server) embeddings(w http.ResponseWriter, r *http.Request) {
	if s.injected(w) {
		return
	}
	var req struct {
		Input any    `json:"input"`
		Model string `json:"model"`
	}
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
		apiError(w, 400, "invalid JSON")
		return
	}
	var inputs []string
	switch in := req.Input.(type) {
	case string:
		inputs = []string{in}
	case []any:
		for _, x := range in {
			inputs = append(inputs, fmt.Sprint(x))
		}
	default:
		apiError(w, 400, "input must be a string or an array of strings")
		return
	}
	data := make([]any, len(inputs))
	for i, t := range inputs {
		data[i] = map[string]any{"object": "embedding", "index": i, "embedding": Vector(t, s.opts.Dimensions)}
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(map[string]any{"object": "list", "data": data, "model": req.Model,
		"usage": map[string]int{"prompt_tokens": len(inputs), "total_tokens": len(inputs)}})
}

func (s *Server) models(w http.ResponseWriter, r *http.Request) {
	var data []any
	for _, m := range s.opts.Models {
		data = append(data, map[string]any{"id": m, "object": "model", "created": 0, "owned_by": "fake"})
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(map[string]any{"object": "list", "data": data})
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
