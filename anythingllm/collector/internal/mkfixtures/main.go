// Command mkfixtures writes the collector's test files into
// anythingllm/collector/testdata. Every file is generated here from
// scratch (real container layouts, correct PDF cross-reference tables), so
// the fixtures are our own and CI needs no office suite:
//
//	go run ./anythingllm/collector/internal/mkfixtures anythingllm/collector/testdata
package main

import (
	"archive/zip"
	"bytes"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"strings"

	"github.com/pdfcpu/pdfcpu/pkg/api"
	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu/model"
	"github.com/xuri/excelize/v2"
)

func main() {
	dir := "anythingllm/collector/testdata"
	if len(os.Args) > 1 {
		dir = os.Args[1]
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		log.Fatal(err)
	}
	write := func(name string, data []byte) {
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
			log.Fatal(err)
		}
	}
	const uni = "Café naïve — ünïcödé"

	write("sample.txt", []byte("Plain text about zeppelins.\n"+uni+"\n"))
	write("sample.md", []byte("# Heading\n\nMarkdown about marmots. "+uni+"\n"))
	write("sample.csv", []byte("name,colour\nquokka,brown\n\"Smith, J\","+uni+"\n"))
	write("sample.json", []byte(`{"animal":"pangolin","note":"`+uni+`"}`+"\n"))
	write("sample.xml", []byte(`<?xml version="1.0"?><zoo><animal>axolotl</animal><note>`+uni+`</note></zoo>`+"\n"))
	write("sample.html", []byte(`<!doctype html><html><head><title>T</title><style>.x{}</style></head><body>
<nav>Home | NAVJUNK</nav><article><h1>Narwhals</h1><p>An article about narwhals. `+uni+`</p>
<table><tr><th>Name</th><th>Value</th></tr><tr><td>tusk</td><td>1</td></tr></table>
<script>SCRIPTJUNK()</script></article><footer>FOOTJUNK</footer></body></html>`))
	write("sample.htm", []byte(`<html><body><p>Old-style htm page about okapis.</p></body></html>`))
	write("notes.cfg", []byte("key = value\n# an unknown extension whose bytes are text: tapirs\n"))
	write("binary.xyz", append([]byte{0, 1, 2, 3, 0, 0, 0x7f, 0x10}, bytes.Repeat([]byte{0, 0xff}, 100)...))
	write("empty.txt", nil)

	text := textPDF([]string{"PDF page one about volcanoes.", "Second page about glaciers."}, "Fixture Writer", "Fixture Title", false)
	write("sample.pdf", text)
	write("loop.pdf", textPDF([]string{"Looping page tree about comets."}, "", "", true))
	write("scanned.pdf", imagePDF())
	write("corrupt.pdf", text[:len(text)/2])
	write("encrypted.pdf", encrypt(text, "user123", "owner456"))
	write("owner-only.pdf", encrypt(text, "", "owner456"))

	write("sample.docx", docx("Word paragraph about otters.", uni))
	write("sample.pptx", pptx())
	write("sample.odt", odf("application/vnd.oasis.opendocument.text", "office:text", "OpenDocument text about badgers."))
	write("sample.odp", odf("application/vnd.oasis.opendocument.presentation", "office:presentation", "Presentation about herons."))
	write("sample.epub", epub())
	write("sample.xlsx", xlsx())
	write("sample.eml", []byte(eml))
	write("sample.mbox", []byte(mbox))
	write("bomb.docx", bomb())
}

// textPDF writes a PDF whose pages each show one line in Helvetica, with
// an Info dictionary; loop makes the page tree contain itself.
func textPDF(pages []string, creator, title string, loop bool) []byte {
	var objs []string
	kids := make([]string, len(pages))
	for i := range pages {
		kids[i] = fmt.Sprintf("%d 0 R", 5+2*i)
	}
	if loop {
		kids = append(kids, "2 0 R")
	}
	objs = append(objs,
		"<< /Type /Catalog /Pages 2 0 R >>",
		fmt.Sprintf("<< /Type /Pages /Kids [%s] /Count %d >>", strings.Join(kids, " "), len(pages)+boolInt(loop)),
		"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
		fmt.Sprintf("<< /Creator (%s) /Title (%s) /Producer (mkfixtures) >>", creator, title),
	)
	for i, t := range pages {
		content := fmt.Sprintf("BT /F1 14 Tf 72 720 Td (%s) Tj ET", t)
		objs = append(objs,
			fmt.Sprintf("<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 3 0 R >> >> /Contents %d 0 R >>", 6+2*i),
			fmt.Sprintf("<< /Length %d >>\nstream\n%s\nendstream", len(content), content))
	}
	return assemble(objs, "/Info 4 0 R")
}

// imagePDF is a "scanned" page: one grey image, no text layer.
func imagePDF() []byte {
	const w, h = 16, 16
	img := bytes.Repeat([]byte{0x40, 0xc0}, w*h/2)
	content := "q 200 0 0 200 72 500 cm /Im1 Do Q"
	objs := []string{
		"<< /Type /Catalog /Pages 2 0 R >>",
		"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
		"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /XObject << /Im1 4 0 R >> >> /Contents 5 0 R >>",
		fmt.Sprintf("<< /Type /XObject /Subtype /Image /Width %d /Height %d /ColorSpace /DeviceGray /BitsPerComponent 8 /Length %d >>\nstream\n%s\nendstream", w, h, len(img), img),
		fmt.Sprintf("<< /Length %d >>\nstream\n%s\nendstream", len(content), content),
	}
	return assemble(objs, "")
}

func assemble(objs []string, trailerExtra string) []byte {
	var b bytes.Buffer
	b.WriteString("%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
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
	fmt.Fprintf(&b, "trailer\n<< /Size %d /Root 1 0 R %s >>\nstartxref\n%d\n%%%%EOF\n", len(objs)+1, trailerExtra, xref)
	return b.Bytes()
}

func encrypt(pdf []byte, user, owner string) []byte {
	var out bytes.Buffer
	if err := api.Encrypt(bytes.NewReader(pdf), &out, model.NewAESConfiguration(user, owner, 256)); err != nil {
		log.Fatal(err)
	}
	return out.Bytes()
}

type file struct{ name, body string }

func zipOf(files ...file) []byte {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, f := range files {
		method := zip.Deflate
		if f.name == "mimetype" {
			method = zip.Store // OpenDocument and EPUB want it first and stored
		}
		w, err := zw.CreateHeader(&zip.FileHeader{Name: f.name, Method: method})
		if err != nil {
			log.Fatal(err)
		}
		w.Write([]byte(f.body))
	}
	if err := zw.Close(); err != nil {
		log.Fatal(err)
	}
	return buf.Bytes()
}

const ctOOXML = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>%s</Types>`

func docx(paragraphs ...string) []byte {
	var body strings.Builder
	for i, p := range paragraphs {
		fmt.Fprintf(&body, `<w:p><w:r><w:t xml:space="preserve">%s</w:t></w:r>`, p)
		if i == 0 {
			body.WriteString(`<w:r><w:tab/><w:t>tabbed</w:t><w:br/><w:t>after break</w:t></w:r>`)
		}
		body.WriteString(`</w:p>`)
	}
	body.WriteString(`<w:tbl><w:tr><w:tc><w:p><w:r><w:t>cell alpha</w:t></w:r></w:p></w:tc><w:tc><w:p><w:r><w:t>cell beta</w:t></w:r></w:p></w:tc></w:tr></w:tbl>`)
	return zipOf(
		file{"[Content_Types].xml", fmt.Sprintf(ctOOXML, `<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/>`)},
		file{"_rels/.rels", `<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/></Relationships>`},
		file{"word/document.xml", `<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>` + body.String() + `</w:body></w:document>`},
	)
}

// pptx has three slides whose files are numbered out of presentation
// order (slide3 is shown first), to test the sldIdLst ordering.
func pptx() []byte {
	slide := func(text string) string {
		return `<?xml version="1.0"?><p:sld xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main" xmlns:p="http://schemas.openxmlformats.org/presentationml/2006/main"><p:cSld><p:spTree><p:sp><p:txBody><a:p><a:r><a:t>` + text + `</a:t></a:r></a:p></p:txBody></p:sp></p:spTree></p:cSld></p:sld>`
	}
	return zipOf(
		file{"[Content_Types].xml", fmt.Sprintf(ctOOXML, `<Override PartName="/ppt/presentation.xml" ContentType="application/vnd.openxmlformats-officedocument.presentationml.presentation.main+xml"/>`)},
		file{"ppt/presentation.xml", `<?xml version="1.0"?><p:presentation xmlns:p="http://schemas.openxmlformats.org/presentationml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><p:sldIdLst><p:sldId id="256" r:id="rId3"/><p:sldId id="257" r:id="rId1"/><p:sldId id="258" r:id="rId2"/></p:sldIdLst></p:presentation>`},
		file{"ppt/_rels/presentation.xml.rels", `<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/slide" Target="slides/slide1.xml"/><Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/slide" Target="slides/slide2.xml"/><Relationship Id="rId3" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/slide" Target="slides/slide3.xml"/></Relationships>`},
		file{"ppt/slides/slide1.xml", slide("Second slide about walruses")},
		file{"ppt/slides/slide2.xml", slide("Third slide about puffins")},
		file{"ppt/slides/slide3.xml", slide("First slide about lemurs")},
	)
}

func odf(mimetype, bodyTag, text string) []byte {
	return zipOf(
		file{"mimetype", mimetype},
		file{"META-INF/manifest.xml", `<?xml version="1.0"?><manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0"><manifest:file-entry manifest:full-path="/" manifest:media-type="` + mimetype + `"/><manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/></manifest:manifest>`},
		file{"content.xml", `<?xml version="1.0" encoding="UTF-8"?><office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2"><office:body><` + bodyTag + `><text:h text:outline-level="1">Heading Ünïcödé</text:h><text:p>` + text + `</text:p><text:p>two<text:s text:c="3"/>spaces<text:tab/>tab</text:p><text:list><text:list-item><text:p>list item wombat</text:p></text:list-item></text:list></` + bodyTag + `></office:body></office:document-content>`},
	)
}

func epub() []byte {
	return zipOf(
		file{"mimetype", "application/epub+zip"},
		file{"META-INF/container.xml", `<?xml version="1.0"?><container version="1.0" xmlns="urn:oasis:names:tc:opendocument:xmlns:container"><rootfiles><rootfile full-path="OEBPS/content.opf" media-type="application/oebps-package+xml"/></rootfiles></container>`},
		file{"OEBPS/content.opf", `<?xml version="1.0"?><package xmlns="http://www.idpf.org/2007/opf" version="3.0" unique-identifier="id"><metadata xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:identifier id="id">fixture</dc:identifier><dc:title>The Fixture Book</dc:title><dc:creator>Bo Author</dc:creator><dc:language>en</dc:language></metadata>
<manifest><item id="c2" href="ch2.xhtml" media-type="application/xhtml+xml"/><item id="c1" href="ch1.xhtml" media-type="application/xhtml+xml"/></manifest><spine><itemref idref="c1"/><itemref idref="c2"/></spine></package>`},
		file{"OEBPS/ch1.xhtml", `<?xml version="1.0"?><html xmlns="http://www.w3.org/1999/xhtml"><head><title>One</title></head><body><h1>Chapter One</h1><p>Chapter one about lighthouses.</p></body></html>`},
		file{"OEBPS/ch2.xhtml", `<?xml version="1.0"?><html xmlns="http://www.w3.org/1999/xhtml"><head><title>Two</title></head><body><h1>Chapter Two</h1><p>Chapter two about harbours.</p><table><tr><th>Name</th><th>Value</th></tr><tr><td>one</td><td>1</td></tr></table></body></html>`},
	)
}

func xlsx() []byte {
	f := excelize.NewFile()
	f.SetSheetName("Sheet1", "Prices")
	f.SetSheetRow("Prices", "A1", &[]any{"fruit", "price", "note"})
	f.SetSheetRow("Prices", "A2", &[]any{"mango", 3, "ripe, sweet"})
	f.SetSheetRow("Prices", "A3", &[]any{"Café", 4.5, `say "hi"`})
	f.NewSheet("Stock")
	f.SetCellValue("Stock", "A1", "warehouse kiwi")
	f.NewSheet("Empty")
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		log.Fatal(err)
	}
	return buf.Bytes()
}

// bomb is a .docx whose document.xml inflates 20 MB of zeros from ~20 KB (ratio ~1000).
func bomb() []byte {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	w, _ := zw.Create("[Content_Types].xml")
	w.Write([]byte(fmt.Sprintf(ctOOXML, "")))
	w, _ = zw.Create("word/document.xml")
	chunk := make([]byte, 1<<20)
	for range 20 {
		w.Write(chunk)
	}
	if err := zw.Close(); err != nil {
		log.Fatal(err)
	}
	return buf.Bytes()
}

const eml = "From: =?UTF-8?B?Q2Fyb2wgw4lsw6h2ZQ==?= <carol@example.com>\r\n" +
	"To: dan@example.com\r\n" +
	"Subject: =?UTF-8?B?UXVhcnRlcmx5IG51bWJlcnMg4oCUIG5vcnRo?=\r\n" +
	"Date: Tue, 16 Jan 2024 15:07:00 +0000\r\n" +
	"MIME-Version: 1.0\r\n" +
	"Content-Type: multipart/mixed; boundary=outer\r\n\r\n" +
	"--outer\r\nContent-Type: multipart/alternative; boundary=inner\r\n\r\n" +
	"--inner\r\nContent-Type: text/plain; charset=UTF-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n" +
	"Revenue grew in the north region. Caf=C3=A9 na=C3=AFve, a soft=\r\n line break.\r\n" +
	"--inner\r\nContent-Type: text/html; charset=UTF-8\r\n\r\n<p>Revenue grew (html)</p>\r\n" +
	"--inner--\r\n" +
	"--outer\r\nContent-Type: application/octet-stream\r\nContent-Disposition: attachment; filename=\"figures.bin\"\r\nContent-Transfer-Encoding: base64\r\n\r\nAAECAwQF\r\n" +
	"--outer--\r\n"

const mbox = "From alice@example.com Mon Jan  1 00:00:00 2024\n" +
	"From: Alice <alice@example.com>\nSubject: First. message\nContent-Type: text/plain\n\n" +
	"Body of the first message about ravens.\n>From the archive, quoted.\n\n" +
	"From bob@example.com Mon Jan  1 00:00:00 2024\n" +
	"From: Bob <bob@example.com>\nSubject: Windows mail\nContent-Type: text/plain; charset=windows-1252\nContent-Transfer-Encoding: quoted-printable\n\n" +
	"Price 5 =80, caf=E9 about herons.\n\n" +
	"From carol@example.com Mon Jan  1 00:00:00 2024\n" +
	"From: Carol <carol@example.com>\nContent-Type: text/html\n\n<html><body><b>HTML only</b> body about owls<script>x()</script></body></html>\n"

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}
