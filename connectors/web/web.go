// Package web is the "link" connector: a website depth crawl (upstream's
// POST /ext/website-depth), a single link import, and the resync of any
// "link://<url>" document, which re-fetches the page through the
// collector exactly as upload-link fetched it (Markdown).
//
// Use it through the anythingllm.Connector interface:
//
//	c := web.New(nil)
//	res, err := c.Import(ctx, &anythingllm.ConnectorRequest{Env: env,
//		Options: &web.DepthRequest{URL: "https://docs.example.com/guide/intro", Depth: ptr(2), MaxLinks: ptr(20)}})
//	// res.Folder is "docs.example.com-1a2b"; each document's chunkSource "link://<page url>"
//	text, err := c.Resync(ctx, env, doc.ChunkSource)
//
// The crawl is upstream's breadth-first walk: the start URL plus the links
// found on pages fewer than Depth levels down, at most MaxLinks URLs in
// all, keeping only links that start with the start URL's origin plus its
// parent path. Each page is stored as its visible text (like the browser's
// document.body.innerText), titled "<slug>.html".
//
// Deviations from upstream: links are resolved against the page they are
// on (upstream resolves every href against the start URL) and fragments
// are dropped, so "#top" does not count as a new page; a page is fetched
// once (upstream loads the pages it crawled a second time); pages are read
// from their HTML, without running scripts (no headless browser). Depth
// and MaxLinks are bounded (Options.MaxDepth, Options.MaxLinks).
package web

import (
	"bytes"
	"context"

	"mime"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/PuerkitoBio/goquery"
	"github.com/anythingllm-go/anythingllm/anythingllm"
	"github.com/anythingllm-go/anythingllm/anythingllm/collector"
	"github.com/anythingllm-go/anythingllm/connectors/internal/connkit"
)

// DepthRequest is the body of POST /ext/website-depth.
type DepthRequest struct {
	URL      string `json:"url"`
	Depth    *int   `json:"depth,omitempty"`    // default 1
	MaxLinks *int   `json:"maxLinks,omitempty"` // default 20
}

// LinkRequest imports one page, as upload-link does.
type LinkRequest struct {
	Link string `json:"link"`
}

// Options tune the connector. A nil *Options means the defaults.
type Options struct {
	Now       func() time.Time
	Location  *time.Location
	Tokenizer anythingllm.Tokenizer
	// MaxDepth and MaxLinks bound a crawl (defaults 5 and 500).
	MaxDepth int
	MaxLinks int
	// UserAgent of crawl requests.
	UserAgent    string
	MaxAttempts  int
	MaxRetryWait time.Duration
	Sleep        func(ctx context.Context, d time.Duration) error
}

// Connector is the link connector. It is safe for concurrent use.
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
	if o.MaxDepth <= 0 {
		o.MaxDepth = 5
	}
	if o.MaxLinks <= 0 {
		o.MaxLinks = 500
	}
	if o.UserAgent == "" {
		o.UserAgent = "Mozilla/5.0 (compatible; anythingllm-go-collector/1.0)"
	}
	return &Connector{opts: o, docs: connkit.NewDocs(o.Now, o.Location, o.Tokenizer)}
}

// Name is the chunkSource scheme.
func (c *Connector) Name() string { return "link" }

// Import crawls a website (*DepthRequest) or fetches one link
// (*LinkRequest, folder "custom-documents").
func (c *Connector) Import(ctx context.Context, req *anythingllm.ConnectorRequest) (*anythingllm.ConnectorResult, error) {
	if req != nil {
		switch o := req.Options.(type) {
		case *LinkRequest:
			if o != nil {
				return c.importLink(ctx, req.Env, o.Link)
			}
		case LinkRequest:
			return c.importLink(ctx, req.Env, o.Link)
		}
	}
	r, err := connkit.Options[DepthRequest](req, "website-depth")
	if err != nil {
		return nil, err
	}
	return c.crawl(ctx, req.Env, r)
}

func (c *Connector) importLink(ctx context.Context, env *anythingllm.ConnectorEnv, link string) (*anythingllm.ConnectorResult, error) {
	doc, err := c.fetchLink(ctx, env, link)
	if err != nil {
		return nil, err
	}
	doc.ID = connkit.NewID(env)
	return &anythingllm.ConnectorResult{Folder: "custom-documents", Documents: []anythingllm.Document{doc},
		Data: map[string]any{"destination": "custom-documents"}}, nil
}

// Resync re-fetches a link:// page as upload-link does and returns its
// Markdown.
func (c *Connector) Resync(ctx context.Context, env *anythingllm.ConnectorEnv, chunkSource string) (string, error) {
	link, ok := strings.CutPrefix(chunkSource, "link://")
	if !ok || link == "" {
		return "", anythingllm.Errorf(anythingllm.InvalidArgument, "The chunkSource is not a link:// source.")
	}
	doc, err := c.fetchLink(ctx, env, link)
	if err != nil {
		return "", err
	}
	return doc.PageContent, nil
}

// fetchLink is the collector's FetchLink through env.HTTP, with the
// bounded Retry-After retry and upstream-style codes for HTTP failures.
func (c *Connector) fetchLink(ctx context.Context, env *anythingllm.ConnectorEnv, link string) (anythingllm.Document, error) {
	base := connkit.HTTP(env)
	rt := &retrying{next: base.Transport, caller: c.caller(env)}
	if rt.next == nil {
		rt.next = http.DefaultTransport
	}
	client := *base
	client.Transport = rt
	col := collector.New(&collector.Options{HTTPClient: &client, Now: c.docs.Now, Location: c.docs.Location, Tokenizer: c.docs.Tokenizer})
	defer col.Close()
	doc, err := col.FetchLink(ctx, link, nil)
	if err != nil {
		if code, ok := statusCode(rt.lastStatus()); ok && anythingllm.Code(err) == anythingllm.Unavailable {
			return anythingllm.Document{}, anythingllm.WrapError(code, err, "%s", anythingllm.ErrorMessage(err))
		}
		return anythingllm.Document{}, err
	}
	return doc, nil
}

func statusCode(s int) (anythingllm.ErrorCode, bool) {
	switch {
	case s == http.StatusUnauthorized || s == http.StatusForbidden:
		return anythingllm.PermissionDenied, true
	case s == http.StatusNotFound || s == http.StatusGone:
		return anythingllm.NotFound, true
	case s == http.StatusTooManyRequests:
		return anythingllm.RateLimited, true
	}
	return 0, false
}

// retrying retries a GET answered 429 or 5xx with the caller's bounds and
// remembers the last status.
type retrying struct {
	next   http.RoundTripper
	caller *connkit.Caller
	mu     sync.Mutex
	status int
}

func (t *retrying) lastStatus() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.status
}

func (t *retrying) RoundTrip(r *http.Request) (*http.Response, error) {
	attempts := max(t.caller.MaxAttempts, 1)
	if t.caller.MaxAttempts <= 0 {
		attempts = connkit.DefaultMaxAttempts
	}
	maxWait := t.caller.MaxRetryWait
	if maxWait <= 0 {
		maxWait = connkit.DefaultMaxRetryWait
	}
	for i := 1; ; i++ {
		resp, err := t.next.RoundTrip(r)
		if err != nil {
			return nil, err
		}
		t.mu.Lock()
		t.status = resp.StatusCode
		t.mu.Unlock()
		if (resp.StatusCode != http.StatusTooManyRequests && resp.StatusCode < 500) || r.Method != http.MethodGet || i >= attempts {
			return resp, nil
		}
		wait := connkit.RetryAfter(resp.Header.Get("Retry-After"), time.Second)
		if wait > maxWait {
			return resp, nil
		}
		resp.Body.Close()
		if err := t.caller.Wait(r.Context(), wait); err != nil {
			return nil, err
		}
	}
}

func (c *Connector) caller(env *anythingllm.ConnectorEnv) *connkit.Caller {
	return &connkit.Caller{HTTP: connkit.HTTP(env), Service: "The website", MaxAttempts: c.opts.MaxAttempts,
		MaxRetryWait: c.opts.MaxRetryWait, Sleep: c.opts.Sleep, MaxBody: collector.DefaultMaxLinkBytes}
}

// crawl is the website-depth import.
func (c *Connector) crawl(ctx context.Context, env *anythingllm.ConnectorEnv, r *DepthRequest) (*anythingllm.ConnectorResult, error) {
	depth, maxLinks := 1, 20
	if r.Depth != nil {
		depth = *r.Depth
	}
	if r.MaxLinks != nil {
		maxLinks = *r.MaxLinks
	}
	if depth < 1 || depth > c.opts.MaxDepth {
		return nil, anythingllm.Errorf(anythingllm.InvalidArgument, "depth must be between 1 and %d.", c.opts.MaxDepth)
	}
	if maxLinks < 1 || maxLinks > c.opts.MaxLinks {
		return nil, anythingllm.Errorf(anythingllm.InvalidArgument, "maxLinks must be between 1 and %d.", c.opts.MaxLinks)
	}
	raw := strings.TrimSpace(r.URL)
	if raw != "" && !strings.Contains(raw, "://") {
		raw = "https://" + raw
	}
	start, err := url.Parse(raw)
	if err != nil || raw == "" {
		return nil, anythingllm.Errorf(anythingllm.InvalidArgument, "The url is not a valid URL.")
	}
	if _, err := collector.NormalizeLink(raw); err != nil {
		return nil, err
	}
	start.Fragment, start.RawFragment = "", ""
	parent := start.EscapedPath()
	if i := strings.LastIndex(parent, "/"); i >= 0 {
		parent = parent[:i]
	}
	scope := start.Scheme + "://" + start.Host + parent

	call := c.caller(env)
	type item struct {
		url   string
		depth int
	}
	startURL := start.String()
	discovered := []string{startURL}
	seen := map[string]bool{startURL: true}
	texts := map[string]string{}
	fetched := map[string]bool{}
	queue := []item{{startURL, 0}}
	for len(queue) > 0 && len(discovered) < maxLinks {
		cur := queue[0]
		queue = queue[1:]
		if fetched[cur.url] {
			continue
		}
		fetched[cur.url] = true
		doc, final, err := c.fetchHTML(ctx, call, cur.url)
		if err != nil {
			if cur.url == startURL || !skippable(err) {
				return nil, err
			}
			continue
		}
		if doc == nil {
			continue
		}
		texts[cur.url] = InnerText(doc)
		doc.Find("a[href]").Each(func(_ int, a *goquery.Selection) {
			if len(discovered) >= maxLinks {
				return
			}
			href, _ := a.Attr("href")
			ref, err := url.Parse(strings.TrimSpace(href))
			if err != nil {
				return
			}
			abs := final.ResolveReference(ref)
			abs.Fragment, abs.RawFragment = "", ""
			if abs.Scheme != "http" && abs.Scheme != "https" {
				return
			}
			s := abs.String()
			if !strings.HasPrefix(s, scope) || seen[s] {
				return
			}
			seen[s] = true
			discovered = append(discovered, s)
			if cur.depth+1 < depth {
				queue = append(queue, item{s, cur.depth + 1})
			}
		})
	}

	u, _ := url.Parse(startURL)
	folder := connkit.Slug(connkit.Slug(u.Hostname(), false)+"-"+connkit.Hex4(env), true)
	var docs []anythingllm.Document
	for _, link := range discovered {
		text, ok := texts[link]
		if !ok && !fetched[link] {
			fetched[link] = true
			doc, _, err := c.fetchHTML(ctx, call, link)
			if err != nil && !skippable(err) {
				return nil, err
			}
			if doc != nil {
				text = InnerText(doc)
			}
		}
		if text == "" {
			continue
		}
		slug := linkSlug(link)
		d := anythingllm.Document{
			ID:          connkit.NewID(env),
			URL:         "file://" + slug + ".html",
			Title:       slug + ".html",
			DocAuthor:   "no author found",
			Description: "No description found.",
			DocSource:   "URL link uploaded by the user.",
			ChunkSource: "link://" + link,
			PageContent: text,
		}
		c.docs.Fill(&d)
		docs = append(docs, d)
	}
	if len(docs) == 0 {
		return nil, anythingllm.Errorf(anythingllm.NotFound, "No text found on %s or the pages it links to.", u.Redacted())
	}
	return &anythingllm.ConnectorResult{Folder: folder, Documents: docs,
		Data: map[string]any{"destination": folder, "links": len(discovered)}}, nil
}

// skippable reports crawl failures that only lose that page.
func skippable(err error) bool {
	switch anythingllm.Code(err) {
	case anythingllm.NotFound, anythingllm.InvalidArgument, anythingllm.PermissionDenied, anythingllm.TooLarge:
		return true
	}
	return false
}

// fetchHTML GETs a page; a page that is not HTML returns a nil document.
func (c *Connector) fetchHTML(ctx context.Context, call *connkit.Caller, link string) (*goquery.Document, *url.URL, error) {
	resp, err := call.Do(ctx, connkit.Request{URL: link, What: "page " + link, Header: http.Header{
		"User-Agent": {c.opts.UserAgent}, "Accept": {"text/html,application/xhtml+xml;q=0.9,*/*;q=0.5"},
	}})
	if err != nil {
		return nil, nil, err
	}
	mt, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type"))
	if mt != "text/html" && mt != "application/xhtml+xml" && (mt != "" || !bytes.Contains(bytes.ToLower(resp.Body[:min(len(resp.Body), 1024)]), []byte("<html"))) {
		return nil, resp.URL, nil
	}
	doc, err := goquery.NewDocumentFromReader(bytes.NewReader(resp.Body))
	if err != nil {
		return nil, nil, anythingllm.WrapError(anythingllm.InvalidArgument, err, "The page %s could not be read.", link)
	}
	return doc, resp.URL, nil
}

// linkSlug is the collector's slug of a link (host plus path, "/" as "_").
func linkSlug(link string) string {
	const id = "x"
	return strings.TrimSuffix(strings.TrimPrefix(collector.LinkFileName(link, id), "url-"), "-"+id+".json")
}
