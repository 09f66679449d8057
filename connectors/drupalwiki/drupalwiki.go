// Package drupalwiki imports the pages of DrupalWiki spaces and fetches one
// page again for live sync, with the documents, ids, folder and
// chunkSources AnythingLLM's DrupalWiki connector produces.
//
// Use it through the anythingllm.Connector interface:
//
//	c := drupalwiki.New(nil)
//	res, err := c.Import(ctx, &anythingllm.ConnectorRequest{Env: env, Options: &drupalwiki.Request{
//		BaseURL: "https://mywiki.drupal-wiki.net", SpaceIDs: "21,56", AccessToken: token,
//	}})
//	// res.Folder is "drupalwiki-mywiki.drupal-wiki.net"
//	text, err := c.Resync(ctx, env, doc.ChunkSource)
//
// Calls, with Authorization: Bearer <token>: the page index
// GET {base}/api/rest/scope/api/page?size=100&space={id}&page={n} (n from
// 0 until "last"), then GET {base}/api/rest/scope/api/page/{id} per page.
// A page's text is "Link/URL: {base}/node/{id}" and its body (or title,
// when the body is empty) as Markdown.
//
// Deviations from upstream: the id's space part is the space the page was
// listed in (upstream always writes "undefined"); pages whose body and
// title carry no text are skipped (upstream's check never fires, as the
// link line is always there); attachments are not imported (upstream
// saves them as ordinary, unwatchable uploads); Data's destination is the
// folder name, not an absolute path on the collector's disk.
package drupalwiki

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/anythingllm-go/anythingllm/anythingllm"
	"github.com/anythingllm-go/anythingllm/connectors/internal/connkit"
	"github.com/anythingllm-go/anythingllm/connectors/payload"
)

// Request is the body of POST /ext/drupalwiki, as upstream's.
type Request struct {
	BaseURL     string `json:"baseUrl"`
	SpaceIDs    string `json:"spaceIds"` // comma-separated: "21,56"
	AccessToken string `json:"accessToken"`
}

// Options tune the connector. A nil *Options means the defaults.
type Options struct {
	Now       func() time.Time
	Location  *time.Location
	Tokenizer anythingllm.Tokenizer
	// PageSize is the size of one index request (upstream: 100).
	PageSize     int
	MaxAttempts  int
	MaxRetryWait time.Duration
	Sleep        func(ctx context.Context, d time.Duration) error
}

// Connector is the DrupalWiki connector. It is safe for concurrent use.
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
		o.PageSize = 100
	}
	return &Connector{opts: o, docs: connkit.NewDocs(o.Now, o.Location, o.Tokenizer)}
}

// Name is the chunkSource scheme.
func (c *Connector) Name() string { return "drupalwiki" }

// NormalizeBaseURL checks an http(s) base URL and drops trailing slashes.
func NormalizeBaseURL(raw string) (*url.URL, string, error) {
	raw = strings.TrimRight(strings.TrimSpace(raw), "/")
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Hostname() == "" || u.User != nil || u.RawQuery != "" || u.Fragment != "" {
		return nil, "", anythingllm.Errorf(anythingllm.InvalidArgument, "The DrupalWiki baseUrl is not a valid http(s) URL (like https://mywiki.drupal-wiki.net).")
	}
	return u, raw, nil
}

// ParseSpaceIDs reads "21, 56" as [21 56]; anything else is InvalidArgument
// naming spaceIds.
func ParseSpaceIDs(s string) ([]int, error) {
	if strings.TrimSpace(s) == "" {
		return nil, anythingllm.Errorf(anythingllm.InvalidArgument, "Please provide a list of spaceIds like 21,56,67 you want to extract.")
	}
	var ids []int
	for part := range strings.SplitSeq(s, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(part))
		if err != nil || n <= 0 {
			return nil, anythingllm.Errorf(anythingllm.InvalidArgument, "The spaceIds %q are not a comma-separated list of numeric space ids.", s)
		}
		ids = append(ids, n)
	}
	return ids, nil
}

func (c *Connector) caller(env *anythingllm.ConnectorEnv) *connkit.Caller {
	return &connkit.Caller{HTTP: connkit.HTTP(env), Service: "DrupalWiki", MaxAttempts: c.opts.MaxAttempts,
		MaxRetryWait: c.opts.MaxRetryWait, Sleep: c.opts.Sleep}
}

func header(token string) http.Header {
	return http.Header{
		"Authorization": {"Bearer " + token},
		"Accept":        {"application/json"},
		"Content-Type":  {"application/json"},
	}
}

type pageIndex struct {
	Content []struct {
		ID json.Number `json:"id"`
	} `json:"content"`
	Last bool `json:"last"`
}

type page struct {
	ID           json.Number     `json:"id"`
	Title        string          `json:"title"`
	Body         string          `json:"body"`
	LastModified json.RawMessage `json:"lastModified"`
	Type         string          `json:"type"`
}

// replay is the encrypted payload, upstream's keys.
type replay struct {
	BaseURL     string `json:"baseUrl"`
	PageID      int64  `json:"pageId"`
	AccessToken string `json:"accessToken"`
}

// maxIndexPages bounds one space's index (x PageSize pages).
const maxIndexPages = 1000

// Import fetches every page of every space. Data is upstream's
// {spaceIds, destination}.
func (c *Connector) Import(ctx context.Context, req *anythingllm.ConnectorRequest) (*anythingllm.ConnectorResult, error) {
	r, err := connkit.Options[Request](req, "drupalwiki")
	if err != nil {
		return nil, err
	}
	env := req.Env
	if strings.TrimSpace(r.BaseURL) == "" {
		return nil, anythingllm.Errorf(anythingllm.InvalidArgument, "Please provide your baseUrl like https://mywiki.drupal-wiki.net.")
	}
	u, base, err := NormalizeBaseURL(r.BaseURL)
	if err != nil {
		return nil, err
	}
	spaces, err := ParseSpaceIDs(r.SpaceIDs)
	if err != nil {
		return nil, err
	}
	token := strings.TrimSpace(r.AccessToken)
	if token == "" {
		return nil, anythingllm.Errorf(anythingllm.InvalidArgument, "Please provide a REST API-Token (accessToken).")
	}
	if env == nil || env.Cipher == nil {
		return nil, anythingllm.Errorf(anythingllm.FailedPrecondition, "No payload cipher is configured (SIG_KEY/SIG_SALT), so the DrupalWiki token cannot be stored for sync.")
	}
	call := c.caller(env)
	host := strings.ToLower(u.Hostname())
	folder := connkit.Slug("drupalwiki-"+host, true)
	var docs []anythingllm.Document
	seen := map[string]bool{}
	for _, space := range spaces {
		ids, err := c.index(ctx, call, base, token, space)
		if err != nil {
			return nil, err
		}
		for _, id := range ids {
			if seen[id] {
				continue
			}
			seen[id] = true
			p, text, err := c.loadPage(ctx, call, base, token, id)
			if anythingllm.Code(err) == anythingllm.NotFound {
				continue // deleted since the index was read
			}
			if err != nil {
				return nil, err
			}
			if text == "" {
				continue
			}
			pid, _ := strconv.ParseInt(p.ID.String(), 10, 64)
			nodeURL := base + "/node/" + p.ID.String()
			src, err := payload.Encode(env.Cipher, "drupalwiki", nodeURL, replay{BaseURL: base, PageID: pid, AccessToken: token})
			if err != nil {
				return nil, err
			}
			doc := anythingllm.Document{
				ID:          host + "." + strconv.Itoa(space) + "." + p.ID.String() + "." + lastModified(p.LastModified),
				URL:         "drupalwiki://" + nodeURL,
				Title:       p.Title,
				DocAuthor:   base,
				Description: p.Title,
				DocSource:   base + " DrupalWiki",
				ChunkSource: src,
				PageContent: text,
			}
			c.docs.Fill(&doc)
			docs = append(docs, doc)
		}
	}
	if len(docs) == 0 {
		return nil, anythingllm.Errorf(anythingllm.NotFound, "No pages with text found in the DrupalWiki spaces %s.", r.SpaceIDs)
	}
	return &anythingllm.ConnectorResult{
		Folder:    folder,
		Documents: docs,
		Data:      map[string]any{"spaceIds": r.SpaceIDs, "destination": folder},
	}, nil
}

func (c *Connector) index(ctx context.Context, call *connkit.Caller, base, token string, space int) ([]string, error) {
	var ids []string
	for n := range maxIndexPages {
		var idx pageIndex
		u := base + "/api/rest/scope/api/page?size=" + strconv.Itoa(c.opts.PageSize) + "&space=" + strconv.Itoa(space) + "&page=" + strconv.Itoa(n)
		if err := call.GetJSON(ctx, u, header(token), "space "+strconv.Itoa(space), &idx); err != nil {
			return nil, err
		}
		for _, p := range idx.Content {
			ids = append(ids, p.ID.String())
		}
		if idx.Last || len(idx.Content) == 0 {
			return ids, nil
		}
	}
	return nil, anythingllm.Errorf(anythingllm.TooLarge, "The DrupalWiki space %d has more than %d pages.", space, maxIndexPages*c.opts.PageSize)
}

// loadPage fetches one page and its text ("" when it has none).
func (c *Connector) loadPage(ctx context.Context, call *connkit.Caller, base, token, id string) (*page, string, error) {
	if _, err := strconv.ParseInt(id, 10, 64); err != nil {
		return nil, "", anythingllm.Errorf(anythingllm.InvalidArgument, "The DrupalWiki page id %q is not numeric.", id)
	}
	var p page
	if err := call.GetJSON(ctx, base+"/api/rest/scope/api/page/"+id, header(token), "page "+id, &p); err != nil {
		return nil, "", err
	}
	if p.ID == "" {
		p.ID = json.Number(id)
	}
	src := p.Body
	if strings.TrimSpace(src) == "" {
		src = p.Title
	}
	md, err := connkit.StorageToMarkdown(ctx, src)
	if err != nil {
		return nil, "", anythingllm.WrapError(anythingllm.Unavailable, err, "The DrupalWiki page %s could not be converted.", id)
	}
	if md == "" {
		return &p, "", nil
	}
	return &p, "Link/URL: " + base + "/node/" + p.ID.String() + "\n\n" + md, nil
}

// lastModified prints the page's lastModified as JavaScript would in a
// template string (a number or a string as is).
func lastModified(raw json.RawMessage) string {
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s
	}
	if len(raw) == 0 || string(raw) == "null" {
		return "undefined"
	}
	return string(raw)
}

// Resync fetches the current text of the page a chunkSource names, with
// the payload's baseUrl, pageId and accessToken.
func (c *Connector) Resync(ctx context.Context, env *anythingllm.ConnectorEnv, chunkSource string) (string, error) {
	if !strings.HasPrefix(chunkSource, "drupalwiki://") {
		return "", anythingllm.Errorf(anythingllm.InvalidArgument, "The chunkSource is not a drupalwiki:// source.")
	}
	var cipher anythingllm.PayloadCipher
	if env != nil {
		cipher = env.Cipher
	}
	_, params, err := payload.Expand(cipher, chunkSource)
	if err != nil {
		return "", err
	}
	rawBase, err := payload.Require(params, "baseUrl")
	if err != nil {
		return "", err
	}
	_, base, err := NormalizeBaseURL(rawBase)
	if err != nil {
		return "", err
	}
	id, err := payload.Require(params, "pageId")
	if err != nil {
		return "", err
	}
	token, err := payload.Require(params, "accessToken")
	if err != nil {
		return "", err
	}
	_, text, err := c.loadPage(ctx, c.caller(env), base, token, id)
	if err != nil {
		return "", err
	}
	if text == "" {
		return "", anythingllm.Errorf(anythingllm.NotFound, "The DrupalWiki page %s has no text.", id)
	}
	return text, nil
}
