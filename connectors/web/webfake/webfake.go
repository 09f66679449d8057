// Package webfake is a small website on httptest for the web connector's
// tests: pages by path (HTML or any content type), 404 for the rest, a
// request log, and the 429/failure switch. Tests change pages between
// calls.
//
//	site := webfake.New()
//	defer site.Close()
//	site.SetPage("/docs/intro", `<a href="guide">Guide</a>`)
package webfake

import (
	"net/http"
	"net/http/httptest"
	"sync"

	"github.com/anythingllm-go/anythingllm/connectors/internal/fakekit"
)

type page struct {
	contentType string
	body        string
}

// Server is the fake website.
type Server struct {
	*httptest.Server
	fakekit.Faults
	mu    sync.Mutex
	pages map[string]page
}

// New starts an empty site.
func New() *Server {
	s := &Server{pages: map[string]page{}}
	s.Server = httptest.NewServer(s.Wrap(http.HandlerFunc(s.serve)))
	return s
}

// SetPage serves body as text/html at path.
func (s *Server) SetPage(path, body string) { s.SetFile(path, "text/html; charset=utf-8", body) }

// SetFile serves body with a content type at path.
func (s *Server) SetFile(path, contentType, body string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.pages[path] = page{contentType, body}
}

// RemovePage makes path answer 404.
func (s *Server) RemovePage(path string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.pages, path)
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	p, ok := s.pages[r.URL.Path]
	s.mu.Unlock()
	if !ok || (r.Method != http.MethodGet && r.Method != http.MethodHead) {
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Content-Type", p.contentType)
	w.Write([]byte(p.body))
}
