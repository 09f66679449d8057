// Package drupalwikifake is an in-memory DrupalWiki on httptest that speaks
// the REST API the drupalwiki connector calls: the paged page index
// GET /api/rest/scope/api/page?size&space&page ({content, last, number,
// totalPages}) and GET /api/rest/scope/api/page/{id} ({id, title, body,
// lastModified, type}), behind a Bearer token. Tests change pages between
// calls and arm 429s or other failures.
package drupalwikifake

import (
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/anythingllm-go/anythingllm/connectors/internal/fakekit"
)

// Page is one stored page.
type Page struct {
	ID           int
	Space        int
	Title, Body  string
	LastModified int64 // epoch ms
}

// Server is the fake.
type Server struct {
	*httptest.Server
	fakekit.Faults
	token string
	mu    sync.Mutex
	pages []*Page
	next  int
	clock int64
}

// New starts a fake that accepts Bearer token.
func New(token string) *Server {
	s := &Server{token: token, next: 100, clock: 1_700_000_000_000}
	s.Server = httptest.NewServer(s.Wrap(http.HandlerFunc(s.serve)))
	return s
}

// AddPage stores a page in a space and returns its id.
func (s *Server) AddPage(space int, title, body string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.next++
	s.clock += 1000
	s.pages = append(s.pages, &Page{ID: s.next, Space: space, Title: title, Body: body, LastModified: s.clock})
	return s.next
}

// SetBody changes a page's body (and its lastModified).
func (s *Server) SetBody(id int, body string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.clock += 1000
	for _, p := range s.pages {
		if p.ID == id {
			p.Body, p.LastModified = body, s.clock
		}
	}
}

// DeletePage removes a page.
func (s *Server) DeletePage(id int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.pages = slices.DeleteFunc(s.pages, func(p *Page) bool { return p.ID == id })
}

// LastModified is a page's lastModified.
func (s *Server) LastModified(id int) int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, p := range s.pages {
		if p.ID == id {
			return p.LastModified
		}
	}
	return 0
}

const prefix = "/api/rest/scope/api/page"

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet || !strings.HasPrefix(r.URL.Path, prefix) {
		fakekit.JSON(w, http.StatusNotFound, map[string]any{"message": "not found"})
		return
	}
	if r.Header.Get("Authorization") != "Bearer "+s.token || s.token == "" {
		fakekit.JSON(w, http.StatusUnauthorized, map[string]any{"message": "Full authentication is required"})
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	rest := strings.TrimPrefix(r.URL.Path, prefix)
	if rest == "" {
		space := fakekit.IntParam(r, "space", -1)
		size := fakekit.IntParam(r, "size", 20)
		n := fakekit.IntParam(r, "page", 0)
		if size <= 0 || n < 0 {
			fakekit.JSON(w, http.StatusBadRequest, map[string]any{"message": "bad paging"})
			return
		}
		var in []*Page
		for _, p := range s.pages {
			if p.Space == space {
				in = append(in, p)
			}
		}
		content := []map[string]any{}
		for i := n * size; i < len(in) && i < (n+1)*size; i++ {
			content = append(content, map[string]any{"id": in[i].ID, "title": in[i].Title, "type": "page"})
		}
		total := (len(in) + size - 1) / size
		fakekit.JSON(w, http.StatusOK, map[string]any{
			"content": content, "last": n >= total-1, "number": n, "size": size,
			"totalPages": total, "totalElements": len(in), "pageable": map[string]any{"pageNumber": n},
		})
		return
	}
	id, err := strconv.Atoi(strings.TrimPrefix(rest, "/"))
	if err != nil {
		fakekit.JSON(w, http.StatusNotFound, map[string]any{"message": "not found"})
		return
	}
	for _, p := range s.pages {
		if p.ID == id {
			fakekit.JSON(w, http.StatusOK, map[string]any{"id": p.ID, "title": p.Title, "body": p.Body, "lastModified": p.LastModified, "type": "page"})
			return
		}
	}
	fakekit.JSON(w, http.StatusNotFound, map[string]any{"message": "Page not found"})
}
