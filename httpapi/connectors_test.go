package httpapi_test

import (
	"context"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/anythingllm-go/anythingllm/anythingllm"
	"github.com/anythingllm-go/anythingllm/connectors/all"
	"github.com/anythingllm-go/anythingllm/connectors/confluence/confluencefake"
	"github.com/anythingllm-go/anythingllm/connectors/payload"
	"github.com/anythingllm-go/anythingllm/connectors/repofake"
	"github.com/anythingllm-go/anythingllm/connectors/web/webfake"
	"github.com/anythingllm-go/anythingllm/connectors/youtube/youtubefake"
	"github.com/anythingllm-go/anythingllm/httpapi/httpapitest"
	"github.com/anythingllm-go/anythingllm/jobs"
)

var (
	cipherOnce sync.Once
	testCipher *payload.Cipher
)

func sigCipher(t *testing.T) *payload.Cipher {
	cipherOnce.Do(func() {
		var err error
		if testCipher, err = payload.NewCipher("test-sig-key", "test-sig-salt"); err != nil {
			panic(err)
		}
	})
	return testCipher
}

// syncEnv is a server whose connectors may reach the loopback fakes
// (LINK_ALLOWED_HOSTS), with a payload cipher and live sync turned on
// through its route.
func syncEnv(t *testing.T, youtubeURL string) *httpapitest.Env {
	t.Helper()
	env := httpapitest.New(t, &httpapitest.Options{Deps: ragDeps(), App: &anythingllm.Options{
		LinkAllowedHosts: []string{"127.0.0.1"},
		Connectors:       all.New(&all.Options{YouTubeBaseURL: youtubeURL}),
		PayloadCipher:    sigCipher(t),
	}})
	var tog struct{ LiveSyncEnabled bool }
	if st := env.DoJSON(t, "POST", "/api/experimental/toggle-live-sync", map[string]any{"updatedStatus": true}, &tog); st != 200 || !tog.LiveSyncEnabled {
		t.Fatalf("toggle-live-sync: %d %+v", st, tog)
	}
	var ws struct{ Workspace struct{ Slug string } }
	if st := env.DoJSON(t, "POST", "/api/v1/workspace/new", map[string]any{"name": "Sync"}, &ws); st != 200 || ws.Workspace.Slug != "sync" {
		t.Fatalf("workspace: %d %+v", st, ws)
	}
	return env
}

type connectorOut struct {
	Success bool
	Reason  *string
	Data    map[string]any
}

// folderDocs lists the docpaths in a documents folder.
func folderDocs(t *testing.T, env *httpapitest.Env, folder string) []string {
	t.Helper()
	tree, err := env.App.ListDocuments(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, f := range tree.Items {
		if f.Name != folder {
			continue
		}
		for _, it := range f.Items {
			out = append(out, folder+"/"+it.Name)
			if !it.CanWatch {
				t.Errorf("%s/%s: canWatch false, want true (chunkSource %q, title %q)", folder, it.Name, it.ChunkSource, it.Title)
			}
		}
	}
	return out
}

// embedWatchChangeSync is the whole live-sync story through the routes:
// embed docpath, watch it, change the source (change), sync with Force,
// and search: the new text is found and the old one is gone.
func embedWatchChangeSync(t *testing.T, env *httpapitest.Env, docpath, oldText, newText string, change func()) {
	t.Helper()
	if st := env.DoJSON(t, "POST", "/api/v1/workspace/sync/update-embeddings", map[string]any{"adds": []string{docpath}}, nil); st != 200 {
		t.Fatalf("update-embeddings: %d", st)
	}
	if hits := syncSearch(t, env, oldText); !anyContains(hits, oldText) {
		t.Fatalf("before the change, search for %q found %q", oldText, hits)
	}
	resp := env.Do(t, "POST", "/api/v1/workspace/sync/update-watch-status", map[string]any{"docPath": docpath, "watchStatus": true})
	if body := httpapitest.Body(t, resp); resp.StatusCode != 200 || body != "" {
		t.Fatalf("update-watch-status: %d %q", resp.StatusCode, body)
	}
	var listing struct {
		LocalFiles struct {
			Items []struct {
				Name  string
				Items []struct {
					Name              string
					CanWatch, Watched bool
				}
			}
		}
	}
	if st := env.DoJSON(t, "GET", "/api/v1/documents", nil, &listing); st != 200 {
		t.Fatalf("documents: %d", st)
	}
	seen := false
	for _, f := range listing.LocalFiles.Items {
		for _, it := range f.Items {
			if f.Name+"/"+it.Name == docpath {
				seen = it.CanWatch && it.Watched
			}
		}
	}
	if !seen {
		t.Fatalf("GET /api/v1/documents does not show %s as canWatch and watched: %+v", docpath, listing)
	}
	var qs struct {
		Queues []struct {
			ID           int64
			WorkspaceDoc struct {
				Docpath   string
				Watched   bool
				Workspace struct{ Slug string }
			}
		}
	}
	if st := env.DoJSON(t, "GET", "/api/v1/experimental/live-sync/queues", nil, &qs); st != 200 || len(qs.Queues) != 1 ||
		qs.Queues[0].WorkspaceDoc.Docpath != docpath || !qs.Queues[0].WorkspaceDoc.Watched || qs.Queues[0].WorkspaceDoc.Workspace.Slug != "sync" {
		t.Fatalf("queues: %d %+v", st, qs)
	}
	// Not stale yet: a normal run does nothing.
	sum, err := jobs.SyncWatchedDocuments(context.Background(), env.App, nil)
	if err != nil || sum.Total != 0 {
		t.Fatalf("unforced sync of a fresh queue: %+v, %v", sum, err)
	}
	// Unchanged source: no re-embed.
	sum, err = jobs.SyncWatchedDocuments(context.Background(), env.App, &jobs.SyncOptions{Force: true})
	if err != nil || sum.Unchanged != 1 || sum.Reembedded != 0 {
		t.Fatalf("sync of an unchanged source: %+v %+v, %v", sum, sum.Items, err)
	}
	change()
	sum, err = jobs.SyncWatchedDocuments(context.Background(), env.App, &jobs.SyncOptions{Force: true})
	if err != nil || sum.Reembedded != 1 || len(sum.Items) != 1 || strings.Join(sum.Items[0].WorkspacesModified, ",") != "sync" {
		t.Fatalf("sync of a changed source: %+v, %v", sum, err)
	}
	hits := syncSearch(t, env, newText)
	if !anyContains(hits, newText) {
		t.Fatalf("after the sync, search for %q found %q", newText, hits)
	}
	if all := syncSearch(t, env, oldText); anyContains(all, oldText) {
		t.Fatalf("after the sync, the old text %q is still indexed: %q", oldText, all)
	}
	doc, err := env.App.LoadDocument(context.Background(), docpath)
	if err != nil || !strings.Contains(doc.PageContent, newText) {
		t.Fatalf("document file after the sync: %v %+v", err, doc)
	}
}

func syncSearch(t *testing.T, env *httpapitest.Env, q string) []string {
	t.Helper()
	var out struct{ Results []struct{ Text string } }
	if st := env.DoJSON(t, "POST", "/api/v1/workspace/sync/vector-search", map[string]any{"query": q, "topN": 50, "scoreThreshold": 0}, &out); st != 200 {
		t.Fatalf("vector-search: %d", st)
	}
	var texts []string
	for _, r := range out.Results {
		texts = append(texts, r.Text)
	}
	return texts
}

func anyContains(texts []string, s string) bool {
	for _, t := range texts {
		if strings.Contains(t, s) {
			return true
		}
	}
	return false
}

func TestLiveSyncGitHub(t *testing.T) {
	gh := repofake.NewGitHub(t, "octo", "hello")
	gh.SetToken("ghp_secret_token")
	gh.SetFile("main", "README.md", "The pelican guide explains old harbour tides.")
	env := syncEnv(t, "")

	var br struct {
		Success bool
		Data    struct{ Branches []string }
	}
	if st := env.DoJSON(t, "POST", "/api/ext/github/branches", map[string]any{"repo": gh.RepoURL(), "accessToken": "ghp_secret_token"}, &br); st != 200 || !br.Success || len(br.Data.Branches) == 0 || br.Data.Branches[0] != "main" {
		t.Fatalf("branches: %d %+v", st, br)
	}
	var out connectorOut
	if st := env.DoJSON(t, "POST", "/api/v1/ext/github/repo", map[string]any{"repo": gh.RepoURL(), "accessToken": "ghp_secret_token", "branch": "main"}, &out); st != 200 || !out.Success {
		t.Fatalf("repo import: %d %+v", st, out)
	}
	folder, _ := out.Data["destination"].(string)
	docs := folderDocs(t, env, folder)
	if len(docs) != 1 {
		t.Fatalf("folder %q holds %v", folder, docs)
	}
	d, _ := env.App.LoadDocument(context.Background(), docs[0])
	if strings.Contains(d.ChunkSource, "ghp_secret_token") || !strings.Contains(d.ChunkSource, "?payload=") {
		t.Fatalf("chunkSource must carry the token encrypted only: %q", d.ChunkSource)
	}
	embedWatchChangeSync(t, env, docs[0], "old harbour tides", "new lighthouse beacons", func() {
		gh.SetFile("main", "README.md", "The pelican guide explains new lighthouse beacons.")
	})
}

func TestLiveSyncConfluence(t *testing.T) {
	srv := confluencefake.New(confluencefake.Options{Cloud: true, Username: "me@example.com", Token: "api-token-123"})
	t.Cleanup(srv.Close)
	id := srv.AddPage("ENG", "Runbook", "<p>Restart the ancient walrus server.</p>")
	env := syncEnv(t, "")
	var out connectorOut
	if st := env.DoJSON(t, "POST", "/api/ext/confluence", map[string]any{"baseUrl": srv.BaseURL(), "spaceKey": "ENG", "username": "me@example.com", "accessToken": "api-token-123", "cloud": true}, &out); st != 200 || !out.Success || out.Data["spaceKey"] != "ENG" {
		t.Fatalf("confluence import: %d %+v", st, out)
	}
	docs := folderDocs(t, env, out.Data["destination"].(string))
	if len(docs) != 1 {
		t.Fatalf("docs: %v", docs)
	}
	embedWatchChangeSync(t, env, docs[0], "ancient walrus", "modern penguin", func() {
		srv.SetBody(id, "<p>Restart the modern penguin server.</p>")
	})
}

func TestLiveSyncYouTube(t *testing.T) {
	yt := youtubefake.New()
	t.Cleanup(yt.Close)
	const vid = "dQw4w9WgXcQ"
	yt.AddVideo(youtubefake.Video{ID: vid, Title: "Harbour Tour", Author: "Sea Channel", Segments: []string{"welcome to the", "crimson jellyfish tank"}})
	env := syncEnv(t, yt.URL)
	var out connectorOut
	if st := env.DoJSON(t, "POST", "/api/ext/youtube/transcript", map[string]any{"url": "https://www.youtube.com/watch?v=" + vid}, &out); st != 200 || !out.Success || out.Data["title"] != "Harbour Tour" {
		t.Fatalf("youtube import: %d %+v", st, out)
	}
	docs := folderDocs(t, env, out.Data["destination"].(string))
	if len(docs) != 1 {
		t.Fatalf("docs: %v", docs)
	}
	embedWatchChangeSync(t, env, docs[0], "crimson jellyfish", "golden seahorse", func() {
		yt.SetTranscript(vid, "welcome to the", "golden seahorse tank")
	})
}

func TestLiveSyncUploadLink(t *testing.T) {
	site := webfake.New()
	t.Cleanup(site.Close)
	site.SetPage("/news", "<html><head><title>News</title></head><body><p>The quiet volcano slept.</p></body></html>")
	env := syncEnv(t, "")
	st, out := linkUpload(t, env, site.URL+"/news")
	if st != 200 || !out.Success || len(out.Documents) != 1 {
		t.Fatalf("upload-link: %d %+v", st, out)
	}
	docpath := out.Documents[0].Location
	folderDocs(t, env, "custom-documents") // canWatch on the link document
	embedWatchChangeSync(t, env, docpath, "quiet volcano", "roaring glacier", func() {
		site.SetPage("/news", "<html><head><title>News</title></head><body><p>The roaring glacier woke.</p></body></html>")
	})
}

func TestWebsiteDepthRoute(t *testing.T) {
	site := webfake.New()
	t.Cleanup(site.Close)
	site.SetPage("/docs/", `<html><body><p>Index page</p><a href="/docs/a">a</a></body></html>`)
	site.SetPage("/docs/a", `<html><body><p>Page A about otters</p></body></html>`)
	env := syncEnv(t, "")
	var out struct {
		Success bool
		Data    []struct{ Location, PageContent, ChunkSource string }
	}
	if st := env.DoJSON(t, "POST", "/api/v1/ext/website-depth", map[string]any{"url": site.URL + "/docs/", "depth": 2, "maxLinks": 5}, &out); st != 200 || !out.Success || len(out.Data) != 2 {
		t.Fatalf("website-depth: %d %+v", st, out)
	}
	for _, d := range out.Data {
		if !strings.HasPrefix(d.ChunkSource, "link://") || d.Location == "" || d.PageContent == "" {
			t.Fatalf("website-depth document: %+v", d)
		}
	}
}

func TestConnectorErrorsNameTheCauseAndWriteNothing(t *testing.T) {
	gh := repofake.NewGitHub(t, "octo", "hello")
	gh.SetToken("ghp_right")
	gh.SetPrivate(true)
	gh.SetFile("main", "README.md", "x")
	env := syncEnv(t, "")
	before, _ := env.App.ListDocuments(context.Background())
	for _, tc := range []struct {
		path   string
		body   map[string]any
		status int
		want   string
	}{
		{"/api/ext/svn/branches", map[string]any{"repo": "https://example.com/a/b"}, 400, "Unknown repository provider"},
		{"/api/ext/github/repo", map[string]any{"repo": "not a url"}, 400, ""},
		{"/api/ext/github/repo", map[string]any{"repo": gh.RepoURL(), "accessToken": "ghp_wrong_token_value"}, 403, ""},
		{"/api/ext/confluence", map[string]any{"baseUrl": "https://example.atlassian.net", "spaceKey": "bad key!", "username": "u", "accessToken": "t"}, 400, "spaceKey"},
		{"/api/ext/youtube/transcript", map[string]any{"url": "https://vimeo.com/1"}, 400, "YouTube"},
	} {
		var out struct {
			Success bool
			Reason  string
			Error   string
		}
		st := env.DoJSON(t, "POST", tc.path, tc.body, &out)
		if st != tc.status || out.Success || out.Reason == "" || !strings.Contains(out.Reason, tc.want) || strings.Contains(out.Reason, "ghp_wrong") {
			t.Errorf("%s %v: %d %+v", tc.path, tc.body, st, out)
		}
	}
	// A private address is refused by the URL guard without the allow-list.
	guarded := httpapitest.New(t, &httpapitest.Options{Deps: ragDeps(), App: &anythingllm.Options{Connectors: all.New(nil)}})
	var out struct {
		Success bool
		Reason  string
	}
	if st := guarded.DoJSON(t, "POST", "/api/ext/github/branches", map[string]any{"repo": gh.RepoURL()}, &out); st != 403 || out.Success {
		t.Errorf("loopback repo without LINK_ALLOWED_HOSTS: %d %+v", st, out)
	}
	after, _ := env.App.ListDocuments(context.Background())
	if len(after.Items) != len(before.Items) {
		t.Errorf("failed imports left folders behind: %+v", after.Items)
	}
}

func TestLiveSyncGates(t *testing.T) {
	env := httpapitest.New(t, &httpapitest.Options{Deps: ragDeps()})
	for _, p := range []string{"/api/experimental/live-sync/queues", "/api/v1/experimental/live-sync/queues"} {
		if st := env.DoJSON(t, "GET", p, nil, nil); st != http.StatusUnauthorized {
			t.Errorf("%s while live sync is off: %d, want 401", p, st)
		}
	}
	if st := env.DoJSON(t, "POST", "/api/workspace/x/update-watch-status", map[string]any{"docPath": "a/b.json", "watchStatus": true}, nil); st != http.StatusUnauthorized {
		t.Errorf("update-watch-status while off: %d", st)
	}
	env.DoJSON(t, "POST", "/api/experimental/toggle-live-sync", map[string]any{"updatedStatus": true}, nil)
	env.DoJSON(t, "POST", "/api/v1/workspace/new", map[string]any{"name": "W"}, nil)
	if st := env.DoJSON(t, "POST", "/api/workspace/w/update-watch-status", map[string]any{"docPath": "custom-documents/nope.json", "watchStatus": true}, nil); st != 404 {
		t.Errorf("watching a document the workspace lacks: %d, want 404", st)
	}
	if st := env.DoJSON(t, "POST", "/api/ext/github/branches", map[string]any{"repo": "https://github.com/a/b"}, nil); st != 501 {
		t.Errorf("no connectors configured: %d, want 501", st)
	}
	// Multi-user: a default user's key may not manage connectors or the
	// flag; a manager's may watch but not toggle; a system key may.
	ctx := context.Background()
	if _, err := env.App.EnableMultiUser(ctx, "admin", "password123"); err != nil {
		t.Fatal(err)
	}
	keyOf := func(name, role string) string {
		u, err := env.App.CreateUser(ctx, &anythingllm.NewUserRequest{Username: name, Password: "password123", Role: role})
		if err != nil {
			t.Fatal(err)
		}
		_, secret, err := env.App.CreateAPIKey(ctx, &anythingllm.CreateAPIKeyRequest{Name: name, CreatedBy: &u.ID})
		if err != nil {
			t.Fatal(err)
		}
		return secret
	}
	as := func(key, method, path string, body any) int {
		resp := env.DoWith(t, method, path, body, http.Header{"Authorization": {"Bearer " + key}})
		httpapitest.Body(t, resp)
		return resp.StatusCode
	}
	plain, manager := keyOf("plain", "default"), keyOf("boss", "manager")
	if st := as(plain, "POST", "/api/ext/youtube/transcript", map[string]any{"url": "https://youtu.be/dQw4w9WgXcQ"}); st != 401 {
		t.Errorf("default user on ext/youtube: %d, want 401", st)
	}
	if st := as(manager, "POST", "/api/experimental/toggle-live-sync", map[string]any{"updatedStatus": false}); st != 401 {
		t.Errorf("manager toggling live sync: %d, want 401", st)
	}
	if st := as(manager, "POST", "/api/workspace/w/update-watch-status", map[string]any{"docPath": "custom-documents/nope.json", "watchStatus": true}); st != 404 {
		t.Errorf("manager watching: %d, want 404 (allowed, document missing)", st)
	}
	if st := as(env.Key, "POST", "/api/experimental/toggle-live-sync", map[string]any{"updatedStatus": false}); st != 200 {
		t.Errorf("system key toggling live sync: %d, want 200", st)
	}
}
