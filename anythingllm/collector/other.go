package collector

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/anythingllm-go/anythingllm/anythingllm"
	"github.com/emersion/go-message/mail"
	"github.com/ledongthuc/pdf"
	"github.com/pdfcpu/pdfcpu/pkg/api"
	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu/model"
	"github.com/xuri/excelize/v2"
	"golang.org/x/net/html"
)

// parseXLSX yields one part per sheet, rows as tab-separated lines.
func parseXLSX(ctx context.Context, name string, data []byte) ([]Part, error) {
	if _, err := openZip(name, data); err != nil { // bomb check before excelize inflates
		return nil, err
	}
	f, err := excelize.OpenReader(bytes.NewReader(data))
	if err != nil {
		if errors.Is(err, excelize.ErrWorkbookFileFormat) || strings.Contains(err.Error(), "password") {
			return nil, anythingllm.Errorf(anythingllm.InvalidArgument, "%s is encrypted or not a workbook.", name)
		}
		return nil, err
	}
	defer f.Close()
	var parts []Part
	for _, sheet := range f.GetSheetList() {
		rows, err := f.GetRows(sheet)
		if err != nil {
			return nil, err
		}
		var b strings.Builder
		for _, r := range rows {
			b.WriteString(strings.Join(r, "\t"))
			b.WriteByte('\n')
		}
		parts = append(parts, Part{Title: name + " - " + sheet, Text: b.String()})
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
	}
	return parts, nil
}

// parseEML reads one message: headers summary plus its text body (HTML
// bodies reduced to text).
func parseEML(ctx context.Context, name string, data []byte) ([]Part, error) {
	p, err := mailPart(bytes.NewReader(data))
	if err != nil {
		return nil, anythingllm.WrapError(anythingllm.InvalidArgument, err, "%s is not a valid e-mail message.", name)
	}
	return []Part{p}, nil
}

func mailPart(r io.Reader) (Part, error) {
	mr, err := mail.CreateReader(r)
	if err != nil {
		return Part{}, err
	}
	h := mr.Header
	subject, _ := h.Subject()
	from := h.Get("From")
	date := h.Get("Date")
	var body, htmlBody strings.Builder
	for {
		part, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			return Part{}, err
		}
		if ih, ok := part.Header.(*mail.InlineHeader); ok {
			ct, _, _ := ih.ContentType()
			b, _ := io.ReadAll(io.LimitReader(part.Body, 32<<20))
			switch ct {
			case "text/plain", "":
				body.Write(b)
			case "text/html":
				htmlBody.WriteString(visibleText(string(b)))
			}
		}
	}
	text := body.String()
	if strings.TrimSpace(text) == "" {
		text = htmlBody.String()
	}
	head := fmt.Sprintf("Subject: %s\nFrom: %s\nDate: %s\n\n", subject, from, date)
	return Part{Title: subject, Author: from, Text: head + text}, nil
}

// parseMBOX splits a mailbox at "From " lines: one part per message.
func parseMBOX(ctx context.Context, name string, data []byte) ([]Part, error) {
	var parts []Part
	var cur bytes.Buffer
	flush := func() error {
		if cur.Len() == 0 {
			return nil
		}
		p, err := mailPart(bytes.NewReader(cur.Bytes()))
		cur.Reset()
		if err != nil {
			return nil // a broken message does not lose the others
		}
		parts = append(parts, p)
		return nil
	}
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 1<<20), 16<<20)
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "From ") {
			if err := flush(); err != nil {
				return nil, err
			}
			continue
		}
		cur.WriteString(strings.TrimPrefix(line, ">")) // unescape >From
		cur.WriteByte('\n')
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	_ = flush()
	if len(parts) == 0 {
		return nil, anythingllm.Errorf(anythingllm.InvalidArgument, "%s holds no readable messages.", name)
	}
	return parts, nil
}

// visibleText returns the text of an HTML fragment.
func visibleText(src string) string {
	z := html.NewTokenizer(strings.NewReader(src))
	var b strings.Builder
	skip := 0
	for {
		switch z.Next() {
		case html.ErrorToken:
			return b.String()
		case html.StartTagToken:
			if n, _ := z.TagName(); string(n) == "script" || string(n) == "style" {
				skip++
			}
		case html.EndTagToken:
			if n, _ := z.TagName(); (string(n) == "script" || string(n) == "style") && skip > 0 {
				skip--
			}
		case html.TextToken:
			if skip == 0 {
				b.Write(z.Text())
				b.WriteByte(' ')
			}
		}
	}
}

// parsePDF validates the file first (pdfcpu rejects malformed page trees
// that make text extractors loop forever), decrypts owner-password files,
// then extracts the text with ledongthuc/pdf.
func parsePDF(ctx context.Context, name string, data []byte) ([]Part, error) {
	conf := model.NewDefaultConfiguration()
	conf.ValidationMode = model.ValidationRelaxed
	if err := api.Validate(bytes.NewReader(data), conf); err != nil {
		msg := strings.ToLower(err.Error())
		if strings.Contains(msg, "password") || strings.Contains(msg, "encrypt") {
			return nil, anythingllm.Errorf(anythingllm.InvalidArgument, "%s is encrypted with a password; remove it and upload again.", name)
		}
		return nil, anythingllm.WrapError(anythingllm.InvalidArgument, err, "%s is not a valid PDF (corrupt or truncated).", name)
	}
	var dec bytes.Buffer
	if err := api.Decrypt(bytes.NewReader(data), &dec, model.NewDefaultConfiguration()); err == nil && dec.Len() > 0 {
		data = dec.Bytes() // owner-password encryption removed
	}
	r, err := pdf.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return nil, anythingllm.WrapError(anythingllm.InvalidArgument, err, "%s is not a valid PDF (corrupt or truncated).", name)
	}
	var b strings.Builder
	for i := 1; i <= r.NumPage(); i++ {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		p := r.Page(i)
		if p.V.IsNull() {
			continue
		}
		text, err := p.GetPlainText(nil)
		if err != nil {
			continue
		}
		b.WriteString(text)
		b.WriteString("\n")
	}
	if strings.TrimSpace(b.String()) == "" {
		return nil, anythingllm.Errorf(anythingllm.InvalidArgument, "No text content found in %s (a scanned PDF needs OCR, which this build does not do).", name)
	}
	return []Part{{Text: b.String()}}, nil
}
