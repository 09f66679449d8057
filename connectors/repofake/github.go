package repofake

import (
	"encoding/base64"
	"fmt"
	"net/http"
	"net/http/httptest"
	"path"
	"slices"
	"strings"
	"testing"
)

// GitHub fakes GitHub Enterprise Server's REST v3 API under /api/v3 (the
// connector maps any host other than github.com there) and raw downloads
// under /raw/{owner}/{repo}/{branch}/{path}.
type GitHub struct {
	*Repo
	Server *httptest.Server
	URL    string // the server root, e.g. http://127.0.0.1:1234
}

// NewGitHub starts a fake holding owner/name with an empty main branch.
func NewGitHub(t testing.TB, owner, name string) *GitHub {
	f := &GitHub{Repo: newRepo(owner, name)}
	f.Server = newServer(t, http.HandlerFunc(f.serve))
	f.URL = f.Server.URL
	return f
}

// RepoURL is the repository's web URL.
func (f *GitHub) RepoURL() string { return f.URL + "/" + f.Owner + "/" + f.Name }

func (f *GitHub) serve(w http.ResponseWriter, r *http.Request) {
	tok := ""
	if a := r.Header.Get("Authorization"); a != "" {
		_, tok, _ = strings.Cut(a, " ")
	}
	if !f.gate(w, r, tok, func(w http.ResponseWriter) {
		writeJSON(w, http.StatusUnauthorized, map[string]any{"message": "Bad credentials", "documentation_url": "https://docs.github.com/rest", "status": "401"})
	}) {
		return
	}
	notFound := func() {
		writeJSON(w, http.StatusNotFound, map[string]any{"message": "Not Found", "documentation_url": "https://docs.github.com/rest", "status": "404"})
	}
	repoPrefix := "/api/v3/repos/" + f.Owner + "/" + f.Name
	rawPrefix := "/raw/" + f.Owner + "/" + f.Name + "/"
	p := r.URL.Path
	q := r.URL.Query()
	switch {
	case p == "/api/v3/octocat" || p == "/api/v3/user":
		if tok == "" {
			writeJSON(w, http.StatusUnauthorized, map[string]any{"message": "Requires authentication"})
			return
		}
		writeJSON(w, http.StatusOK, map[string]any{"login": "fake"})
	case p == repoPrefix:
		f.mu.Lock()
		def := f.defaultBranch
		f.mu.Unlock()
		writeJSON(w, http.StatusOK, map[string]any{"full_name": f.Owner + "/" + f.Name, "default_branch": def})
	case p == repoPrefix+"/branches":
		f.mu.Lock()
		names := f.branchNames()
		f.mu.Unlock()
		items, pg, more := page(f.Repo, names, q.Get("page"), q.Get("per_page"), 30)
		out := []map[string]any{}
		for _, b := range items {
			out = append(out, map[string]any{"name": b, "commit": map[string]any{"sha": "0000"}, "protected": false})
		}
		if more {
			next := *r.URL
			nq := next.Query()
			nq.Set("page", fmt.Sprint(pg+1))
			next.RawQuery = nq.Encode()
			w.Header().Set("Link", fmt.Sprintf(`<%s%s>; rel="next", <%s%s>; rel="last"`, f.URL, next.RequestURI(), f.URL, next.RequestURI()))
		}
		writeJSON(w, http.StatusOK, out)
	case p == repoPrefix+"/contents" || strings.HasPrefix(p, repoPrefix+"/contents/"):
		f.contents(w, r, strings.Trim(strings.TrimPrefix(p, repoPrefix+"/contents"), "/"), notFound)
	case strings.HasPrefix(p, rawPrefix):
		rest := strings.TrimPrefix(p, rawPrefix)
		branch, fp, _ := strings.Cut(rest, "/")
		files := f.files(branch)
		c, ok := files[fp]
		if !ok {
			http.Error(w, "404: Not Found", http.StatusNotFound)
			return
		}
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		_, _ = w.Write([]byte(c))
	default:
		notFound()
	}
}

func (f *GitHub) contents(w http.ResponseWriter, r *http.Request, dir string, notFound func()) {
	f.mu.Lock()
	ref := r.URL.Query().Get("ref")
	if ref == "" {
		ref = f.defaultBranch
	}
	f.mu.Unlock()
	files := f.files(ref)
	if files == nil {
		writeJSON(w, http.StatusNotFound, map[string]any{"message": "No commit found for the ref " + ref})
		return
	}
	if c, ok := files[dir]; ok && dir != "" {
		enc := base64.StdEncoding.EncodeToString([]byte(c))
		var lines []string
		for len(enc) > 60 {
			lines, enc = append(lines, enc[:60]), enc[60:]
		}
		lines = append(lines, enc)
		e := f.entry(ref, dir, "file", len(c))
		e["content"] = strings.Join(lines, "\n") + "\n"
		e["encoding"] = "base64"
		writeJSON(w, http.StatusOK, e)
		return
	}
	seen := map[string]bool{}
	var entries []map[string]any
	prefix := ""
	if dir != "" {
		prefix = dir + "/"
	}
	keys := make([]string, 0, len(files))
	for k := range files {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, fp := range keys {
		if !strings.HasPrefix(fp, prefix) {
			continue
		}
		rest := strings.TrimPrefix(fp, prefix)
		name, _, isDir := strings.Cut(rest, "/")
		if seen[name] {
			continue
		}
		seen[name] = true
		if isDir {
			entries = append(entries, f.entry(ref, prefix+name, "dir", 0))
		} else {
			entries = append(entries, f.entry(ref, fp, "file", len(files[fp])))
		}
	}
	if entries == nil {
		notFound()
		return
	}
	writeJSON(w, http.StatusOK, entries)
}

func (f *GitHub) entry(ref, p, typ string, size int) map[string]any {
	api := fmt.Sprintf("%s/api/v3/repos/%s/%s/contents/%s?ref=%s", f.URL, f.Owner, f.Name, p, ref)
	e := map[string]any{
		"type": typ, "name": path.Base(p), "path": p, "size": size, "sha": "0000",
		"url": api, "git_url": nil, "html_url": fmt.Sprintf("%s/%s/%s/blob/%s/%s", f.URL, f.Owner, f.Name, ref, p),
		"download_url": nil,
	}
	if typ == "file" {
		e["download_url"] = fmt.Sprintf("%s/raw/%s/%s/%s/%s", f.URL, f.Owner, f.Name, ref, p)
	}
	return e
}
