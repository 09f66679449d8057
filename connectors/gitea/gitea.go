// Package gitea is the Gitea (and Forgejo) repository connector, after
// upstream's RepoLoader/GiteaRepo: it imports a branch's text files from a
// Gitea instance's v1 API ({origin}/api/v1), lists branches, and fetches one
// file again for live sync from its chunkSource.
//
//	c := gitea.New(nil)
//	res, err := c.Import(ctx, &anythingllm.ConnectorRequest{Env: env, Options: &gitea.Request{
//		Repo: "https://gitea.example.com/owner/repo", AccessToken: tok, IgnorePaths: []string{"vendor/"},
//	}})
//	text, err := c.Resync(ctx, env, res.Documents[0].ChunkSource)
//
// Every request goes through env.HTTP with "Authorization: token <PAT>"
// when a token is given. The branch is the requested one if it exists,
// else the repository's default branch, else main, else master.
package gitea

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/anythingllm-go/anythingllm/anythingllm"
	"github.com/anythingllm-go/anythingllm/connectors/internal/connkit"
	"github.com/anythingllm-go/anythingllm/connectors/internal/repokit"
	"github.com/anythingllm-go/anythingllm/connectors/payload"
)

// Request is the body of POST /ext/gitea/repo.
type Request struct {
	Repo        string   `json:"repo"`
	AccessToken string   `json:"accessToken,omitempty"`
	Branch      string   `json:"branch,omitempty"`
	IgnorePaths []string `json:"ignorePaths,omitempty"`
}

// Options tune the connector; nil means the defaults.
type Options struct {
	Retries      int           // rate-limited retries (default 3)
	MaxRetryWait time.Duration // longest Retry-After honoured (default 30 s)
	Concurrency  int           // parallel downloads (default 5)
	Now          func() time.Time
}

// Connector is the Gitea connector; it implements anythingllm.Connector.
type Connector struct{ opts Options }

var _ anythingllm.Connector = (*Connector)(nil)

// New returns a connector.
func New(opts *Options) *Connector {
	return &Connector{opts: Options(repokit.WithDefaults((*repokit.Options)(opts)))}
}

// Name is the chunkSource scheme.
func (c *Connector) Name() string { return "gitea" }

// Repo is a parsed repository URL.
type Repo struct {
	Owner, Project string
	Scheme         string
	Origin         string // scheme://host[:port]
}

// WebURL is origin/owner/project, the chunkSource's base.
func (r *Repo) WebURL() string { return r.Origin + "/" + r.Owner + "/" + r.Project }

func (r *Repo) api() string {
	return r.Origin + "/api/v1/repos/" + url.PathEscape(r.Owner) + "/" + url.PathEscape(r.Project)
}

// ParseRepo parses http(s)://host[:port]/{owner}/{repo}.
func ParseRepo(raw string) (*Repo, error) {
	u, err := repokit.ParseRepoURL(raw, "Gitea")
	if err != nil {
		return nil, err
	}
	return &Repo{Owner: u.Segments[0], Project: u.Segments[1], Scheme: u.Scheme, Origin: u.Origin()}, nil
}

func (c *Connector) getter(env *anythingllm.ConnectorEnv) *repokit.Getter {
	return &repokit.Getter{Client: env.HTTP, Service: "Gitea", Retries: c.opts.Retries, MaxWait: c.opts.MaxRetryWait}
}

func header(token string) http.Header {
	h := http.Header{}
	h.Set("Accept", "application/json")
	if token != "" {
		h.Set("Authorization", "token "+token)
	}
	return h
}

// Branches lists the repository's branches, main and master first.
func Branches(ctx context.Context, env *anythingllm.ConnectorEnv, repo, token string) ([]string, error) {
	return New(nil).Branches(ctx, env, repo, token)
}

// Branches is the package function with this connector's options.
func (c *Connector) Branches(ctx context.Context, env *anythingllm.ConnectorEnv, repo, token string) ([]string, error) {
	if err := repokit.Env(env); err != nil {
		return nil, err
	}
	r, err := ParseRepo(repo)
	if err != nil {
		return nil, err
	}
	names, err := c.branches(ctx, c.getter(env), r, strings.TrimSpace(token))
	if err != nil {
		return nil, err
	}
	return repokit.SortBranches(names), nil
}

// branches reads pages of 50 until a page is empty or short with no
// rel="next" link.
func (c *Connector) branches(ctx context.Context, g *repokit.Getter, r *Repo, token string) ([]string, error) {
	const limit = 50
	var names []string
	for pg := 1; pg <= 1000; pg++ {
		resp, err := g.Get(ctx, fmt.Sprintf("%s/branches?page=%d&limit=%d", r.api(), pg, limit), header(token), "repository "+r.Owner+"/"+r.Project)
		if err != nil {
			return nil, err
		}
		var page []struct {
			Name string `json:"name"`
		}
		if err := json.Unmarshal(resp.Body, &page); err != nil {
			return nil, anythingllm.WrapError(anythingllm.Unavailable, err, "Gitea answered the branch list with unexpected JSON.")
		}
		for _, b := range page {
			names = append(names, b.Name)
		}
		if len(page) == 0 || (len(page) < limit && repokit.NextLink(resp.Header) == "") {
			break
		}
	}
	return names, nil
}

func (c *Connector) pickBranch(ctx context.Context, g *repokit.Getter, r *Repo, token, want string) (string, error) {
	names, err := c.branches(ctx, g, r, token)
	if err != nil {
		return "", err
	}
	if want != "" && slices.Contains(names, want) {
		return want, nil
	}
	resp, err := g.Get(ctx, r.api(), header(token), "repository "+r.Owner+"/"+r.Project)
	if err != nil {
		return "", err
	}
	var info struct {
		DefaultBranch string `json:"default_branch"`
	}
	_ = json.Unmarshal(resp.Body, &info)
	for _, b := range []string{info.DefaultBranch, "main", "master"} {
		if b != "" && slices.Contains(names, b) {
			return b, nil
		}
	}
	return "", anythingllm.Errorf(anythingllm.NotFound, "The Gitea repository %s/%s has no branch to import.", r.Owner, r.Project)
}

type replay struct {
	Owner   string  `json:"owner"`
	Project string  `json:"project"`
	Branch  string  `json:"branch"`
	Path    string  `json:"path"`
	Scheme  string  `json:"scheme"`
	Pat     *string `json:"pat"`
}

// Import fetches every text file of the branch. Options must be a *Request
// or Request. All documents or an error.
func (c *Connector) Import(ctx context.Context, req *anythingllm.ConnectorRequest) (*anythingllm.ConnectorResult, error) {
	r0, err := connkit.Options[Request](req, "Gitea")
	if err != nil {
		return nil, err
	}
	opt := *r0
	env := req.Env
	if err := repokit.Env(env); err != nil {
		return nil, err
	}
	r, err := ParseRepo(opt.Repo)
	if err != nil {
		return nil, err
	}
	ig, err := repokit.NewIgnore(opt.IgnorePaths)
	if err != nil {
		return nil, err
	}
	token := strings.TrimSpace(opt.AccessToken)
	g := c.getter(env)
	branch, err := c.pickBranch(ctx, g, r, token, strings.TrimSpace(opt.Branch))
	if err != nil {
		return nil, err
	}
	var paths []string
	seen := 0
	for pg := 1; pg <= 10000; pg++ {
		u := fmt.Sprintf("%s/git/trees/%s?recursive=true&per_page=1000&page=%d", r.api(), url.PathEscape(branch), pg)
		resp, err := g.Get(ctx, u, header(token), "the file tree of "+r.Owner+"/"+r.Project+"@"+branch)
		if err != nil {
			return nil, err
		}
		var t struct {
			Tree []struct {
				Path string `json:"path"`
				Type string `json:"type"`
			} `json:"tree"`
			Truncated  bool `json:"truncated"`
			TotalCount int  `json:"total_count"`
		}
		if err := json.Unmarshal(resp.Body, &t); err != nil {
			return nil, anythingllm.WrapError(anythingllm.Unavailable, err, "Gitea answered the file tree with unexpected JSON.")
		}
		for _, e := range t.Tree {
			if e.Type == "blob" && !ig.Ignored(e.Path, false) && !repokit.Binary(e.Path) {
				paths = append(paths, e.Path)
			}
		}
		seen += len(t.Tree)
		if len(t.Tree) == 0 || (!t.Truncated && seen >= t.TotalCount) {
			break
		}
	}
	slices.Sort(paths)
	texts := make([]string, len(paths))
	keep := make([]bool, len(paths))
	err = repokit.Each(ctx, c.opts.Concurrency, paths, func(ctx context.Context, i int, p string) error {
		var err error
		texts[i], keep[i], err = c.raw(ctx, g, r, token, branch, p)
		return err
	})
	if err != nil {
		return nil, err
	}
	now := c.opts.Now()
	folder := repokit.Folder(r.Owner, r.Project, branch, repokit.NewID(env))
	var pat *string
	if token != "" {
		pat = &token
	}
	docs := []anythingllm.Document{}
	for i, p := range paths {
		if !keep[i] {
			continue
		}
		cs := "gitea://" + r.WebURL()
		if env.Cipher != nil {
			if cs, err = payload.Encode(env.Cipher, "gitea", r.WebURL(), replay{Owner: r.Owner, Project: r.Project, Branch: branch, Path: p, Scheme: r.Scheme, Pat: pat}); err != nil {
				return nil, err
			}
		}
		docs = append(docs, repokit.Document(env, repokit.Doc{URL: "gitea://" + p, Title: p, Author: r.Owner, Description: "No description found.", Source: p, ChunkSource: cs, Content: texts[i]}, now))
	}
	return &anythingllm.ConnectorResult{
		Folder:    folder,
		Documents: docs,
		Data:      map[string]any{"author": r.Owner, "repo": r.Project, "branch": branch, "files": len(docs), "destination": folder},
	}, nil
}

func (c *Connector) raw(ctx context.Context, g *repokit.Getter, r *Repo, token, branch, p string) (string, bool, error) {
	resp, err := g.Get(ctx, r.api()+"/raw/"+repokit.EscapePath(p)+"?ref="+url.QueryEscape(branch), header(token), "file "+p+" in "+r.Owner+"/"+r.Project+"@"+branch)
	if err != nil {
		return "", false, err
	}
	t, ok := repokit.Text(resp.Body)
	return t, ok, nil
}

// Resync fetches the current text of the file a chunkSource names, using
// the stored scheme.
func (c *Connector) Resync(ctx context.Context, env *anythingllm.ConnectorEnv, chunkSource string) (string, error) {
	if err := repokit.Env(env); err != nil {
		return "", err
	}
	base, params, err := payload.Expand(env.Cipher, chunkSource)
	if err != nil {
		return "", err
	}
	if base.Scheme != "gitea" {
		return "", anythingllm.Errorf(anythingllm.InvalidArgument, "The chunkSource is not a gitea:// source.")
	}
	p, err := payload.Require(params, "path")
	if err != nil {
		return "", err
	}
	scheme := params["scheme"]
	if scheme != "http" && scheme != "https" {
		scheme = strings.TrimSuffix(base.Host, ":")
		if scheme != "http" {
			scheme = "https"
		}
	}
	r, err := ParseRepo(scheme + ":" + base.Path)
	if err != nil {
		return "", err
	}
	if v := params["owner"]; v != "" {
		r.Owner = v
	}
	if v := params["project"]; v != "" {
		r.Project = v
	}
	token := params["pat"]
	g := c.getter(env)
	branch := params["branch"]
	if branch == "" {
		if branch, err = c.pickBranch(ctx, g, r, token, ""); err != nil {
			return "", err
		}
	}
	text, ok, err := c.raw(ctx, g, r, token, branch, p)
	if err != nil {
		return "", err
	}
	if !ok {
		return "", anythingllm.Errorf(anythingllm.InvalidArgument, "The file %s is binary.", p)
	}
	return text, nil
}
