package anythingllm

import (
	"encoding/csv"
	"strings"
	"testing"
)

// TestCSVCellNeutralisesFormulas: OWASP's CSV injection rule.
func TestCSVCellNeutralisesFormulas(t *testing.T) {
	for in, want := range map[string]string{
		`=HYPERLINK("http://evil.example","x")`: `'=HYPERLINK("http://evil.example","x")`,
		"+1+1":                                  "'+1+1",
		"-2+3+cmd|' /C calc'!A0":                "'-2+3+cmd|' /C calc'!A0",
		"@SUM(1,2)":                             "'@SUM(1,2)",
		"\t=1":                                  "'\t=1",
		"\r=1":                                  "'\r=1",
		"plain text":                            "plain text",
		"":                                      "",
		" =1":                                   " =1",
		"a=b":                                   "a=b",
		"'=1":                                   "'=1",
	} {
		if got := csvCell(in); got != want {
			t.Errorf("csvCell(%q) = %q, want %q", in, got, want)
		}
	}
}

// FuzzCSVCell: no cell a spreadsheet would evaluate leaves csvCell, the
// value is kept after the quote, and a quoted cell reads back as one field.
func FuzzCSVCell(f *testing.F) {
	for _, s := range []string{"=1+1", "+1", "-1", "@x", "\t=1", "\r=1", "plain", "", "'=1", "a\"b\nc", "=\"\"\n\r"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, v string) {
		got := csvCell(v)
		if got != "" && strings.ContainsRune("=+-@\t\r", rune(got[0])) {
			t.Fatalf("csvCell(%q) = %q starts with a formula character", v, got)
		}
		if got != v && got != "'"+v {
			t.Fatalf("csvCell(%q) = %q changed the value", v, got)
		}
		line := csvQuote(got) + "," + csvQuote("x")
		r := csv.NewReader(strings.NewReader(line))
		r.LazyQuotes = false
		rec, err := r.Read()
		if err != nil || len(rec) != 2 || rec[1] != "x" {
			t.Fatalf("csvQuote(%q) does not read back as one field: %q %v", got, rec, err)
		}
	})
}
