// Package collector turns uploads into AnythingLLM documents, in process:
// what AnythingLLM's separate collector service does for
// POST /v1/document/upload, /upload-link and /raw-text.
//
//	c := collector.New(&collector.Options{CacheDir: filepath.Join(storageDir, "cache")})
//	docs, err := c.ParseFile(ctx, "report.pdf", body, &collector.Metadata{})
//	// docs[i] is the document JSON; store it as collector.DocumentFileName("report.pdf", docs[i].ID)
//
// Formats: plain text (.txt .md .csv .json .xml and the other text types,
// plus any file whose bytes look like text), HTML (converted to Markdown),
// PDF, DOCX, PPTX, XLSX (a document per sheet), ODT, ODP, EPUB, EML and
// MBOX (a document per message). Images and audio need OCR or
// transcription and are refused.
//
// Safety: every parser runs under recover and Options.ParseTimeout, so a
// hostile file yields an error rather than a crash or a hang; zip-based
// formats are checked for decompression bombs before anything is inflated;
// FetchLink reaches only public http(s) addresses unless allow-listed,
// checking the address it actually dials, on every redirect. Every failure
// is an *anythingllm.Error whose message names the file and is safe to show
// to API clients.
package collector

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"path"
	"runtime/debug"
	"strconv"
	"strings"
	"time"

	"github.com/anythingllm-go/anythingllm/anythingllm"
	"github.com/anythingllm-go/anythingllm/anythingllm/safehttp"
	"github.com/anythingllm-go/anythingllm/anythingllm/tokenizer"
	"github.com/google/uuid"
)

// Metadata is what a client may set on an upload (title, docAuthor,
// description, docSource, chunkSource, and published in epoch ms for raw
// text). Empty fields leave the format's defaults.
type Metadata = anythingllm.DocumentMetadata

// Defaults of Options.
const (
	DefaultMaxFileBytes = 64 << 20
	DefaultParseTimeout = 60 * time.Second
	DefaultMaxPDFPages  = 10_000
	DefaultMaxLinkBytes = 10 << 20
	DefaultLinkTimeout  = 30 * time.Second
)

// Options configure a Collector. A nil *Options and zero fields mean the
// defaults.
type Options struct {
	// MaxFileBytes bounds an upload (default 64 MiB); larger files fail
	// with code TooLarge.
	MaxFileBytes int64
	// ParseTimeout bounds the parsing of one file (default 60 s); a parse
	// that runs longer fails with code DeadlineExceeded.
	ParseTimeout time.Duration
	// PDFEngine picks the PDF reader: PDFium (default) or PDFLight.
	PDFEngine PDFEngine
	// CacheDir keeps PDFium's compiled WebAssembly (about 21 MB) so later
	// processes start it in ~0.1 s instead of ~4 s. "" compiles in memory.
	CacheDir string
	// PDFWorkers is how many PDFs are parsed at once (default 2).
	PDFWorkers int
	// MaxPDFPages refuses PDFs with more pages (default 10,000).
	MaxPDFPages int
	// Tokenizer counts token_count_estimate (default: the offline
	// cl100k_base tokenizer).
	Tokenizer anythingllm.Tokenizer
	// AllowedHosts lets FetchLink reach these intranet host names (exact,
	// case-insensitive) or networks (CIDR or single IPs) although they are
	// private. Everything else private, loopback, link-local or cloud
	// metadata is refused.
	AllowedHosts []string
	// HTTPClient replaces FetchLink's guarded client. Its policy is then
	// the caller's responsibility; leave it nil in production.
	HTTPClient *http.Client
	// MaxLinkBytes bounds a fetched page (default 10 MiB).
	MaxLinkBytes int64
	// LinkTimeout bounds a whole fetch, redirects included (default 30 s).
	LinkTimeout time.Duration
	// UserAgent sent by FetchLink.
	UserAgent string
	// Now is the clock for "published" (default time.Now).
	Now func() time.Time
	// Location is the time zone "published" is written in (default UTC).
	Location *time.Location
}

// Collector parses uploads. It is safe for concurrent use; create one per
// process and share it (the PDF engine is started once, on first use).
type Collector struct {
	opts   Options
	tok    anythingllm.Tokenizer
	pdfium *pdfiumRunner
	client *http.Client
}

// New returns a collector. It does no work up front: the PDF engine starts
// on the first PDF.
func New(opts *Options) *Collector {
	var o Options
	if opts != nil {
		o = *opts
	}
	if o.MaxFileBytes <= 0 {
		o.MaxFileBytes = DefaultMaxFileBytes
	}
	if o.ParseTimeout <= 0 {
		o.ParseTimeout = DefaultParseTimeout
	}
	if o.PDFEngine == "" {
		o.PDFEngine = PDFium
	}
	if o.PDFWorkers <= 0 {
		o.PDFWorkers = 2
	}
	if o.MaxPDFPages <= 0 {
		o.MaxPDFPages = DefaultMaxPDFPages
	}
	if o.MaxLinkBytes <= 0 {
		o.MaxLinkBytes = DefaultMaxLinkBytes
	}
	if o.LinkTimeout <= 0 {
		o.LinkTimeout = DefaultLinkTimeout
	}
	if o.UserAgent == "" {
		o.UserAgent = "anythingllm-go-collector/1.0"
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Location == nil {
		o.Location = time.UTC
	}
	c := &Collector{opts: o, tok: o.Tokenizer}
	if c.tok == nil {
		c.tok = tokenizer.New()
	}
	c.pdfium = &pdfiumRunner{cacheDir: o.CacheDir, workers: o.PDFWorkers}
	c.client = o.HTTPClient
	if c.client == nil {
		c.client = safehttp.NewClient(&safehttp.Options{AllowedHosts: o.AllowedHosts, Timeout: o.LinkTimeout, MaxRedirects: 5})
	}
	return c
}

// Close releases the PDF engine, if it was started; PDFs parsed after
// Close fail with Unavailable.
func (c *Collector) Close() error {
	r := c.pdfium
	r.once.Do(func() { r.err = errors.New("the collector is closed") }) // orders Close after a running init
	if r.pool != nil {
		return r.pool.Close()
	}
	return nil
}

// part is one extracted document with its format's defaults; metadata
// from the client overrides them in document().
type part struct {
	title, author, description, source, chunkSource, url string
	text                                                 string
	words                                                int  // 0: count pieces between single spaces, as upstream
	ignoreMeta                                           bool // mbox messages keep their own title and author, as upstream
}

type parser func(ctx context.Context, c *Collector, name string, data []byte) ([]part, error)

// ParseFile reads an uploaded file and returns its documents (several for
// an XLSX or an MBOX). name is the client's file name; it is sanitised
// (see SanitizeFileName) and decides the format by its extension, with a
// content check for unknown extensions, as upstream. Errors are
// *anythingllm.Error values that name the file: InvalidArgument for
// unsupported, empty, encrypted, corrupt or textless files, TooLarge,
// DeadlineExceeded when parsing overruns Options.ParseTimeout.
func (c *Collector) ParseFile(ctx context.Context, name string, r io.Reader, meta *Metadata) ([]anythingllm.Document, error) {
	name, err := SanitizeFileName(name)
	if err != nil {
		return nil, err
	}
	data, err := io.ReadAll(io.LimitReader(r, c.opts.MaxFileBytes+1))
	if err != nil {
		return nil, anythingllm.WrapError(anythingllm.InvalidArgument, err, "Reading %s failed.", name)
	}
	if int64(len(data)) > c.opts.MaxFileBytes {
		return nil, anythingllm.Errorf(anythingllm.TooLarge, "%s is larger than the upload limit of %s.", name, sizeText(c.opts.MaxFileBytes))
	}
	parts, err := c.parse(ctx, name, data)
	if err != nil {
		return nil, err
	}
	docs := make([]anythingllm.Document, 0, len(parts))
	for _, p := range parts {
		docs = append(docs, c.document(p, meta, name))
	}
	return docs, nil
}

// parse picks the parser for name and runs it guarded.
func (c *Collector) parse(ctx context.Context, name string, data []byte) ([]part, error) {
	ext := strings.ToLower(path.Ext(name))
	if ext == "" || ext == "." {
		return nil, anythingllm.Errorf(anythingllm.InvalidArgument, "No file extension found. This file cannot be processed.")
	}
	if strings.EqualFold(name, "__HOTDIR__.md") {
		return nil, anythingllm.Errorf(anythingllm.InvalidArgument, "%s is a reserved file name.", name)
	}
	p, ok := parsers[ext]
	if !ok {
		if binaryExtensions[ext] || !looksLikeText(data) {
			return nil, anythingllm.Errorf(anythingllm.InvalidArgument, "File extension %s not supported for parsing and cannot be assumed as text file type.", ext)
		}
		p = parseText
	}
	if len(data) == 0 {
		return nil, anythingllm.Errorf(anythingllm.InvalidArgument, "No text content found in %s.", name)
	}
	parts, err := c.guard(ctx, name, ext, func(ctx context.Context) ([]part, error) { return p(ctx, c, name, data) })
	if err != nil {
		return nil, err
	}
	out := parts[:0]
	for _, p := range parts {
		if strings.TrimSpace(p.text) != "" {
			out = append(out, p)
		}
	}
	if len(out) == 0 {
		return nil, anythingllm.Errorf(anythingllm.InvalidArgument, "No text content found in %s.", name)
	}
	return out, nil
}

// guard runs fn with the parse deadline, turning panics into errors and
// returning at the deadline even if fn does not. Errors are mapped to
// client-safe messages that name the file.
func (c *Collector) guard(ctx context.Context, name, ext string, fn func(context.Context) ([]part, error)) ([]part, error) {
	ctx, cancel := context.WithTimeout(ctx, c.opts.ParseTimeout)
	defer cancel()
	type result struct {
		parts []part
		err   error
	}
	done := make(chan result, 1)
	go func() {
		defer func() {
			if v := recover(); v != nil {
				done <- result{err: fmt.Errorf("parser panic: %v\n%s", v, debug.Stack())}
			}
		}()
		parts, err := fn(ctx)
		done <- result{parts, err}
	}()
	var r result
	select {
	case r = <-done:
	case <-ctx.Done():
		r.err = ctx.Err()
	}
	if r.err == nil {
		return r.parts, nil
	}
	return nil, c.describe(ctx, name, ext, r.err)
}

// describe turns a parser error into an *anythingllm.Error naming the file.
func (c *Collector) describe(ctx context.Context, name, ext string, err error) error {
	var ae *anythingllm.Error
	var pl pageLimitError
	switch {
	case errors.As(err, &ae):
		return err
	case errors.Is(err, errPDFPassword):
		return anythingllm.WrapError(anythingllm.InvalidArgument, err, "%s is encrypted with a password. Remove the password and upload it again.", name)
	case errors.As(err, &pl):
		return anythingllm.WrapError(anythingllm.TooLarge, err, "%s has %d pages, more than the limit of %d.", name, pl.n, pl.max)
	case ctx.Err() != nil && errors.Is(ctx.Err(), context.DeadlineExceeded) && (errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) || isClosedModule(err)):
		return anythingllm.WrapError(anythingllm.DeadlineExceeded, err, "%s took too long to parse (more than %s).", name, c.opts.ParseTimeout)
	case errors.Is(err, context.Canceled):
		return anythingllm.WrapError(anythingllm.Canceled, err, "Parsing %s was canceled.", name)
	}
	return anythingllm.WrapError(anythingllm.InvalidArgument, err, "%s could not be parsed: it is corrupt or not a valid %s file.", name, strings.ToUpper(strings.TrimPrefix(ext, ".")))
}

// isClosedModule reports wazero's error for a module closed by Kill.
func isClosedModule(err error) bool {
	return strings.Contains(err.Error(), "module closed") || strings.Contains(err.Error(), "exit_code")
}

// document builds the stored JSON of a part, applying metadata overrides.
func (c *Collector) document(p part, meta *Metadata, name string) anythingllm.Document {
	var m Metadata
	if meta != nil && !p.ignoreMeta {
		m = *meta
	}
	words := p.words
	if words == 0 {
		words = wordCount(p.text)
	}
	url := p.url
	if url == "" {
		url = "file://" + name
	}
	return anythingllm.Document{
		ID:                 uuid.NewString(),
		URL:                url,
		Title:              cmp.Or(strings.TrimSpace(m.Title), cmp.Or(strings.TrimSpace(p.title), name)),
		DocAuthor:          cmp.Or(strings.TrimSpace(m.DocAuthor), p.author),
		Description:        cmp.Or(strings.TrimSpace(m.Description), p.description),
		DocSource:          cmp.Or(strings.TrimSpace(m.DocSource), p.source),
		ChunkSource:        cmp.Or(strings.TrimSpace(m.ChunkSource), p.chunkSource),
		Published:          c.published(string(m.Published)),
		WordCount:          words,
		PageContent:        p.text,
		TokenCountEstimate: c.estimate(p.text),
	}
}

// ParseText makes the document of a raw-text upload, as upstream's
// /v1/document/raw-text: meta.Title is required; the title becomes
// "<slug>.txt"; url is "web://<url>.website" for an http(s) meta.URL, else
// "file://<slug>.txt"; published is meta.Published (epoch ms) or now. Store
// it as RawTextFileName(meta.Title, doc.ID).
func (c *Collector) ParseText(ctx context.Context, text string, meta *Metadata) (anythingllm.Document, error) {
	if err := ctx.Err(); err != nil {
		return anythingllm.Document{}, err
	}
	var m Metadata
	if meta != nil {
		m = *meta
	}
	if strings.TrimSpace(m.Title) == "" {
		return anythingllm.Document{}, anythingllm.Errorf(anythingllm.InvalidArgument, "You are missing required metadata key:value pairs in your request. Required metadata key:values are 'title'")
	}
	if strings.TrimSpace(text) == "" {
		return anythingllm.Document{}, anythingllm.Errorf(anythingllm.InvalidArgument, "The 'textContent' key cannot have an empty value.")
	}
	if int64(len(text)) > c.opts.MaxFileBytes {
		return anythingllm.Document{}, anythingllm.Errorf(anythingllm.TooLarge, "The text is larger than the upload limit of %s.", sizeText(c.opts.MaxFileBytes))
	}
	text = strings.ToValidUTF8(text, "\uFFFD")
	slug := rawSlug(m.Title)
	doc := anythingllm.Document{
		ID:                 uuid.NewString(),
		URL:                "file://" + slug + ".txt",
		Title:              slug + ".txt",
		DocAuthor:          cmp.Or(strings.TrimSpace(m.DocAuthor), "no author specified"),
		Description:        cmp.Or(strings.TrimSpace(m.Description), "no description found"),
		DocSource:          cmp.Or(strings.TrimSpace(m.DocSource), "no source set"),
		ChunkSource:        cmp.Or(strings.TrimSpace(m.ChunkSource), slug+".txt"),
		Published:          c.published(string(m.Published)),
		WordCount:          wordCount(text),
		PageContent:        text,
		TokenCountEstimate: c.estimate(text),
	}
	if u := strings.ToLower(strings.TrimSpace(m.URL)); strings.HasPrefix(u, "http://") || strings.HasPrefix(u, "https://") {
		doc.URL = "web://" + u + ".website"
	}
	return doc, nil
}

// published is epoch milliseconds from the metadata, else now, written as
// JavaScript's en-US toLocaleString ("1/16/2024, 3:07:00 PM").
func (c *Collector) published(ms string) string {
	t := c.opts.Now()
	if v, err := strconv.ParseFloat(strings.TrimSpace(ms), 64); err == nil && v > 0 && v < 8.64e15 {
		t = time.UnixMilli(int64(v))
	}
	return PublishedFormat(t.In(c.opts.Location))
}

// PublishedFormat writes a time as AnythingLLM's "published" field.
func PublishedFormat(t time.Time) string { return t.Format("1/2/2006, 3:04:05 PM") }

// estimate is AnythingLLM's token_count_estimate.
func (c *Collector) estimate(text string) int {
	if e, ok := c.tok.(interface{ Estimate(string) int }); ok {
		return e.Estimate(text)
	}
	if n := tokenizer.JSLength(text); n >= tokenizer.EstimateThreshold {
		return (n + 7) / 8
	}
	return c.tok.CountTokens(text)
}

// wordCount is upstream's text.split(" ").length.
func wordCount(text string) int { return strings.Count(text, " ") + 1 }

// Supports, Parse and MIMETypes make a *Collector an anythingllm.FileParser
// for the binary formats (the App reads plain text itself).

// Supports reports whether name has a binary format the collector parses.
func (c *Collector) Supports(name string) bool {
	ext := strings.ToLower(path.Ext(name))
	_, ok := parsers[ext]
	return ok && !textExtensions[ext] && ext != ".html" && ext != ".htm"
}

// Parse extracts the text of a file as anythingllm.ParsedPart values.
func (c *Collector) Parse(ctx context.Context, name string, data []byte) ([]anythingllm.ParsedPart, error) {
	clean, err := SanitizeFileName(name)
	if err != nil {
		return nil, err
	}
	if int64(len(data)) > c.opts.MaxFileBytes {
		return nil, anythingllm.Errorf(anythingllm.TooLarge, "%s is larger than the upload limit of %s.", clean, sizeText(c.opts.MaxFileBytes))
	}
	parts, err := c.parse(ctx, clean, data)
	if err != nil {
		return nil, err
	}
	out := make([]anythingllm.ParsedPart, len(parts))
	for i, p := range parts {
		t := p.title
		if t == clean {
			t = ""
		}
		out[i] = anythingllm.ParsedPart{Title: t, Author: p.author, Description: p.description, Text: p.text}
	}
	return out, nil
}

// MIMETypes maps the MIME types of the binary formats Supports accepts to
// their extensions.
func (c *Collector) MIMETypes() map[string][]string {
	out := map[string][]string{}
	for mime, exts := range SupportedFileTypes() {
		for _, e := range exts {
			if c.Supports("x" + e) {
				out[mime] = append(out[mime], e)
			}
		}
	}
	return out
}

// sizeText writes a byte limit for messages: "64 MB", "512 KB", "10 bytes".
func sizeText(n int64) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%d MB", n>>20)
	case n >= 1<<10 && n%(1<<10) == 0:
		return fmt.Sprintf("%d KB", n>>10)
	}
	return fmt.Sprintf("%d bytes", n)
}
