// Package confluence imports the pages of a Confluence space (Atlassian
// Cloud or a self-hosted Server/Data Center) and fetches one page again for
// live sync, producing the documents, folder names and chunkSources
// AnythingLLM's Confluence connector produces, so documents stored by
// AnythingLLM resync here.
//
// Use it through the anythingllm.Connector interface:
//
//	c := confluence.New(nil)
//	res, err := c.Import(ctx, &anythingllm.ConnectorRequest{Env: env, Options: &confluence.Request{
//		BaseURL: "https://example.atlassian.net", SpaceKey: "ENG",
//		Username: "me@example.com", AccessToken: apiToken,
//	}})
//	// res.Folder is "confluence-example.atlassian.net-1a2b"; each document's
//	// chunkSource is "confluence://<page url>?payload=<encrypted replay data>".
//	text, err := c.Resync(ctx, env, doc.ChunkSource)
//
// Pages are listed with GET {base}[/wiki]/rest/api/content?spaceKey=K
// &limit=25&start=N&expand=body.storage,version (the /wiki part on Cloud
// only), authenticated with Basic username:token, or Bearer with a personal
// access token (PAT). The storage-format body becomes Markdown, code
// macros fenced code blocks.
//
// Deviations from upstream, on purpose: the PAT is stored in the encrypted
// payload (key "personalAccessToken"), so PAT connections resync (upstream
// issue #6413 never stored it and every resync failed with 401); a resync
// fetches the one page by its id instead of the whole space; the page URL
// keeps the scheme it was imported with (upstream forces https). The
// bypassSSL flag is kept in the payload but not honoured: certificate
// checks stay on (the guarded client has no switch for them).
package confluence

import (
	"context"
	"encoding/base64"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/anythingllm-go/anythingllm/anythingllm"
	"github.com/anythingllm-go/anythingllm/connectors/internal/connkit"
	"github.com/anythingllm-go/anythingllm/connectors/payload"
)

// Request is the body of POST /ext/confluence, as upstream's.
type Request struct {
	BaseURL  string `json:"baseUrl"`
	SpaceKey string `json:"spaceKey"`
	// Username and AccessToken: Basic authentication (on Atlassian Cloud
	// the account e-mail and an API token).
	Username    string `json:"username,omitempty"`
	AccessToken string `json:"accessToken,omitempty"`
	// Cloud (default true) selects Atlassian Cloud: the base is the URL's
	// origin and the API lives under /wiki. Self-hosted keeps the context
	// path of BaseURL.
	Cloud *bool `json:"cloud,omitempty"`
	// PersonalAccessToken authenticates with Bearer instead of Basic.
	PersonalAccessToken string `json:"personalAccessToken,omitempty"`
	BypassSSL           bool   `json:"bypassSSL,omitempty"`
}

// Options tune the connector. A nil *Options means the defaults.
type Options struct {
	Now       func() time.Time      // published stamp; default time.Now
	Location  *time.Location        // of the published stamp; default UTC
	Tokenizer anythingllm.Tokenizer // token_count_estimate; default cl100k
	// PageSize is the limit of one listing request (upstream: 25).
	PageSize int
	// MaxAttempts and MaxRetryWait bound the retry of a 429 or 5xx answer
	// (defaults 3 and 10 s); Sleep replaces the wait in tests.
	MaxAttempts  int
	MaxRetryWait time.Duration
	Sleep        func(ctx context.Context, d time.Duration) error
}

// Connector is the Confluence connector. It is safe for concurrent use.
type Connector struct {
	opts Options
	docs *connkit.Docs
}

var _ anythingllm.Connector = (*Connector)(nil)

// New returns the connector.
func New(opts *Options) *Connector {
	var o Options
	if opts != nil {
		o = *opts
	}
	if o.PageSize <= 0 {
		o.PageSize = 25
	}
	return &Connector{opts: o, docs: connkit.NewDocs(o.Now, o.Location, o.Tokenizer)}
}

// Name is the chunkSource scheme.
func (c *Connector) Name() string { return "confluence" }

// ResolveBaseURL is upstream's resolveConfluenceBaseUrl: on Cloud the
// URL's origin; self-hosted, the origin plus its context path without a
// trailing slash. Anything but an http(s) URL with a host is
// InvalidArgument.
func ResolveBaseURL(baseURL string, cloud bool) (string, error) {
	u, err := url.Parse(strings.TrimSpace(baseURL))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Hostname() == "" || u.User != nil || u.Opaque != "" {
		return "", anythingllm.Errorf(anythingllm.InvalidArgument, "The Confluence baseUrl is not a valid http(s) URL.")
	}
	origin := u.Scheme + "://" + strings.ToLower(u.Host)
	if cloud {
		return origin, nil
	}
	return origin + strings.TrimRight(u.EscapedPath(), "/"), nil
}

func wikiPart(cloud bool) string {
	if cloud {
		return "/wiki"
	}
	return ""
}

// ContentURL is the listing request for one page of a space.
func ContentURL(base, spaceKey string, cloud bool, start, limit int) string {
	return base + wikiPart(cloud) + "/rest/api/content?spaceKey=" + url.QueryEscape(spaceKey) +
		"&limit=" + strconv.Itoa(limit) + "&start=" + strconv.Itoa(start) + "&expand=body.storage,version"
}

// PageURL is a page's browser URL, {base}{/wiki}/spaces/{K}/pages/{id}.
func PageURL(base, spaceKey string, cloud bool, id string) string {
	return base + wikiPart(cloud) + "/spaces/" + spaceKey + "/pages/" + id
}

var spaceKeyRE = regexp.MustCompile(`^~?[A-Za-z0-9][A-Za-z0-9_.@-]{0,254}$`)

// creds is how requests authenticate.
type creds struct {
	username, token, pat string
}

func (k creds) header() http.Header {
	h := http.Header{"Accept": {"application/json"}}
	if k.pat != "" {
		h.Set("Authorization", "Bearer "+k.pat)
	} else {
		h.Set("Authorization", "Basic "+base64.StdEncoding.EncodeToString([]byte(k.username+":"+k.token)))
	}
	return h
}

func (c *Connector) caller(env *anythingllm.ConnectorEnv) *connkit.Caller {
	return &connkit.Caller{HTTP: connkit.HTTP(env), Service: "Confluence", MaxAttempts: c.opts.MaxAttempts,
		MaxRetryWait: c.opts.MaxRetryWait, Sleep: c.opts.Sleep}
}

// page is one item of the content API.
type page struct {
	ID     string `json:"id"`
	Type   string `json:"type"`
	Status string `json:"status"`
	Title  string `json:"title"`
	Body   struct {
		Storage struct {
			Value string `json:"value"`
		} `json:"storage"`
	} `json:"body"`
}

type contentList struct {
	Results []page `json:"results"`
	Size    int    `json:"size"`
	Links   struct {
		Next string `json:"next"`
	} `json:"_links"`
}

// replay is the encrypted payload, upstream's keys in upstream's order
// plus personalAccessToken (ours, so PAT connections resync).
type replay struct {
	BaseURL             string  `json:"baseUrl"`
	SpaceKey            string  `json:"spaceKey"`
	Token               *string `json:"token"`
	Username            *string `json:"username"`
	Cloud               bool    `json:"cloud"`
	BypassSSL           bool    `json:"bypassSSL"`
	PersonalAccessToken *string `json:"personalAccessToken,omitempty"`
}

func strOrNil(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// maxListRequests bounds the listing of one space (25 x 4000 pages).
const maxListRequests = 4000

// Import lists every page of the space and returns one document per page
// with text. Data is upstream's {spaceKey, destination}.
func (c *Connector) Import(ctx context.Context, req *anythingllm.ConnectorRequest) (*anythingllm.ConnectorResult, error) {
	r, err := connkit.Options[Request](req, "confluence")
	if err != nil {
		return nil, err
	}
	env := req.Env
	k := creds{username: strings.TrimSpace(r.Username), token: strings.TrimSpace(r.AccessToken), pat: strings.TrimSpace(r.PersonalAccessToken)}
	if k.pat == "" && (k.username == "" || k.token == "") {
		return nil, anythingllm.Errorf(anythingllm.InvalidArgument, "You need either a personal access token (PAT), or a username and access token to use the Confluence connector.")
	}
	cloud := r.Cloud == nil || *r.Cloud
	base, err := ResolveBaseURL(r.BaseURL, cloud)
	if err != nil {
		return nil, err
	}
	key := strings.TrimSpace(r.SpaceKey)
	if key == "" {
		return nil, anythingllm.Errorf(anythingllm.InvalidArgument, "You need to provide a Confluence spaceKey.")
	}
	if !spaceKeyRE.MatchString(key) {
		return nil, anythingllm.Errorf(anythingllm.InvalidArgument, "The Confluence spaceKey %q is not valid: use the space's key (letters and digits), not its name.", key)
	}
	if env == nil || env.Cipher == nil {
		return nil, anythingllm.Errorf(anythingllm.FailedPrecondition, "No payload cipher is configured (SIG_KEY/SIG_SALT), so the Confluence credentials cannot be stored for sync.")
	}

	pages, err := c.listSpace(ctx, env, base, key, cloud, k)
	if err != nil {
		return nil, err
	}
	u, _ := url.Parse(base)
	folder := connkit.Slug("confluence-"+u.Hostname()+"-"+connkit.Hex4(env), true)
	rp := replay{BaseURL: base, SpaceKey: key, Token: strOrNil(k.token), Username: strOrNil(k.username),
		Cloud: cloud, BypassSSL: r.BypassSSL, PersonalAccessToken: strOrNil(k.pat)}
	var docs []anythingllm.Document
	for _, p := range pages {
		text, err := connkit.StorageToMarkdown(ctx, p.Body.Storage.Value)
		if err != nil {
			return nil, anythingllm.WrapError(anythingllm.Unavailable, err, "The Confluence page %s could not be converted.", p.ID)
		}
		if text == "" {
			continue
		}
		pageURL := PageURL(base, key, cloud, p.ID)
		src, err := payload.Encode(env.Cipher, "confluence", pageURL, rp)
		if err != nil {
			return nil, err
		}
		title := p.Title
		if title == "" {
			title = pageURL
		}
		doc := anythingllm.Document{
			ID:          connkit.NewID(env),
			URL:         pageURL + ".page",
			Title:       title,
			DocAuthor:   base,
			Description: p.Title,
			DocSource:   base + " Confluence",
			ChunkSource: src,
			PageContent: text,
		}
		c.docs.Fill(&doc)
		docs = append(docs, doc)
	}
	if len(docs) == 0 {
		return nil, anythingllm.Errorf(anythingllm.NotFound, "No pages found for the Confluence space %s.", key)
	}
	return &anythingllm.ConnectorResult{
		Folder:    folder,
		Documents: docs,
		Data:      map[string]any{"spaceKey": key, "destination": folder},
	}, nil
}

// listSpace pages through the content API until an empty page or no
// next link.
func (c *Connector) listSpace(ctx context.Context, env *anythingllm.ConnectorEnv, base, key string, cloud bool, k creds) ([]page, error) {
	call := c.caller(env)
	var out []page
	start := 0
	for range maxListRequests {
		var list contentList
		if err := call.GetJSON(ctx, ContentURL(base, key, cloud, start, c.opts.PageSize), k.header(), "space "+key, &list); err != nil {
			return nil, err
		}
		for _, p := range list.Results {
			if p.Type == "" || p.Type == "page" {
				out = append(out, p)
			}
		}
		n := max(list.Size, len(list.Results))
		if n == 0 || list.Links.Next == "" {
			return out, nil
		}
		start += n
	}
	return nil, anythingllm.Errorf(anythingllm.TooLarge, "The Confluence space %s has more than %d pages.", key, maxListRequests*c.opts.PageSize)
}

var pageIDRE = regexp.MustCompile(`/pages/([0-9]+)(?:/|$)`)

// Resync fetches the current text of the page a chunkSource names,
// authenticating with the decrypted payload (a PAT when there is one,
// else username and token).
func (c *Connector) Resync(ctx context.Context, env *anythingllm.ConnectorEnv, chunkSource string) (string, error) {
	if !strings.HasPrefix(chunkSource, "confluence://") {
		return "", anythingllm.Errorf(anythingllm.InvalidArgument, "The chunkSource is not a confluence:// source.")
	}
	var cipher anythingllm.PayloadCipher
	if env != nil {
		cipher = env.Cipher
	}
	_, params, err := payload.Expand(cipher, chunkSource)
	if err != nil {
		return "", err
	}
	pageURL, _, _ := strings.Cut(strings.TrimPrefix(chunkSource, "confluence://"), "?")
	m := pageIDRE.FindStringSubmatch(pageURL)
	if m == nil {
		return "", anythingllm.Errorf(anythingllm.InvalidArgument, "The Confluence chunkSource names no page id.")
	}
	id := m[1]
	rawBase, err := payload.Require(params, "baseUrl")
	if err != nil {
		return "", err
	}
	cloud := params["cloud"] != "false"
	base, err := ResolveBaseURL(rawBase, cloud)
	if err != nil {
		return "", err
	}
	k := creds{username: params["username"], token: params["token"], pat: params["personalAccessToken"]}
	if k.pat == "" && (k.username == "" || k.token == "") {
		return "", anythingllm.Errorf(anythingllm.FailedPrecondition, "This Confluence document carries no stored credentials (a personal access token AnythingLLM did not save); import the space again to sync it.")
	}
	var p page
	if err := c.caller(env).GetJSON(ctx, base+wikiPart(cloud)+"/rest/api/content/"+id+"?expand=body.storage,version", k.header(), "page "+id, &p); err != nil {
		return "", err
	}
	text, err := connkit.StorageToMarkdown(ctx, p.Body.Storage.Value)
	if err != nil {
		return "", anythingllm.WrapError(anythingllm.Unavailable, err, "The Confluence page %s could not be converted.", id)
	}
	if text == "" {
		return "", anythingllm.Errorf(anythingllm.NotFound, "The Confluence page %s has no text.", id)
	}
	return text, nil
}
