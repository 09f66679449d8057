package fakeopenai

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"time"
)

// ImageRequest is a received image generation request.
type ImageRequest struct {
	Model          string `json:"model"`
	Prompt         string `json:"prompt"`
	N              int    `json:"n"`
	Size           string `json:"size"`
	Quality        string `json:"quality"`
	Style          string `json:"style"`
	ResponseFormat string `json:"response_format"`
	User           string `json:"user"`
}

// PNG is the image the fake generates: a valid 1x1 PNG.
var PNG = []byte{
	0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x48, 0x44, 0x52,
	0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x06, 0x00, 0x00, 0x00, 0x1f, 0x15, 0xc4,
	0x89, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x44, 0x41, 0x54, 0x78, 0x9c, 0x63, 0x60, 0x60, 0x60, 0x60,
	0x00, 0x00, 0x00, 0x05, 0x00, 0x01, 0x87, 0xa1, 0x4e, 0xd4, 0x00, 0x00, 0x00, 0x00, 0x49, 0x45,
	0x4e, 0x44, 0xae, 0x42, 0x60, 0x82,
}

// ImageRequests returns the image requests received so far.
func (s *Server) ImageRequests() []ImageRequest {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]ImageRequest(nil), s.imageRequests...)
}

// images answers POST /v1/images/generations as OpenAI does: n images
// (default 1), each a URL, or inline base64 (b64_json) when the request
// asks for response_format b64_json or names a gpt-image model (which
// always answers inline). revised_prompt is "revised: <prompt>".
func (s *Server) images(w http.ResponseWriter, r *http.Request) {
	if s.injected(w) {
		return
	}
	var req ImageRequest
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
		apiError(w, 400, "invalid JSON")
		return
	}
	s.mu.Lock()
	s.imageRequests = append(s.imageRequests, req)
	s.mu.Unlock()
	if strings.TrimSpace(req.Prompt) == "" {
		apiError(w, 400, "prompt is required")
		return
	}
	n := req.N
	if n == 0 {
		n = 1
	}
	if n < 1 || n > 10 {
		apiError(w, 400, "n must be between 1 and 10")
		return
	}
	inline := req.ResponseFormat == "b64_json" || strings.HasPrefix(req.Model, "gpt-image")
	data := make([]any, n)
	for i := range data {
		d := map[string]any{"revised_prompt": "revised: " + req.Prompt}
		if inline {
			d["b64_json"] = base64.StdEncoding.EncodeToString(PNG)
		} else {
			d["url"] = fmt.Sprintf("%s/files/image-%d.png", s.URL, i)
		}
		data[i] = d
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(map[string]any{"created": time.Now().Unix(), "data": data})
}
