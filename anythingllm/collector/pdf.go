package collector

import (
	"bytes"
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"time"

	"github.com/anythingllm-go/anythingllm/anythingllm"
	"github.com/klippa-app/go-pdfium"
	pdfiumerrors "github.com/klippa-app/go-pdfium/errors"
	"github.com/klippa-app/go-pdfium/requests"
	"github.com/klippa-app/go-pdfium/responses"
	"github.com/klippa-app/go-pdfium/webassembly"
	"github.com/ledongthuc/pdf"
	"github.com/pdfcpu/pdfcpu/pkg/api"
	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu/model"
	"github.com/tetratelabs/wazero"
	wapi "github.com/tetratelabs/wazero/api"
	"github.com/tetratelabs/wazero/experimental"
)

// PDFEngine selects how PDFs are read.
type PDFEngine string

const (
	// PDFium is the default: Google's PDFium compiled to WebAssembly and run
	// by wazero, in process and without cgo. It reads hostile and encrypted
	// files best, and a parse that runs past its deadline is interrupted
	// inside the WebAssembly runtime, so no goroutine keeps spinning. The
	// module is compiled on the first PDF (about 4 s on 2 cores, once per
	// process; about 0.1 s with Options.CacheDir from the second process on).
	PDFium PDFEngine = "pdfium"
	// PDFLight is ledongthuc/pdf behind pdfcpu (validation and decryption):
	// small and fast to start, but pure Go code that can panic (recovered)
	// or, on inputs the validator misses, loop; such a loop is abandoned at
	// the deadline but keeps its goroutine.
	PDFLight PDFEngine = "light"
)

// pdfResult is the text of a PDF and the info fields AnythingLLM reads.
type pdfResult struct {
	text           string
	creator, title string
}

var errPDFPassword = errors.New("pdf: password required")

// pdfiumRunner owns one lazily created PDFium pool.
type pdfiumRunner struct {
	cacheDir string
	workers  int

	once sync.Once
	pool pdfium.Pool
	err  error
}

func (r *pdfiumRunner) init() error {
	r.once.Do(func() {
		// The exception-handling feature is required by the bundled module;
		// CloseOnContextDone lets Kill interrupt a runaway parse.
		cfg := wazero.NewRuntimeConfig().
			WithCoreFeatures(wapi.CoreFeaturesV2 | experimental.CoreFeaturesExceptionHandling).
			WithCloseOnContextDone(true)
		if r.cacheDir != "" {
			cache, err := wazero.NewCompilationCacheWithDir(r.cacheDir)
			if err != nil {
				r.err = fmt.Errorf("pdfium compilation cache: %w", err)
				return
			}
			cfg = cfg.WithCompilationCache(cache)
		}
		r.pool, r.err = webassembly.Init(webassembly.Config{
			MinIdle:       0,
			MaxIdle:       max(r.workers, 1),
			MaxTotal:      max(r.workers, 1),
			ReuseWorkers:  true, // instantiating the module costs ~10 ms; a killed worker is discarded anyway
			RuntimeConfig: cfg,
			FSConfig:      wazero.NewFSConfig(), // no host directories: files are passed as bytes
			Stdout:        io.Discard,
			Stderr:        io.Discard,
		})
	})
	return r.err
}

// extract reads the text of data. On ctx expiry the instance is killed,
// which aborts the WebAssembly call in flight.
func (r *pdfiumRunner) extract(ctx context.Context, data []byte, maxPages int) (pdfResult, error) {
	if err := r.init(); err != nil {
		return pdfResult{}, anythingllm.WrapError(anythingllm.Unavailable, err, "the PDF engine could not start")
	}
	inst, err := r.pool.GetInstanceWithContext(ctx)
	if err != nil {
		return pdfResult{}, err
	}
	type outcome struct {
		res pdfResult
		err error
	}
	// Calls go to the implementation behind the instance: the instance's
	// own methods read fields that Kill writes without a lock.
	impl, ok := inst.GetImplementation().(pdfiumText)
	if !ok {
		_ = inst.Close()
		return pdfResult{}, errors.New("unexpected PDFium implementation")
	}
	done := make(chan outcome, 1)
	go func() {
		defer func() {
			if v := recover(); v != nil {
				done <- outcome{err: fmt.Errorf("pdfium panic: %v", v)}
			}
		}()
		res, err := readPDFium(ctx, impl, data, maxPages)
		done <- outcome{res, err}
	}()
	select {
	case o := <-done:
		_ = inst.Close()
		return o.res, o.err
	case <-ctx.Done():
		_ = inst.Kill() // closes the module: the call in flight returns an error
		select {
		case <-done:
		case <-time.After(2 * time.Second):
		}
		return pdfResult{}, ctx.Err()
	}
}

// pdfiumText is the part of the PDFium API the collector uses.
type pdfiumText interface {
	OpenDocument(*requests.OpenDocument) (*responses.OpenDocument, error)
	FPDF_CloseDocument(*requests.FPDF_CloseDocument) (*responses.FPDF_CloseDocument, error)
	FPDF_GetMetaText(*requests.FPDF_GetMetaText) (*responses.FPDF_GetMetaText, error)
	FPDF_GetPageCount(*requests.FPDF_GetPageCount) (*responses.FPDF_GetPageCount, error)
	GetPageText(*requests.GetPageText) (*responses.GetPageText, error)
}

func readPDFium(ctx context.Context, inst pdfiumText, data []byte, maxPages int) (pdfResult, error) {
	doc, err := inst.OpenDocument(&requests.OpenDocument{File: &data})
	if err != nil {
		if errors.Is(err, pdfiumerrors.ErrPassword) || errors.Is(err, pdfiumerrors.ErrSecurity) {
			return pdfResult{}, errPDFPassword
		}
		return pdfResult{}, err
	}
	defer inst.FPDF_CloseDocument(&requests.FPDF_CloseDocument{Document: doc.Document})
	var res pdfResult
	if m, err := inst.FPDF_GetMetaText(&requests.FPDF_GetMetaText{Document: doc.Document, Tag: "Creator"}); err == nil {
		res.creator = strings.TrimSpace(m.Value)
	}
	if m, err := inst.FPDF_GetMetaText(&requests.FPDF_GetMetaText{Document: doc.Document, Tag: "Title"}); err == nil {
		res.title = strings.TrimSpace(m.Value)
	}
	pc, err := inst.FPDF_GetPageCount(&requests.FPDF_GetPageCount{Document: doc.Document})
	if err != nil {
		return pdfResult{}, err
	}
	if pc.PageCount > maxPages {
		return pdfResult{}, errTooManyPages(pc.PageCount, maxPages)
	}
	var b strings.Builder
	read := 0
	for i := range pc.PageCount {
		if ctx.Err() != nil {
			return pdfResult{}, ctx.Err()
		}
		t, err := inst.GetPageText(&requests.GetPageText{Page: requests.Page{ByIndex: &requests.PageByIndex{Document: doc.Document, Index: i}}})
		if err != nil {
			continue // a broken page does not lose the others
		}
		read++
		appendPage(&b, t.Text)
	}
	if read == 0 && pc.PageCount > 0 {
		return pdfResult{}, errors.New("no page could be read")
	}
	res.text = b.String()
	return res, nil
}

// appendPage adds one page's text, normalising PDFium's CRLF line ends.
func appendPage(b *strings.Builder, text string) {
	text = strings.ReplaceAll(text, "\r\n", "\n")
	text = strings.ReplaceAll(text, "\r", "\n")
	if strings.TrimSpace(text) == "" {
		return
	}
	b.WriteString(text)
	if !strings.HasSuffix(text, "\n") {
		b.WriteByte('\n')
	}
}

type pageLimitError struct{ n, max int }

func (e pageLimitError) Error() string {
	return fmt.Sprintf("%d pages, more than the limit of %d", e.n, e.max)
}

func errTooManyPages(n, max int) error { return pageLimitError{n, max} }

// lightPDF validates the file with pdfcpu (which rejects the malformed
// page trees that make text extractors loop), removes owner-password
// encryption, then extracts the text with ledongthuc/pdf.
func lightPDF(ctx context.Context, data []byte, maxPages int) (pdfResult, error) {
	conf := model.NewDefaultConfiguration()
	conf.ValidationMode = model.ValidationRelaxed
	if err := api.Validate(bytes.NewReader(data), conf); err != nil {
		if isPasswordErr(err) {
			return pdfResult{}, errPDFPassword
		}
		return pdfResult{}, err
	}
	var dec bytes.Buffer
	if err := api.Decrypt(bytes.NewReader(data), &dec, model.NewDefaultConfiguration()); err == nil && dec.Len() > 0 {
		data = dec.Bytes()
	} else if err != nil && isPasswordErr(err) {
		return pdfResult{}, errPDFPassword
	}
	r, err := pdf.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return pdfResult{}, err
	}
	var res pdfResult
	if info := r.Trailer().Key("Info"); !info.IsNull() {
		res.creator = strings.TrimSpace(info.Key("Creator").Text())
		res.title = strings.TrimSpace(info.Key("Title").Text())
	}
	n := r.NumPage()
	if n > maxPages {
		return pdfResult{}, errTooManyPages(n, maxPages)
	}
	var b strings.Builder
	for i := 1; i <= n; i++ {
		if ctx.Err() != nil {
			return pdfResult{}, ctx.Err()
		}
		p := r.Page(i)
		if p.V.IsNull() {
			continue
		}
		text, err := p.GetPlainText(nil)
		if err != nil {
			continue
		}
		appendPage(&b, text)
	}
	res.text = b.String()
	return res, nil
}

func isPasswordErr(err error) bool {
	// pdfcpu says "not encrypted" for plain files, so only "password" counts.
	return strings.Contains(strings.ToLower(err.Error()), "password")
}

// parsePDF extracts a PDF's text with the configured engine. Upstream
// takes the author from the PDF's Creator and the description from its
// Title.
func parsePDF(ctx context.Context, c *Collector, name string, data []byte) ([]part, error) {
	if !bytes.Contains(data[:min(len(data), 1024)], []byte("%PDF-")) {
		return nil, anythingllm.Errorf(anythingllm.InvalidArgument, "%s could not be parsed: it is not a PDF file.", name)
	}
	var res pdfResult
	var err error
	if c.opts.PDFEngine == PDFLight {
		res, err = lightPDF(ctx, data, c.opts.MaxPDFPages)
	} else {
		res, err = c.pdfium.extract(ctx, data, c.opts.MaxPDFPages)
	}
	if err != nil {
		return nil, err
	}
	if strings.TrimSpace(res.text) == "" {
		return nil, anythingllm.Errorf(anythingllm.InvalidArgument, "No text content found in %s. It may be a scanned document; this server does not run OCR.", name)
	}
	return []part{{
		title: name, author: cmp.Or(res.creator, "no author found"), description: cmp.Or(res.title, "No description found."),
		source: "pdf file uploaded by the user.", text: res.text,
	}}, nil
}
