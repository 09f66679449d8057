package collector

import (
	"bytes"
	"cmp"
	"context"
	"errors"
	"io"
	"mime"
	"net/http"
	"net/url"
	"path"
	"strings"

	"github.com/anythingllm-go/anythingllm/anythingllm"
	"github.com/anythingllm-go/anythingllm/anythingllm/safehttp"
	"github.com/google/uuid"
)

// NormalizeLink applies upstream's link clean-up: trim, add "https://"
// when there is no scheme, drop trailing slashes. It refuses anything but
// an http(s) URL with a host and no credentials ("Not a valid URL.").
func NormalizeLink(link string) (*url.URL, error) {
	link = strings.TrimSpace(link)
	if link == "" {
		return nil, anythingllm.Errorf(anythingllm.InvalidArgument, "The link cannot be empty.")
	}
	if !strings.Contains(link, "://") {
		link = "https://" + link
	}
	link = strings.TrimRight(link, "/")
	u, err := url.Parse(link)
	if err != nil {
		return nil, anythingllm.WrapError(anythingllm.InvalidArgument, err, "Not a valid URL.")
	}
	if err := safehttp.CheckURL(u); err != nil {
		return nil, anythingllm.WrapError(anythingllm.InvalidArgument, err, "Not a valid URL: only http and https links to a host can be fetched.")
	}
	return u, nil
}

// FetchLink downloads a web page and makes it a document, as upstream's
// upload-link: the HTML is narrowed to its article and converted to
// Markdown; chunkSource is "link://<url>" (metadata cannot change it);
// title defaults to "<slug>.html". A link that serves a file the collector
// parses (PDF, DOCX, ...; decided by Content-Type, then by the path's
// extension) is parsed as that file and its first document returned. Store
// the result as LinkFileName(link, doc.ID).
//
// Only http and https are fetched, and only from public addresses: the
// address actually dialled (after DNS, on every redirect, at most 5) must
// not be loopback, private, link-local, CGNAT, multicast, unspecified or a
// cloud metadata address, unless Options.AllowedHosts names it. Refusals
// are PermissionDenied; unreachable hosts and HTTP errors Unavailable; a
// body over Options.MaxLinkBytes TooLarge.
func (c *Collector) FetchLink(ctx context.Context, link string, meta *Metadata) (anythingllm.Document, error) {
	u, err := NormalizeLink(link)
	if err != nil {
		return anythingllm.Document{}, err
	}
	if c.opts.HTTPClient == nil {
		// Before any DNS lookup: a blocked address in any spelling is
		// InvalidArgument naming the reason. (A caller's own HTTPClient
		// carries its own policy.)
		if err := safehttp.CheckHost(u.Hostname(), c.opts.AllowedHosts); err != nil {
			return anythingllm.Document{}, anythingllm.WrapError(anythingllm.InvalidArgument, err, "%s", safehttp.RefusalMessage(err))
		}
	}
	ctx, cancel := context.WithTimeout(ctx, c.opts.LinkTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return anythingllm.Document{}, anythingllm.WrapError(anythingllm.InvalidArgument, err, "Not a valid URL.")
	}
	req.Header.Set("User-Agent", c.opts.UserAgent)
	req.Header.Set("Accept", "text/html,application/xhtml+xml,text/plain;q=0.9,*/*;q=0.8")
	resp, err := c.client.Do(req)
	if err != nil {
		switch {
		case errors.Is(err, safehttp.ErrBlocked):
			return anythingllm.Document{}, anythingllm.WrapError(anythingllm.PermissionDenied, err, "The link %s points to a private, local or non-http address; an administrator can allow the host.", u.Redacted())
		case errors.Is(err, context.DeadlineExceeded) && ctx.Err() != nil:
			return anythingllm.Document{}, anythingllm.WrapError(anythingllm.DeadlineExceeded, err, "Fetching %s took too long.", u.Redacted())
		}
		return anythingllm.Document{}, anythingllm.WrapError(anythingllm.Unavailable, err, "Fetching %s failed.", u.Redacted())
	}
	defer resp.Body.Close()
	if resp.StatusCode >= 400 {
		return anythingllm.Document{}, anythingllm.Errorf(anythingllm.Unavailable, "Fetching %s failed: HTTP %d.", u.Redacted(), resp.StatusCode)
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, c.opts.MaxLinkBytes+1))
	if err != nil {
		return anythingllm.Document{}, anythingllm.WrapError(anythingllm.Unavailable, err, "Reading %s failed.", u.Redacted())
	}
	if int64(len(body)) > c.opts.MaxLinkBytes {
		return anythingllm.Document{}, anythingllm.Errorf(anythingllm.TooLarge, "The page at %s is larger than %s.", u.Redacted(), sizeText(c.opts.MaxLinkBytes))
	}
	final := resp.Request.URL // after redirects
	ct := resp.Header.Get("Content-Type")
	mt, _, _ := mime.ParseMediaType(ct)

	if ext := fileExtension(mt, final.Path); ext != "" {
		name := path.Base(final.Path)
		if !strings.EqualFold(path.Ext(name), ext) {
			name = linkSlug(final.String()) + ext
		}
		docs, err := c.ParseFile(ctx, name, bytes.NewReader(body), meta)
		if err != nil {
			return anythingllm.Document{}, err
		}
		return docs[0], nil
	}

	var text string
	switch {
	case mt == "text/html" || mt == "application/xhtml+xml" || (mt == "" && looksLikeHTML(body)):
		text, err = htmlToMarkdown(ctx, bytes.NewReader(body), ct, final.String())
		if err != nil {
			return anythingllm.Document{}, anythingllm.WrapError(anythingllm.InvalidArgument, err, "The page at %s could not be read.", u.Redacted())
		}
	case strings.HasPrefix(mt, "text/") || mt == "application/json" || mt == "application/xml" || (mt == "" && looksLikeText(body)):
		text = strings.ToValidUTF8(string(body), "\uFFFD")
	default:
		return anythingllm.Document{}, anythingllm.Errorf(anythingllm.InvalidArgument, "The link %s serves %s, which cannot be processed.", u.Redacted(), mt)
	}
	if strings.TrimSpace(text) == "" {
		return anythingllm.Document{}, anythingllm.Errorf(anythingllm.InvalidArgument, "No text content found in %s.", u.Redacted())
	}
	var m Metadata
	if meta != nil {
		m = *meta
	}
	slug := linkSlug(u.String())
	return anythingllm.Document{
		ID:                 uuid.NewString(),
		URL:                "file://" + slug + ".html",
		Title:              cmp.Or(m.Title, slug+".html"),
		DocAuthor:          cmp.Or(m.DocAuthor, "no author found"),
		Description:        cmp.Or(m.Description, "No description found."),
		DocSource:          cmp.Or(m.DocSource, "URL link uploaded by the user."),
		ChunkSource:        "link://" + u.String(),
		Published:          c.published(""),
		WordCount:          wordCount(text),
		PageContent:        text,
		TokenCountEstimate: c.estimate(text),
	}, nil
}

// fileExtension is the parsed file format a response carries, by its
// Content-Type, else by the extension of its path; "" for pages and text.
func fileExtension(mediaType, urlPath string) string {
	for ext, m := range supportedMIME {
		if m == mediaType && !textExtensions[ext] && ext != ".html" && ext != ".htm" {
			return ext
		}
	}
	if mediaType == "" || mediaType == "application/octet-stream" {
		ext := strings.ToLower(path.Ext(urlPath))
		if _, ok := parsers[ext]; ok && !textExtensions[ext] && ext != ".html" && ext != ".htm" {
			return ext
		}
	}
	return ""
}

func looksLikeHTML(b []byte) bool {
	head := strings.ToLower(strings.TrimSpace(string(b[:min(len(b), 512)])))
	return strings.HasPrefix(head, "<!doctype html") || strings.HasPrefix(head, "<html") || strings.Contains(head, "<body")
}
