// Package collectortest builds small, genuine files of every format the
// collector reads (in each format's real container layout), for tests.
package collectortest

import (
	"archive/zip"
	"bytes"
	"fmt"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"
)

// ZipFile builds a zip container with the files in order (or any order).
func ZipFile(t testing.TB, files map[string]string, order ...string) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	if len(order) == 0 {
		for n := range files {
			order = append(order, n)
		}
	}
	for _, n := range order {
		w, err := zw.Create(n)
		if err != nil {
			t.Fatal(err)
		}
		w.Write([]byte(files[n]))
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// DOCX builds a Word document with these paragraphs.
func DOCX(t testing.TB, paragraphs ...string) []byte {
	var body strings.Builder
	for _, p := range paragraphs {
		fmt.Fprintf(&body, `<w:p><w:r><w:t>%s</w:t></w:r></w:p>`, p)
	}
	return ZipFile(t, map[string]string{
		"[Content_Types].xml": `<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>`,
		"word/document.xml":   `<?xml version="1.0"?><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>` + body.String() + `</w:body></w:document>`,
		"docProps/core.xml":   `<?xml version="1.0"?><cp:coreProperties xmlns:cp="x" xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:creator>Ada Writer</dc:creator></cp:coreProperties>`,
	})
}

// PPTX builds a presentation with n slides ("Slide number i").
func PPTX(t testing.TB, slides int) []byte {
	files := map[string]string{}
	for i := 1; i <= slides; i++ {
		files[fmt.Sprintf("ppt/slides/slide%d.xml", i)] = fmt.Sprintf(`<p:sld xmlns:p="p" xmlns:a="a"><p:cSld><p:spTree><p:sp><p:txBody><a:p><a:r><a:t>Slide number %d</a:t></a:r></a:p></p:txBody></p:sp></p:spTree></p:cSld></p:sld>`, i)
	}
	return ZipFile(t, files)
}

// ODF builds an OpenDocument file with a heading and the text.
func ODF(t testing.TB, text string) []byte {
	return ZipFile(t, map[string]string{
		"mimetype":    "application/vnd.oasis.opendocument.text",
		"content.xml": `<office:document-content xmlns:office="o" xmlns:text="t"><office:body><office:text><text:h>Heading</text:h><text:p>` + text + `</text:p></office:text></office:body></office:document-content>`,
	}, "mimetype", "content.xml")
}

// EPUB builds a two-chapter book.
func EPUB(t testing.TB) []byte {
	return ZipFile(t, map[string]string{
		"mimetype":               "application/epub+zip",
		"META-INF/container.xml": `<container><rootfiles><rootfile full-path="OEBPS/content.opf"/></rootfiles></container>`,
		"OEBPS/content.opf": `<package><metadata><dc:title xmlns:dc="d">The Book</dc:title><dc:creator xmlns:dc="d">Bo Author</dc:creator></metadata>
<manifest><item id="c2" href="ch2.xhtml"/><item id="c1" href="ch1.xhtml"/></manifest><spine><itemref idref="c1"/><itemref idref="c2"/></spine></package>`,
		"OEBPS/ch1.xhtml": `<html><body><p>Chapter one about lighthouses.</p></body></html>`,
		"OEBPS/ch2.xhtml": `<html><body><p>Chapter two about harbours.</p></body></html>`,
	}, "mimetype", "META-INF/container.xml", "OEBPS/content.opf", "OEBPS/ch1.xhtml", "OEBPS/ch2.xhtml")
}

// XLSX builds a two-sheet workbook.
func XLSX(t testing.TB) []byte {
	f := excelize.NewFile()
	f.SetCellValue("Sheet1", "A1", "fruit")
	f.SetCellValue("Sheet1", "B1", "price")
	f.SetCellValue("Sheet1", "A2", "mango")
	f.SetCellValue("Sheet1", "B2", 3)
	f.NewSheet("Stock")
	f.SetCellValue("Stock", "A1", "warehouse kiwi")
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// EML is a multipart e-mail message.
const EML = "From: Carol <carol@example.com>\r\nTo: dan@example.com\r\nSubject: Quarterly numbers\r\nDate: Mon, 16 Jan 2024 15:07:00 +0000\r\nMIME-Version: 1.0\r\nContent-Type: multipart/alternative; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nRevenue grew in the north region.\r\n--b\r\nContent-Type: text/html\r\n\r\n<p>Revenue grew</p>\r\n--b--\r\n"

// MBOX builds a mailbox of two messages.
func MBOX() []byte {
	m1 := "From: a@example.com\nSubject: First\nContent-Type: text/plain\n\nBody of the first message.\n"
	m2 := "From: b@example.com\nSubject: Second\nContent-Type: text/html\n\n<html><body><b>Second</b> body here<script>x()</script></body></html>\n"
	return []byte("From a@example.com Mon Jan 1 00:00:00 2024\n" + m1 + "\nFrom b@example.com Mon Jan 1 00:00:00 2024\n" + m2)
}

// PDF writes a minimal valid PDF (correct xref offsets) whose pages show
// the given lines; kids lets a test build a broken page tree.
func PDF(pages []string, selfLoop bool) []byte {
	var objs []string
	n := len(pages)
	kids := make([]string, n)
	for i := range pages {
		kids[i] = fmt.Sprintf("%d 0 R", 4+2*i)
	}
	if selfLoop {
		kids = append(kids, "2 0 R") // the page tree contains itself
	}
	objs = append(objs, "<< /Type /Catalog /Pages 2 0 R >>")
	objs = append(objs, fmt.Sprintf("<< /Type /Pages /Kids [%s] /Count %d >>", strings.Join(kids, " "), n))
	objs = append(objs, "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>")
	for i, text := range pages {
		content := fmt.Sprintf("BT /F1 12 Tf 72 720 Td (%s) Tj ET", text)
		objs = append(objs, fmt.Sprintf("<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 3 0 R >> >> /Contents %d 0 R >>", 5+2*i))
		objs = append(objs, fmt.Sprintf("<< /Length %d >>\nstream\n%s\nendstream", len(content), content))
	}
	var b bytes.Buffer
	b.WriteString("%PDF-1.4\n")
	offsets := make([]int, len(objs))
	for i, o := range objs {
		offsets[i] = b.Len()
		fmt.Fprintf(&b, "%d 0 obj\n%s\nendobj\n", i+1, o)
	}
	xref := b.Len()
	fmt.Fprintf(&b, "xref\n0 %d\n0000000000 65535 f \n", len(objs)+1)
	for _, off := range offsets {
		fmt.Fprintf(&b, "%010d 00000 n \n", off)
	}
	fmt.Fprintf(&b, "trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n", len(objs)+1, xref)
	return b.Bytes()
}
