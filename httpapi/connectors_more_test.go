package httpapi_test

import (
	"context"
	"strings"
	"testing"

	"github.com/anythingllm-go/anythingllm/connectors/drupalwiki/drupalwikifake"
	"github.com/anythingllm-go/anythingllm/connectors/repofake"
	"github.com/anythingllm-go/anythingllm/connectors/web/webfake"
)

func TestLiveSyncGitLab(t *testing.T) {
	gl := repofake.NewGitLab(t, "group", "proj")
	gl.SetToken("glpat-secret")
	gl.SetFile("main", "NOTES.md", "Remember the purple umbrella.")
	env := syncEnv(t, "")
	var out connectorOut
	if st := env.DoJSON(t, "POST", "/api/ext/gitlab/repo", map[string]any{"repo": gl.RepoURL(), "accessToken": "glpat-secret", "branch": "main"}, &out); st != 200 || !out.Success {
		t.Fatalf("gitlab import: %d %+v", st, out)
	}
	docs := folderDocs(t, env, out.Data["destination"].(string))
	if len(docs) != 1 {
		t.Fatalf("docs: %v", docs)
	}
	embedWatchChangeSync(t, env, docs[0], "purple umbrella", "orange raincoat", func() {
		gl.SetFile("main", "NOTES.md", "Remember the orange raincoat.")
	})
}

func TestLiveSyncGitea(t *testing.T) {
	gt := repofake.NewGitea(t, "team", "tool")
	gt.SetToken("gitea-secret")
	gt.SetFile("main", "README.md", "The brass compass points north.")
	env := syncEnv(t, "")
	var out connectorOut
	if st := env.DoJSON(t, "POST", "/api/v1/ext/gitea/repo", map[string]any{"repo": gt.RepoURL(), "accessToken": "gitea-secret", "branch": "main"}, &out); st != 200 || !out.Success {
		t.Fatalf("gitea import: %d %+v", st, out)
	}
	docs := folderDocs(t, env, out.Data["destination"].(string))
	if len(docs) != 1 {
		t.Fatalf("docs: %v", docs)
	}
	embedWatchChangeSync(t, env, docs[0], "brass compass", "steel sextant", func() {
		gt.SetFile("main", "README.md", "The steel sextant points north.")
	})
}

func TestLiveSyncDrupalWiki(t *testing.T) {
	dw := drupalwikifake.New("dw-token")
	t.Cleanup(dw.Close)
	id := dw.AddPage(21, "Handbook", "<p>Feed the velvet hamster daily.</p>")
	env := syncEnv(t, "")
	var out connectorOut
	if st := env.DoJSON(t, "POST", "/api/ext/drupalwiki", map[string]any{"baseUrl": dw.URL, "spaceIds": "21", "accessToken": "dw-token"}, &out); st != 200 || !out.Success {
		t.Fatalf("drupalwiki import: %d %+v", st, out)
	}
	dest, _ := out.Data["destination"].(string)
	docs := folderDocs(t, env, dest)
	if len(docs) != 1 {
		t.Fatalf("docs in %q: %v", dest, docs)
	}
	embedWatchChangeSync(t, env, docs[0], "velvet hamster", "woolly alpaca", func() {
		dw.SetBody(id, "<p>Feed the woolly alpaca daily.</p>")
	})
}

func TestLiveSyncWebsiteDepth(t *testing.T) {
	site := webfake.New()
	t.Cleanup(site.Close)
	site.SetPage("/guide", `<html><body><p>The hidden lagoon is calm.</p></body></html>`)
	env := syncEnv(t, "")
	var out struct {
		Success bool
		Data    []struct{ Location string }
	}
	if st := env.DoJSON(t, "POST", "/api/ext/website-depth", map[string]any{"url": site.URL + "/guide", "depth": 1}, &out); st != 200 || !out.Success || len(out.Data) != 1 {
		t.Fatalf("website-depth: %d %+v", st, out)
	}
	docpath := out.Data[0].Location
	folderDocs(t, env, docpath[:strings.Index(docpath, "/")])
	embedWatchChangeSync(t, env, docpath, "hidden lagoon", "stormy harbour", func() {
		site.SetPage("/guide", `<html><body><p>The stormy harbour is loud.</p></body></html>`)
	})
	if _, err := env.App.LoadDocument(context.Background(), docpath); err != nil {
		t.Fatal(err)
	}
}
