package confluence_test

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/anythingllm-go/anythingllm/anythingllm"
	"github.com/anythingllm-go/anythingllm/connectors/confluence"
	"github.com/anythingllm-go/anythingllm/connectors/confluence/confluencefake"
	"github.com/anythingllm-go/anythingllm/connectors/internal/conntest"
	"github.com/anythingllm-go/anythingllm/connectors/payload"
)

const codePage = `<h1>Setup</h1><p>Run <strong>this</strong>:</p>` +
	`<ac:structured-macro ac:name="code" ac:schema-version="1"><ac:parameter ac:name="language">go</ac:parameter>` +
	`<ac:plain-text-body><![CDATA[if a < b && c {
	fmt.Println("x")
}]]></ac:plain-text-body></ac:structured-macro><p>Done.</p>`

func newConnector(opts *confluence.Options) *confluence.Connector {
	o := confluence.Options{Now: conntest.Now, Sleep: conntest.NoSleep}
	if opts != nil {
		o.PageSize = opts.PageSize
		o.MaxAttempts = opts.MaxAttempts
	}
	return confluence.New(&o)
}

func cloudFake(t *testing.T) *confluencefake.Server {
	srv := confluencefake.New(confluencefake.Options{Cloud: true, Username: "me@example.com", Token: "api-token-123"})
	t.Cleanup(srv.Close)
	return srv
}

func TestResolveBaseURLAndAPIURLs(t *testing.T) {
	for _, tc := range []struct {
		in    string
		cloud bool
		want  string
	}{
		{"https://example.atlassian.net", true, "https://example.atlassian.net"},
		{"https://example.atlassian.net/wiki/spaces/ENG", true, "https://example.atlassian.net"},
		{"https://Example.Atlassian.net/wiki/", true, "https://example.atlassian.net"},
		{"https://confluence.corp.com", false, "https://confluence.corp.com"},
		{"https://confluence.corp.com/confluence/", false, "https://confluence.corp.com/confluence"},
		{"http://wiki.corp.com:8090/", false, "http://wiki.corp.com:8090"},
	} {
		got, err := confluence.ResolveBaseURL(tc.in, tc.cloud)
		if err != nil || got != tc.want {
			t.Errorf("ResolveBaseURL(%q, %v) = %q, %v; want %q", tc.in, tc.cloud, got, err, tc.want)
		}
	}
	for _, bad := range []string{"", "not a url", "ftp://x.com", "https://", "https://user:pw@x.com", "mailto:x@y.z"} {
		_, err := confluence.ResolveBaseURL(bad, true)
		conntest.Code(t, err, anythingllm.InvalidArgument)
	}
	if got, want := confluence.ContentURL("https://example.atlassian.net", "SPACE", true, 0, 25),
		"https://example.atlassian.net/wiki/rest/api/content?spaceKey=SPACE&limit=25&start=0&expand=body.storage,version"; got != want {
		t.Errorf("cloud ContentURL = %q, want %q", got, want)
	}
	if got, want := confluence.ContentURL("https://c.corp.com/confluence", "SPACE", false, 25, 25),
		"https://c.corp.com/confluence/rest/api/content?spaceKey=SPACE&limit=25&start=25&expand=body.storage,version"; got != want {
		t.Errorf("server ContentURL = %q, want %q", got, want)
	}
	if got, want := confluence.PageURL("https://example.atlassian.net", "SPACE", true, "123"), "https://example.atlassian.net/wiki/spaces/SPACE/pages/123"; got != want {
		t.Errorf("PageURL = %q, want %q", got, want)
	}
}

func TestImportCloudDocumentsFolderAndPayload(t *testing.T) {
	srv := cloudFake(t)
	id1 := srv.AddPage("ENG", "Setup guide", codePage)
	srv.AddPage("ENG", "Empty", "")
	srv.AddPage("OTHER", "Not this", "<p>other space</p>")
	env := conntest.Env(t)
	c := newConnector(nil)
	res, err := c.Import(context.Background(), &anythingllm.ConnectorRequest{Env: env, Options: &confluence.Request{
		BaseURL: srv.BaseURL() + "/wiki/spaces/ENG", SpaceKey: "ENG", Username: "me@example.com", AccessToken: "api-token-123",
	}})
	if err != nil {
		t.Fatal(err)
	}
	// the first id went to the folder suffix
	if res.Folder != "confluence-127.0.0.1-0000" {
		t.Errorf("Folder = %q", res.Folder)
	}
	if res.Data["spaceKey"] != "ENG" || res.Data["destination"] != res.Folder {
		t.Errorf("Data = %v", res.Data)
	}
	if len(res.Documents) != 1 {
		t.Fatalf("got %d documents, want 1 (the empty page and the other space skipped)", len(res.Documents))
	}
	d := res.Documents[0]
	base := srv.URL
	pageURL := base + "/wiki/spaces/ENG/pages/" + id1
	wantText := "# Setup\n\nRun **this**:\n\n```go\nif a < b && c {\n\tfmt.Println(\"x\")\n}\n```\n\nDone."
	if d.PageContent != wantText {
		t.Errorf("PageContent = %q\nwant %q", d.PageContent, wantText)
	}
	want := anythingllm.Document{
		ID: "00000002-0000-4000-8000-000000000000", URL: pageURL + ".page", Title: "Setup guide",
		DocAuthor: base, Description: "Setup guide", DocSource: base + " Confluence",
		ChunkSource: d.ChunkSource, Published: conntest.Published,
		WordCount: strings.Count(wantText, " ") + 1, PageContent: wantText, TokenCountEstimate: d.TokenCountEstimate,
	}
	if d != want {
		t.Errorf("document\n got %+v\nwant %+v", d, want)
	}
	if d.TokenCountEstimate <= 0 {
		t.Errorf("token_count_estimate = %d", d.TokenCountEstimate)
	}
	if !strings.HasPrefix(d.ChunkSource, "confluence://"+pageURL+"?payload=") {
		t.Fatalf("chunkSource = %q", d.ChunkSource)
	}
	if strings.Contains(d.ChunkSource, "api-token-123") {
		t.Fatal("the token is in the chunkSource in clear text")
	}
	enc := strings.TrimPrefix(d.ChunkSource, "confluence://"+pageURL+"?payload=")
	plain, err := env.Cipher.Decrypt(enc)
	if err != nil {
		t.Fatal(err)
	}
	wantJSON := `{"baseUrl":"` + base + `","spaceKey":"ENG","token":"api-token-123","username":"me@example.com","cloud":true,"bypassSSL":false}`
	if plain != wantJSON {
		t.Errorf("payload = %s\nwant      %s", plain, wantJSON)
	}
}

func TestImportPaginatesWithNextLinks(t *testing.T) {
	srv := cloudFake(t)
	for i := range 5 {
		srv.AddPage("ENG", "Page "+string(rune('A'+i)), "<p>text "+string(rune('a'+i))+"</p>")
	}
	c := newConnector(&confluence.Options{PageSize: 2})
	res, err := c.Import(context.Background(), &anythingllm.ConnectorRequest{Env: conntest.Env(t), Options: confluence.Request{
		BaseURL: srv.BaseURL(), SpaceKey: "ENG", Username: "me@example.com", AccessToken: "api-token-123",
	}})
	if err != nil {
		t.Fatal(err)
	}
	var titles []string
	for _, d := range res.Documents {
		titles = append(titles, d.Title)
	}
	if !slices.Equal(titles, []string{"Page A", "Page B", "Page C", "Page D", "Page E"}) {
		t.Errorf("titles = %v", titles)
	}
	want := []string{
		"GET /wiki/rest/api/content?spaceKey=ENG&limit=2&start=0&expand=body.storage,version",
		"GET /wiki/rest/api/content?spaceKey=ENG&limit=2&start=2&expand=body.storage,version",
		"GET /wiki/rest/api/content?spaceKey=ENG&limit=2&start=4&expand=body.storage,version",
	}
	if got := srv.Requests(); !slices.Equal(got, want) {
		t.Errorf("requests\n got %q\nwant %q", got, want)
	}
}

func TestSelfHostedPATImportsAndResyncs(t *testing.T) {
	srv := confluencefake.New(confluencefake.Options{ContextPath: "/confluence", PAT: "pat-secret-9"})
	t.Cleanup(srv.Close)
	id := srv.AddPage("OPS", "Runbook", "<p>restart the thing</p>")
	env := conntest.Env(t)
	c := newConnector(nil)
	cloud := false
	res, err := c.Import(context.Background(), &anythingllm.ConnectorRequest{Env: env, Options: &confluence.Request{
		BaseURL: srv.BaseURL() + "/", SpaceKey: "OPS", Cloud: &cloud, PersonalAccessToken: "pat-secret-9",
	}})
	if err != nil {
		t.Fatal(err)
	}
	d := res.Documents[0]
	base := srv.URL + "/confluence"
	if d.URL != base+"/spaces/OPS/pages/"+id+".page" || d.DocAuthor != base || d.DocSource != base+" Confluence" {
		t.Errorf("document = %+v", d)
	}
	_, params, err := payload.Expand(env.Cipher, d.ChunkSource)
	if err != nil {
		t.Fatal(err)
	}
	if params["personalAccessToken"] != "pat-secret-9" || params["cloud"] != "false" || params["baseUrl"] != base {
		t.Errorf("payload params = %v", params)
	}
	if _, ok := params["username"]; ok {
		t.Errorf("username stored for a PAT connection: %v", params)
	}
	// Upstream #6413: a PAT connection never resynced. Here it does.
	srv.SetBody(id, "<p>restart the other thing</p>")
	text, err := c.Resync(context.Background(), env, d.ChunkSource)
	if err != nil {
		t.Fatal(err)
	}
	if text != "restart the other thing" {
		t.Errorf("resync = %q", text)
	}
}

func TestResyncSeesChangedContentAndDeletedPage(t *testing.T) {
	srv := cloudFake(t)
	id := srv.AddPage("ENG", "Notes", "<p>old text</p>")
	env := conntest.Env(t)
	c := newConnector(nil)
	res, err := c.Import(context.Background(), &anythingllm.ConnectorRequest{Env: env, Options: &confluence.Request{
		BaseURL: srv.BaseURL(), SpaceKey: "ENG", Username: "me@example.com", AccessToken: "api-token-123",
	}})
	if err != nil {
		t.Fatal(err)
	}
	src := res.Documents[0].ChunkSource
	text, err := c.Resync(context.Background(), env, src)
	if err != nil || text != "old text" {
		t.Fatalf("resync = %q, %v", text, err)
	}
	srv.SetBody(id, "<p>new <em>text</em></p>")
	if text, err = c.Resync(context.Background(), env, src); err != nil || text != "new *text*" {
		t.Fatalf("resync after change = %q, %v", text, err)
	}
	if got := srv.Requests(); got[len(got)-1] != "GET /wiki/rest/api/content/"+id+"?expand=body.storage,version" {
		t.Errorf("resync request = %q", got[len(got)-1])
	}
	srv.DeletePage(id)
	_, err = c.Resync(context.Background(), env, src)
	conntest.Code(t, err, anythingllm.NotFound)
}

func TestResyncOfUpstreamPATDocumentSaysWhy(t *testing.T) {
	// What upstream stored for a PAT connection: null username and token.
	env := conntest.Env(t)
	src, err := payload.Encode(env.Cipher, "confluence", "https://c.corp.com/spaces/OPS/pages/7",
		map[string]any{"baseUrl": "https://c.corp.com", "spaceKey": "OPS", "token": nil, "username": nil, "cloud": false, "bypassSSL": false})
	if err != nil {
		t.Fatal(err)
	}
	_, err = newConnector(nil).Resync(context.Background(), env, src)
	conntest.Code(t, err, anythingllm.FailedPrecondition)
}

func TestBadTokenIsPermissionDeniedWithoutTheToken(t *testing.T) {
	srv := cloudFake(t)
	srv.AddPage("ENG", "Notes", "<p>text</p>")
	_, err := newConnector(nil).Import(context.Background(), &anythingllm.ConnectorRequest{Env: conntest.Env(t), Options: &confluence.Request{
		BaseURL: srv.BaseURL(), SpaceKey: "ENG", Username: "me@example.com", AccessToken: "wrong-token-777",
	}})
	conntest.Code(t, err, anythingllm.PermissionDenied)
	if strings.Contains(err.Error(), "wrong-token-777") || strings.Contains(err.Error(), "me@example.com:") {
		t.Errorf("error leaks the credentials: %v", err)
	}
}

func TestRateLimitRetriesThenGivesUp(t *testing.T) {
	srv := cloudFake(t)
	srv.AddPage("ENG", "Notes", "<p>text</p>")
	req := &confluence.Request{BaseURL: srv.BaseURL(), SpaceKey: "ENG", Username: "me@example.com", AccessToken: "api-token-123"}
	c := newConnector(nil)

	srv.RateLimit(2, "1")
	res, err := c.Import(context.Background(), &anythingllm.ConnectorRequest{Env: conntest.Env(t), Options: req})
	if err != nil || len(res.Documents) != 1 {
		t.Fatalf("import after two 429s = %v, %v", res, err)
	}
	if n := len(srv.Requests()); n != 3 {
		t.Errorf("requests = %d, want 3 (two 429s, one answer)", n)
	}

	srv.RateLimit(5, "1")
	_, err = c.Import(context.Background(), &anythingllm.ConnectorRequest{Env: conntest.Env(t), Options: req})
	conntest.Code(t, err, anythingllm.RateLimited)

	before := len(srv.Requests())
	srv.RateLimit(1, "3600") // longer than the wait we accept: no retry
	_, err = c.Import(context.Background(), &anythingllm.ConnectorRequest{Env: conntest.Env(t), Options: req})
	conntest.Code(t, err, anythingllm.RateLimited)
	if n := len(srv.Requests()) - before; n != 1 {
		t.Errorf("requests after a long Retry-After = %d, want 1", n)
	}

	srv.FailNext(5, 503)
	_, err = c.Import(context.Background(), &anythingllm.ConnectorRequest{Env: conntest.Env(t), Options: req})
	conntest.Code(t, err, anythingllm.Unavailable)
}

func TestBadRequests(t *testing.T) {
	c := newConnector(nil)
	env := conntest.Env(t)
	for name, tc := range map[string]struct {
		req  any
		code anythingllm.ErrorCode
		msg  string
	}{
		"no credentials":  {&confluence.Request{BaseURL: "https://x.atlassian.net", SpaceKey: "A", Username: "u"}, anythingllm.InvalidArgument, "personal access token"},
		"bad base url":    {&confluence.Request{BaseURL: "x.atlassian.net", SpaceKey: "A", PersonalAccessToken: "p"}, anythingllm.InvalidArgument, "baseUrl"},
		"empty space key": {&confluence.Request{BaseURL: "https://x.atlassian.net", PersonalAccessToken: "p"}, anythingllm.InvalidArgument, "spaceKey"},
		"bad space key":   {&confluence.Request{BaseURL: "https://x.atlassian.net", SpaceKey: "My Space", PersonalAccessToken: "p"}, anythingllm.InvalidArgument, "spaceKey"},
		"wrong type":      {"ENG", anythingllm.InvalidArgument, "confluence"},
	} {
		_, err := c.Import(context.Background(), &anythingllm.ConnectorRequest{Env: env, Options: tc.req})
		if anythingllm.Code(err) != tc.code || !strings.Contains(anythingllm.ErrorMessage(err), tc.msg) {
			t.Errorf("%s: err = %v, want %v naming %q", name, err, tc.code, tc.msg)
		}
	}
	noCipher := conntest.Env(t)
	noCipher.Cipher = nil
	_, err := c.Import(context.Background(), &anythingllm.ConnectorRequest{Env: noCipher, Options: &confluence.Request{
		BaseURL: "https://x.atlassian.net", SpaceKey: "A", PersonalAccessToken: "p"}})
	conntest.Code(t, err, anythingllm.FailedPrecondition)
}

func TestNoPagesIsNotFound(t *testing.T) {
	srv := cloudFake(t)
	_, err := newConnector(nil).Import(context.Background(), &anythingllm.ConnectorRequest{Env: conntest.Env(t), Options: &confluence.Request{
		BaseURL: srv.BaseURL(), SpaceKey: "NOPE", Username: "me@example.com", AccessToken: "api-token-123",
	}})
	conntest.Code(t, err, anythingllm.NotFound)
}

func TestGuardedClientRefusesLoopbackFake(t *testing.T) {
	srv := cloudFake(t)
	srv.AddPage("ENG", "Notes", "<p>text</p>")
	_, err := newConnector(nil).Import(context.Background(), &anythingllm.ConnectorRequest{Env: conntest.GuardedEnv(t), Options: &confluence.Request{
		BaseURL: srv.BaseURL(), SpaceKey: "ENG", Username: "me@example.com", AccessToken: "api-token-123",
	}})
	conntest.Code(t, err, anythingllm.PermissionDenied)
	if n := len(srv.Requests()); n != 0 {
		t.Errorf("the fake saw %d requests through the guarded client", n)
	}
}

func TestRequestDecodesUpstreamBody(t *testing.T) {
	var r confluence.Request
	body := `{"baseUrl":"https://x.atlassian.net","spaceKey":"ENG","username":"u","accessToken":"t","cloud":false,"personalAccessToken":"p","bypassSSL":true}`
	if err := json.Unmarshal([]byte(body), &r); err != nil {
		t.Fatal(err)
	}
	if r.BaseURL != "https://x.atlassian.net" || r.SpaceKey != "ENG" || r.Username != "u" || r.AccessToken != "t" ||
		r.Cloud == nil || *r.Cloud || r.PersonalAccessToken != "p" || !r.BypassSSL {
		t.Errorf("decoded %+v", r)
	}
	var d confluence.Request
	if err := json.Unmarshal([]byte(`{"baseUrl":"b","spaceKey":"K"}`), &d); err != nil || d.Cloud != nil {
		t.Errorf("cloud must stay unset (default true): %+v %v", d, err)
	}
}
