package collector

import (
	"bytes"
	"context"
	"io"
	"net/url"
	"regexp"
	"strings"

	htmltomarkdown "github.com/JohannesKaufmann/html-to-markdown/v2/converter"
	"github.com/JohannesKaufmann/html-to-markdown/v2/plugin/base"
	"github.com/JohannesKaufmann/html-to-markdown/v2/plugin/commonmark"
	"github.com/JohannesKaufmann/html-to-markdown/v2/plugin/table"
	"github.com/PuerkitoBio/goquery"
	"golang.org/x/net/html/charset"
)

// parseText reads a text file verbatim (invalid UTF-8 bytes become U+FFFD,
// as Node's utf8 decoding does).
func parseText(_ context.Context, _ *Collector, name string, data []byte) ([]part, error) {
	return []part{{
		title: name, author: "Unknown", description: "Unknown",
		source: "a text file uploaded by the user.",
		text:   strings.ToValidUTF8(string(data), "\uFFFD"),
	}}, nil
}

// parseHTMLFile converts an uploaded HTML file to Markdown. Upstream
// stores uploaded HTML raw, tags and all; converting it as links are
// converted keeps markup and scripts out of the embeddings (recorded in
// docs/compatibility.md).
func parseHTMLFile(ctx context.Context, _ *Collector, name string, data []byte) ([]part, error) {
	md, err := htmlToMarkdown(ctx, bytes.NewReader(data), "", "")
	if err != nil {
		return nil, err
	}
	return []part{{
		title: name, author: "Unknown", description: "Unknown",
		source: "a text file uploaded by the user.", text: md,
	}}, nil
}

var (
	citationRE = regexp.MustCompile(`\[(?:\d+|edit|citation needed)\]`)
	newlinesRE = regexp.MustCompile(`\n{4,}`)
	hiddenRE   = regexp.MustCompile(`(?i)display\s*:\s*none|visibility\s*:\s*hidden`)
	badgeRE    = regexp.MustCompile(`(?i)shields\.io|badge`)
)

// junk is what AnythingLLM removes from a page before converting it.
const junk = `script, style, noscript, template, nav, footer, header, aside, iframe, svg, form, ` +
	`[role=navigation], [role=banner], [role=contentinfo], [aria-hidden=true], [hidden]`

// htmlToMarkdown narrows a page to its article (article, else main, else
// [role=main], else body), drops navigation, hidden and script elements,
// resolves relative links against pageURL, converts to Markdown (ATX
// headings, fenced code, "-" bullets, tables) and strips citation markers.
// contentType's charset (or the page's <meta>) decodes non-UTF-8 pages.
func htmlToMarkdown(ctx context.Context, r io.Reader, contentType, pageURL string) (string, error) {
	r, err := charset.NewReader(r, contentType)
	if err != nil {
		return "", err
	}
	doc, err := goquery.NewDocumentFromReader(r)
	if err != nil {
		return "", err
	}
	root := doc.Find("article").First()
	if root.Length() == 0 {
		root = doc.Find("main").First()
	}
	if root.Length() == 0 {
		root = doc.Find("[role=main]").First()
	}
	if root.Length() == 0 {
		root = doc.Find("body").First()
	}
	if root.Length() == 0 {
		root = doc.Selection
	}
	root.Find(junk).Remove()
	root.Find("[style]").Each(func(_ int, s *goquery.Selection) {
		if st, _ := s.Attr("style"); hiddenRE.MatchString(st) {
			s.Remove()
		}
	})
	root.Find("img").Each(func(_ int, s *goquery.Selection) {
		src, _ := s.Attr("src")
		if strings.HasPrefix(strings.TrimSpace(strings.ToLower(src)), "data:") || badgeRE.MatchString(src) {
			s.Remove()
		}
	})
	conv := htmltomarkdown.NewConverter(htmltomarkdown.WithPlugins(
		base.NewBasePlugin(),
		commonmark.NewCommonmarkPlugin(
			commonmark.WithHeadingStyle("atx"),
			commonmark.WithCodeBlockFence("```"),
			commonmark.WithBulletListMarker("-"),
		),
		table.NewTablePlugin(),
	))
	opts := []htmltomarkdown.ConvertOptionFunc{htmltomarkdown.WithContext(ctx)}
	if u, err := url.Parse(pageURL); err == nil && u.Host != "" {
		opts = append(opts, htmltomarkdown.WithDomain(pageURL))
	}
	var out strings.Builder
	for _, n := range root.Nodes {
		md, err := conv.ConvertNode(n, opts...)
		if err != nil {
			return "", err
		}
		out.Write(md)
	}
	md := citationRE.ReplaceAllString(out.String(), "")
	md = newlinesRE.ReplaceAllString(md, "\n\n\n")
	return strings.TrimSpace(md), nil
}
