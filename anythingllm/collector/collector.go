// Package collector extracts text from uploaded files: office documents
// (DOCX, PPTX, ODT, ODP), spreadsheets (XLSX), EPUB books, e-mail (EML,
// MBOX) and PDF. Every parser runs under recover and a deadline, and zip
// containers are checked against decompression bombs before inflating.
package collector

import (
	"context"
	"fmt"
	"path"
	"runtime/debug"
	"strings"
	"time"

	"github.com/anythingllm-go/anythingllm/anythingllm"
)

// Part is one extracted document; a file can yield several (an MBOX one
// per message, an XLSX one per sheet).
type Part = anythingllm.ParsedPart

// Collector is the stock anythingllm.FileParser.
type Collector struct{}

// New returns the collector.
func New() *Collector { return &Collector{} }

// Supports reports whether the collector parses files with this name.
func (*Collector) Supports(name string) bool { return Supports(name) }

// Parse extracts the text of a file; see the package function Parse.
func (*Collector) Parse(ctx context.Context, name string, data []byte) ([]Part, error) {
	return Parse(ctx, name, data)
}

// MIMETypes maps each supported MIME type to its extensions.
func (*Collector) MIMETypes() map[string][]string { return MIMETypes() }

type parser func(ctx context.Context, name string, data []byte) ([]Part, error)

var parsers = map[string]parser{
	".docx": parseDOCX, ".pptx": parsePPTX, ".odt": parseODF, ".odp": parseODF,
	".xlsx": parseXLSX, ".epub": parseEPUB, ".eml": parseEML, ".mbox": parseMBOX, ".pdf": parsePDF,
}

// MIME types of the supported extensions, for accepted-file-types.
var mimeTypes = map[string]string{
	".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
	".pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
	".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
	".odt":  "application/vnd.oasis.opendocument.text",
	".odp":  "application/vnd.oasis.opendocument.presentation",
	".epub": "application/epub+zip",
	".eml":  "message/rfc822",
	".mbox": "application/mbox",
	".pdf":  "application/pdf",
}

// Supports reports whether the collector parses files with this name.
func Supports(name string) bool {
	_, ok := parsers[strings.ToLower(path.Ext(name))]
	return ok
}

// MIMETypes maps each supported MIME type to its extensions.
func MIMETypes() map[string][]string {
	out := map[string][]string{}
	for ext, m := range mimeTypes {
		out[m] = append(out[m], ext)
	}
	return out
}

// Timeout bounds one parse.
var Timeout = 60 * time.Second

// Parse extracts the text of a file. Errors are InvalidArgument errors
// whose message names the file (encrypted, corrupt, empty or scanned).
func Parse(ctx context.Context, name string, data []byte) ([]Part, error) {
	p, ok := parsers[strings.ToLower(path.Ext(name))]
	if !ok {
		return nil, anythingllm.Errorf(anythingllm.InvalidArgument, "File extension %s not supported for parsing.", path.Ext(name))
	}
	if len(data) == 0 {
		return nil, anythingllm.Errorf(anythingllm.InvalidArgument, "%s is empty.", name)
	}
	ctx, cancel := context.WithTimeout(ctx, Timeout)
	defer cancel()
	type result struct {
		parts []Part
		err   error
	}
	done := make(chan result, 1)
	go func() {
		defer func() {
			if v := recover(); v != nil {
				done <- result{err: anythingllm.WrapError(anythingllm.InvalidArgument, fmt.Errorf("parser panic: %v\n%s", v, debug.Stack()), "%s could not be parsed: the file is corrupt.", name)}
			}
		}()
		parts, err := p(ctx, name, data)
		done <- result{parts, err}
	}()
	select {
	case r := <-done:
		if r.err != nil {
			if anythingllm.Code(r.err) == anythingllm.Unknown {
				return nil, anythingllm.WrapError(anythingllm.InvalidArgument, r.err, "%s could not be parsed: %v", name, short(r.err))
			}
			return nil, r.err
		}
		var out []Part
		for _, p := range r.parts {
			if strings.TrimSpace(p.Text) != "" {
				out = append(out, p)
			}
		}
		if len(out) == 0 {
			return nil, anythingllm.Errorf(anythingllm.InvalidArgument, "No text content found in %s.", name)
		}
		return out, nil
	case <-ctx.Done():
		return nil, anythingllm.Errorf(anythingllm.DeadlineExceeded, "%s took too long to parse (over %s).", name, Timeout)
	}
}

func short(err error) string {
	s := err.Error()
	if len(s) > 200 {
		s = s[:200]
	}
	return s
}
