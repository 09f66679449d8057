// Package github is the GitHub repository connector (upstream's
// RepoLoader/GithubRepo): it imports the text files of a repository branch
// from github.com, GitHub Enterprise Cloud (*.ghe.com) or GitHub Enterprise
// Server as documents, lists branches, and fetches one file again for live
// sync from the chunkSource AnythingLLM stored.
//
//	c := github.New(nil)
//	res, err := c.Import(ctx, &anythingllm.ConnectorRequest{Env: env, Options: &github.Request{
//		Repo: "https://github.com/octo/hello", AccessToken: pat, Branch: "main", IgnorePaths: []string{"*.lock"},
//	}})
//	text, err := c.Resync(ctx, env, res.Documents[0].ChunkSource)
//
// Every request goes through env.HTTP (the URL guard client). As upstream,
// only the top-level files are imported when no access token is given
// (a recursive walk would exhaust GitHub's anonymous rate limit; issue
// #2216). Unlike upstream, a token GitHub rejects is an error
// (PermissionDenied) rather than silently dropped.
package github

import (
	"context"
	"encoding/base64"
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

// Request is the body of POST /ext/github/repo (and, with Repo and
// AccessToken only, of /ext/github/branches).
type Request struct {
	Repo        string   `json:"repo"`
	AccessToken string   `json:"accessToken,omitempty"`
	Branch      string   `json:"branch,omitempty"`
	IgnorePaths []string `json:"ignorePaths,omitempty"`
}

// Options tune the connector; nil means the defaults.
type Options struct {
	// Retries is how often a rate-limited request is retried (default 3).
	Retries int
	// MaxRetryWait is the longest Retry-After honoured (default 30 s);
	// a longer one fails at once with RateLimited.
	MaxRetryWait time.Duration
	// Concurrency is the number of parallel file downloads (default 5, as
	// upstream).
	Concurrency int
	// Now stamps "published" (default time.Now).
	Now func() time.Time
}

// Connector is the GitHub connector; it implements anythingllm.Connector.
type Connector struct{ opts Options }

var _ anythingllm.Connector = (*Connector)(nil)

// New returns a connector.
func New(opts *Options) *Connector {
	return &Connector{opts: Options(repokit.WithDefaults((*repokit.Options)(opts)))}
}

// Name is the chunkSource scheme.
func (c *Connector) Name() string { return "github" }

// Repo is a parsed repository URL.
type Repo struct {
	Owner, Project string
	Scheme, Host   string // of the web URL
	API            string // REST base, no trailing slash
}

// ParseRepo parses an http(s) repository URL ({host}/{owner}/{repo}, ".git"
// stripped, extra path segments ignored) and picks the API base as
// upstream: github.com and www.github.com use https://api.github.com, an
// api.* host its own origin, *.ghe.com https://api.<host>, any other host
// (Enterprise Server) {origin}/api/v3, keeping scheme and port.
func ParseRepo(raw string) (*Repo, error) {
	u, err := repokit.ParseRepoURL(raw, "GitHub")
	if err != nil {
		return nil, err
	}
	r := &Repo{Owner: u.Segments[0], Project: u.Segments[1], Scheme: u.Scheme, Host: u.Host}
	hostname := (&url.URL{Host: u.Host}).Hostname() // without the port; IPv6 without brackets
	switch {
	case hostname == "github.com" || hostname == "www.github.com":
		r.API = "https://api.github.com"
	case strings.HasPrefix(hostname, "api."):
		r.API = u.Origin()
	case strings.HasSuffix(hostname, ".ghe.com"):
		r.API = "https://api." + u.Host
	default:
		r.API = u.Origin() + "/api/v3"
	}
	return r, nil
}

func (c *Connector) getter(env *anythingllm.ConnectorEnv) *repokit.Getter {
	return &repokit.Getter{Client: env.HTTP, Service: "GitHub", Retries: c.opts.Retries, MaxWait: c.opts.MaxRetryWait}
}

func apiHeader(token string) http.Header {
	h := http.Header{}
	h.Set("Accept", "application/vnd.github+json")
	h.Set("X-GitHub-Api-Version", "2022-11-28")
	h.Set("User-Agent", "anythingllm-go")
	if token != "" {
		h.Set("Authorization", "Bearer "+token)
	}
	return h
}

// Branches lists the repository's branch names, main and master first.
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

// branches follows the Link header's rel="next" from page 1 (upstream
// counts pages from 0 and stops on an empty page; both see every branch).
func (c *Connector) branches(ctx context.Context, g *repokit.Getter, r *Repo, token string) ([]string, error) {
	next := fmt.Sprintf("%s/repos/%s/%s/branches?per_page=100", r.API, url.PathEscape(r.Owner), url.PathEscape(r.Project))
	var names []string
	for pages := 0; next != "" && pages < 1000; pages++ {
		resp, err := g.Get(ctx, next, apiHeader(token), "repository "+r.Owner+"/"+r.Project)
		if err != nil {
			return nil, err
		}
		var page []struct {
			Name string `json:"name"`
		}
		if err := json.Unmarshal(resp.Body, &page); err != nil {
			return nil, anythingllm.WrapError(anythingllm.Unavailable, err, "GitHub answered the branch list with unexpected JSON.")
		}
		for _, b := range page {
			names = append(names, b.Name)
		}
		next = repokit.NextLink(resp.Header)
		if next != "" && !sameOrigin(next, r.API) {
			return nil, anythingllm.Errorf(anythingllm.Unavailable, "GitHub's pagination link points to another host.")
		}
	}
	return names, nil
}

func sameOrigin(a, b string) bool {
	ua, err1 := url.Parse(a)
	ub, err2 := url.Parse(b)
	return err1 == nil && err2 == nil && ua.Scheme == ub.Scheme && strings.EqualFold(ua.Host, ub.Host)
}

// pickBranch is upstream's choice: the requested branch if it exists, else
// main, else master; after those (where upstream gives up) the default
// branch GitHub reports.
func (c *Connector) pickBranch(ctx context.Context, g *repokit.Getter, r *Repo, token, want string) (string, error) {
	names, err := c.branches(ctx, g, r, token)
	if err != nil {
		return "", err
	}
	for _, b := range []string{want, "main", "master"} {
		if b != "" && slices.Contains(names, b) {
			return b, nil
		}
	}
	resp, err := g.Get(ctx, fmt.Sprintf("%s/repos/%s/%s", r.API, url.PathEscape(r.Owner), url.PathEscape(r.Project)), apiHeader(token), "repository "+r.Owner+"/"+r.Project)
	if err != nil {
		return "", err
	}
	var info struct {
		DefaultBranch string `json:"default_branch"`
	}
	if json.Unmarshal(resp.Body, &info) != nil || info.DefaultBranch == "" {
		return "", anythingllm.Errorf(anythingllm.NotFound, "The GitHub repository %s/%s has no branch to import.", r.Owner, r.Project)
	}
	return info.DefaultBranch, nil
}

type entry struct {
	Type        string  `json:"type"`
	Path        string  `json:"path"`
	DownloadURL *string `json:"download_url"`
}

// replay is the chunkSource payload, keys in upstream's order.
type replay struct {
	Owner   string  `json:"owner"`
	Project string  `json:"project"`
	Branch  string  `json:"branch"`
	Path    string  `json:"path"`
	Pat     *string `json:"pat"`
	Scheme  string  `json:"scheme"`
}

// Import fetches every text file of the branch (see the package doc).
// Options must be a *Request or Request. It returns all documents or an
// error, never part of them.
func (c *Connector) Import(ctx context.Context, req *anythingllm.ConnectorRequest) (*anythingllm.ConnectorResult, error) {
	r0, err := connkit.Options[Request](req, "GitHub")
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

	var files []entry
	dirs := []string{""}
	for len(dirs) > 0 {
		dir := dirs[0]
		dirs = dirs[1:]
		u := fmt.Sprintf("%s/repos/%s/%s/contents/%s?ref=%s", r.API, url.PathEscape(r.Owner), url.PathEscape(r.Project), repokit.EscapePath(dir), url.QueryEscape(branch))
		what := "directory " + dir
		if dir == "" {
			what = "root directory"
		}
		resp, err := g.Get(ctx, u, apiHeader(token), fmt.Sprintf("%s of %s/%s@%s", what, r.Owner, r.Project, branch))
		if err != nil {
			return nil, err
		}
		var list []entry
		if err := json.Unmarshal(resp.Body, &list); err != nil {
			return nil, anythingllm.WrapError(anythingllm.Unavailable, err, "GitHub answered the contents of %s with unexpected JSON.", what)
		}
		for _, e := range list {
			switch e.Type {
			case "dir":
				if token != "" && !ig.Ignored(e.Path, true) {
					dirs = append(dirs, e.Path)
				}
			case "file":
				if e.DownloadURL != nil && !ig.Ignored(e.Path, false) && !repokit.Binary(e.Path) {
					files = append(files, e)
				}
			}
		}
	}

	texts := make([]string, len(files))
	keep := make([]bool, len(files))
	err = repokit.Each(ctx, c.opts.Concurrency, files, func(ctx context.Context, i int, e entry) error {
		h := http.Header{}
		h.Set("User-Agent", "langchain")
		if token != "" && c.trustedRaw(r, *e.DownloadURL) {
			h.Set("Authorization", "Bearer "+token)
		}
		resp, err := g.Get(ctx, *e.DownloadURL, h, "file "+e.Path)
		if err != nil {
			return err
		}
		texts[i], keep[i] = repokit.Text(resp.Body)
		return nil
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
	for i, e := range files {
		if !keep[i] {
			continue
		}
		cs, err := chunkSource(env, strings.TrimSpace(opt.Repo), replay{Owner: r.Owner, Project: r.Project, Branch: branch, Path: e.Path, Pat: pat, Scheme: r.Scheme})
		if err != nil {
			return nil, err
		}
		docs = append(docs, repokit.Document(env, repokit.Doc{
			URL: "github://" + e.Path, Title: e.Path, Author: r.Owner, Description: "No description found.",
			Source: e.Path, ChunkSource: cs, Content: texts[i],
		}, now))
	}
	slices.SortFunc(docs, func(a, b anythingllm.Document) int { return strings.Compare(a.Title, b.Title) })
	return &anythingllm.ConnectorResult{
		Folder:    folder,
		Documents: docs,
		Data: map[string]any{
			"author": r.Owner, "repo": r.Project, "branch": branch, "files": len(docs), "destination": folder,
		},
	}, nil
}

// trustedRaw reports whether the token may go to a download URL: the
// repository's host, its API host or GitHub's raw host (upstream sends it
// to any download_url).
func (c *Connector) trustedRaw(r *Repo, raw string) bool {
	u, err := url.Parse(raw)
	if err != nil {
		return false
	}
	api, _ := url.Parse(r.API)
	h := strings.ToLower(u.Host)
	return h == r.Host || (api != nil && h == strings.ToLower(api.Host)) || h == "raw.githubusercontent.com"
}

// chunkSource is upstream's "github://<repoUrl>?payload=…"; without a
// cipher no credentials can be stored and the chunkSource has no payload
// (the document cannot be resynced).
func chunkSource(env *anythingllm.ConnectorEnv, repoURL string, p replay) (string, error) {
	if env.Cipher == nil {
		return "github://" + repoURL, nil
	}
	return payload.Encode(env.Cipher, "github", repoURL, p)
}

// Resync fetches the current text of the file a chunkSource names, through
// the contents API (a single file, as upstream). A payload pat of "null"
// (upstream's token-less documents) or none means no token.
func (c *Connector) Resync(ctx context.Context, env *anythingllm.ConnectorEnv, chunkSource string) (string, error) {
	if err := repokit.Env(env); err != nil {
		return "", err
	}
	base, params, err := payload.Expand(env.Cipher, chunkSource)
	if err != nil {
		return "", err
	}
	if base.Scheme != "github" {
		return "", anythingllm.Errorf(anythingllm.InvalidArgument, "The chunkSource is not a github:// source.")
	}
	filePath, err := payload.Require(params, "path")
	if err != nil {
		return "", err
	}
	scheme := params["scheme"]
	if scheme != "http" && scheme != "https" {
		scheme = "https" // older payloads have no scheme
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
	u := fmt.Sprintf("%s/repos/%s/%s/contents/%s?ref=%s", r.API, url.PathEscape(r.Owner), url.PathEscape(r.Project), repokit.EscapePath(filePath), url.QueryEscape(branch))
	resp, err := g.Get(ctx, u, apiHeader(token), fmt.Sprintf("file %s in %s/%s@%s", filePath, r.Owner, r.Project, branch))
	if err != nil {
		return "", err
	}
	var f struct {
		Type        string  `json:"type"`
		Content     *string `json:"content"`
		Encoding    string  `json:"encoding"`
		DownloadURL *string `json:"download_url"`
	}
	if err := json.Unmarshal(resp.Body, &f); err != nil || f.Type != "file" {
		return "", anythingllm.Errorf(anythingllm.NotFound, "GitHub has no file %s in %s/%s@%s.", filePath, r.Owner, r.Project, branch)
	}
	var data []byte
	switch {
	case f.Content != nil && f.Encoding == "base64":
		data, err = base64.StdEncoding.DecodeString(strings.NewReplacer("\n", "", "\r", "").Replace(*f.Content))
		if err != nil {
			return "", anythingllm.WrapError(anythingllm.Unavailable, err, "GitHub sent file %s with bad base64 content.", filePath)
		}
	case f.DownloadURL != nil: // files over 1 MB come without content; upstream fails on them
		h := http.Header{}
		if token != "" && c.trustedRaw(r, *f.DownloadURL) {
			h.Set("Authorization", "Bearer "+token)
		}
		raw, err := g.Get(ctx, *f.DownloadURL, h, "file "+filePath)
		if err != nil {
			return "", err
		}
		data = raw.Body
	default:
		return "", anythingllm.Errorf(anythingllm.Unavailable, "GitHub sent file %s without its content.", filePath)
	}
	text, ok := repokit.Text(data)
	if !ok {
		return "", anythingllm.Errorf(anythingllm.InvalidArgument, "The file %s is binary.", filePath)
	}
	return text, nil
}
