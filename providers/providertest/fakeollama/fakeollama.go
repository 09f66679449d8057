// Package fakeollama is an in-repo fake of Ollama's HTTP API for tests:
// /api/chat (NDJSON stream, or one object with "stream": false),
// /api/embed and /api/tags, with deterministic answers ("Echo: <last user
// message>"), optional delays, injected failures and a count of abandoned
// streams.
package fakeollama

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"time"

	"github.com/anythingllm-go/anythingllm/providers/providertest/fakeopenai"
)

// Options tune the fake. A nil *Options means the defaults.
type Options struct {
	ChunkDelay time.Duration
	Models     []string // default ["fake-model"]
	Dimensions int      // default 64
}

// Server is a running fake.
type Server struct {
	*httptest.Server
	opts     Options
	mu       sync.Mutex
	fail     []int
	canceled int
}

// New starts a fake on a loopback port.
func New(opts *Options) *Server {
	s := &Server{}
	if opts != nil {
		s.opts = *opts
	}
	if len(s.opts.Models) == 0 {
		s.opts.Models = []string{"fake-model"}
	}
	if s.opts.Dimensions <= 0 {
		s.opts.Dimensions = 64
	}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /api/chat", s.chat)
	mux.HandleFunc("POST /api/embed", s.embed)
	mux.HandleFunc("GET /api/tags", s.tags)
	s.Server = httptest.NewServer(mux)
	return s
}

// FailNext makes the next requests answer these statuses.
func (s *Server) FailNext(statuses ...int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.fail = append(s.fail, statuses...)
}

// Canceled counts streams abandoned by the client.
func (s *Server) Canceled() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.canceled
}

func (s *Server) injected(w http.ResponseWriter) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.fail) == 0 {
		return false
	}
	st := s.fail[0]
	s.fail = s.fail[1:]
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(st)
	fmt.Fprintf(w, `{"error":"injected failure %d"}`, st)
	return true
}

func (s *Server) known(model string) bool {
	for _, m := range s.opts.Models {
		if m == model || m+":latest" == model {
			return true
		}
	}
	return false
}

func (s *Server) chat(w http.ResponseWriter, r *http.Request) {
	if s.injected(w) {
		return
	}
	var req struct {
		Model    string `json:"model"`
		Stream   *bool  `json:"stream"`
		Messages []struct {
			Role    string `json:"role"`
			Content string `json:"content"`
		} `json:"messages"`
	}
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
		http.Error(w, `{"error":"invalid JSON"}`, 400)
		return
	}
	if !s.known(req.Model) {
		w.WriteHeader(404)
		fmt.Fprintf(w, `{"error":"model %q not found, try pulling it first"}`, req.Model)
		return
	}
	text := "Echo: (nothing)"
	for i := len(req.Messages) - 1; i >= 0; i-- {
		if req.Messages[i].Role == "user" {
			text = "Echo: " + req.Messages[i].Content
			break
		}
	}
	prompt := 0
	for _, m := range req.Messages {
		prompt += len(strings.Fields(m.Content))
	}
	pieces := strings.SplitAfter(text, " ")
	final := map[string]any{"model": req.Model, "created_at": time.Now().UTC(), "message": map[string]any{"role": "assistant", "content": ""},
		"done": true, "done_reason": "stop", "prompt_eval_count": prompt, "eval_count": len(pieces)}
	w.Header().Set("Content-Type", "application/x-ndjson")
	enc := json.NewEncoder(w)
	if req.Stream != nil && !*req.Stream {
		final["message"] = map[string]any{"role": "assistant", "content": text}
		_ = enc.Encode(final)
		return
	}
	flusher, _ := w.(http.Flusher)
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
		if err := enc.Encode(map[string]any{"model": req.Model, "created_at": time.Now().UTC(), "message": map[string]any{"role": "assistant", "content": p}, "done": false}); err != nil {
			return
		}
		if flusher != nil {
			flusher.Flush()
		}
	}
	_ = enc.Encode(final)
}

func (s *Server) embed(w http.ResponseWriter, r *http.Request) {
	if s.injected(w) {
		return
	}
	var req struct {
		Model string `json:"model"`
		Input any    `json:"input"`
	}
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
		http.Error(w, `{"error":"invalid JSON"}`, 400)
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
	}
	out := make([][]float32, len(inputs))
	for i, t := range inputs {
		out[i] = fakeopenai.Vector(t, s.opts.Dimensions)
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(map[string]any{"model": req.Model, "embeddings": out})
}

func (s *Server) tags(w http.ResponseWriter, r *http.Request) {
	var models []any
	for _, m := range s.opts.Models {
		models = append(models, map[string]any{"name": m, "model": m, "size": 1})
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(map[string]any{"models": models})
}
