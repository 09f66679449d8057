// Package confluencefake is an in-memory Confluence on httptest that speaks
// the REST API the confluence connector calls: GET [/wiki]/rest/api/content
// (spaceKey, limit, start, expand=body.storage; results, size, _links.next)
// and GET [/wiki]/rest/api/content/{id}, behind Basic (username:token) or
// Bearer (PAT) authentication. Tests change pages between calls, and arm
// 429s or other failures.
//
//	srv := confluencefake.New(confluencefake.Options{Cloud: true, Username: "me", Token: "t"})
//	defer srv.Close()
//	srv.AddPage("ENG", "Intro", "<p>Hello</p>")
package confluencefake

import (
	"encoding/base64"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/anythingllm-go/anythingllm/connectors/internal/fakekit"
)

// Options configure the fake.
type Options struct {
	// Cloud serves the API under /wiki, as Atlassian Cloud does.
	Cloud bool
	// ContextPath prefixes every route (a self-hosted "/confluence").
	ContextPath string
	// Username and Token are the accepted Basic credentials; PAT the
	// accepted Bearer token. Empty values accept nothing.
	Username, Token, PAT string
}

// Page is one stored page.
type Page struct {
	ID, Space, Title, Body string
	Version                int
}

// Server is the fake.
type Server struct {
	*httptest.Server
	fakekit.Faults
	opts  Options
	mu    sync.Mutex
	pages []*Page
	next  int
}

// New starts the fake.
func New(opts Options) *Server {
	s := &Server{opts: opts, next: 1000}
	s.Server = httptest.NewServer(s.Wrap(http.HandlerFunc(s.serve)))
	return s
}

// BaseURL is what a user enters: the server root (plus context path).
func (s *Server) BaseURL() string { return s.URL + s.opts.ContextPath }

// AddPage stores a page in space and returns its id.
func (s *Server) AddPage(space, title, body string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.next++
	id := strconv.Itoa(s.next)
	s.pages = append(s.pages, &Page{ID: id, Space: space, Title: title, Body: body, Version: 1})
	return id
}

// SetBody changes a page's storage-format body.
func (s *Server) SetBody(id, body string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, p := range s.pages {
		if p.ID == id {
			p.Body = body
			p.Version++
		}
	}
}

// DeletePage removes a page.
func (s *Server) DeletePage(id string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.pages = slices.DeleteFunc(s.pages, func(p *Page) bool { return p.ID == id })
}

func (s *Server) authorized(r *http.Request) bool {
	h := r.Header.Get("Authorization")
	if tok, ok := strings.CutPrefix(h, "Bearer "); ok {
		return s.opts.PAT != "" && tok == s.opts.PAT
	}
	if b, ok := strings.CutPrefix(h, "Basic "); ok {
		raw, err := base64.StdEncoding.DecodeString(b)
		return err == nil && s.opts.Username != "" && string(raw) == s.opts.Username+":"+s.opts.Token
	}
	return false
}

func (s *Server) pageJSON(p *Page, withBody bool) map[string]any {
	m := map[string]any{
		"id": p.ID, "type": "page", "status": "current", "title": p.Title,
		"version": map[string]any{"number": p.Version},
		"_links":  map[string]any{"webui": "/spaces/" + p.Space + "/pages/" + p.ID},
	}
	if withBody {
		m["body"] = map[string]any{"storage": map[string]any{"value": p.Body, "representation": "storage"}}
	}
	return m
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	prefix := s.opts.ContextPath
	if s.opts.Cloud {
		prefix += "/wiki"
	}
	rest, ok := strings.CutPrefix(r.URL.Path, prefix+"/rest/api/content")
	if !ok || r.Method != http.MethodGet {
		fakekit.JSON(w, http.StatusNotFound, map[string]any{"statusCode": 404, "message": "No route"})
		return
	}
	if !s.authorized(r) {
		fakekit.JSON(w, http.StatusUnauthorized, map[string]any{"statusCode": 401, "message": "Unauthorized"})
		return
	}
	withBody := strings.Contains(r.URL.Query().Get("expand"), "body.storage")
	s.mu.Lock()
	defer s.mu.Unlock()
	if id, ok := strings.CutPrefix(rest, "/"); ok {
		for _, p := range s.pages {
			if p.ID == id {
				fakekit.JSON(w, http.StatusOK, s.pageJSON(p, withBody))
				return
			}
		}
		fakekit.JSON(w, http.StatusNotFound, map[string]any{"statusCode": 404, "message": "No content found with id: " + id})
		return
	}
	if rest != "" {
		fakekit.JSON(w, http.StatusNotFound, map[string]any{"statusCode": 404})
		return
	}
	q := r.URL.Query()
	space := q.Get("spaceKey")
	start := max(fakekit.IntParam(r, "start", 0), 0)
	limit := fakekit.IntParam(r, "limit", 25)
	if limit <= 0 || limit > 100 {
		limit = 25
	}
	var inSpace []*Page
	for _, p := range s.pages {
		if p.Space == space {
			inSpace = append(inSpace, p)
		}
	}
	results := []map[string]any{}
	for i := start; i < len(inSpace) && i < start+limit; i++ {
		results = append(results, s.pageJSON(inSpace[i], withBody))
	}
	links := map[string]any{"base": s.URL + prefix, "context": prefix}
	if start+limit < len(inSpace) {
		nq := r.URL.Query()
		nq.Set("start", strconv.Itoa(start+limit))
		links["next"] = "/rest/api/content?" + nq.Encode()
	}
	fakekit.JSON(w, http.StatusOK, map[string]any{"results": results, "start": start, "limit": limit, "size": len(results), "_links": links})
}
