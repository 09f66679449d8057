package web

import (
	"regexp"
	"strings"

	"github.com/PuerkitoBio/goquery"
	"golang.org/x/net/html"
)

// skipped elements render nothing, as in innerText.
var skipped = map[string]bool{
	"head": true, "script": true, "style": true, "noscript": true, "template": true,
	"svg": true, "iframe": true, "object": true, "canvas": true, "select": true, "title": true, "meta": true, "link": true,
}

// blocks start and end on their own line; paragraphs get a blank line.
var blocks = map[string]int{
	"p": 2, "h1": 2, "h2": 2, "h3": 2, "h4": 2, "h5": 2, "h6": 2,
	"div": 1, "section": 1, "article": 1, "main": 1, "header": 1, "footer": 1, "nav": 1, "aside": 1,
	"ul": 1, "ol": 1, "li": 1, "dl": 1, "dt": 1, "dd": 1, "table": 1, "tr": 1, "thead": 1, "tbody": 1,
	"tfoot": 1, "caption": 1, "blockquote": 1, "pre": 1, "form": 1, "fieldset": 1, "figure": 1,
	"figcaption": 1, "address": 1, "details": 1, "summary": 1, "hr": 1, "body": 1, "html": 1,
}

var (
	hiddenStyleRE = regexp.MustCompile(`(?i)display\s*:\s*none|visibility\s*:\s*hidden`)
	wsRE          = regexp.MustCompile(`[ \t\r\n\f]+`)
	lineEndRE     = regexp.MustCompile(`[ \t]+\n`)
	lineStartRE   = regexp.MustCompile(`\n[ \t]+`)
	manyNLRE      = regexp.MustCompile(`\n{3,}`)
)

// InnerText approximates the browser's document.body.innerText for a page
// that is not rendered: scripts, styles and hidden elements give nothing,
// blocks and <br> break lines, paragraphs and headings are separated by a
// blank line, table cells by tabs, whitespace collapses outside <pre>.
func InnerText(doc *goquery.Document) string {
	root := doc.Find("body").First()
	if root.Length() == 0 {
		root = doc.Selection
	}
	w := &textWriter{}
	for _, n := range root.Nodes {
		walk(w, n, false)
	}
	s := w.b.String()
	s = lineEndRE.ReplaceAllString(s, "\n")
	s = lineStartRE.ReplaceAllString(s, "\n")
	s = manyNLRE.ReplaceAllString(s, "\n\n")
	return strings.TrimSpace(s)
}

// textWriter joins text runs; line breaks that blocks require are kept
// pending and merged (the larger count wins), as innerText does.
type textWriter struct {
	b    strings.Builder
	need int
}

func (w *textWriter) lines(n int) { w.need = max(w.need, n) }

func (w *textWriter) text(t string) {
	if t == "" {
		return
	}
	if w.need > 0 {
		if t = strings.TrimLeft(t, " "); t == "" {
			return
		}
		if w.b.Len() > 0 {
			w.b.WriteString(strings.Repeat("\n", w.need))
		}
		w.need = 0
	}
	if strings.HasPrefix(t, " ") && (w.b.Len() == 0 || strings.HasSuffix(w.b.String(), " ") || strings.HasSuffix(w.b.String(), "\n")) {
		t = t[1:]
	}
	w.b.WriteString(t)
}

func walk(b *textWriter, n *html.Node, pre bool) {
	switch n.Type {
	case html.TextNode:
		if pre {
			b.text(n.Data)
			return
		}
		b.text(wsRE.ReplaceAllString(n.Data, " "))
		return
	case html.ElementNode:
	case html.DocumentNode:
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(b, c, pre)
		}
		return
	default:
		return
	}
	tag := n.Data
	if skipped[tag] {
		return
	}
	for _, a := range n.Attr {
		if a.Key == "hidden" || (a.Key == "style" && hiddenStyleRE.MatchString(a.Val)) || (a.Key == "aria-hidden" && a.Val == "true") {
			return
		}
	}
	switch tag {
	case "br":
		b.text("\n")
		return
	case "td", "th":
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(b, c, pre)
		}
		b.text("\t")
		return
	case "img":
		return
	}
	breaks := blocks[tag]
	if breaks > 0 {
		b.lines(breaks)
	}
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		walk(b, c, pre || tag == "pre")
	}
	if breaks > 0 {
		b.lines(breaks)
	}
}
