package collector_test

import (
	"archive/zip"
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/anythingllm-go/anythingllm/anythingllm"
	"github.com/anythingllm-go/anythingllm/anythingllm/collector"
	"github.com/anythingllm-go/anythingllm/anythingllm/collector/collectortest"
	"github.com/pdfcpu/pdfcpu/pkg/api"
	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu/model"
)

func parse(t *testing.T, name string, data []byte) []collector.Part {
	t.Helper()
	parts, err := collector.Parse(context.Background(), name, data)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return parts
}

func TestFormatsYieldText(t *testing.T) {
	cases := []struct {
		name string
		data []byte
		want []string
	}{
		{"report.docx", collectortest.DOCX(t, "First paragraph about otters.", "Ünïcödé second paragraph."), []string{"otters", "Ünïcödé"}},
		{"deck.pptx", collectortest.PPTX(t, 11), []string{"Slide number 1\n", "Slide number 11"}},
		{"notes.odt", collectortest.ODF(t, "OpenDocument text about badgers."), []string{"Heading", "badgers"}},
		{"talk.odp", collectortest.ODF(t, "Presentation about herons."), []string{"herons"}},
		{"book.epub", collectortest.EPUB(t), []string{"lighthouses", "harbours"}},
		{"prices.xlsx", collectortest.XLSX(t), []string{"mango\t3"}},
		{"mail.eml", []byte(collectortest.EML), []string{"Subject: Quarterly numbers", "north region"}},
		{"doc.pdf", collectortest.PDF([]string{"PDF page about volcanoes", "Second page about glaciers"}, false), []string{"volcanoes", "glaciers"}},
	}
	for _, c := range cases {
		parts := parse(t, c.name, c.data)
		all := ""
		for _, p := range parts {
			all += p.Text
		}
		for _, w := range c.want {
			if !strings.Contains(all, w) {
				t.Errorf("%s: %q missing from %q", c.name, w, all)
			}
		}
	}
	// Slides stay in numeric order (slide10 after slide9).
	text := parse(t, "deck.pptx", collectortest.PPTX(t, 11))[0].Text
	if strings.Index(text, "Slide number 9") > strings.Index(text, "Slide number 10") {
		t.Fatal("slides out of order")
	}
	if p := parse(t, "report.docx", collectortest.DOCX(t, "x")); p[0].Author != "Ada Writer" {
		t.Fatalf("docx author = %q", p[0].Author)
	}
	if p := parse(t, "book.epub", collectortest.EPUB(t)); p[0].Title != "The Book" || p[0].Author != "Bo Author" {
		t.Fatalf("epub metadata = %+v", p[0])
	}
	if p := parse(t, "prices.xlsx", collectortest.XLSX(t)); len(p) != 2 || !strings.Contains(p[1].Text, "warehouse kiwi") {
		t.Fatalf("xlsx sheets = %+v", p)
	}
	p := parse(t, "box.mbox", collectortest.MBOX())
	if len(p) != 2 || !strings.Contains(p[0].Text, "first message") || !strings.Contains(p[1].Text, "body here") || strings.Contains(p[1].Text, "x()") {
		t.Fatalf("mbox = %+v", p)
	}
}

func wantErr(t *testing.T, name string, data []byte, want string) {
	t.Helper()
	_, err := collector.Parse(context.Background(), name, data)
	if !errors.Is(err, anythingllm.ErrInvalidArgument) && !errors.Is(err, anythingllm.ErrDeadlineExceeded) {
		t.Fatalf("%s: %v, want an InvalidArgument error", name, err)
	}
	msg := anythingllm.ErrorMessage(err)
	if !strings.Contains(msg, name) || !strings.Contains(msg, want) {
		t.Fatalf("%s: message %q should name the file and say %q", name, msg, want)
	}
}

func TestFailuresNameTheFile(t *testing.T) {
	wantErr(t, "empty.docx", []byte{}, "empty")
	wantErr(t, "junk.docx", []byte("not a zip at all"), "not a valid document")
	wantErr(t, "blank.docx", collectortest.DOCX(t), "No text content found")
	full := collectortest.PDF([]string{"hello"}, false)
	wantErr(t, "cut.pdf", full[:len(full)/2], "not a valid PDF")
	wantErr(t, "scan.pdf", collectortest.PDF([]string{""}, false), "No text content found")

	// A password-protected PDF (user password) is reported as encrypted.
	conf := model.NewAESConfiguration("user123", "owner123", 256)
	var enc bytes.Buffer
	if err := api.Encrypt(bytes.NewReader(full), &enc, conf); err != nil {
		t.Fatal(err)
	}
	wantErr(t, "secret.pdf", enc.Bytes(), "encrypted")
}

// A page tree that contains itself must not hang the parser.
func TestCyclicPDFDoesNotHang(t *testing.T) {
	done := make(chan error, 1)
	go func() {
		_, err := collector.Parse(context.Background(), "loop.pdf", collectortest.PDF([]string{"page"}, true))
		done <- err
	}()
	select {
	case err := <-done:
		if err == nil {
			return // parsed without looping is fine too
		}
		if !strings.Contains(anythingllm.ErrorMessage(err), "loop.pdf") {
			t.Fatalf("error does not name the file: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("parsing a self-referencing page tree hung")
	}
}

func TestZipBombRefused(t *testing.T) {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	w, _ := zw.Create("word/document.xml")
	chunk := bytes.Repeat([]byte{'a'}, 1<<20)
	for range 10 { // 10 MB of one byte value compresses ~1000x
		w.Write(chunk)
	}
	zw.Close()
	wantErr(t, "bomb.docx", buf.Bytes(), "decompression bomb")
}
