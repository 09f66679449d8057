package drupalwiki_test

import (
	"context"
	"encoding/json"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/anythingllm-go/anythingllm/anythingllm"
	"github.com/anythingllm-go/anythingllm/connectors/drupalwiki"
	"github.com/anythingllm-go/anythingllm/connectors/drupalwiki/drupalwikifake"
	"github.com/anythingllm-go/anythingllm/connectors/internal/conntest"
)

const token = "drupal-token-42"

func newConnector(pageSize int) *drupalwiki.Connector {
	return drupalwiki.New(&drupalwiki.Options{Now: conntest.Now, Sleep: conntest.NoSleep, PageSize: pageSize})
}

func fake(t *testing.T) *drupalwikifake.Server {
	srv := drupalwikifake.New(token)
	t.Cleanup(srv.Close)
	return srv
}

func TestImportDocumentsIDsFolderAndPayload(t *testing.T) {
	srv := fake(t)
	p1 := srv.AddPage(21, "Welcome", "<h2>Hi</h2><p>Read <a href=\"/node/9\">this</a>.</p>")
	p2 := srv.AddPage(56, "Only a title", "")
	srv.AddPage(56, "", "  ")
	srv.AddPage(99, "Other space", "<p>no</p>")
	env := conntest.Env(t)
	res, err := newConnector(0).Import(context.Background(), &anythingllm.ConnectorRequest{Env: env, Options: &drupalwiki.Request{
		BaseURL: srv.URL + "/", SpaceIDs: "21, 56", AccessToken: token,
	}})
	if err != nil {
		t.Fatal(err)
	}
	if res.Folder != "drupalwiki-127.0.0.1" || res.Data["destination"] != res.Folder || res.Data["spaceIds"] != "21, 56" {
		t.Errorf("folder %q data %v", res.Folder, res.Data)
	}
	if len(res.Documents) != 2 {
		t.Fatalf("got %d documents, want 2", len(res.Documents))
	}
	base := srv.URL
	d := res.Documents[0]
	text := "Link/URL: " + base + "/node/" + strconv.Itoa(p1) + "\n\n## Hi\n\nRead [this](/node/9)."
	want := anythingllm.Document{
		ID:  "127.0.0.1.21." + strconv.Itoa(p1) + "." + strconv.FormatInt(srv.LastModified(p1), 10),
		URL: "drupalwiki://" + base + "/node/" + strconv.Itoa(p1), Title: "Welcome", DocAuthor: base,
		Description: "Welcome", DocSource: base + " DrupalWiki", ChunkSource: d.ChunkSource,
		Published: conntest.Published, WordCount: strings.Count(text, " ") + 1, PageContent: text,
		TokenCountEstimate: d.TokenCountEstimate,
	}
	if d != want {
		t.Errorf("document\n got %+v\nwant %+v", d, want)
	}
	if d.TokenCountEstimate <= 0 {
		t.Errorf("token_count_estimate = %d", d.TokenCountEstimate)
	}
	if got := res.Documents[1]; got.PageContent != "Link/URL: "+base+"/node/"+strconv.Itoa(p2)+"\n\nOnly a title" || !strings.HasPrefix(got.ID, "127.0.0.1.56.") {
		t.Errorf("title-only page = %+v", got)
	}
	prefix := "drupalwiki://" + base + "/node/" + strconv.Itoa(p1) + "?payload="
	if !strings.HasPrefix(d.ChunkSource, prefix) || strings.Contains(d.ChunkSource, token) {
		t.Fatalf("chunkSource = %q", d.ChunkSource)
	}
	plain, err := env.Cipher.Decrypt(strings.TrimPrefix(d.ChunkSource, prefix))
	if err != nil {
		t.Fatal(err)
	}
	if want := `{"baseUrl":"` + base + `","pageId":` + strconv.Itoa(p1) + `,"accessToken":"` + token + `"}`; plain != want {
		t.Errorf("payload = %s, want %s", plain, want)
	}
}

func TestIndexPaginationUntilLast(t *testing.T) {
	srv := fake(t)
	for i := range 5 {
		srv.AddPage(7, "P"+strconv.Itoa(i), "<p>body "+strconv.Itoa(i)+"</p>")
	}
	res, err := newConnector(2).Import(context.Background(), &anythingllm.ConnectorRequest{Env: conntest.Env(t), Options: drupalwiki.Request{
		BaseURL: srv.URL, SpaceIDs: "7", AccessToken: token,
	}})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Documents) != 5 {
		t.Fatalf("documents = %d", len(res.Documents))
	}
	var index []string
	for _, r := range srv.Requests() {
		if strings.Contains(r, "space=") {
			index = append(index, r)
		}
	}
	want := []string{
		"GET /api/rest/scope/api/page?size=2&space=7&page=0",
		"GET /api/rest/scope/api/page?size=2&space=7&page=1",
		"GET /api/rest/scope/api/page?size=2&space=7&page=2",
	}
	if !slices.Equal(index, want) {
		t.Errorf("index requests %q, want %q", index, want)
	}
}

func TestResyncSeesChangeAndDeletion(t *testing.T) {
	srv := fake(t)
	id := srv.AddPage(21, "Doc", "<p>version one</p>")
	env := conntest.Env(t)
	c := newConnector(0)
	res, err := c.Import(context.Background(), &anythingllm.ConnectorRequest{Env: env, Options: &drupalwiki.Request{BaseURL: srv.URL, SpaceIDs: "21", AccessToken: token}})
	if err != nil {
		t.Fatal(err)
	}
	src := res.Documents[0].ChunkSource
	srv.SetBody(id, "<p>version two</p>")
	text, err := c.Resync(context.Background(), env, src)
	if want := "Link/URL: " + srv.URL + "/node/" + strconv.Itoa(id) + "\n\nversion two"; err != nil || text != want {
		t.Fatalf("resync = %q, %v; want %q", text, err, want)
	}
	srv.DeletePage(id)
	_, err = c.Resync(context.Background(), env, src)
	conntest.Code(t, err, anythingllm.NotFound)
}

func TestFailures(t *testing.T) {
	srv := fake(t)
	srv.AddPage(21, "Doc", "<p>x</p>")
	c := newConnector(0)
	imp := func(req drupalwiki.Request) error {
		_, err := c.Import(context.Background(), &anythingllm.ConnectorRequest{Env: conntest.Env(t), Options: req})
		return err
	}
	ok := drupalwiki.Request{BaseURL: srv.URL, SpaceIDs: "21", AccessToken: token}

	bad := ok
	bad.AccessToken = "nope-secret"
	err := imp(bad)
	conntest.Code(t, err, anythingllm.PermissionDenied)
	if strings.Contains(err.Error(), "nope-secret") {
		t.Errorf("error leaks the token: %v", err)
	}

	srv.RateLimit(2, "0")
	if err := imp(ok); err != nil {
		t.Errorf("import after two 429s: %v", err)
	}
	srv.RateLimit(3, "0") // all three attempts
	conntest.Code(t, imp(ok), anythingllm.RateLimited)
	srv.FailNext(3, 502)
	conntest.Code(t, imp(ok), anythingllm.Unavailable)

	for name, r := range map[string]drupalwiki.Request{
		"no base":    {SpaceIDs: "1", AccessToken: "t"},
		"bad base":   {BaseURL: "wiki.example.com", SpaceIDs: "1", AccessToken: "t"},
		"bad spaces": {BaseURL: "https://w.example.com", SpaceIDs: "21,abc", AccessToken: "t"},
		"no spaces":  {BaseURL: "https://w.example.com", AccessToken: "t"},
		"no token":   {BaseURL: "https://w.example.com", SpaceIDs: "1"},
	} {
		if err := imp(r); anythingllm.Code(err) != anythingllm.InvalidArgument {
			t.Errorf("%s: err = %v, want InvalidArgument", name, err)
		}
	}
	if err := imp(drupalwiki.Request{BaseURL: "https://w.example.com", SpaceIDs: "21,abc", AccessToken: "t"}); !strings.Contains(anythingllm.ErrorMessage(err), "spaceIds") {
		t.Errorf("bad spaceIds error does not name them: %v", err)
	}
	conntest.Code(t, imp(drupalwiki.Request{BaseURL: srv.URL, SpaceIDs: "404", AccessToken: token}), anythingllm.NotFound)
}

func TestGuardedClientRefusesLoopbackFake(t *testing.T) {
	srv := fake(t)
	srv.AddPage(21, "Doc", "<p>x</p>")
	_, err := newConnector(0).Import(context.Background(), &anythingllm.ConnectorRequest{Env: conntest.GuardedEnv(t),
		Options: &drupalwiki.Request{BaseURL: srv.URL, SpaceIDs: "21", AccessToken: token}})
	conntest.Code(t, err, anythingllm.PermissionDenied)
	if n := len(srv.Requests()); n != 0 {
		t.Errorf("the fake saw %d requests", n)
	}
}

func TestRequestDecodesUpstreamBody(t *testing.T) {
	var r drupalwiki.Request
	if err := json.Unmarshal([]byte(`{"baseUrl":"https://w.example.com","spaceIds":"21,56","accessToken":"t"}`), &r); err != nil {
		t.Fatal(err)
	}
	if r.BaseURL != "https://w.example.com" || r.SpaceIDs != "21,56" || r.AccessToken != "t" {
		t.Errorf("decoded %+v", r)
	}
	if ids, err := drupalwiki.ParseSpaceIDs(" 21 ,56"); err != nil || !slices.Equal(ids, []int{21, 56}) {
		t.Errorf("ParseSpaceIDs = %v, %v", ids, err)
	}
}
