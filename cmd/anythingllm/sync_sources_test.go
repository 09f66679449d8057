package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/anythingllm-go/anythingllm/connectors/confluence/confluencefake"
	"github.com/anythingllm-go/anythingllm/connectors/drupalwiki/drupalwikifake"
	"github.com/anythingllm-go/anythingllm/connectors/repofake"
	"github.com/anythingllm-go/anythingllm/connectors/web/webfake"
	"github.com/anythingllm-go/anythingllm/connectors/youtube/youtubefake"
)

// syncSource is one source of TestSyncJobFromASecondProcessForEverySource:
// importDocs imports through the route and returns the documents to embed
// (the first is watched); change edits the watched document in the fake.
type syncSource struct {
	name       string // subtest and workspace name
	oldText    string // in the watched document before the change
	newText    string // after it
	keepText   string // in an unwatched document that must survive, if any
	importDocs func(t *testing.T, in *instance, key string) []string
	change     func()
}

// connectorImport posts an ext/<source> body and returns the docpaths in
// the folder it names (data.destination).
func connectorImport(t *testing.T, in *instance, key, path string, body map[string]any) []string {
	t.Helper()
	var out struct {
		Success bool
		Reason  string
		Data    struct{ Destination string }
	}
	if st := postJSON(t, in.url(path), key, body, &out); st != 200 || !out.Success || out.Data.Destination == "" {
		t.Fatalf("POST %s: %d %+v", path, st, out)
	}
	return folderDocpaths(t, in, key, out.Data.Destination)
}

// folderDocpaths lists a documents folder through GET /api/v1/documents and
// checks that live sync marks each document watchable.
func folderDocpaths(t *testing.T, in *instance, key, folder string) []string {
	t.Helper()
	st, body := get(t, in.url("/api/v1/documents"), "Bearer "+key)
	var listing struct {
		LocalFiles struct {
			Items []struct {
				Name  string
				Items []struct {
					Name     string
					CanWatch bool
				}
			}
		}
	}
	if err := json.Unmarshal([]byte(body), &listing); st != 200 || err != nil {
		t.Fatalf("documents: %d %v %s", st, err, body)
	}
	var docs []string
	for _, f := range listing.LocalFiles.Items {
		if f.Name != folder {
			continue
		}
		for _, it := range f.Items {
			docs = append(docs, folder+"/"+it.Name)
			if !it.CanWatch {
				t.Errorf("%s/%s: canWatch false", folder, it.Name)
			}
		}
	}
	return docs
}

func workspaceSearch(t *testing.T, in *instance, key, slug, q string) string {
	t.Helper()
	var out struct{ Results []struct{ Text string } }
	if st := postJSON(t, in.url("/api/v1/workspace/"+slug+"/vector-search"), key, map[string]any{"query": q, "topN": 50, "scoreThreshold": 0}, &out); st != 200 {
		t.Fatalf("vector-search in %s: %d", slug, st)
	}
	var b strings.Builder
	for _, r := range out.Results {
		b.WriteString(r.Text)
		b.WriteString("\n")
	}
	return b.String()
}

// TestSyncJobFromASecondProcessForEverySource: for every source, one
// running serve imports through the source's route (its fake on loopback,
// allowed by LINK_ALLOWED_HOSTS, tokens encrypted with SIG_KEY/SIG_SALT),
// embeds the documents into the source's own workspace and watches one;
// the fake changes; `anythingllm jobs sync-watched-documents --force` runs
// as a second process and re-embeds that document only (every document
// watched before it is unchanged); the server's search then finds the new
// text and not the old within seconds.
func TestSyncJobFromASecondProcessForEverySource(t *testing.T) {
	gh := repofake.NewGitHub(t, "octo", "hello")
	gh.SetToken("ghp_secret_token")
	gh.SetFile("main", "README.md", "The pelican guide explains old harbour tides.")

	gl := repofake.NewGitLab(t, "group", "proj")
	gl.SetToken("glpat-secret")
	gl.SetFile("main", "NOTES.md", "Remember the purple umbrella.")

	gt := repofake.NewGitea(t, "team", "tool")
	gt.SetToken("gitea-secret")
	gt.SetFile("main", "README.md", "The brass compass points north.")

	cf := confluencefake.New(confluencefake.Options{Cloud: true, Username: "me@example.com", Token: "api-token-123"})
	t.Cleanup(cf.Close)
	cfPage := cf.AddPage("ENG", "Runbook", "<p>Restart the ancient walrus server.</p>")

	dw := drupalwikifake.New("dw-token")
	t.Cleanup(dw.Close)
	dwPage := dw.AddPage(21, "Handbook", "<p>Feed the velvet hamster daily.</p>")

	yt := youtubefake.New()
	t.Cleanup(yt.Close)
	const vid = "dQw4w9WgXcQ"
	yt.AddVideo(youtubefake.Video{ID: vid, Title: "Harbour Tour", Author: "Sea Channel", Segments: []string{"welcome to the", "crimson jellyfish tank"}})

	site := webfake.New()
	t.Cleanup(site.Close)
	site.SetPage("/notes", "<html><body><p>The copper kettle whistles at dawn.</p></body></html>")
	site.SetPage("/guide", `<html><body><p>The hidden lagoon is calm.</p><a href="/guide/more">more</a></body></html>`)
	site.SetPage("/guide/more", `<html><body><p>The coral reef stays put.</p></body></html>`)

	sources := []syncSource{
		{name: "GitHub", oldText: "old harbour tides", newText: "new lighthouse beacons",
			importDocs: func(t *testing.T, in *instance, key string) []string {
				return connectorImport(t, in, key, "/api/ext/github/repo", map[string]any{"repo": gh.RepoURL(), "accessToken": "ghp_secret_token", "branch": "main"})
			},
			change: func() { gh.SetFile("main", "README.md", "The pelican guide explains new lighthouse beacons.") }},
		{name: "GitLab", oldText: "purple umbrella", newText: "orange raincoat",
			importDocs: func(t *testing.T, in *instance, key string) []string {
				return connectorImport(t, in, key, "/api/ext/gitlab/repo", map[string]any{"repo": gl.RepoURL(), "accessToken": "glpat-secret", "branch": "main"})
			},
			change: func() { gl.SetFile("main", "NOTES.md", "Remember the orange raincoat.") }},
		{name: "Gitea", oldText: "brass compass", newText: "steel sextant",
			importDocs: func(t *testing.T, in *instance, key string) []string {
				return connectorImport(t, in, key, "/api/v1/ext/gitea/repo", map[string]any{"repo": gt.RepoURL(), "accessToken": "gitea-secret", "branch": "main"})
			},
			change: func() { gt.SetFile("main", "README.md", "The steel sextant points north.") }},
		{name: "Confluence", oldText: "ancient walrus", newText: "modern penguin",
			importDocs: func(t *testing.T, in *instance, key string) []string {
				return connectorImport(t, in, key, "/api/ext/confluence", map[string]any{"baseUrl": cf.BaseURL(), "spaceKey": "ENG", "username": "me@example.com", "accessToken": "api-token-123", "cloud": true})
			},
			change: func() { cf.SetBody(cfPage, "<p>Restart the modern penguin server.</p>") }},
		{name: "DrupalWiki", oldText: "velvet hamster", newText: "woolly alpaca",
			importDocs: func(t *testing.T, in *instance, key string) []string {
				return connectorImport(t, in, key, "/api/ext/drupalwiki", map[string]any{"baseUrl": dw.URL, "spaceIds": "21", "accessToken": "dw-token"})
			},
			change: func() { dw.SetBody(dwPage, "<p>Feed the woolly alpaca daily.</p>") }},
		{name: "YouTube", oldText: "crimson jellyfish", newText: "golden seahorse",
			importDocs: func(t *testing.T, in *instance, key string) []string {
				// The URL names youtube.com; YOUTUBE_BASE_URL sends the
				// fetches (import and resync) to the fake.
				return connectorImport(t, in, key, "/api/ext/youtube/transcript", map[string]any{"url": "https://www.youtube.com/watch?v=" + vid})
			},
			change: func() { yt.SetTranscript(vid, "welcome to the", "golden seahorse tank") }},
		{name: "Link", oldText: "copper kettle", newText: "silver teapot",
			importDocs: func(t *testing.T, in *instance, key string) []string {
				var up struct {
					Success   bool
					Documents []struct{ Location string }
				}
				if st := postJSON(t, in.url("/api/v1/document/upload-link"), key, map[string]any{"link": site.URL + "/notes"}, &up); st != 200 || !up.Success || len(up.Documents) != 1 {
					t.Fatalf("upload-link: %d %+v", st, up)
				}
				return []string{up.Documents[0].Location}
			},
			change: func() { site.SetPage("/notes", "<html><body><p>The silver teapot hums at dusk.</p></body></html>") }},
		{name: "WebsiteDepth", oldText: "hidden lagoon", newText: "stormy harbour", keepText: "coral reef",
			importDocs: func(t *testing.T, in *instance, key string) []string {
				var out struct {
					Success bool
					Data    []struct{ Location, ChunkSource string }
				}
				if st := postJSON(t, in.url("/api/ext/website-depth"), key, map[string]any{"url": site.URL + "/guide", "depth": 2, "maxLinks": 5}, &out); st != 200 || !out.Success || len(out.Data) != 2 {
					t.Fatalf("website-depth: %d %+v", st, out)
				}
				var start, other []string
				for _, d := range out.Data { // the start page is watched
					if d.ChunkSource == "link://"+site.URL+"/guide" {
						start = append(start, d.Location)
					} else {
						other = append(other, d.Location)
					}
				}
				if len(start) != 1 {
					t.Fatalf("website-depth: no single document for the start page: %+v", out.Data)
				}
				return append(start, other...)
			},
			change: func() {
				site.SetPage("/guide", `<html><body><p>The stormy harbour is loud.</p><a href="/guide/more">more</a></body></html>`)
			}},
	}

	in := newInstance(t, "LINK_ALLOWED_HOSTS=127.0.0.1", "SIG_KEY=test-sig-key", "SIG_SALT=test-sig-salt", "YOUTUBE_BASE_URL="+yt.URL)
	key := in.createKey()
	in.start()
	var tog struct{ LiveSyncEnabled bool }
	if st := postJSON(t, in.url("/api/experimental/toggle-live-sync"), key, map[string]any{"updatedStatus": true}, &tog); st != 200 || !tog.LiveSyncEnabled {
		t.Fatalf("toggle-live-sync: %d %+v", st, tog)
	}

	for i, src := range sources {
		watched := i + 1 // documents watched once this source's is
		ok := t.Run(src.name, func(t *testing.T) {
			var ws struct{ Workspace struct{ Slug string } }
			if st := postJSON(t, in.url("/api/v1/workspace/new"), key, map[string]any{"name": src.name}, &ws); st != 200 || ws.Workspace.Slug == "" {
				t.Fatalf("workspace: %d %+v", st, ws)
			}
			slug := ws.Workspace.Slug
			docs := src.importDocs(t, in, key)
			if len(docs) == 0 || (src.keepText != "" && len(docs) < 2) {
				t.Fatalf("the import produced %v", docs)
			}
			if st := postJSON(t, in.url("/api/v1/workspace/"+slug+"/update-embeddings"), key, map[string]any{"adds": docs}, nil); st != 200 {
				t.Fatalf("update-embeddings: %d", st)
			}
			docpath := docs[0]
			if st := postJSON(t, in.url("/api/workspace/"+slug+"/update-watch-status"), key, map[string]any{"docPath": docpath, "watchStatus": true}, nil); st != 200 {
				t.Fatalf("update-watch-status: %d", st)
			}
			if got := workspaceSearch(t, in, key, slug, src.oldText); !strings.Contains(got, src.oldText) {
				t.Fatalf("before the change, search found %q", got)
			}

			src.change()
			out, stderr, err := in.cli("jobs", "sync-watched-documents", "--force")
			wantLine := fmt.Sprintf("%s: re-embedded in [%s]", docpath, slug)
			wantSum := fmt.Sprintf("%d documents: 1 re-embedded, %d unchanged, 0 failed", watched, watched-1)
			if err != nil || !strings.Contains(out, wantLine) || !strings.Contains(out, wantSum) {
				t.Fatalf("sync job: %v; want %q and %q in\n%s\n%s", err, wantLine, wantSum, out, stderr)
			}
			deadline := time.Now().Add(10 * time.Second)
			for {
				got := workspaceSearch(t, in, key, slug, src.newText)
				if strings.Contains(got, src.newText) && !strings.Contains(got, src.oldText) && strings.Contains(got, src.keepText) {
					break
				}
				if time.Now().After(deadline) {
					t.Fatalf("the running server's index did not follow the job within 10 s: want %q (and %q), not %q; found %q", src.newText, src.keepText, src.oldText, got)
				}
				time.Sleep(100 * time.Millisecond)
			}
		})
		if !ok {
			return // later sources count on every earlier one syncing cleanly
		}
	}

	// The job resynced the credentialed sources from tokens it decrypted
	// with SIG_KEY/SIG_SALT; none is stored in plaintext.
	err := filepath.Walk(in.storage, func(p string, info os.FileInfo, err error) error {
		if err != nil || info.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		for _, tok := range []string{"ghp_secret_token", "glpat-secret", "gitea-secret", "api-token-123", "dw-token"} {
			if bytes.Contains(b, []byte(tok)) {
				t.Errorf("the token %q is stored in plaintext in %s", tok, p)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
