package collector_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/anythingllm-go/anythingllm/anythingllm"
	"github.com/anythingllm-go/anythingllm/anythingllm/collector"
)

var (
	// shared is one PDFium collector for the whole package: the engine is
	// compiled once per test binary, into a cache directory that is reused.
	shared   *collector.Collector
	cacheDir string
)

// TestMain starts one PDFium collector for the package. Its compiled
// WebAssembly is cached in the user cache directory, so only the first
// test run on a machine pays the compilation (about 30 s under -race,
// 4 s without); a temporary directory is used when there is none.
func TestMain(m *testing.M) {
	dir := ""
	if base, err := os.UserCacheDir(); err == nil {
		dir = filepath.Join(base, "anythingllm-go-test", "wazero")
		if os.MkdirAll(dir, 0o755) != nil {
			dir = ""
		}
	}
	if dir == "" {
		tmp, err := os.MkdirTemp("", "collector-wazero-")
		if err != nil {
			panic(err)
		}
		dir = tmp
	}
	cacheDir = dir
	shared = collector.New(&collector.Options{CacheDir: dir, ParseTimeout: 2 * time.Minute})
	code := m.Run()
	shared.Close()
	if strings.Contains(dir, "collector-wazero-") {
		os.RemoveAll(dir)
	}
	os.Exit(code)
}

var fixedNow = time.Date(2024, 1, 16, 15, 7, 0, 0, time.UTC)

func light() *collector.Collector {
	return collector.New(&collector.Options{PDFEngine: collector.PDFLight, Now: func() time.Time { return fixedNow }})
}

func fixture(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func parseFixture(t *testing.T, c *collector.Collector, name string) []anythingllm.Document {
	t.Helper()
	docs, err := c.ParseFile(context.Background(), name, bytes.NewReader(fixture(t, name)), nil)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return docs
}

func TestEveryFormatYieldsItsText(t *testing.T) {
	c := light()
	for name, want := range map[string][]string{
		"sample.txt":     {"zeppelins", "Café naïve — ünïcödé"},
		"sample.md":      {"# Heading", "marmots"},
		"sample.csv":     {"quokka,brown", `"Smith, J"`},
		"sample.json":    {`"animal":"pangolin"`},
		"sample.xml":     {"<animal>axolotl</animal>"},
		"sample.html":    {"# Narwhals", "about narwhals", "| tusk |"},
		"sample.htm":     {"okapis"},
		"notes.cfg":      {"tapirs"},
		"sample.docx":    {"otters", "\ttabbed\nafter break", "cell alpha", "Café naïve"},
		"sample.pptx":    {"lemurs", "walruses", "puffins"},
		"sample.odt":     {"Heading Ünïcödé", "badgers", "two   spaces\ttab", "wombat"},
		"sample.odp":     {"herons"},
		"sample.epub":    {"# Chapter One", "lighthouses", "harbours", "| Name | Value |"},
		"sample.eml":     {"Revenue grew in the north region. Café naïve, a soft line break.", "Subject: Quarterly numbers — north", "From: Carol Élève <carol@example.com>", "Attachments: figures.bin"},
		"sample.pdf":     {"volcanoes", "glaciers"},
		"sample.xlsx":    {"mango,3,\"ripe, sweet\"", "warehouse kiwi"},
		"sample.mbox":    {"ravens", "From the archive", "5 €, café about herons", "owls"},
		"owner-only.pdf": {"volcanoes"},
	} {
		t.Run(name, func(t *testing.T) {
			docs := parseFixture(t, c, name)
			var all strings.Builder
			for _, d := range docs {
				all.WriteString(d.PageContent)
				all.WriteString("\n")
			}
			for _, w := range want {
				if !strings.Contains(all.String(), w) {
					t.Errorf("%q missing from %q", w, all.String())
				}
			}
		})
	}
}

func TestHTMLJunkIsRemoved(t *testing.T) {
	doc := parseFixture(t, light(), "sample.html")[0]
	for _, junk := range []string{"NAVJUNK", "SCRIPTJUNK", "FOOTJUNK", "<p>"} {
		if strings.Contains(doc.PageContent, junk) {
			t.Errorf("%q left in %q", junk, doc.PageContent)
		}
	}
}

func TestSlidesInPresentationOrder(t *testing.T) {
	text := parseFixture(t, light(), "sample.pptx")[0].PageContent
	a, b, c := strings.Index(text, "lemurs"), strings.Index(text, "walruses"), strings.Index(text, "puffins")
	if !(a < b && b < c) {
		t.Fatalf("slides out of presentation order: %q", text)
	}
}

func TestDocumentFieldsFollowUpstream(t *testing.T) {
	c := light()
	uuidRE := regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)

	txt := parseFixture(t, c, "sample.txt")[0]
	content := string(fixture(t, "sample.txt"))
	want := anythingllm.Document{
		ID: txt.ID, URL: "file://sample.txt", Title: "sample.txt", DocAuthor: "Unknown", Description: "Unknown",
		DocSource: "a text file uploaded by the user.", ChunkSource: "", Published: "1/16/2024, 3:07:00 PM",
		WordCount: len(strings.Split(content, " ")), PageContent: content, TokenCountEstimate: txt.TokenCountEstimate,
	}
	if txt != want {
		t.Fatalf("txt document\n got %+v\nwant %+v", txt, want)
	}
	if !uuidRE.MatchString(txt.ID) || txt.TokenCountEstimate < 5 || txt.TokenCountEstimate > 40 {
		t.Fatalf("id %q or token estimate %d wrong", txt.ID, txt.TokenCountEstimate)
	}

	pdf := parseFixture(t, c, "sample.pdf")[0]
	if pdf.DocAuthor != "Fixture Writer" || pdf.Description != "Fixture Title" || pdf.DocSource != "pdf file uploaded by the user." {
		t.Fatalf("pdf fields: %+v", pdf)
	}
	if d := parseFixture(t, c, "sample.docx")[0]; d.DocAuthor != "no author found" || d.Description != "No description found." || d.DocSource != "docx file uploaded by the user." {
		t.Fatalf("docx fields: %+v", d)
	}

	// Metadata overrides the defaults; published follows epoch ms.
	meta := &collector.Metadata{Title: "Custom", DocAuthor: "Me", Description: "D", DocSource: "S", ChunkSource: "C"}
	docs, err := c.ParseFile(context.Background(), "sample.txt", bytes.NewReader(fixture(t, "sample.txt")), meta)
	if err != nil {
		t.Fatal(err)
	}
	if d := docs[0]; d.Title != "Custom" || d.DocAuthor != "Me" || d.Description != "D" || d.DocSource != "S" || d.ChunkSource != "C" {
		t.Fatalf("metadata not applied: %+v", d)
	}
}

func TestXLSXOneDocumentPerSheet(t *testing.T) {
	docs := parseFixture(t, light(), "sample.xlsx")
	if len(docs) != 2 { // the empty third sheet is skipped
		t.Fatalf("%d documents, want 2", len(docs))
	}
	d := docs[0]
	if d.Title != "sample.xlsx - Sheet:Prices" || d.Description != "Spreadsheet data from sheet: Prices" || d.DocSource != "an xlsx file uploaded by the user." || d.URL != "file://Prices.csv" {
		t.Fatalf("sheet fields: %+v", d)
	}
	if want := "fruit,price,note\nmango,3,\"ripe, sweet\"\nCafé,4.5,\"say \"\"hi\"\"\""; d.PageContent != want {
		t.Fatalf("sheet CSV %q, want %q", d.PageContent, want)
	}
	if d.WordCount != len(strings.Fields(d.PageContent)) {
		t.Fatalf("word count %d", d.WordCount)
	}
}

func TestMBOXOneDocumentPerMessage(t *testing.T) {
	docs := parseFixture(t, light(), "sample.mbox")
	if len(docs) != 3 {
		t.Fatalf("%d documents, want 3", len(docs))
	}
	if d := docs[0]; d.Title != "First-message.mbox" || d.DocAuthor != "Alice <alice@example.com>" || d.ChunkSource != "sample.mbox" || d.DocSource != "Mbox message file uploaded by the user." {
		t.Fatalf("first message fields: %+v", d)
	}
	if d := docs[2]; d.Title != "msg_3-sample.mbox" || strings.Contains(d.PageContent, "x()") {
		t.Fatalf("subjectless message: %+v", d)
	}
}

// errorFor parses a fixture (or raw bytes) and returns the error.
func errorFor(t *testing.T, c *collector.Collector, name string, data []byte) error {
	t.Helper()
	if data == nil {
		data = fixture(t, name)
	}
	_, err := c.ParseFile(context.Background(), name, bytes.NewReader(data), nil)
	if err == nil {
		t.Fatalf("%s parsed without error", name)
	}
	return err
}

func checkErr(t *testing.T, err error, code anythingllm.ErrorCode, contains ...string) {
	t.Helper()
	var ae *anythingllm.Error
	if !errors.As(err, &ae) || ae.Code != code {
		t.Fatalf("error %v: want an *anythingllm.Error with code %v", err, code)
	}
	for _, s := range contains {
		if !strings.Contains(ae.Message, s) {
			t.Fatalf("message %q lacks %q", ae.Message, s)
		}
	}
}

func failureCases(t *testing.T, c *collector.Collector) {
	checkErr(t, errorFor(t, c, "encrypted.pdf", nil), anythingllm.InvalidArgument, "encrypted.pdf is encrypted")
	checkErr(t, errorFor(t, c, "corrupt.pdf", nil), anythingllm.InvalidArgument, "corrupt.pdf could not be parsed")
	checkErr(t, errorFor(t, c, "scanned.pdf", nil), anythingllm.InvalidArgument, "No text content found in scanned.pdf.")
	checkErr(t, errorFor(t, c, "report.pdf", []byte("not a pdf at all")), anythingllm.InvalidArgument, "report.pdf")
}

func TestFailuresNameTheFile(t *testing.T) {
	c := light()
	failureCases(t, c)
	checkErr(t, errorFor(t, c, "empty.txt", nil), anythingllm.InvalidArgument, "No text content found in empty.txt.")
	checkErr(t, errorFor(t, c, "blank.md", []byte("  \n\n ")), anythingllm.InvalidArgument, "No text content found in blank.md.")
	checkErr(t, errorFor(t, c, "binary.xyz", nil), anythingllm.InvalidArgument, "File extension .xyz not supported for parsing and cannot be assumed as text file type.")
	checkErr(t, errorFor(t, c, "photo.png", []byte("\x89PNG\r\n\x1a\n")), anythingllm.InvalidArgument, "File extension .png not supported")
	checkErr(t, errorFor(t, c, "bomb.docx", nil), anythingllm.InvalidArgument, "bomb.docx looks like a decompression bomb")
	checkErr(t, errorFor(t, c, "broken.docx", []byte("PK\x03\x04garbage")), anythingllm.InvalidArgument, "broken.docx could not be parsed")
	checkErr(t, errorFor(t, c, "broken.xlsx", []byte("PK\x03\x04garbage")), anythingllm.InvalidArgument, "broken.xlsx")
	checkErr(t, errorFor(t, c, "README", []byte("text")), anythingllm.InvalidArgument, "No file extension found.")
	checkErr(t, errorFor(t, c, "../../etc/passwd.txt", []byte("text")), anythingllm.InvalidArgument, "..")

	small := collector.New(&collector.Options{MaxFileBytes: 10})
	checkErr(t, errorFor(t, small, "big.txt", []byte("more than ten bytes")), anythingllm.TooLarge, "big.txt")
}

func TestPDFiumEngine(t *testing.T) {
	if testing.Short() {
		t.Skip("compiling PDFium takes seconds; skipped with -short")
	}
	docs := parseFixture(t, shared, "sample.pdf")
	if d := docs[0]; !strings.Contains(d.PageContent, "volcanoes") || !strings.Contains(d.PageContent, "glaciers") || d.DocAuthor != "Fixture Writer" {
		t.Fatalf("pdfium document: %+v", d)
	}
	parseFixture(t, shared, "owner-only.pdf")
	failureCases(t, shared)
}

// A page tree that contains itself hangs naive readers; it must end
// promptly with the text of the good page or a clear error, on both
// engines.
func TestCyclicPageTreeDoesNotHang(t *testing.T) {
	engines := map[string]*collector.Collector{"light": collector.New(&collector.Options{PDFEngine: collector.PDFLight, ParseTimeout: 5 * time.Second})}
	if !testing.Short() {
		engines["pdfium"] = shared
	}
	for name, c := range engines {
		start := time.Now()
		docs, err := c.ParseFile(context.Background(), "loop.pdf", bytes.NewReader(fixture(t, "loop.pdf")), nil)
		if time.Since(start) > 30*time.Second {
			t.Fatalf("%s: took %s", name, time.Since(start))
		}
		if err == nil {
			if !strings.Contains(docs[0].PageContent, "comets") {
				t.Fatalf("%s: no error and no text: %+v", name, docs)
			}
			continue
		}
		checkErr(t, err, anythingllm.InvalidArgument, "loop.pdf")
	}
}

// manyPagesPDF builds an n-page text PDF in memory.
func manyPagesPDF(n int) []byte {
	var b bytes.Buffer
	b.WriteString("%PDF-1.4\n")
	var offsets []int
	obj := func(body string) {
		offsets = append(offsets, b.Len())
		fmt.Fprintf(&b, "%d 0 obj\n%s\nendobj\n", len(offsets), body)
	}
	kids := make([]string, n)
	for i := range n {
		kids[i] = fmt.Sprintf("%d 0 R", 4+2*i)
	}
	obj("<< /Type /Catalog /Pages 2 0 R >>")
	obj(fmt.Sprintf("<< /Type /Pages /Kids [%s] /Count %d >>", strings.Join(kids, " "), n))
	obj("<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>")
	for i := range n {
		content := fmt.Sprintf("BT /F1 12 Tf 72 720 Td (Page %d of a long report about estuaries.) Tj ET", i)
		obj(fmt.Sprintf("<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 3 0 R >> >> /Contents %d 0 R >>", 5+2*i))
		obj(fmt.Sprintf("<< /Length %d >>\nstream\n%s\nendstream", len(content), content))
	}
	xref := b.Len()
	fmt.Fprintf(&b, "xref\n0 %d\n0000000000 65535 f \n", len(offsets)+1)
	for _, off := range offsets {
		fmt.Fprintf(&b, "%010d 00000 n \n", off)
	}
	fmt.Fprintf(&b, "trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n", len(offsets)+1, xref)
	return b.Bytes()
}

// A parse that overruns ParseTimeout is interrupted inside the PDF engine
// and reported as DeadlineExceeded naming the file; the engine keeps
// working for the next file.
func TestParseTimeoutReturnsPromptly(t *testing.T) {
	if testing.Short() {
		t.Skip("needs the PDFium engine")
	}
	c := collector.New(&collector.Options{CacheDir: cacheDir})
	defer c.Close()
	// Start the engine first, so the deadline falls inside the extraction.
	if _, err := c.ParseFile(context.Background(), "sample.pdf", bytes.NewReader(fixture(t, "sample.pdf")), nil); err != nil {
		t.Fatal(err)
	}
	big := manyPagesPDF(9000) // under the page limit, far over the deadline
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := c.ParseFile(ctx, "long.pdf", bytes.NewReader(big), nil)
	if d := time.Since(start); d > 10*time.Second {
		t.Fatalf("timeout took %s", d)
	}
	checkErr(t, err, anythingllm.DeadlineExceeded, "long.pdf took too long")
	if _, err := c.ParseFile(context.Background(), "sample.pdf", bytes.NewReader(fixture(t, "sample.pdf")), nil); err != nil {
		t.Fatalf("engine broken after a timeout: %v", err)
	}
}

func BenchmarkParseFilePDFium200Pages(b *testing.B) {
	data := manyPagesPDF(200)
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		if _, err := shared.ParseFile(context.Background(), "long.pdf", bytes.NewReader(data), nil); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkParseFilePDFLight200Pages(b *testing.B) {
	data := manyPagesPDF(200)
	c := light()
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		if _, err := c.ParseFile(context.Background(), "long.pdf", bytes.NewReader(data), nil); err != nil {
			b.Fatal(err)
		}
	}
}

func TestParseTextFollowsRawTextRoute(t *testing.T) {
	c := light()
	ctx := context.Background()
	if _, err := c.ParseText(ctx, "x", &collector.Metadata{}); err == nil || !strings.Contains(err.Error(), "'title'") {
		t.Fatalf("missing title: %v", err)
	}
	if _, err := c.ParseText(ctx, "  ", &collector.Metadata{Title: "t"}); err == nil || !strings.Contains(err.Error(), "textContent") {
		t.Fatalf("empty text: %v", err)
	}
	d, err := c.ParseText(ctx, "some raw words", &collector.Metadata{Title: "My Notes.md", Published: "1705417620000"})
	if err != nil {
		t.Fatal(err)
	}
	want := anythingllm.Document{ID: d.ID, URL: "file://my-notes.txt", Title: "my-notes.txt", DocAuthor: "no author specified",
		Description: "no description found", DocSource: "no source set", ChunkSource: "my-notes.txt",
		Published: "1/16/2024, 3:07:00 PM", WordCount: 3, PageContent: "some raw words", TokenCountEstimate: 3}
	if d != want {
		t.Fatalf("raw text\n got %+v\nwant %+v", d, want)
	}
	d, _ = c.ParseText(ctx, "x", &collector.Metadata{Title: "t", URL: "https://Example.com/A"})
	if d.URL != "web://https://example.com/a.website" {
		t.Fatalf("url %q", d.URL)
	}
	if got := collector.RawTextFileName("My Notes.md", "id"); got != "raw-my-notes-id.json" {
		t.Fatalf("raw file name %q", got)
	}
}

func TestFileNames(t *testing.T) {
	for in, want := range map[string]string{
		"My File.pdf":        "My-File.pdf-ID.json",
		"café “quoted”.docx": "cafe-quoted.docx-ID.json",
		"a<b>:c|d?.txt":      "abcd.txt-ID.json",
		"???":                "document-ID.json",
	} {
		if got := collector.DocumentFileName(in, "ID"); got != want {
			t.Errorf("DocumentFileName(%q) = %q, want %q", in, got, want)
		}
	}
	if got := collector.LinkFileName("https://example.com/docs/page", "ID"); got != "url-example.com_docs_page-ID.json" {
		t.Errorf("LinkFileName = %q", got)
	}
	for in, want := range map[string]string{
		"report.pdf":            "report.pdf",
		`C:\Users\me\notes.txt`: "notes.txt",
		"dir/sub/‘q’a:b.md":     "qab.md",
		"  spaced.txt  ":        "spaced.txt",
	} {
		if got, err := collector.SanitizeFileName(in); err != nil || got != want {
			t.Errorf("SanitizeFileName(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, bad := range []string{"", "..", "../x.txt", "a/../b.txt", "a\x00.txt", "<>"} {
		if _, err := collector.SanitizeFileName(bad); !errors.Is(err, anythingllm.ErrInvalidArgument) {
			t.Errorf("SanitizeFileName(%q) = %v, want InvalidArgument", bad, err)
		}
	}
}

func TestAcceptedAndSupportedTypes(t *testing.T) {
	acc := collector.AcceptedFileTypes()
	if len(acc) != 25 || fmt.Sprint(acc["text/plain"]) != "[.txt .md .org .adoc .rst]" || fmt.Sprint(acc["audio/ogg"]) != "[.ogg .oga]" {
		t.Fatalf("accepted types: %v", acc)
	}
	acc["text/plain"][0] = "mutated"
	if collector.AcceptedFileTypes()["text/plain"][0] != ".txt" {
		t.Fatal("AcceptedFileTypes shares its slices")
	}
	for _, n := range []string{"a.PDF", "b.docx", "c.eml", "d.htm", "e.xml", "f.mbox"} {
		if !collector.SupportedExtension(n) {
			t.Errorf("%s not supported", n)
		}
	}
	for _, n := range []string{"a.png", "b.mp3", "c"} {
		if collector.SupportedExtension(n) {
			t.Errorf("%s supported", n)
		}
	}
	if got := collector.SupportedFileTypes()["message/rfc822"]; fmt.Sprint(got) != "[.eml]" {
		t.Fatalf("supported eml: %v", got)
	}
}

func TestParseNeverPanicsOnGarbage(t *testing.T) {
	c := light()
	seeds := [][]byte{fixture(t, "sample.docx"), fixture(t, "sample.pdf"), fixture(t, "sample.epub"), fixture(t, "sample.xlsx"), fixture(t, "sample.eml")}
	names := []string{"f.docx", "f.pdf", "f.epub", "f.xlsx", "f.eml"}
	for i, seed := range seeds {
		for j := range 60 {
			b := bytes.Clone(seed)
			for k := 0; k < 1+j%7; k++ {
				b[(j*7919+k*104729)%len(b)] ^= byte(j*31 + k + 1)
			}
			_, err := c.ParseFile(context.Background(), names[i], bytes.NewReader(b), nil)
			if err != nil {
				var ae *anythingllm.Error
				if !errors.As(err, &ae) || !strings.Contains(ae.Message, "f.") && !strings.Contains(ae.Message, "No ") {
					t.Fatalf("%s mutation %d: error without the file name: %v", names[i], j, err)
				}
			}
		}
	}
}

func TestFileParserCompatibility(t *testing.T) {
	var p anythingllm.FileParser = light()
	if !p.Supports("x.docx") || p.Supports("x.txt") {
		t.Fatal("Supports: binary formats only")
	}
	parts, err := p.Parse(context.Background(), "sample.docx", fixture(t, "sample.docx"))
	if err != nil || len(parts) != 1 || !strings.Contains(parts[0].Text, "otters") {
		t.Fatalf("Parse: %v %+v", err, parts)
	}
	if _, ok := p.MIMETypes()["application/pdf"]; !ok {
		t.Fatal("MIMETypes lacks PDF")
	}
}

func BenchmarkParseFileTXT(b *testing.B) {
	c := light()
	data := bytes.Repeat([]byte("The quick brown fox jumps over the lazy dog.\n"), 20000) // 900 KB
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		if _, err := c.ParseFile(context.Background(), "big.txt", bytes.NewReader(data), nil); err != nil {
			b.Fatal(err)
		}
	}
}

func benchPDF(b *testing.B, c *collector.Collector) {
	data := fixture(b, "sample.pdf")
	b.SetBytes(int64(len(data)))
	if _, err := c.ParseFile(context.Background(), "sample.pdf", bytes.NewReader(data), nil); err != nil {
		b.Fatal(err) // also starts the engine outside the timed loop
	}
	b.ResetTimer()
	for b.Loop() {
		if _, err := c.ParseFile(context.Background(), "sample.pdf", bytes.NewReader(data), nil); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkParseFilePDFium(b *testing.B)   { benchPDF(b, shared) }
func BenchmarkParseFilePDFLight(b *testing.B) { benchPDF(b, light()) }

func TestPDFPageLimit(t *testing.T) {
	c := collector.New(&collector.Options{PDFEngine: collector.PDFLight, MaxPDFPages: 5})
	_, err := c.ParseFile(context.Background(), "ten.pdf", bytes.NewReader(manyPagesPDF(10)), nil)
	checkErr(t, err, anythingllm.TooLarge, "ten.pdf has 10 pages")
}
