package repofake

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// Gitea fakes Gitea's v1 API for one repository: /user, the repository,
// branches (page/limit with Link and X-Total-Count), git/trees/{ref}
// (recursive, page/per_page with total_count), raw/{path} and contents/{path};
// the token travels as "Authorization: token <PAT>".
type Gitea struct {
	*Repo
	Server *httptest.Server
	URL    string
}

// NewGitea starts a fake holding owner/name.
func NewGitea(t testing.TB, owner, name string) *Gitea {
	f := &Gitea{Repo: newRepo(owner, name)}
	f.Server = newServer(t, http.HandlerFunc(f.serve))
	f.URL = f.Server.URL
	return f
}

// RepoURL is the repository's web URL.
func (f *Gitea) RepoURL() string { return f.URL + "/" + f.Owner + "/" + f.Name }

func (f *Gitea) serve(w http.ResponseWriter, r *http.Request) {
	tok := ""
	if a := r.Header.Get("Authorization"); a != "" {
		_, tok, _ = strings.Cut(a, " ")
	}
	if !f.gate(w, r, tok, func(w http.ResponseWriter) {
		writeJSON(w, http.StatusUnauthorized, map[string]any{"message": "user does not exist [uid: 0, name: ]", "url": f.URL + "/api/swagger"})
	}) {
		return
	}
	notFound := func() {
		writeJSON(w, http.StatusNotFound, map[string]any{"errors": []string{}, "message": "The target couldn't be found.", "url": f.URL + "/api/swagger"})
	}
	prefix := "/api/v1/repos/" + f.Owner + "/" + f.Name
	p := r.URL.Path
	q := r.URL.Query()
	f.mu.Lock()
	def := f.defaultBranch
	f.mu.Unlock()
	switch {
	case p == "/api/v1/user":
		if tok == "" {
			writeJSON(w, http.StatusUnauthorized, map[string]any{"message": "token is required"})
			return
		}
		writeJSON(w, http.StatusOK, map[string]any{"login": "fake"})
	case p == prefix:
		writeJSON(w, http.StatusOK, map[string]any{"full_name": f.Owner + "/" + f.Name, "default_branch": def})
	case p == prefix+"/branches":
		f.mu.Lock()
		names := f.branchNames()
		f.mu.Unlock()
		items, pg, more := page(f.Repo, names, q.Get("page"), q.Get("limit"), 30)
		out := []map[string]any{}
		for _, b := range items {
			out = append(out, map[string]any{"name": b, "commit": map[string]any{"id": "0000"}})
		}
		w.Header().Set("X-Total-Count", strconv.Itoa(len(names)))
		if more {
			next := *r.URL
			nq := next.Query()
			nq.Set("page", fmt.Sprint(pg+1))
			next.RawQuery = nq.Encode()
			w.Header().Set("Link", fmt.Sprintf(`<%s%s>; rel="next"`, f.URL, next.RequestURI()))
		}
		writeJSON(w, http.StatusOK, out)
	case strings.HasPrefix(p, prefix+"/git/trees/"):
		ref, _ := url.PathUnescape(strings.TrimPrefix(p, prefix+"/git/trees/"))
		files := f.files(ref)
		if files == nil {
			notFound()
			return
		}
		var entries []map[string]any
		dirs := map[string]bool{}
		for fp, c := range files {
			parts := strings.Split(fp, "/")
			for i := 1; i < len(parts); i++ {
				dirs[strings.Join(parts[:i], "/")] = true
			}
			entries = append(entries, map[string]any{"path": fp, "mode": "100644", "type": "blob", "size": len(c), "sha": "0000"})
		}
		for d := range dirs {
			entries = append(entries, map[string]any{"path": d, "mode": "040000", "type": "tree", "size": 0, "sha": "0000"})
		}
		slices.SortFunc(entries, func(a, b map[string]any) int { return strings.Compare(a["path"].(string), b["path"].(string)) })
		items, pg, more := page(f.Repo, entries, q.Get("page"), q.Get("per_page"), 1000)
		if items == nil {
			items = []map[string]any{}
		}
		writeJSON(w, http.StatusOK, map[string]any{"sha": "0000", "url": f.URL + r.URL.Path, "tree": items, "truncated": more, "page": pg, "total_count": len(entries)})
	case strings.HasPrefix(p, prefix+"/raw/"):
		fp := strings.TrimPrefix(p, prefix+"/raw/")
		ref := q.Get("ref")
		if ref == "" {
			ref = def
		}
		c, ok := f.files(ref)[fp]
		if !ok {
			notFound()
			return
		}
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		_, _ = w.Write([]byte(c))
	default:
		notFound()
	}
}
