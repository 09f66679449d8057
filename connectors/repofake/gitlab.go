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

// GitLab fakes GitLab's REST v4 API for one project: project info,
// repository/branches, repository/tree (recursive), repository/files/:path/raw,
// issues with discussions, wikis, and /user; pages follow X-Next-Page and the
// token travels in PRIVATE-TOKEN.
type GitLab struct {
	*Repo
	Server *httptest.Server
	URL    string
}

// NewGitLab starts a fake holding the project owner/name.
func NewGitLab(t testing.TB, owner, name string) *GitLab {
	f := &GitLab{Repo: newRepo(owner, name)}
	f.Server = newServer(t, http.HandlerFunc(f.serve))
	f.URL = f.Server.URL
	return f
}

// RepoURL is the project's web URL.
func (f *GitLab) RepoURL() string { return f.URL + "/" + f.Owner + "/" + f.Name }

func gitlabPage[T any](f *GitLab, w http.ResponseWriter, r *http.Request, items []T) []T {
	q := r.URL.Query()
	out, pg, more := page(f.Repo, items, q.Get("page"), q.Get("per_page"), 20)
	w.Header().Set("X-Page", strconv.Itoa(pg))
	if more {
		w.Header().Set("X-Next-Page", strconv.Itoa(pg+1))
	} else {
		w.Header().Set("X-Next-Page", "")
	}
	if out == nil {
		out = []T{}
	}
	return out
}

func (f *GitLab) serve(w http.ResponseWriter, r *http.Request) {
	tok := r.Header.Get("PRIVATE-TOKEN")
	if !f.gate(w, r, tok, func(w http.ResponseWriter) {
		writeJSON(w, http.StatusUnauthorized, map[string]any{"message": "401 Unauthorized"})
	}) {
		return
	}
	notFound := func(what string) {
		writeJSON(w, http.StatusNotFound, map[string]any{"message": "404 " + what + " Not Found"})
	}
	ep := r.URL.EscapedPath()
	if ep == "/api/v4/user" {
		if tok == "" {
			writeJSON(w, http.StatusUnauthorized, map[string]any{"message": "401 Unauthorized"})
			return
		}
		writeJSON(w, http.StatusOK, map[string]any{"username": "fake"})
		return
	}
	prefix := "/api/v4/projects/" + url.PathEscape(f.Owner+"/"+f.Name)
	if ep != prefix && !strings.HasPrefix(ep, prefix+"/") {
		notFound("Project")
		return
	}
	rest := strings.TrimPrefix(ep, prefix)
	q := r.URL.Query()
	ref := q.Get("ref")
	f.mu.Lock()
	if ref == "" {
		ref = f.defaultBranch
	}
	def := f.defaultBranch
	f.mu.Unlock()
	switch {
	case rest == "":
		writeJSON(w, http.StatusOK, map[string]any{"id": 42, "default_branch": def, "path_with_namespace": f.Owner + "/" + f.Name, "web_url": f.RepoURL()})
	case rest == "/repository/branches":
		f.mu.Lock()
		names := f.branchNames()
		f.mu.Unlock()
		var out []map[string]any
		for _, b := range gitlabPage(f, w, r, names) {
			out = append(out, map[string]any{"name": b, "default": b == def})
		}
		if out == nil {
			out = []map[string]any{}
		}
		writeJSON(w, http.StatusOK, out)
	case rest == "/repository/tree":
		files := f.files(ref)
		if files == nil {
			notFound("Tree")
			return
		}
		var entries []map[string]any
		dirs := map[string]bool{}
		for p := range files {
			parts := strings.Split(p, "/")
			for i := 1; i < len(parts); i++ {
				dirs[strings.Join(parts[:i], "/")] = true
			}
			entries = append(entries, map[string]any{"id": "0000", "name": parts[len(parts)-1], "type": "blob", "path": p, "mode": "100644"})
		}
		for d := range dirs {
			entries = append(entries, map[string]any{"id": "0000", "name": d[strings.LastIndex(d, "/")+1:], "type": "tree", "path": d, "mode": "040000"})
		}
		slices.SortFunc(entries, func(a, b map[string]any) int { return strings.Compare(a["path"].(string), b["path"].(string)) })
		writeJSON(w, http.StatusOK, gitlabPage(f, w, r, entries))
	case strings.HasPrefix(rest, "/repository/files/") && strings.HasSuffix(rest, "/raw"):
		p, err := url.PathUnescape(strings.TrimSuffix(strings.TrimPrefix(rest, "/repository/files/"), "/raw"))
		files := f.files(ref)
		c, ok := files[p]
		if err != nil || !ok {
			notFound("File")
			return
		}
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		_, _ = w.Write([]byte(c))
	case rest == "/issues":
		f.mu.Lock()
		issues := slices.Clone(f.issues)
		f.mu.Unlock()
		var out []map[string]any
		for _, is := range gitlabPage(f, w, r, issues) {
			out = append(out, issueJSON(f, is))
		}
		if out == nil {
			out = []map[string]any{}
		}
		writeJSON(w, http.StatusOK, out)
	case strings.HasPrefix(rest, "/issues/"):
		iidStr, sub, _ := strings.Cut(strings.TrimPrefix(rest, "/issues/"), "/")
		iid, _ := strconv.Atoi(iidStr)
		f.mu.Lock()
		var found *Issue
		for i := range f.issues {
			if f.issues[i].IID == iid {
				found = &f.issues[i]
			}
		}
		var disc []Discussion
		if found != nil {
			disc = slices.Clone(f.discussions[iid])
		}
		f.mu.Unlock()
		if found == nil {
			notFound("Issue")
			return
		}
		switch sub {
		case "":
			writeJSON(w, http.StatusOK, issueJSON(f, *found))
		case "discussions":
			var out []map[string]any
			for i, d := range gitlabPage(f, w, r, disc) {
				var notes []map[string]any
				for _, n := range d.Notes {
					notes = append(notes, map[string]any{"body": n.Body, "author": map[string]any{"username": n.Author}, "created_at": n.CreatedAt, "system": n.System})
				}
				out = append(out, map[string]any{"id": fmt.Sprint(i), "notes": notes})
			}
			if out == nil {
				out = []map[string]any{}
			}
			writeJSON(w, http.StatusOK, out)
		default:
			notFound("Route")
		}
	case rest == "/wikis":
		f.mu.Lock()
		wikis := slices.Clone(f.wikis)
		f.mu.Unlock()
		out := []map[string]any{}
		for _, wk := range wikis {
			m := map[string]any{"slug": wk.Slug, "title": wk.Title, "format": wk.Format}
			if q.Get("with_content") == "1" {
				m["content"] = wk.Content
			}
			out = append(out, m)
		}
		writeJSON(w, http.StatusOK, out)
	case strings.HasPrefix(rest, "/wikis/"):
		slug, _ := url.PathUnescape(strings.TrimPrefix(rest, "/wikis/"))
		f.mu.Lock()
		defer f.mu.Unlock()
		for _, wk := range f.wikis {
			if wk.Slug == slug {
				writeJSON(w, http.StatusOK, map[string]any{"slug": wk.Slug, "title": wk.Title, "format": wk.Format, "content": wk.Content})
				return
			}
		}
		notFound("Wiki Page")
	default:
		notFound("Route")
	}
}

func issueJSON(f *GitLab, is Issue) map[string]any {
	labels := is.Labels
	if labels == nil {
		labels = []string{}
	}
	return map[string]any{
		"id": 1000 + is.IID, "iid": is.IID, "title": is.Title, "description": is.Description, "state": is.State,
		"author": map[string]any{"username": is.Author}, "labels": labels, "created_at": is.CreatedAt, "updated_at": is.UpdatedAt,
		"web_url": fmt.Sprintf("%s/-/issues/%d", f.RepoURL(), is.IID),
	}
}
