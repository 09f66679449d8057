package anythingllm

import (
	"cmp"
	"context"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strings"

	htmltomarkdown "github.com/JohannesKaufmann/html-to-markdown/v2"
	"github.com/anythingllm-go/anythingllm/anythingllm/safehttp"
	"github.com/google/uuid"
)

// MaxLinkBytes bounds a fetched page.
const MaxLinkBytes = 10 << 20

// UploadLinkRequest fetches a web page as a document.
type UploadLinkRequest struct {
	Link            string
	Metadata        DocumentMetadata
	AddToWorkspaces []string
}

func (a *App) linkClient() *http.Client {
	if a.opts.LinkClient != nil {
		return a.opts.LinkClient
	}
	a.linkOnce.Do(func() { a.link = safehttp.NewClient(&safehttp.Options{AllowedHosts: a.opts.LinkAllowedHosts}) })
	return a.link
}

// UploadLink fetches a page (http or https only; private, loopback and
// metadata addresses refused unless allow-listed), converts its HTML to
// Markdown and stores it as a document.
func (a *App) UploadLink(ctx context.Context, req *UploadLinkRequest) ([]StoredDocument, error) {
	link := strings.TrimRight(strings.TrimSpace(req.Link), "/")
	if link == "" {
		return nil, Errorf(InvalidArgument, "link cannot be empty")
	}
	if !strings.Contains(link, "://") {
		link = "https://" + link
	}
	u, err := url.Parse(link)
	if err != nil {
		return nil, Errorf(InvalidArgument, "Not a valid URL.")
	}
	if err := safehttp.CheckURL(u); err != nil {
		return nil, WrapError(InvalidArgument, err, "Not a valid URL: only http and https links to public hosts can be fetched.")
	}
	// Before any DNS lookup: a blocked address in any spelling (2130706433,
	// 0x7f.1, [::ffff:127.0.0.1], localhost, ...) is a clear 400.
	if err := safehttp.CheckHost(u.Hostname(), a.opts.LinkAllowedHosts); err != nil {
		return nil, WrapError(InvalidArgument, err, "%s", safehttp.RefusalMessage(err))
	}
	hreq, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return nil, Errorf(InvalidArgument, "Not a valid URL.")
	}
	hreq.Header.Set("User-Agent", "anythingllm-go link fetcher")
	resp, err := a.linkClient().Do(hreq)
	if err != nil {
		if errors.Is(err, safehttp.ErrBlocked) {
			return nil, WrapError(PermissionDenied, err, "The link %s points to a private or local address; add the host to the link allow-list to fetch it.", u.Host)
		}
		return nil, WrapError(Unavailable, err, "Fetching %s failed.", u.Host)
	}
	defer resp.Body.Close()
	if resp.StatusCode >= 400 {
		return nil, Errorf(Unavailable, "Fetching %s failed: HTTP %d.", u.Host, resp.StatusCode)
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, MaxLinkBytes+1))
	if err != nil {
		return nil, WrapError(Unavailable, err, "Reading %s failed.", u.Host)
	}
	if len(body) > MaxLinkBytes {
		return nil, Errorf(TooLarge, "The page at %s is larger than %d bytes.", u.Host, MaxLinkBytes)
	}
	text := string(body)
	if ct := resp.Header.Get("Content-Type"); strings.Contains(ct, "html") || strings.HasPrefix(strings.TrimSpace(strings.ToLower(text)), "<") {
		text = htmlToMarkdown(text)
	}
	if strings.TrimSpace(text) == "" {
		return nil, Errorf(InvalidArgument, "No text content found in %s.", u.Host)
	}
	slug := Slugify(strings.ReplaceAll(u.Host+u.Path, "/", "_"), true)
	id := uuid.NewString()
	m := req.Metadata
	doc := &Document{
		ID: id, URL: "file://" + slug + ".html", Title: cmp.Or(m.Title, slug+".html"),
		DocAuthor: cmp.Or(m.DocAuthor, "no author found"), Description: cmp.Or(m.Description, "No description found."),
		DocSource: cmp.Or(m.DocSource, "URL link uploaded by the user."), ChunkSource: "link://" + u.String(),
		Published: jsPublished(a.now()), WordCount: wordCount(text), PageContent: text, TokenCountEstimate: a.tokenEstimate(text),
	}
	return a.storeAndEmbed(ctx, DefaultFolder, "url-"+slug+"-"+id+".json", doc, req.AddToWorkspaces)
}

// htmlToMarkdown converts a page to Markdown (scripts and styles dropped),
// falling back to its plain visible text.
func htmlToMarkdown(page string) string {
	if md, err := htmltomarkdown.ConvertString(page); err == nil && strings.TrimSpace(md) != "" {
		return md
	}
	return htmlText(page)
}
