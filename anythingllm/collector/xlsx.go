package collector

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"unicode"

	"github.com/anythingllm-go/anythingllm/anythingllm"
	"github.com/xuri/excelize/v2"
)

// parseXLSX yields one document per non-empty sheet, its rows as CSV, as
// upstream (node-xlsx): a field is quoted only when it holds a comma,
// quote or line break.
func parseXLSX(ctx context.Context, _ *Collector, name string, data []byte) ([]part, error) {
	if _, err := openZip(name, data); err != nil { // bomb check before excelize inflates
		return nil, err
	}
	f, err := excelize.OpenReader(bytes.NewReader(data), excelize.Options{
		RawCellValue:      true,
		UnzipSizeLimit:    maxZipUncompressed,
		UnzipXMLSizeLimit: 64 << 20,
	})
	if err != nil {
		if errors.Is(err, excelize.ErrWorkbookFileFormat) || strings.Contains(strings.ToLower(err.Error()), "password") {
			return nil, anythingllm.WrapError(anythingllm.InvalidArgument, err, "%s is encrypted or is not an Excel workbook.", name)
		}
		return nil, err
	}
	defer f.Close()
	var parts []part
	for _, sheet := range f.GetSheetList() {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		rows, err := f.GetRows(sheet)
		if err != nil {
			return nil, err
		}
		content := sheetCSV(rows)
		if content == "" {
			continue
		}
		parts = append(parts, part{
			title:       name + " - Sheet:" + sheet,
			author:      "Unknown",
			description: "Spreadsheet data from sheet: " + sheet,
			source:      "an xlsx file uploaded by the user.",
			url:         "file://" + safeName(slugify(sheet, false), "sheet") + ".csv",
			text:        content,
			words:       jsWhitespaceWords(content),
		})
	}
	return parts, nil
}

// sheetCSV renders rows as RFC 4180 CSV joined by "\n".
func sheetCSV(rows [][]string) string {
	var b strings.Builder
	for i, row := range rows {
		if i > 0 {
			b.WriteByte('\n')
		}
		for j, cell := range row {
			if j > 0 {
				b.WriteByte(',')
			}
			if strings.ContainsAny(cell, "\",\r\n") {
				b.WriteString(`"` + strings.ReplaceAll(cell, `"`, `""`) + `"`)
			} else {
				b.WriteString(cell)
			}
		}
	}
	if strings.TrimSpace(b.String()) == "" {
		return ""
	}
	return b.String()
}

// jsWhitespaceWords is upstream's content.split(/\s+/).length: the
// fields, plus an empty string for a leading and for a trailing space run.
func jsWhitespaceWords(s string) int {
	n := len(strings.Fields(s))
	if t := strings.TrimLeftFunc(s, unicode.IsSpace); len(t) != len(s) {
		n++
	}
	if t := strings.TrimRightFunc(s, unicode.IsSpace); len(t) != len(s) {
		n++
	}
	return n
}
