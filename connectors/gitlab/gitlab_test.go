package gitlab_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/anythingllm-go/anythingllm/anythingllm"
	"github.com/anythingllm-go/anythingllm/anythingllm/safehttp"
	"github.com/anythingllm-go/anythingllm/connectors/gitlab"
	"github.com/anythingllm-go/anythingllm/connectors/payload"
	"github.com/anythingllm-go/anythingllm/connectors/repofake"
)

const token = "glpat-supersecret"

var testCipher = func() *payload.Cipher {
	c, err := payload.NewCipher("sig-key", "sig-salt")
	if err != nil {
		panic(err)
	}
	return c
}()

func testEnv() *anythingllm.ConnectorEnv {
	var n atomic.Int64
	return &anythingllm.ConnectorEnv{
		HTTP:   &http.Client{Timeout: 10 * time.Second},
		Cipher: testCipher,
		NewID:  func() string { return fmt.Sprintf("beef%04d-0000-4000-8000-000000000000", n.Add(1)) },
	}
}

var fixed = time.Date(2024, 1, 16, 15, 7, 0, 0, time.UTC)

func newConnector() *gitlab.Connector {
	return gitlab.New(&gitlab.Options{Now: func() time.Time { return fixed }, MaxRetryWait: 2 * time.Second})
}

func smallProject(t *testing.T) *repofake.GitLab {
	f := repofake.NewGitLab(t, "group", "proj")
	f.SetToken(token)
	f.SetFile("main", "README.md", "# Project")
	f.SetFile("main", "src/app/main.go", "package main")
	f.SetFile("main", "src/app/main_test.go", "package main // test")
	f.SetFile("main", "docs/intro.md", "intro text")
	f.SetFile("main", "assets/logo.png", "\x89PNG\x00\x00")
	f.AddIssue(repofake.Issue{IID: 7, Title: "Crash on start", Description: "It crashes.", State: "opened", Author: "alice", Labels: []string{"bug"}, CreatedAt: "2024-01-01T00:00:00Z", UpdatedAt: "2024-01-02T00:00:00Z"},
		repofake.Discussion{Notes: []repofake.Note{{Author: "bob", Body: "Cannot reproduce.", CreatedAt: "2024-01-03T00:00:00Z"}}})
	f.SetWiki(repofake.Wiki{Slug: "home", Title: "Home", Format: "markdown", Content: "Welcome to the wiki"})
	f.SetWiki(repofake.Wiki{Slug: "notes", Title: "Notes", Format: "asciidoc", Content: "= Notes"})
	return f
}

func titles(docs []anythingllm.Document) []string {
	var out []string
	for _, d := range docs {
		out = append(out, d.Title)
	}
	return out
}

func TestParseRepo(t *testing.T) {
	r, err := gitlab.ParseRepo("https://gitlab.example.com:8443/group/sub/proj.git")
	if err != nil || r.Author != "group" || r.Project != "sub/proj" || r.ProjectID != "group%2Fsub%2Fproj" || r.Origin != "https://gitlab.example.com:8443" {
		t.Fatalf("ParseRepo = %+v, %v", r, err)
	}
	r, err = gitlab.ParseRepo("http://gitlab.local/a/b/-/tree/main")
	if err != nil || r.Project != "b" || r.Origin != "http://gitlab.local" {
		t.Fatalf("UI URL = %+v, %v", r, err)
	}
	for _, bad := range []string{"", "gitlab.com/a/b", "https://gitlab.com/a", "https://gitlab.com/a/-/issues", "https://h/a/.git/-/x"} {
		if _, err := gitlab.ParseRepo(bad); !errors.Is(err, anythingllm.ErrInvalidArgument) {
			t.Errorf("ParseRepo(%q) = %v", bad, err)
		}
	}
}

func TestImportFilesIssuesWikisAcrossPages(t *testing.T) {
	f := smallProject(t)
	f.SetPageSize(2) // the tree (9 entries) spans 5 pages
	res, err := newConnector().Import(context.Background(), &anythingllm.ConnectorRequest{Env: testEnv(), Options: &gitlab.Request{
		Repo: f.RepoURL(), AccessToken: token, IgnorePaths: []string{"*_test.go"}, FetchIssues: true, FetchWikis: true,
	}})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"README.md", "docs/intro.md", "src/app/main.go", "Issue 7: Crash on start", "Home", "Notes"}
	if got := titles(res.Documents); !slices.Equal(got, want) {
		t.Fatalf("titles = %v, want %v", got, want)
	}
	treePages := 0
	for _, rq := range f.Requests() {
		if strings.Contains(rq, "/repository/tree") {
			treePages++
		}
	}
	if treePages != 5 {
		t.Errorf("tree pages fetched = %d, want 5", treePages)
	}
	if res.Folder != "group-proj-main-beef" || res.Data["projectId"] != "group%2Fproj" || res.Data["files"] != 6 || res.Data["author"] != "group" || res.Data["repo"] != "proj" {
		t.Errorf("folder %q data %v", res.Folder, res.Data)
	}
	file := res.Documents[2]
	if file.URL != "gitlab://src/app/main.go" || file.DocAuthor != "group" || file.Description != "No description found." || file.DocSource != "src/app/main.go" || file.PageContent != "package main" || file.Published != "1/16/2024, 3:07:00 PM" {
		t.Errorf("file document = %+v", file)
	}
	if !strings.HasPrefix(file.ChunkSource, "gitlab://"+f.RepoURL()+"?payload=") || strings.Contains(file.ChunkSource, token) {
		t.Errorf("chunkSource = %q", file.ChunkSource)
	}
	_, params, err := testCipher.Expand(file.ChunkSource)
	if err != nil || fmt.Sprint(params) != fmt.Sprint(map[string]string{"projectId": "group%2Fproj", "branch": "main", "path": "src/app/main.go", "pat": token}) {
		t.Errorf("payload = %v, %v", params, err)
	}
	is := res.Documents[3]
	src := "issue-" + f.RepoURL() + "-7"
	if is.URL != "gitlab://"+src || is.DocAuthor != "alice" || is.Description != "It crashes." || is.DocSource != src {
		t.Errorf("issue document = %+v", is)
	}
	for _, s := range []string{"# Crash on start", "It crashes.", "- State: opened", "- Labels: bug", "## Activity", "Cannot reproduce."} {
		if !strings.Contains(is.PageContent, s) {
			t.Errorf("issue text lacks %q:\n%s", s, is.PageContent)
		}
	}
	home, notes := res.Documents[4], res.Documents[5]
	if home.URL != "gitlab://wiki-"+f.RepoURL()+"-home" || home.Description != "GitLab Wiki Page (Markdown)" || home.PageContent != "Welcome to the wiki" || home.DocAuthor != "group" {
		t.Errorf("wiki document = %+v", home)
	}
	if notes.Description != "GitLab Wiki Page" {
		t.Errorf("non-markdown wiki description = %q", notes.Description)
	}
}

func TestBranchesSorted(t *testing.T) {
	f := smallProject(t)
	for _, b := range []string{"release", "master", "alpha"} {
		f.AddBranch(b)
	}
	f.SetPageSize(1)
	got, err := gitlab.Branches(context.Background(), testEnv(), f.RepoURL(), token)
	if err != nil || !slices.Equal(got, []string{"main", "master", "alpha", "release"}) {
		t.Fatalf("branches = %v, %v", got, err)
	}
}

func TestErrors(t *testing.T) {
	f := smallProject(t)
	imp := func(r gitlab.Request) error {
		_, err := newConnector().Import(context.Background(), &anythingllm.ConnectorRequest{Env: testEnv(), Options: &r})
		return err
	}
	if err := imp(gitlab.Request{Repo: f.RepoURL(), AccessToken: "glpat-wrong"}); !errors.Is(err, anythingllm.ErrPermissionDenied) || strings.Contains(err.Error(), "glpat-wrong") {
		t.Errorf("bad token: %v", err)
	}
	if err := imp(gitlab.Request{Repo: f.URL + "/group/other", AccessToken: token}); !errors.Is(err, anythingllm.ErrNotFound) {
		t.Errorf("missing project: %v", err)
	}
	f.Throttle(2, http.StatusTooManyRequests, "0")
	if err := imp(gitlab.Request{Repo: f.RepoURL(), AccessToken: token}); err != nil {
		t.Errorf("two 429s then success: %v", err)
	}
	f.Throttle(10, http.StatusTooManyRequests, "0")
	if err := imp(gitlab.Request{Repo: f.RepoURL(), AccessToken: token}); !errors.Is(err, anythingllm.ErrRateLimited) {
		t.Errorf("429 beyond the retries: %v", err)
	}
	f.Throttle(0, 0, "")
	f.FailPath("/issues/7/discussions", http.StatusServiceUnavailable)
	if err := imp(gitlab.Request{Repo: f.RepoURL(), AccessToken: token, FetchIssues: true}); !errors.Is(err, anythingllm.ErrUnavailable) {
		t.Errorf("failing discussions: %v", err)
	}
}

func TestResync(t *testing.T) {
	f := smallProject(t)
	c := newConnector()
	env := testEnv()
	res, err := c.Import(context.Background(), &anythingllm.ConnectorRequest{Env: env, Options: &gitlab.Request{Repo: f.RepoURL(), AccessToken: token, FetchIssues: true, FetchWikis: true}})
	if err != nil {
		t.Fatal(err)
	}
	byTitle := map[string]anythingllm.Document{}
	for _, d := range res.Documents {
		byTitle[d.Title] = d
	}
	f.SetFile("main", "docs/intro.md", "changed intro")
	f.SetWiki(repofake.Wiki{Slug: "home", Title: "Home", Format: "markdown", Content: "New welcome"})
	f.AddIssue(repofake.Issue{IID: 8, Title: "other"})
	for title, want := range map[string]string{"docs/intro.md": "changed intro", "Home": "New welcome"} {
		got, err := c.Resync(context.Background(), env, byTitle[title].ChunkSource)
		if err != nil || got != want {
			t.Errorf("resync %s = %q, %v; want %q", title, got, err, want)
		}
	}
	got, err := c.Resync(context.Background(), env, byTitle["Issue 7: Crash on start"].ChunkSource)
	if err != nil || got != byTitle["Issue 7: Crash on start"].PageContent {
		t.Errorf("resync of an unchanged issue = %q, %v", got, err)
	}
	// a token-less document written by upstream stores pat "null": no token is sent
	f.SetToken("")
	cs, _ := testCipher.Encode("gitlab", f.RepoURL(), map[string]any{"projectId": "group%2Fproj", "branch": "main", "path": "README.md", "pat": "null"})
	if got, err := c.Resync(context.Background(), env, cs); err != nil || got != "# Project" {
		t.Errorf("upstream token-less payload: %q, %v", got, err)
	}
}

func TestURLGuardIsHonoured(t *testing.T) {
	f := smallProject(t)
	env := testEnv()
	env.HTTP = safehttp.NewClient(nil)
	if _, err := gitlab.Branches(context.Background(), env, f.RepoURL(), token); !errors.Is(err, safehttp.ErrBlocked) {
		t.Fatalf("loopback through the guard: %v", err)
	}
	env.HTTP = safehttp.NewClient(&safehttp.Options{AllowedHosts: []string{"127.0.0.1"}})
	if _, err := gitlab.Branches(context.Background(), env, f.RepoURL(), token); err != nil {
		t.Fatalf("allowed: %v", err)
	}
}
