package connkit

import (
	"context"
	"html"
	"regexp"
	"strings"

	htmltomarkdown "github.com/JohannesKaufmann/html-to-markdown/v2/converter"
	"github.com/JohannesKaufmann/html-to-markdown/v2/plugin/base"
	"github.com/JohannesKaufmann/html-to-markdown/v2/plugin/commonmark"
	"github.com/JohannesKaufmann/html-to-markdown/v2/plugin/table"
)

var (
	codeMacroRE = regexp.MustCompile(`(?s)<ac:structured-macro\b[^>]*\bac:name="code"[^>]*>(.*?)</ac:structured-macro>`)
	langParamRE = regexp.MustCompile(`(?s)<ac:parameter\b[^>]*\bac:name="language"[^>]*>(.*?)</ac:parameter>`)
	plainBodyRE = regexp.MustCompile(`(?s)<ac:plain-text-body\b[^>]*>(.*?)</ac:plain-text-body>`)
	cdataRE     = regexp.MustCompile(`(?s)<!\[CDATA\[(.*?)\]\]>`)
	manyNLRE    = regexp.MustCompile(`\n{3,}`)
	langRE      = regexp.MustCompile(`^[A-Za-z0-9_+#.-]{1,32}$`)
)

// StorageToMarkdown converts an HTML body (Confluence storage format,
// DrupalWiki page bodies) to Markdown: Confluence code macros become
// fenced code blocks in their language (as upstream), other CDATA sections
// become text, tables stay tables, and three or more newlines collapse to
// two.
func StorageToMarkdown(ctx context.Context, body string) (string, error) {
	body = codeMacroRE.ReplaceAllStringFunc(body, func(m string) string {
		inner := codeMacroRE.FindStringSubmatch(m)[1]
		lang := ""
		if lm := langParamRE.FindStringSubmatch(inner); lm != nil {
			if l := strings.TrimSpace(html.UnescapeString(lm[1])); langRE.MatchString(l) {
				lang = l
			}
		}
		code := ""
		if bm := plainBodyRE.FindStringSubmatch(inner); bm != nil {
			code = cdataText(bm[1])
		}
		class := ""
		if lang != "" {
			class = ` class="language-` + lang + `"`
		}
		return "<pre><code" + class + ">" + html.EscapeString(code) + "</code></pre>"
	})
	body = cdataRE.ReplaceAllStringFunc(body, func(m string) string {
		return html.EscapeString(cdataRE.FindStringSubmatch(m)[1])
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
	md, err := conv.ConvertString(body, htmltomarkdown.WithContext(ctx))
	if err != nil {
		return "", err
	}
	md = manyNLRE.ReplaceAllString(md, "\n\n")
	return strings.TrimSpace(md), nil
}

// cdataText joins the CDATA sections of s (a "]]>" inside code is stored
// as two sections), or returns s unescaped when it has none.
func cdataText(s string) string {
	ms := cdataRE.FindAllStringSubmatch(s, -1)
	if ms == nil {
		return html.UnescapeString(s)
	}
	var b strings.Builder
	for _, m := range ms {
		b.WriteString(m[1])
	}
	return b.String()
}
