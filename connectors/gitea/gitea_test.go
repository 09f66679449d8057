package gitea_test

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
	"github.com/anythingllm-go/anythingllm/connectors/gitea"
	"github.com/anythingllm-go/anythingllm/connectors/payload"
	"github.com/anythingllm-go/anythingllm/connectors/repofake"
)

const token = "gitea-supersecret"

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
		NewID:  func() string { return fmt.Sprintf("cafe%04d-0000-4000-8000-000000000000", n.Add(1)) },
	}
}

func newConnector() *gitea.Connector {
	return gitea.New(&gitea.Options{Now: func() time.Time { return time.Date(2024, 1, 16, 15, 7, 0, 0, time.UTC) }, MaxRetryWait: 2 * time.Second})
}

func smallRepo(t *testing.T) *repofake.Gitea {
	f := repofake.NewGitea(t, "team", "tool")
	f.SetToken(token)
	f.SetDefaultBranch("trunk")
	f.DeleteBranch("main")
	f.SetFile("trunk", "README.md", "# Tool")
	f.SetFile("trunk", "cmd/tool/main.go", "package main")
	f.SetFile("trunk", "docs/a b.md", "space in name")
	f.SetFile("trunk", "vendor/x/y.go", "package y")
	f.SetFile("trunk", "img/shot.jpg", "\xff\xd8\xff\x00")
	return f
}

func TestImport(t *testing.T) {
	f := smallRepo(t)
	f.SetPageSize(3) // the tree (10 entries) spans 4 pages
	res, err := newConnector().Import(context.Background(), &anythingllm.ConnectorRequest{Env: testEnv(), Options: &gitea.Request{
		Repo: f.RepoURL() + ".git", AccessToken: token, Branch: "missing", IgnorePaths: []string{"vendor/**"},
	}})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, d := range res.Documents {
		got = append(got, d.Title)
	}
	if want := []string{"README.md", "cmd/tool/main.go", "docs/a b.md"}; !slices.Equal(got, want) {
		t.Fatalf("titles = %v, want %v", got, want)
	}
	if res.Data["branch"] != "trunk" || res.Folder != "team-tool-trunk-cafe" {
		t.Errorf("branch fallback to the default branch: %v %q", res.Data, res.Folder)
	}
	d := res.Documents[2]
	if d.URL != "gitea://docs/a b.md" || d.DocAuthor != "team" || d.DocSource != "docs/a b.md" || d.PageContent != "space in name" || d.Description != "No description found." {
		t.Errorf("document = %+v", d)
	}
	if !strings.HasPrefix(d.ChunkSource, "gitea://"+f.RepoURL()+"?payload=") {
		t.Errorf("chunkSource = %q", d.ChunkSource)
	}
	_, params, err := testCipher.Expand(d.ChunkSource)
	want := map[string]string{"owner": "team", "project": "tool", "branch": "trunk", "path": "docs/a b.md", "scheme": "http", "pat": token}
	if err != nil || fmt.Sprint(params) != fmt.Sprint(want) {
		t.Errorf("payload = %v, %v", params, err)
	}
	var sawEscaped bool
	for _, rq := range f.Requests() {
		sawEscaped = sawEscaped || strings.Contains(rq, "/raw/docs/a%20b.md?ref=trunk")
	}
	if !sawEscaped {
		t.Errorf("path segments not escaped: %v", f.Requests())
	}
}

func TestBranches(t *testing.T) {
	f := smallRepo(t)
	for _, b := range []string{"main", "dev", "master", "a"} {
		f.AddBranch(b)
	}
	f.SetPageSize(2)
	got, err := gitea.Branches(context.Background(), testEnv(), f.RepoURL(), token)
	if err != nil || !slices.Equal(got, []string{"main", "master", "a", "dev", "trunk"}) {
		t.Fatalf("branches = %v, %v", got, err)
	}
}

func TestErrors(t *testing.T) {
	f := smallRepo(t)
	imp := func(r gitea.Request) error {
		_, err := newConnector().Import(context.Background(), &anythingllm.ConnectorRequest{Env: testEnv(), Options: r})
		return err
	}
	if err := imp(gitea.Request{Repo: f.RepoURL(), AccessToken: "wrong-secret"}); !errors.Is(err, anythingllm.ErrPermissionDenied) || strings.Contains(err.Error(), "wrong-secret") {
		t.Errorf("bad token: %v", err)
	}
	if err := imp(gitea.Request{Repo: f.URL + "/team/none"}); !errors.Is(err, anythingllm.ErrNotFound) {
		t.Errorf("missing: %v", err)
	}
	if err := imp(gitea.Request{Repo: "gitea.example.com/team/tool"}); !errors.Is(err, anythingllm.ErrInvalidArgument) {
		t.Errorf("no scheme: %v", err)
	}
	f.Throttle(1, http.StatusTooManyRequests, "0")
	if err := imp(gitea.Request{Repo: f.RepoURL(), AccessToken: token}); err != nil {
		t.Errorf("429 once: %v", err)
	}
	f.Throttle(5, http.StatusTooManyRequests, "600")
	if err := imp(gitea.Request{Repo: f.RepoURL(), AccessToken: token}); !errors.Is(err, anythingllm.ErrRateLimited) {
		t.Errorf("429 long: %v", err)
	}
	f.Throttle(0, 0, "")
	f.SetPrivate(true)
	if err := imp(gitea.Request{Repo: f.RepoURL()}); !errors.Is(err, anythingllm.ErrNotFound) {
		t.Errorf("private without token: %v", err)
	}
}

func TestResync(t *testing.T) {
	f := smallRepo(t)
	c := newConnector()
	env := testEnv()
	res, err := c.Import(context.Background(), &anythingllm.ConnectorRequest{Env: env, Options: &gitea.Request{Repo: f.RepoURL(), AccessToken: token}})
	if err != nil {
		t.Fatal(err)
	}
	f.SetFile("trunk", "cmd/tool/main.go", "package main // v2")
	got, err := c.Resync(context.Background(), env, res.Documents[1].ChunkSource)
	if err != nil || got != "package main // v2" {
		t.Fatalf("resync = %q, %v", got, err)
	}
	f.SetFile("trunk", "cmd/tool/main.go", "")
	env.Cipher = nil
	if _, err := c.Resync(context.Background(), env, res.Documents[1].ChunkSource); !errors.Is(err, anythingllm.ErrFailedPrecondition) {
		t.Errorf("resync without a cipher: %v", err)
	}
}

func TestURLGuardIsHonoured(t *testing.T) {
	f := smallRepo(t)
	env := testEnv()
	env.HTTP = safehttp.NewClient(nil)
	if _, err := gitea.Branches(context.Background(), env, f.RepoURL(), token); !errors.Is(err, safehttp.ErrBlocked) {
		t.Fatalf("loopback through the guard: %v", err)
	}
}
