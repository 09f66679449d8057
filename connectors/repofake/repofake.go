// Package repofake runs in-process fakes of the GitHub (REST v3), GitLab
// (REST v4) and Gitea (v1) APIs on httptest servers, for tests of the
// repository connectors. Each fake serves one repository whose files,
// branches, issues and wiki pages a test sets and changes; it checks the
// access token (401 on a wrong one), paginates as the real service does,
// can answer 429 with Retry-After (or any status) on the next requests, and
// records the requests it saw.
//
//	f := repofake.NewGitHub(t, "octo", "hello")
//	f.Token = "ghp_good"
//	f.SetFile("main", "docs/a.md", "# A")
//	// repository URL: f.RepoURL(); the connector's API base is f.URL + "/api/v3"
package repofake

import (
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
)

// Repo is the state shared by the three fakes.
type Repo struct {
	Owner, Name string

	mu            sync.Mutex
	token         string
	private       bool
	pageSize      int
	defaultBranch string
	branches      map[string]map[string]string // branch -> path -> content
	throttleN     int
	throttleCode  int
	retryAfter    string
	requests      []string
	failPath      string
	failCode      int

	// GitLab only
	issues      []Issue
	discussions map[int][]Discussion
	wikis       []Wiki
}

// Issue is a GitLab issue.
type Issue struct {
	IID         int
	Title       string
	Description string
	State       string
	Author      string
	Labels      []string
	CreatedAt   string
	UpdatedAt   string
}

// Discussion is one GitLab issue discussion: its notes in order.
type Discussion struct{ Notes []Note }

// Note is one comment.
type Note struct {
	Author, Body, CreatedAt string
	System                  bool
}

// Wiki is a GitLab wiki page.
type Wiki struct{ Slug, Title, Format, Content string }

func newRepo(owner, name string) *Repo {
	return &Repo{Owner: owner, Name: name, pageSize: 100, defaultBranch: "main",
		branches: map[string]map[string]string{"main": {}}, discussions: map[int][]Discussion{}}
}

// SetToken makes tok the only accepted token (empty: any or none).
func (r *Repo) SetToken(tok string) { r.mu.Lock(); r.token = tok; r.mu.Unlock() }

// SetPrivate makes requests without a token fail as on a private repository.
func (r *Repo) SetPrivate(p bool) { r.mu.Lock(); r.private = p; r.mu.Unlock() }

// SetPageSize caps the items per page (the real services cap at 100 or 50).
func (r *Repo) SetPageSize(n int) { r.mu.Lock(); r.pageSize = n; r.mu.Unlock() }

// SetDefaultBranch sets the default branch (created if missing).
func (r *Repo) SetDefaultBranch(b string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.defaultBranch = b
	if r.branches[b] == nil {
		r.branches[b] = map[string]string{}
	}
}

// AddBranch creates an empty branch.
func (r *Repo) AddBranch(b string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.branches[b] == nil {
		r.branches[b] = map[string]string{}
	}
}

// DeleteBranch removes a branch.
func (r *Repo) DeleteBranch(b string) { r.mu.Lock(); delete(r.branches, b); r.mu.Unlock() }

// SetFile creates or changes a file on a branch (the branch is created).
func (r *Repo) SetFile(branch, path, content string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.branches[branch] == nil {
		r.branches[branch] = map[string]string{}
	}
	r.branches[branch][path] = content
}

// Throttle answers the next n requests with status (e.g. 429) and the
// Retry-After header (omitted when empty).
func (r *Repo) Throttle(n, status int, retryAfter string) {
	r.mu.Lock()
	r.throttleN, r.throttleCode, r.retryAfter = n, status, retryAfter
	r.mu.Unlock()
}

// FailPath answers every request whose path contains substr with code
// (empty substr: none).
func (r *Repo) FailPath(substr string, code int) {
	r.mu.Lock()
	r.failPath, r.failCode = substr, code
	r.mu.Unlock()
}

// AddIssue adds a GitLab issue with its discussions.
func (r *Repo) AddIssue(is Issue, d ...Discussion) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.issues = append(r.issues, is)
	r.discussions[is.IID] = d
}

// SetWiki creates or replaces a GitLab wiki page.
func (r *Repo) SetWiki(w Wiki) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for i := range r.wikis {
		if r.wikis[i].Slug == w.Slug {
			r.wikis[i] = w
			return
		}
	}
	r.wikis = append(r.wikis, w)
}

// Requests returns "METHOD path?query" of every request so far.
func (r *Repo) Requests() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.requests)
}

// branchNames returns the branch names sorted.
func (r *Repo) branchNames() []string {
	var out []string
	for b := range r.branches {
		out = append(out, b)
	}
	slices.Sort(out)
	return out
}

// files returns a copy of a branch's files, or nil if it does not exist.
func (r *Repo) files(branch string) map[string]string {
	r.mu.Lock()
	defer r.mu.Unlock()
	f, ok := r.branches[branch]
	if !ok {
		return nil
	}
	out := make(map[string]string, len(f))
	for k, v := range f {
		out[k] = v
	}
	return out
}

// gate logs the request and applies throttling and the token check; tok is
// the token the request carried ("" for none). It reports whether the
// handler should go on.
func (r *Repo) gate(w http.ResponseWriter, req *http.Request, tok string, unauthorized func(w http.ResponseWriter)) bool {
	r.mu.Lock()
	r.requests = append(r.requests, req.Method+" "+req.URL.RequestURI())
	if r.throttleN > 0 {
		r.throttleN--
		code, ra := r.throttleCode, r.retryAfter
		r.mu.Unlock()
		if ra != "" {
			w.Header().Set("Retry-After", ra)
		}
		writeJSON(w, code, map[string]any{"message": http.StatusText(code)})
		return false
	}
	want, private := r.token, r.private
	failPath, failCode := r.failPath, r.failCode
	r.mu.Unlock()
	if failPath != "" && strings.Contains(req.URL.Path, failPath) {
		writeJSON(w, failCode, map[string]any{"message": http.StatusText(failCode)})
		return false
	}
	if tok != "" && want != "" && tok != want {
		unauthorized(w)
		return false
	}
	if tok == "" && private {
		writeJSON(w, http.StatusNotFound, map[string]any{"message": "Not Found"})
		return false
	}
	return true
}

// page slices items for page (1-based) and per (capped by the page size);
// it returns the slice and whether another page follows.
func page[T any](r *Repo, items []T, pageStr, perStr string, def int) ([]T, int, bool) {
	r.mu.Lock()
	limit := r.pageSize
	r.mu.Unlock()
	per := def
	if n, err := strconv.Atoi(perStr); err == nil && n > 0 {
		per = n
	}
	per = min(per, limit)
	p := 1
	if n, err := strconv.Atoi(pageStr); err == nil && n > 0 {
		p = n
	}
	start := (p - 1) * per
	if start >= len(items) {
		return nil, p, false
	}
	end := min(start+per, len(items))
	return items[start:end], p, end < len(items)
}

func newServer(t testing.TB, h http.Handler) *httptest.Server {
	srv := httptest.NewServer(h)
	if t != nil {
		t.Cleanup(srv.Close)
	}
	return srv
}
