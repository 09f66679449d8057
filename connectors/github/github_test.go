package github_test

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
	"github.com/anythingllm-go/anythingllm/connectors/github"
	"github.com/anythingllm-go/anythingllm/connectors/payload"
	"github.com/anythingllm-go/anythingllm/connectors/repofake"
)

const token = "ghp_supersecret"

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
		NewID:  func() string { return fmt.Sprintf("abcd%04d-0000-4000-8000-000000000000", n.Add(1)) },
	}
}

var fixed = time.Date(2024, 1, 16, 15, 7, 0, 0, time.UTC)

func newConnector() *github.Connector {
	return github.New(&github.Options{Now: func() time.Time { return fixed }, MaxRetryWait: 2 * time.Second})
}

func smallRepo(t *testing.T) *repofake.GitHub {
	f := repofake.NewGitHub(t, "octo", "hello")
	f.SetToken(token)
	f.SetFile("main", "README.md", "# Hello world")
	f.SetFile("main", "notes.txt", "top level notes")
	f.SetFile("main", "docs/guide.md", "the guide")
	f.SetFile("main", "docs/deep/nested.md", "deep text")
	f.SetFile("main", "logo.png", "\x89PNG\r\n\x1a\n\x00\x00")
	f.SetFile("main", "yarn.lock", "lock")
	f.SetFile("main", "vendor/lib.go", "package lib")
	return f
}

func titles(docs []anythingllm.Document) []string {
	var out []string
	for _, d := range docs {
		out = append(out, d.Title)
	}
	return out
}

func TestParseRepoAPIBase(t *testing.T) {
	for in, want := range map[string][3]string{
		"https://github.com/octo/hello":                {"octo", "hello", "https://api.github.com"},
		"https://www.github.com/octo/hello.git":        {"octo", "hello", "https://api.github.com"},
		"https://github.com/octo/hello/tree/main/docs": {"octo", "hello", "https://api.github.com"},
		"https://api.example.com/octo/hello":           {"octo", "hello", "https://api.example.com"},
		"https://acme.ghe.com/octo/hello":              {"octo", "hello", "https://api.acme.ghe.com"},
		"https://git.corp.example/team/tool":           {"team", "tool", "https://git.corp.example/api/v3"},
		"http://git.corp.example:8443/team/tool":       {"team", "tool", "http://git.corp.example:8443/api/v3"},
	} {
		r, err := github.ParseRepo(in)
		if err != nil {
			t.Errorf("%s: %v", in, err)
			continue
		}
		if got := [3]string{r.Owner, r.Project, r.API}; got != want {
			t.Errorf("%s: %v, want %v", in, got, want)
		}
	}
	for _, bad := range []string{"", "github.com/octo/hello", "ftp://github.com/o/r", "https://github.com/octo", "https://github.com/", "https://user:pw@github.com/o/r", "::"} {
		if _, err := github.ParseRepo(bad); !errors.Is(err, anythingllm.ErrInvalidArgument) {
			t.Errorf("ParseRepo(%q) = %v, want InvalidArgument", bad, err)
		}
	}
}

func TestImportWithToken(t *testing.T) {
	f := smallRepo(t)
	res, err := newConnector().Import(context.Background(), &anythingllm.ConnectorRequest{Env: testEnv(), Options: &github.Request{
		Repo: f.RepoURL(), AccessToken: token, IgnorePaths: []string{"*.lock", "vendor/"},
	}})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"README.md", "docs/deep/nested.md", "docs/guide.md", "notes.txt"}
	if got := titles(res.Documents); !slices.Equal(got, want) {
		t.Fatalf("titles = %v, want %v (png binary, yarn.lock and vendor/ ignored)", got, want)
	}
	if res.Folder != "octo-hello-main-abcd" {
		t.Errorf("folder = %q", res.Folder)
	}
	wantData := map[string]any{"author": "octo", "repo": "hello", "branch": "main", "files": 4, "destination": "octo-hello-main-abcd"}
	for k, v := range wantData {
		if res.Data[k] != v {
			t.Errorf("data[%s] = %v, want %v", k, res.Data[k], v)
		}
	}
	d := res.Documents[1]
	if d.URL != "github://docs/deep/nested.md" || d.DocAuthor != "octo" || d.Description != "No description found." ||
		d.DocSource != "docs/deep/nested.md" || d.PageContent != "deep text" || d.WordCount != 2 ||
		d.Published != "1/16/2024, 3:07:00 PM" || d.TokenCountEstimate != 2 || !strings.HasPrefix(d.ID, "abcd") {
		t.Errorf("document = %+v", d)
	}
	prefix := "github://" + f.RepoURL() + "?payload="
	if !strings.HasPrefix(d.ChunkSource, prefix) || strings.Contains(d.ChunkSource, token) {
		t.Fatalf("chunkSource = %q", d.ChunkSource)
	}
	_, params, err := testCipher.Expand(d.ChunkSource)
	if err != nil {
		t.Fatal(err)
	}
	wantParams := map[string]string{"owner": "octo", "project": "hello", "branch": "main", "path": "docs/deep/nested.md", "pat": token, "scheme": "http"}
	if fmt.Sprint(params) != fmt.Sprint(wantParams) {
		t.Errorf("payload = %v, want %v", params, wantParams)
	}
}

func TestImportWithoutTokenIsTopLevelOnly(t *testing.T) {
	f := smallRepo(t)
	res, err := newConnector().Import(context.Background(), &anythingllm.ConnectorRequest{Env: testEnv(), Options: github.Request{Repo: f.RepoURL()}})
	if err != nil {
		t.Fatal(err)
	}
	if got := titles(res.Documents); !slices.Equal(got, []string{"README.md", "notes.txt", "yarn.lock"}) {
		t.Fatalf("titles = %v: without a token only top-level files, as upstream", got)
	}
	for _, rq := range f.Requests() {
		if strings.Contains(rq, "contents/docs") {
			t.Errorf("walked into a subdirectory without a token: %s", rq)
		}
	}
	_, params, _ := testCipher.Expand(res.Documents[0].ChunkSource)
	if _, ok := params["pat"]; ok {
		t.Errorf("a token-less document stores pat %q", params["pat"])
	}
}

func TestBranchesPaginatedAndSorted(t *testing.T) {
	f := smallRepo(t)
	for _, b := range []string{"zeta", "dev", "master", "feature-x"} {
		f.AddBranch(b)
	}
	f.SetPageSize(2)
	got, err := github.Branches(context.Background(), testEnv(), f.RepoURL(), token)
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"main", "master", "dev", "feature-x", "zeta"}; !slices.Equal(got, want) {
		t.Fatalf("branches = %v, want %v", got, want)
	}
	pages := 0
	for _, rq := range f.Requests() {
		if strings.Contains(rq, "/branches") {
			pages++
		}
	}
	if pages != 3 {
		t.Errorf("fetched %d branch pages, want 3 (5 branches, 2 per page)", pages)
	}
}

func TestBranchFallback(t *testing.T) {
	f := smallRepo(t)
	f.SetFile("master", "m.md", "on master")
	res, err := newConnector().Import(context.Background(), &anythingllm.ConnectorRequest{Env: testEnv(), Options: &github.Request{Repo: f.RepoURL(), AccessToken: token, Branch: "does-not-exist"}})
	if err != nil || res.Data["branch"] != "main" {
		t.Fatalf("unknown branch: %v, %v; want main", res, err)
	}
	f.DeleteBranch("main")
	res, err = newConnector().Import(context.Background(), &anythingllm.ConnectorRequest{Env: testEnv(), Options: &github.Request{Repo: f.RepoURL(), AccessToken: token}})
	if err != nil || res.Data["branch"] != "master" || res.Documents[0].Title != "m.md" {
		t.Fatalf("no main: %+v, %v; want master", res, err)
	}
}

func TestErrors(t *testing.T) {
	f := smallRepo(t)
	c := newConnector()
	imp := func(r github.Request) error {
		res, err := c.Import(context.Background(), &anythingllm.ConnectorRequest{Env: testEnv(), Options: &r})
		if err != nil && res != nil {
			t.Errorf("a failed import returned a result")
		}
		return err
	}
	err := imp(github.Request{Repo: f.RepoURL(), AccessToken: "ghp_wrong_secret"})
	if !errors.Is(err, anythingllm.ErrPermissionDenied) || strings.Contains(err.Error(), "ghp_wrong_secret") {
		t.Errorf("bad token: %v", err)
	}
	if _, err := github.Branches(context.Background(), testEnv(), f.RepoURL(), "ghp_wrong_secret"); !errors.Is(err, anythingllm.ErrPermissionDenied) {
		t.Errorf("branches with a bad token: %v", err)
	}
	if err := imp(github.Request{Repo: f.URL + "/octo/missing", AccessToken: token}); !errors.Is(err, anythingllm.ErrNotFound) {
		t.Errorf("missing repo: %v", err)
	}
	if err := imp(github.Request{Repo: "https://github.com/octo"}); !errors.Is(err, anythingllm.ErrInvalidArgument) || !strings.Contains(err.Error(), "owner") {
		t.Errorf("bad URL: %v", err)
	}
	if err := imp(github.Request{Repo: f.RepoURL(), IgnorePaths: []string{"[unclosed"}}); !errors.Is(err, anythingllm.ErrInvalidArgument) {
		t.Errorf("bad glob: %v", err)
	}
	f.Throttle(1, http.StatusTooManyRequests, "0")
	if err := imp(github.Request{Repo: f.RepoURL(), AccessToken: token}); err != nil {
		t.Errorf("one 429 with Retry-After: 0 should be retried: %v", err)
	}
	f.Throttle(100, http.StatusTooManyRequests, "3600")
	start := time.Now()
	if err := imp(github.Request{Repo: f.RepoURL(), AccessToken: token}); !errors.Is(err, anythingllm.ErrRateLimited) {
		t.Errorf("429 with a long Retry-After: %v", err)
	}
	if time.Since(start) > 5*time.Second {
		t.Error("waited for a Retry-After beyond the bound")
	}
	f.Throttle(100, http.StatusInternalServerError, "")
	if err := imp(github.Request{Repo: f.RepoURL(), AccessToken: token}); !errors.Is(err, anythingllm.ErrUnavailable) {
		t.Errorf("500: %v", err)
	}
	f.Throttle(0, 0, "")
	f.FailPath("/raw/octo/hello/main/notes.txt", http.StatusBadGateway) // one file of four fails
	if err := imp(github.Request{Repo: f.RepoURL(), AccessToken: token}); !errors.Is(err, anythingllm.ErrUnavailable) {
		t.Errorf("one failing download: %v, want the whole import to fail", err)
	}
	f.FailPath("", 0)
	if _, err := c.Import(context.Background(), &anythingllm.ConnectorRequest{Env: testEnv(), Options: "repo"}); !errors.Is(err, anythingllm.ErrInvalidArgument) {
		t.Errorf("wrong options type: %v", err)
	}
}

func TestResyncSeesChangedContent(t *testing.T) {
	f := smallRepo(t)
	c := newConnector()
	env := testEnv()
	res, err := c.Import(context.Background(), &anythingllm.ConnectorRequest{Env: env, Options: &github.Request{Repo: f.RepoURL(), AccessToken: token}})
	if err != nil {
		t.Fatal(err)
	}
	cs := res.Documents[1].ChunkSource // docs/deep/nested.md
	text, err := c.Resync(context.Background(), env, cs)
	if err != nil || text != "deep text" {
		t.Fatalf("resync = %q, %v", text, err)
	}
	f.SetFile("main", "docs/deep/nested.md", "new deep text ✓ with a long enough body to wrap the base64 content over several lines of sixty chars")
	text, err = c.Resync(context.Background(), env, cs)
	if err != nil || !strings.HasPrefix(text, "new deep text ✓") {
		t.Fatalf("resync after change = %q, %v", text, err)
	}
	f.SetToken("rotated")
	if _, err := c.Resync(context.Background(), env, cs); !errors.Is(err, anythingllm.ErrPermissionDenied) {
		t.Errorf("resync with a revoked token: %v", err)
	}
	if _, err := c.Resync(context.Background(), env, "github://"+f.RepoURL()+"?payload=00ff:00"); !errors.Is(err, anythingllm.ErrInvalidArgument) {
		t.Errorf("damaged payload: %v", err)
	}
}

// TestResyncUpstreamPayload replays a chunkSource written as upstream does
// for a token-less import: pat is JSON null, or the string "null".
func TestResyncUpstreamPayload(t *testing.T) {
	f := smallRepo(t)
	f.SetToken("")
	for _, pat := range []any{nil, "null"} {
		cs, err := testCipher.Encode("github", f.RepoURL(), map[string]any{"owner": "octo", "project": "hello", "branch": "main", "path": "README.md", "pat": pat, "scheme": "http"})
		if err != nil {
			t.Fatal(err)
		}
		text, err := newConnector().Resync(context.Background(), testEnv(), cs)
		if err != nil || text != "# Hello world" {
			t.Fatalf("pat %v: %q, %v", pat, text, err)
		}
	}
	reqs := f.Requests()
	if len(reqs) != 2 || !strings.HasSuffix(reqs[0], "/api/v3/repos/octo/hello/contents/README.md?ref=main") {
		t.Errorf("requests = %v", reqs)
	}
}

type headerSpy struct {
	next http.RoundTripper
	auth []string
}

func (h *headerSpy) RoundTrip(r *http.Request) (*http.Response, error) {
	h.auth = append(h.auth, r.Header.Get("Authorization"))
	return h.next.RoundTrip(r)
}

func TestNullPatSendsNoAuthorization(t *testing.T) {
	f := smallRepo(t)
	spy := &headerSpy{next: http.DefaultTransport}
	env := testEnv()
	env.HTTP = &http.Client{Transport: spy}
	cs, _ := testCipher.Encode("github", f.RepoURL(), map[string]any{"owner": "octo", "project": "hello", "branch": "main", "path": "README.md", "pat": "null", "scheme": "http"})
	if _, err := newConnector().Resync(context.Background(), env, cs); err != nil {
		t.Fatal(err)
	}
	if len(spy.auth) != 1 || spy.auth[0] != "" {
		t.Errorf("Authorization headers = %q, want none", spy.auth)
	}
}

func TestURLGuardIsHonoured(t *testing.T) {
	f := smallRepo(t)
	env := testEnv()
	env.HTTP = safehttp.NewClient(nil)
	_, err := newConnector().Import(context.Background(), &anythingllm.ConnectorRequest{Env: env, Options: &github.Request{Repo: f.RepoURL(), AccessToken: token}})
	if !errors.Is(err, anythingllm.ErrPermissionDenied) || !errors.Is(err, safehttp.ErrBlocked) {
		t.Fatalf("loopback fake through the guard: %v, want blocked", err)
	}
	env.HTTP = safehttp.NewClient(&safehttp.Options{AllowedHosts: []string{"127.0.0.1"}})
	if _, err := newConnector().Import(context.Background(), &anythingllm.ConnectorRequest{Env: env, Options: &github.Request{Repo: f.RepoURL(), AccessToken: token}}); err != nil {
		t.Fatalf("with LINK_ALLOWED_HOSTS=127.0.0.1: %v", err)
	}
}
