// Package gitlab is the GitLab repository connector (upstream's
// RepoLoader/GitlabRepo): it imports a branch's text files, and on request
// the project's issues (with their discussions) and wiki pages, from
// gitlab.com or a self-hosted instance, lists branches, and fetches one
// document again for live sync from its chunkSource.
//
//	c := gitlab.New(nil)
//	res, err := c.Import(ctx, &anythingllm.ConnectorRequest{Env: env, Options: &gitlab.Request{
//		Repo: "https://gitlab.com/group/sub/project", AccessToken: tok, FetchIssues: true, FetchWikis: true,
//	}})
//	text, err := c.Resync(ctx, env, res.Documents[0].ChunkSource)
//
// Every request goes through env.HTTP and carries the token in
// PRIVATE-TOKEN. Deviations from upstream: a stored pat of null or "null"
// sends no token (upstream sends "null" and fails); resync keeps the
// instance's http scheme (upstream forces https); issue and wiki documents
// resync (upstream sends them down the file path, where they always fail).
package gitlab

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/anythingllm-go/anythingllm/anythingllm"
	"github.com/anythingllm-go/anythingllm/connectors/internal/connkit"
	"github.com/anythingllm-go/anythingllm/connectors/internal/repokit"
	"github.com/anythingllm-go/anythingllm/connectors/payload"
)

// Request is the body of POST /ext/gitlab/repo.
type Request struct {
	Repo        string   `json:"repo"`
	AccessToken string   `json:"accessToken,omitempty"`
	Branch      string   `json:"branch,omitempty"`
	IgnorePaths []string `json:"ignorePaths,omitempty"`
	FetchIssues bool     `json:"fetchIssues,omitempty"`
	FetchWikis  bool     `json:"fetchWikis,omitempty"`
}

// Options tune the connector; nil means the defaults.
type Options struct {
	Retries      int           // rate-limited retries (default 3, as upstream)
	MaxRetryWait time.Duration // longest Retry-After honoured (default 30 s)
	Concurrency  int           // parallel downloads (default 5)
	Now          func() time.Time
}

// Connector is the GitLab connector; it implements anythingllm.Connector.
type Connector struct{ opts Options }

var _ anythingllm.Connector = (*Connector)(nil)

// New returns a connector.
func New(opts *Options) *Connector {
	return &Connector{opts: Options(repokit.WithDefaults((*repokit.Options)(opts)))}
}

// Name is the chunkSource scheme.
func (c *Connector) Name() string { return "gitlab" }

// Repo is a parsed project URL.
type Repo struct {
	Author    string // the first path segment (user or top group)
	Project   string // the rest, subgroups included ("sub/project")
	ProjectID string // encodeURIComponent("author/project")
	Origin    string // scheme://host[:port], also the API origin
}

// WebURL is origin/author/project.
func (r *Repo) WebURL() string { return r.Origin + "/" + r.Author + "/" + r.Project }

func (r *Repo) api() string { return r.Origin + "/api/v4/projects/" + r.ProjectID }

// ParseRepo parses http(s)://host/{author}/{project…}; ".git" and a GitLab
// UI suffix ("/-/tree/main") are stripped.
func ParseRepo(raw string) (*Repo, error) {
	u, err := repokit.ParseRepoURL(raw, "GitLab")
	if err != nil {
		return nil, err
	}
	segs := u.Segments
	if i := slices.Index(segs, "-"); i >= 0 {
		segs = segs[:i]
	}
	if len(segs) < 2 {
		return nil, anythingllm.Errorf(anythingllm.InvalidArgument, "%q is not a valid GitLab repository URL: it has no owner and project name (https://host/owner/project).", raw)
	}
	segs[len(segs)-1] = strings.TrimSuffix(segs[len(segs)-1], ".git")
	if slices.Contains(segs, "") {
		return nil, anythingllm.Errorf(anythingllm.InvalidArgument, "%q is not a valid GitLab repository URL: a part of its owner or project name is empty.", raw)
	}
	full := strings.Join(segs, "/")
	return &Repo{Author: segs[0], Project: strings.Join(segs[1:], "/"), ProjectID: url.PathEscape(full), Origin: u.Origin()}, nil
}

func (c *Connector) getter(env *anythingllm.ConnectorEnv) *repokit.Getter {
	return &repokit.Getter{Client: env.HTTP, Service: "GitLab", Retries: c.opts.Retries, MaxWait: c.opts.MaxRetryWait}
}

func header(token string) http.Header {
	h := http.Header{}
	h.Set("Accept", "application/json")
	if token != "" {
		h.Set("PRIVATE-TOKEN", token)
	}
	return h
}

// pages GETs first and follows X-Next-Page, decoding each page into T.
// max limits the pages (0: no limit).
func pages[T any](ctx context.Context, g *repokit.Getter, first, token, what string, max int) ([]T, error) {
	var out []T
	next := first
	for n := 0; next != "" && n < 10000; n++ {
		resp, err := g.Get(ctx, next, header(token), what)
		if err != nil {
			return nil, err
		}
		var page []T
		if err := json.Unmarshal(resp.Body, &page); err != nil {
			return nil, anythingllm.WrapError(anythingllm.Unavailable, err, "GitLab answered %s with unexpected JSON.", what)
		}
		out = append(out, page...)
		np := strings.TrimSpace(resp.Header.Get("X-Next-Page"))
		if np == "" || (max > 0 && n+1 >= max) {
			break
		}
		if _, err := strconv.Atoi(np); err != nil {
			break
		}
		u, _ := url.Parse(next)
		q := u.Query()
		q.Set("page", np)
		u.RawQuery = q.Encode()
		next = u.String()
	}
	return out, nil
}

// Branches lists the project's branches, main and master first.
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

func (c *Connector) branches(ctx context.Context, g *repokit.Getter, r *Repo, token string) ([]string, error) {
	list, err := pages[struct {
		Name string `json:"name"`
	}](ctx, g, r.api()+"/repository/branches?per_page=100&page=1", token, "project "+r.Author+"/"+r.Project, 0)
	if err != nil {
		return nil, err
	}
	var names []string
	for _, b := range list {
		names = append(names, b.Name)
	}
	return names, nil
}

// pickBranch: the requested branch if it exists, else the project's
// default branch, else main, else master.
func (c *Connector) pickBranch(ctx context.Context, g *repokit.Getter, r *Repo, token, want string) (string, error) {
	names, err := c.branches(ctx, g, r, token)
	if err != nil {
		return "", err
	}
	if want != "" && slices.Contains(names, want) {
		return want, nil
	}
	resp, err := g.Get(ctx, r.api(), header(token), "project "+r.Author+"/"+r.Project)
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
	return "", anythingllm.Errorf(anythingllm.NotFound, "The GitLab project %s/%s has no branch to import.", r.Author, r.Project)
}

type replay struct {
	ProjectID string  `json:"projectId"`
	Branch    string  `json:"branch"`
	Path      string  `json:"path"`
	Pat       *string `json:"pat"`
}

type issue struct {
	IID         int    `json:"iid"`
	Title       string `json:"title"`
	Description string `json:"description"`
	State       string `json:"state"`
	Author      struct {
		Username string `json:"username"`
	} `json:"author"`
	Assignees []struct {
		Username string `json:"username"`
	} `json:"assignees"`
	Labels    []string `json:"labels"`
	CreatedAt string   `json:"created_at"`
	UpdatedAt string   `json:"updated_at"`
	ClosedAt  string   `json:"closed_at"`
	WebURL    string   `json:"web_url"`
	Milestone *struct {
		Title string `json:"title"`
	} `json:"milestone"`
}

type discussion struct {
	Notes []struct {
		Body   string `json:"body"`
		System bool   `json:"system"`
		Author struct {
			Username string `json:"username"`
		} `json:"author"`
		CreatedAt string `json:"created_at"`
	} `json:"notes"`
}

type wiki struct {
	Slug    string `json:"slug"`
	Title   string `json:"title"`
	Format  string `json:"format"`
	Content string `json:"content"`
}

// Import fetches the branch's text files, plus issues and wiki pages when
// asked. Options must be a *Request or Request. All documents or an error.
func (c *Connector) Import(ctx context.Context, req *anythingllm.ConnectorRequest) (*anythingllm.ConnectorResult, error) {
	r0, err := connkit.Options[Request](req, "GitLab")
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
	tree, err := pages[struct {
		Type string `json:"type"`
		Path string `json:"path"`
	}](ctx, g, r.api()+"/repository/tree?ref="+url.QueryEscape(branch)+"&recursive=true&per_page=100&page=1", token, "the file tree of "+r.Author+"/"+r.Project+"@"+branch, 0)
	if err != nil {
		return nil, err
	}
	var paths []string
	for _, e := range tree {
		if e.Type == "blob" && !ig.Ignored(e.Path, false) && !repokit.Binary(e.Path) {
			paths = append(paths, e.Path)
		}
	}
	slices.Sort(paths)
	texts := make([]string, len(paths))
	keep := make([]bool, len(paths))
	err = repokit.Each(ctx, c.opts.Concurrency, paths, func(ctx context.Context, i int, p string) error {
		t, ok, err := c.raw(ctx, g, r, token, branch, p)
		texts[i], keep[i] = t, ok
		return err
	})
	if err != nil {
		return nil, err
	}

	var issueDocs, wikiDocs []repokit.Doc
	if opt.FetchIssues {
		list, err := pages[issue](ctx, g, r.api()+"/issues?state=all&per_page=100&page=1", token, "the issues of "+r.Author+"/"+r.Project, 0)
		if err != nil {
			return nil, err
		}
		issueDocs = make([]repokit.Doc, len(list))
		err = repokit.Each(ctx, c.opts.Concurrency, list, func(ctx context.Context, i int, is issue) error {
			d, err := c.issueDoc(ctx, g, r, token, is)
			issueDocs[i] = d
			return err
		})
		if err != nil {
			return nil, err
		}
	}
	if opt.FetchWikis {
		list, err := pages[wiki](ctx, g, r.api()+"/wikis?with_content=1", token, "the wiki of "+r.Author+"/"+r.Project, 1)
		if err != nil {
			return nil, err
		}
		for _, w := range list {
			wikiDocs = append(wikiDocs, wikiDoc(r, w))
		}
	}

	now := c.opts.Now()
	folder := repokit.Folder(r.Author, r.Project, branch, repokit.NewID(env))
	var pat *string
	if token != "" {
		pat = &token
	}
	repoAsGiven := strings.TrimSpace(opt.Repo)
	docs := []anythingllm.Document{}
	add := func(d repokit.Doc) error {
		cs, err := chunkSource(env, repoAsGiven, replay{ProjectID: r.ProjectID, Branch: branch, Path: d.Source, Pat: pat})
		if err != nil {
			return err
		}
		d.ChunkSource = cs
		docs = append(docs, repokit.Document(env, d, now))
		return nil
	}
	for i, p := range paths {
		if !keep[i] {
			continue
		}
		if err := add(repokit.Doc{URL: "gitlab://" + p, Title: p, Author: r.Author, Description: "No description found.", Source: p, Content: texts[i]}); err != nil {
			return nil, err
		}
	}
	for _, d := range append(issueDocs, wikiDocs...) {
		if err := add(d); err != nil {
			return nil, err
		}
	}
	return &anythingllm.ConnectorResult{
		Folder:    folder,
		Documents: docs,
		Data: map[string]any{
			"author": r.Author, "repo": r.Project, "projectId": r.ProjectID, "branch": branch, "files": len(docs), "destination": folder,
		},
	}, nil
}

func (c *Connector) raw(ctx context.Context, g *repokit.Getter, r *Repo, token, branch, p string) (string, bool, error) {
	resp, err := g.Get(ctx, r.api()+"/repository/files/"+url.PathEscape(p)+"/raw?ref="+url.QueryEscape(branch), header(token), "file "+p+" in "+r.Author+"/"+r.Project+"@"+branch)
	if err != nil {
		return "", false, err
	}
	t, ok := repokit.Text(resp.Body)
	return t, ok, nil
}

func issueSource(r *Repo, iid int) string { return fmt.Sprintf("issue-%s-%d", r.WebURL(), iid) }

func wikiSource(r *Repo, slug string) string { return "wiki-" + r.WebURL() + "-" + slug }

// issueDoc fetches an issue's discussions and renders it as markdown:
// title, description, a metadata list and the activity.
func (c *Connector) issueDoc(ctx context.Context, g *repokit.Getter, r *Repo, token string, is issue) (repokit.Doc, error) {
	disc, err := pages[discussion](ctx, g, fmt.Sprintf("%s/issues/%d/discussions?per_page=100&page=1", r.api(), is.IID), token, fmt.Sprintf("the discussions of issue %d", is.IID), 0)
	if err != nil {
		return repokit.Doc{}, err
	}
	var b strings.Builder
	fmt.Fprintf(&b, "# %s\n\n", is.Title)
	if strings.TrimSpace(is.Description) != "" {
		fmt.Fprintf(&b, "%s\n\n", is.Description)
	}
	b.WriteString("## Metadata\n\n")
	fmt.Fprintf(&b, "- Issue: #%d\n- State: %s\n- Author: %s\n- Created: %s\n- Updated: %s\n", is.IID, is.State, is.Author.Username, is.CreatedAt, is.UpdatedAt)
	if is.ClosedAt != "" {
		fmt.Fprintf(&b, "- Closed: %s\n", is.ClosedAt)
	}
	if len(is.Labels) > 0 {
		fmt.Fprintf(&b, "- Labels: %s\n", strings.Join(is.Labels, ", "))
	}
	if len(is.Assignees) > 0 {
		var names []string
		for _, a := range is.Assignees {
			names = append(names, a.Username)
		}
		fmt.Fprintf(&b, "- Assignees: %s\n", strings.Join(names, ", "))
	}
	if is.Milestone != nil && is.Milestone.Title != "" {
		fmt.Fprintf(&b, "- Milestone: %s\n", is.Milestone.Title)
	}
	if is.WebURL != "" {
		fmt.Fprintf(&b, "- URL: %s\n", is.WebURL)
	}
	var notes []string
	for _, d := range disc {
		for _, n := range d.Notes {
			if n.System {
				notes = append(notes, fmt.Sprintf("- %s %s (%s)", n.Author.Username, n.Body, n.CreatedAt))
			} else {
				notes = append(notes, fmt.Sprintf("### %s (%s)\n\n%s", n.Author.Username, n.CreatedAt, n.Body))
			}
		}
	}
	if len(notes) > 0 {
		b.WriteString("\n## Activity\n\n" + strings.Join(notes, "\n\n") + "\n")
	}
	desc := is.Description
	if strings.TrimSpace(desc) == "" {
		desc = "No description found."
	}
	src := issueSource(r, is.IID)
	return repokit.Doc{URL: "gitlab://" + src, Title: fmt.Sprintf("Issue %d: %s", is.IID, is.Title), Author: is.Author.Username,
		Description: desc, Source: src, Content: strings.ToValidUTF8(b.String(), "\uFFFD")}, nil
}

func wikiDoc(r *Repo, w wiki) repokit.Doc {
	desc := "GitLab Wiki Page"
	if w.Format == "markdown" {
		desc = "GitLab Wiki Page (Markdown)"
	}
	src := wikiSource(r, w.Slug)
	return repokit.Doc{URL: "gitlab://" + src, Title: w.Title, Author: r.Author, Description: desc, Source: src,
		Content: strings.ToValidUTF8(w.Content, "\uFFFD")}
}

func chunkSource(env *anythingllm.ConnectorEnv, repo string, p replay) (string, error) {
	if env.Cipher == nil {
		return "gitlab://" + repo, nil
	}
	return payload.Encode(env.Cipher, "gitlab", repo, p)
}

// Resync fetches the current text of the file, issue or wiki page a
// chunkSource names.
func (c *Connector) Resync(ctx context.Context, env *anythingllm.ConnectorEnv, chunkSource string) (string, error) {
	if err := repokit.Env(env); err != nil {
		return "", err
	}
	base, params, err := payload.Expand(env.Cipher, chunkSource)
	if err != nil {
		return "", err
	}
	if base.Scheme != "gitlab" {
		return "", anythingllm.Errorf(anythingllm.InvalidArgument, "The chunkSource is not a gitlab:// source.")
	}
	p, err := payload.Require(params, "path")
	if err != nil {
		return "", err
	}
	scheme := strings.TrimSuffix(base.Host, ":")
	if scheme != "http" {
		scheme = "https"
	}
	r, err := ParseRepo(scheme + ":" + base.Path)
	if err != nil {
		return "", err
	}
	if id := params["projectId"]; id != "" {
		if !strings.Contains(id, "%") {
			id = url.PathEscape(id)
		}
		r.ProjectID = id
	}
	token := params["pat"]
	g := c.getter(env)
	branch := params["branch"]
	switch {
	case strings.HasPrefix(p, "issue-"+r.WebURL()+"-"):
		iid, err := strconv.Atoi(strings.TrimPrefix(p, "issue-"+r.WebURL()+"-"))
		if err != nil {
			return "", anythingllm.Errorf(anythingllm.InvalidArgument, "The chunkSource names an issue without a number.")
		}
		resp, err := g.Get(ctx, fmt.Sprintf("%s/issues/%d", r.api(), iid), header(token), fmt.Sprintf("issue %d", iid))
		if err != nil {
			return "", err
		}
		var is issue
		if err := json.Unmarshal(resp.Body, &is); err != nil {
			return "", anythingllm.WrapError(anythingllm.Unavailable, err, "GitLab answered issue %d with unexpected JSON.", iid)
		}
		d, err := c.issueDoc(ctx, g, r, token, is)
		return d.Content, err
	case strings.HasPrefix(p, "wiki-"+r.WebURL()+"-"):
		slug := strings.TrimPrefix(p, "wiki-"+r.WebURL()+"-")
		resp, err := g.Get(ctx, r.api()+"/wikis/"+url.PathEscape(slug), header(token), "wiki page "+slug)
		if err != nil {
			return "", err
		}
		var w wiki
		if err := json.Unmarshal(resp.Body, &w); err != nil {
			return "", anythingllm.WrapError(anythingllm.Unavailable, err, "GitLab answered wiki page %s with unexpected JSON.", slug)
		}
		return strings.ToValidUTF8(w.Content, "\uFFFD"), nil
	}
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
