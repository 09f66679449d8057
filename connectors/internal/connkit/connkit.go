// Package connkit holds what the content connectors (confluence,
// drupalwiki, youtube, web) share: one HTTP call with upstream-style error
// codes and a bounded Retry-After retry, and the document fields every
// connector computes the same way (published, wordCount,
// token_count_estimate).
package connkit

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/anythingllm-go/anythingllm/anythingllm"
	"github.com/anythingllm-go/anythingllm/anythingllm/collector"
	"github.com/anythingllm-go/anythingllm/anythingllm/safehttp"
	"github.com/anythingllm-go/anythingllm/anythingllm/tokenizer"
	"github.com/google/uuid"
)

// Defaults for Caller.
const (
	DefaultMaxAttempts  = 3
	DefaultMaxRetryWait = 10 * time.Second
	DefaultMaxBody      = 20 << 20
)

// Caller makes HTTP calls to one service.
type Caller struct {
	HTTP    *http.Client
	Service string // "Confluence", shown in errors
	// MaxAttempts bounds the tries of one call that answers 429 or 5xx
	// (default 3). MaxRetryWait is the longest Retry-After honoured
	// (default 10 s); a longer one fails at once with RateLimited.
	MaxAttempts  int
	MaxRetryWait time.Duration
	MaxBody      int64
	// Sleep waits between attempts (tests replace it); nil waits for real.
	Sleep func(ctx context.Context, d time.Duration) error
}

// Request is one call.
type Request struct {
	Method string // default GET
	URL    string
	Header http.Header
	Body   []byte
	// What names the thing fetched in a NotFound error ("the space FOO").
	What string
}

// Response is a successful (2xx) answer, read fully.
type Response struct {
	Status int
	Header http.Header
	Body   []byte
	URL    *url.URL // after redirects
}

// Do runs the request. Failures carry codes: a refused address or
// 401/403 PermissionDenied, 404 NotFound, 429 RateLimited and 5xx or
// network errors Unavailable (both after the bounded retry), other 4xx
// InvalidArgument. Messages name the service and the URL path, never a
// header, query or token.
func (c *Caller) Do(ctx context.Context, r Request) (*Response, error) {
	attempts := c.MaxAttempts
	if attempts <= 0 {
		attempts = DefaultMaxAttempts
	}
	maxWait := c.MaxRetryWait
	if maxWait <= 0 {
		maxWait = DefaultMaxRetryWait
	}
	for attempt := 1; ; attempt++ {
		resp, retryAfter, err := c.once(ctx, r)
		if err == nil {
			return resp, nil
		}
		code := anythingllm.Code(err)
		if (code != anythingllm.RateLimited && code != anythingllm.Unavailable) || retryAfter < 0 || attempt >= attempts {
			return nil, err
		}
		if retryAfter > maxWait {
			return nil, err
		}
		if err := c.Wait(ctx, retryAfter); err != nil {
			return nil, err
		}
	}
}

// Wait sleeps d (or runs Sleep), returning early when ctx ends.
func (c *Caller) Wait(ctx context.Context, d time.Duration) error {
	if c.Sleep != nil {
		return c.Sleep(ctx, d)
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// once makes one attempt. retryAfter is how long to wait before another
// (negative: do not retry).
func (c *Caller) once(ctx context.Context, r Request) (*Response, time.Duration, error) {
	method := r.Method
	if method == "" {
		method = http.MethodGet
	}
	u, err := url.Parse(r.URL)
	if err != nil {
		return nil, -1, anythingllm.WrapError(anythingllm.InvalidArgument, err, "The %s URL is not valid.", c.Service)
	}
	where := safeWhere(u)
	var body io.Reader
	if r.Body != nil {
		body = bytes.NewReader(r.Body)
	}
	req, err := http.NewRequestWithContext(ctx, method, r.URL, body)
	if err != nil {
		return nil, -1, anythingllm.WrapError(anythingllm.InvalidArgument, err, "The %s URL is not valid.", c.Service)
	}
	for k, v := range r.Header {
		req.Header[k] = v
	}
	client := c.HTTP
	if client == nil {
		client = safehttp.NewClient(nil)
	}
	resp, err := client.Do(req)
	if err != nil {
		switch {
		case errors.Is(err, safehttp.ErrBlocked):
			return nil, -1, anythingllm.WrapError(anythingllm.PermissionDenied, err, "%s at %s is a private, local or non-http address; an administrator can allow the host (LINK_ALLOWED_HOSTS).", c.Service, where)
		case ctx.Err() != nil:
			return nil, -1, ctx.Err()
		}
		return nil, time.Second, anythingllm.WrapError(anythingllm.Unavailable, scrub(err), "%s at %s could not be reached.", c.Service, where)
	}
	defer resp.Body.Close()
	limit := c.MaxBody
	if limit <= 0 {
		limit = DefaultMaxBody
	}
	data, err := io.ReadAll(io.LimitReader(resp.Body, limit+1))
	if err != nil {
		if ctx.Err() != nil {
			return nil, -1, ctx.Err()
		}
		return nil, time.Second, anythingllm.WrapError(anythingllm.Unavailable, scrub(err), "Reading the answer of %s at %s failed.", c.Service, where)
	}
	switch s := resp.StatusCode; {
	case s >= 200 && s < 300:
		if int64(len(data)) > limit {
			return nil, -1, anythingllm.Errorf(anythingllm.TooLarge, "The answer of %s at %s is larger than %d bytes.", c.Service, where, limit)
		}
		return &Response{Status: s, Header: resp.Header, Body: data, URL: resp.Request.URL}, 0, nil
	case s == http.StatusUnauthorized || s == http.StatusForbidden:
		return nil, -1, anythingllm.Errorf(anythingllm.PermissionDenied, "%s refused the credentials (HTTP %d at %s): check the token and its permissions.", c.Service, s, where)
	case s == http.StatusNotFound || s == http.StatusGone:
		what := r.What
		if what == "" {
			what = where
		}
		return nil, -1, anythingllm.Errorf(anythingllm.NotFound, "%s has no %s (HTTP %d).", c.Service, what, s)
	case s == http.StatusTooManyRequests:
		wait := RetryAfter(resp.Header.Get("Retry-After"), time.Second)
		return nil, wait, anythingllm.Errorf(anythingllm.RateLimited, "%s is rate limiting requests (HTTP 429 at %s); retry after %s.", c.Service, where, wait.Round(time.Second))
	case s >= 500:
		wait := RetryAfter(resp.Header.Get("Retry-After"), time.Second)
		return nil, wait, anythingllm.Errorf(anythingllm.Unavailable, "%s answered HTTP %d at %s.", c.Service, s, where)
	default:
		return nil, -1, anythingllm.Errorf(anythingllm.InvalidArgument, "%s rejected the request (HTTP %d at %s).", c.Service, s, where)
	}
}

// GetJSON is Do with a GET that decodes a JSON answer into out.
func (c *Caller) GetJSON(ctx context.Context, rawURL string, header http.Header, what string, out any) error {
	resp, err := c.Do(ctx, Request{URL: rawURL, Header: header, What: what})
	if err != nil {
		return err
	}
	if err := json.Unmarshal(resp.Body, out); err != nil {
		u, _ := url.Parse(rawURL)
		return anythingllm.WrapError(anythingllm.Unavailable, err, "%s answered something that is not the expected JSON at %s.", c.Service, safeWhere(u))
	}
	return nil
}

// RetryAfter reads a Retry-After header (seconds or an HTTP date).
func RetryAfter(h string, def time.Duration) time.Duration {
	h = strings.TrimSpace(h)
	if h == "" {
		return def
	}
	if n, err := strconv.Atoi(h); err == nil && n >= 0 {
		return time.Duration(n) * time.Second
	}
	if t, err := http.ParseTime(h); err == nil {
		if d := time.Until(t); d > 0 {
			return d
		}
		return 0
	}
	return def
}

// safeWhere is host and path of u: no user info, query or fragment.
func safeWhere(u *url.URL) string {
	if u == nil {
		return "?"
	}
	return u.Host + u.EscapedPath()
}

// scrub drops the URL (which may carry a query) from a transport error.
func scrub(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return fmt.Errorf("%s: %w", ue.Op, ue.Err)
	}
	return err
}

// Docs fills the fields every connector computes alike.
type Docs struct {
	Now       func() time.Time
	Location  *time.Location
	Tokenizer anythingllm.Tokenizer
}

// NewDocs returns Docs with defaults for nil fields (time.Now, UTC, the
// cl100k tokenizer).
func NewDocs(now func() time.Time, loc *time.Location, tok anythingllm.Tokenizer) *Docs {
	if now == nil {
		now = time.Now
	}
	if loc == nil {
		loc = time.UTC
	}
	if tok == nil {
		tok = tokenizer.New()
	}
	return &Docs{Now: now, Location: loc, Tokenizer: tok}
}

// Fill sets Published (now, upstream's toLocaleString), WordCount
// (split on " ") and TokenCountEstimate from PageContent.
func (d *Docs) Fill(doc *anythingllm.Document) {
	doc.Published = collector.PublishedFormat(d.Now().In(d.Location))
	doc.WordCount = strings.Count(doc.PageContent, " ") + 1
	if e, ok := d.Tokenizer.(interface{ Estimate(string) int }); ok {
		doc.TokenCountEstimate = e.Estimate(doc.PageContent)
	} else {
		doc.TokenCountEstimate = d.Tokenizer.CountTokens(doc.PageContent)
	}
}

// NewID is env.NewID or a uuid v4.
func NewID(env *anythingllm.ConnectorEnv) string {
	if env != nil && env.NewID != nil {
		return env.NewID()
	}
	return uuid.NewString()
}

// HTTP is env.HTTP, or a guarded client with no allow-list.
func HTTP(env *anythingllm.ConnectorEnv) *http.Client {
	if env != nil && env.HTTP != nil {
		return env.HTTP
	}
	return safehttp.NewClient(nil)
}

// Hex4 is the 4-character folder suffix upstream takes from a uuid v4.
func Hex4(env *anythingllm.ConnectorEnv) string {
	id := strings.ReplaceAll(NewID(env), "-", "")
	if len(id) < 4 {
		return (id + "0000")[:4]
	}
	return strings.ToLower(id[:4])
}

// Slug is upstream's slugify(s) (lower: .toLowerCase()), built on the
// collector's helper so every name in the project slugs alike.
func Slug(s string, lower bool) string {
	const mark = "zq9"
	if lower {
		return strings.TrimSuffix(collector.SheetFolderName(s, mark), "-"+mark)
	}
	return strings.TrimSuffix(collector.DocumentFileName(s, mark), "-"+mark+".json")
}

// Options decodes ConnectorRequest.Options into T: *T or T.
func Options[T any](req *anythingllm.ConnectorRequest, name string) (*T, error) {
	if req == nil {
		return nil, anythingllm.Errorf(anythingllm.InvalidArgument, "The %s request is missing.", name)
	}
	switch o := req.Options.(type) {
	case *T:
		if o == nil {
			break
		}
		return o, nil
	case T:
		return &o, nil
	}
	var zero T
	return nil, anythingllm.Errorf(anythingllm.InvalidArgument, "The %s connector needs a %T request, not %T.", name, &zero, req.Options)
}
