package web_test

import (
	"context"
	"encoding/json"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/anythingllm-go/anythingllm/anythingllm"
	"github.com/anythingllm-go/anythingllm/connectors/internal/conntest"
	"github.com/anythingllm-go/anythingllm/connectors/web"
	"github.com/anythingllm-go/anythingllm/connectors/web/webfake"
)

func site(t *testing.T) *webfake.Server {
	s := webfake.New()
	t.Cleanup(s.Close)
	s.SetPage("/docs/intro", `<!DOCTYPE html><html><head><title>Intro</title><style>p{}</style></head><body>
<nav><a href="guide">Guide</a> | <a href="/docs/api#top">API</a> | <a href="#top">Top</a></nav>
<h1>Welcome</h1>
<p>This is   the
 intro.</p>
<script>var x = 1;</script>
<p style="display:none">hidden</p>
<ul><li>one</li><li>two</li></ul>
<table><tr><th>k</th><th>v</th></tr><tr><td>a</td><td>1</td></tr></table>
<a href="/blog/post">Blog</a> <a href="https://other.example/docs/x">Elsewhere</a>
<a href="/docs/missing">Missing</a> <a href="mailto:me@example.com">Mail</a>
</body></html>`)
	s.SetPage("/docs/guide", `<html><body><p>The guide.</p><a href="guide/deep">Deeper</a><a href="/docs/intro">Back</a></body></html>`)
	s.SetPage("/docs/guide/deep", `<html><body><p>Deep page.</p></body></html>`)
	s.SetPage("/docs/api", `<html><body><main><h2>API</h2><p>Endpoints.</p></main></body></html>`)
	s.SetPage("/blog/post", `<html><body><p>Blog, outside the scope.</p></body></html>`)
	return s
}

func newConnector() *web.Connector {
	return web.New(&web.Options{Now: conntest.Now, Sleep: conntest.NoSleep})
}

func ptr(n int) *int { return &n }

func crawl(t *testing.T, s *webfake.Server, depth, maxLinks *int) (*anythingllm.ConnectorResult, error) {
	return newConnector().Import(context.Background(), &anythingllm.ConnectorRequest{Env: conntest.Env(t),
		Options: &web.DepthRequest{URL: s.URL + "/docs/intro", Depth: depth, MaxLinks: maxLinks}})
}

func sources(res *anythingllm.ConnectorResult) []string {
	var out []string
	for _, d := range res.Documents {
		out = append(out, strings.TrimPrefix(d.ChunkSource, "link://"))
	}
	return out
}

func TestDepthOneDocumentsAndFields(t *testing.T) {
	s := site(t)
	res, err := crawl(t, s, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	base := s.URL
	if got, want := sources(res), []string{base + "/docs/intro", base + "/docs/guide", base + "/docs/api"}; !slices.Equal(got, want) {
		t.Errorf("pages = %q, want %q (same origin and parent path, fragments dropped, 404 skipped)", got, want)
	}
	u, _ := url.Parse(base)
	if want := "127.0.0.1-0000"; res.Folder != want || res.Data["destination"] != want {
		t.Errorf("folder = %q, data %v", res.Folder, res.Data)
	}
	slug := "127.0.0.1" + u.Port() + "_docs_intro"
	text := "Guide | API | Top\n\nWelcome\n\nThis is the intro.\n\none\ntwo\nk\tv\na\t1\nBlog Elsewhere Missing Mail"
	want := anythingllm.Document{
		ID: "00000002-0000-4000-8000-000000000000", URL: "file://" + slug + ".html", Title: slug + ".html",
		DocAuthor: "no author found", Description: "No description found.", DocSource: "URL link uploaded by the user.",
		ChunkSource: "link://" + base + "/docs/intro", Published: conntest.Published,
		WordCount: strings.Count(text, " ") + 1, PageContent: text, TokenCountEstimate: res.Documents[0].TokenCountEstimate,
	}
	if got := res.Documents[0]; got != want {
		t.Errorf("document\n got %+v\nwant %+v", got, want)
	}
	var fetchedIntro int
	for _, r := range s.Requests() {
		if r == "GET /docs/intro" {
			fetchedIntro++
		}
		if strings.HasPrefix(r, "GET /blog") || strings.HasPrefix(r, "GET /docs/guide/deep") {
			t.Errorf("fetched %s at depth 1", r)
		}
	}
	if fetchedIntro != 1 {
		t.Errorf("the start page was fetched %d times", fetchedIntro)
	}
}

func TestDepthAndMaxLinks(t *testing.T) {
	s := site(t)
	res, err := crawl(t, s, ptr(2), nil)
	if err != nil {
		t.Fatal(err)
	}
	base := s.URL
	if got, want := sources(res), []string{base + "/docs/intro", base + "/docs/guide", base + "/docs/api", base + "/docs/guide/deep"}; !slices.Equal(got, want) {
		t.Errorf("depth 2 pages = %q, want %q", got, want)
	}
	res, err = crawl(t, s, ptr(3), ptr(2))
	if err != nil {
		t.Fatal(err)
	}
	if got, want := sources(res), []string{base + "/docs/intro", base + "/docs/guide"}; !slices.Equal(got, want) {
		t.Errorf("maxLinks 2 pages = %q, want %q", got, want)
	}
}

func TestBadCrawlRequests(t *testing.T) {
	s := site(t)
	for name, r := range map[string]*web.DepthRequest{
		"no url":        {},
		"ftp":           {URL: "ftp://example.com/x"},
		"depth 0":       {URL: s.URL + "/docs/intro", Depth: ptr(0)},
		"depth 99":      {URL: s.URL + "/docs/intro", Depth: ptr(99)},
		"maxLinks 0":    {URL: s.URL + "/docs/intro", MaxLinks: ptr(0)},
		"maxLinks 1e6":  {URL: s.URL + "/docs/intro", MaxLinks: ptr(1_000_000)},
		"wrong request": nil,
	} {
		var opts any = r
		if r == nil {
			opts = 42
		}
		_, err := newConnector().Import(context.Background(), &anythingllm.ConnectorRequest{Env: conntest.Env(t), Options: opts})
		if anythingllm.Code(err) != anythingllm.InvalidArgument {
			t.Errorf("%s: err = %v, want InvalidArgument", name, err)
		}
	}
	_, err := newConnector().Import(context.Background(), &anythingllm.ConnectorRequest{Env: conntest.Env(t),
		Options: &web.DepthRequest{URL: s.URL + "/nothing-here"}})
	conntest.Code(t, err, anythingllm.NotFound)
}

func TestCrawlRateLimit(t *testing.T) {
	s := site(t)
	s.RateLimit(2, "0")
	if _, err := crawl(t, s, nil, nil); err != nil {
		t.Fatalf("crawl after two 429s: %v", err)
	}
	s.RateLimit(3, "0")
	_, err := crawl(t, s, nil, nil)
	conntest.Code(t, err, anythingllm.RateLimited)
}

func TestLinkResyncSeesChangesThroughTheCollector(t *testing.T) {
	s := site(t)
	c := newConnector()
	env := conntest.Env(t)
	src := "link://" + s.URL + "/docs/api"
	text, err := c.Resync(context.Background(), env, src)
	if err != nil || text != "## API\n\nEndpoints." {
		t.Fatalf("resync = %q, %v", text, err)
	}
	s.SetPage("/docs/api", `<html><body><main><h2>API v2</h2><p>New endpoints.</p></main></body></html>`)
	if text, err = c.Resync(context.Background(), env, src); err != nil || text != "## API v2\n\nNew endpoints." {
		t.Fatalf("resync after change = %q, %v", text, err)
	}
	// The same text a single-link import (upload-link) stores.
	res, err := c.Import(context.Background(), &anythingllm.ConnectorRequest{Env: env, Options: &web.LinkRequest{Link: s.URL + "/docs/api"}})
	if err != nil {
		t.Fatal(err)
	}
	if d := res.Documents[0]; d.PageContent != text || d.ChunkSource != src || res.Folder != "custom-documents" || d.Published != conntest.Published {
		t.Errorf("link import = %+v folder %q", d, res.Folder)
	}

	s.RemovePage("/docs/api")
	_, err = c.Resync(context.Background(), env, src)
	conntest.Code(t, err, anythingllm.NotFound)

	s.SetPage("/docs/api", `<p>back</p>`)
	s.RateLimit(1, "0")
	if text, err := c.Resync(context.Background(), env, src); err != nil || text != "back" {
		t.Errorf("resync after one 429 = %q, %v", text, err)
	}
	s.RateLimit(3, "0")
	_, err = c.Resync(context.Background(), env, src)
	conntest.Code(t, err, anythingllm.RateLimited)

	_, err = c.Resync(context.Background(), env, "youtube://x")
	conntest.Code(t, err, anythingllm.InvalidArgument)
}

func TestGuardedClientRefusesLoopbackSite(t *testing.T) {
	s := site(t)
	c := newConnector()
	_, err := c.Import(context.Background(), &anythingllm.ConnectorRequest{Env: conntest.GuardedEnv(t),
		Options: &web.DepthRequest{URL: s.URL + "/docs/intro"}})
	conntest.Code(t, err, anythingllm.PermissionDenied)
	_, err = c.Resync(context.Background(), conntest.GuardedEnv(t), "link://"+s.URL+"/docs/intro")
	conntest.Code(t, err, anythingllm.PermissionDenied)
	if n := len(s.Requests()); n != 0 {
		t.Errorf("the site saw %d requests", n)
	}
}

func TestDepthRequestDecodesUpstreamBody(t *testing.T) {
	var r web.DepthRequest
	if err := json.Unmarshal([]byte(`{"url":"https://x.com/docs","depth":2,"maxLinks":5}`), &r); err != nil {
		t.Fatal(err)
	}
	if r.URL != "https://x.com/docs" || r.Depth == nil || *r.Depth != 2 || r.MaxLinks == nil || *r.MaxLinks != 5 {
		t.Errorf("decoded %+v", r)
	}
}
