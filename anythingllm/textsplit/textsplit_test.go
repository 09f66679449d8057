package textsplit_test

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/anythingllm-go/anythingllm/anythingllm/textsplit"
)

func TestChunksRespectSizeAndCoverText(t *testing.T) {
	var b strings.Builder
	for i := range 300 {
		b.WriteString("Paragraph ")
		b.WriteString(strings.Repeat("word ", i%40+1))
		if i%3 == 0 {
			b.WriteString("\n\n")
		} else {
			b.WriteString("\n")
		}
	}
	text := b.String()
	chunks := textsplit.Split(text, &textsplit.Options{ChunkSize: 200, ChunkOverlap: 20})
	if len(chunks) < 10 {
		t.Fatalf("only %d chunks", len(chunks))
	}
	for i, c := range chunks {
		if n := utf8.RuneCountInString(c); n > 200 {
			t.Fatalf("chunk %d has %d characters > 200", i, n)
		}
		if strings.TrimSpace(c) != c || c == "" {
			t.Fatalf("chunk %d not trimmed: %q", i, c)
		}
	}
	// Every word of the text survives.
	joined := strings.Join(chunks, " ")
	if strings.Count(joined, "Paragraph") < 300 {
		t.Fatalf("lost paragraphs: %d", strings.Count(joined, "Paragraph"))
	}
}

func TestOverlap(t *testing.T) {
	text := strings.Repeat("alpha beta gamma delta epsilon ", 50)
	chunks := textsplit.Split(text, &textsplit.Options{ChunkSize: 100, ChunkOverlap: 30})
	for i := 1; i < len(chunks); i++ {
		prev := chunks[i-1]
		tail := prev[len(prev)-15:]
		if !strings.Contains(chunks[i], strings.TrimSpace(tail)[:5]) {
			t.Fatalf("chunk %d does not overlap the previous one: %q / %q", i, prev, chunks[i])
		}
	}
}

func TestNeverSplitsARune(t *testing.T) {
	text := strings.Repeat("日本語のテキスト", 200) // no spaces or newlines: character split
	for _, c := range textsplit.Split(text, &textsplit.Options{ChunkSize: 50, ChunkOverlap: 5}) {
		if !utf8.ValidString(c) || utf8.RuneCountInString(c) > 50 {
			t.Fatalf("bad chunk %q", c)
		}
	}
}

func TestEmptyAndDefaults(t *testing.T) {
	if got := textsplit.Split("  \n\n ", nil); len(got) != 0 {
		t.Fatalf("blank text gave %q", got)
	}
	if got := textsplit.Split("short", nil); len(got) != 1 || got[0] != "short" {
		t.Fatalf("short text gave %q", got)
	}
}

func TestMetadataHeader(t *testing.T) {
	got := textsplit.MetadataHeader(textsplit.Header{Title: "a.txt", Published: "1/16/2024, 3:07:00 PM", ChunkSource: "a.txt"})
	want := "<document_metadata>\nsourceDocument: a.txt\npublished: 1/16/2024, 3:07:00 PM\n</document_metadata>\n\n"
	if got != want {
		t.Fatalf("header = %q", got)
	}
	got = textsplit.MetadataHeader(textsplit.Header{Title: "p", ChunkSource: "link://https://x.example"})
	if !strings.Contains(got, "source: link://https://x.example\n") || strings.Contains(got, "published") {
		t.Fatalf("link header = %q", got)
	}
}

func BenchmarkSplit(b *testing.B) {
	text := strings.Repeat("The quick brown fox jumps over the lazy dog. ", 20000) // ~900 KB
	b.SetBytes(int64(len(text)))
	var n int
	for range b.N {
		n = len(textsplit.Split(text, nil))
	}
	b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "chunks/s")
}
