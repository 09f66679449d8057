package textsplit_test

import (
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/anythingllm-go/anythingllm/anythingllm/textsplit"
	"github.com/anythingllm-go/anythingllm/anythingllm/tokenizer"
)

// testdata/langchain_golden.json holds chunk arrays produced once by
// @langchain/textsplitters 0.0.0 (AnythingLLM's pinned version) with
// testdata/gen_golden.mjs. Chunks must match them exactly.
func TestMatchesLangChainGolden(t *testing.T) {
	raw, err := os.ReadFile("testdata/langchain_golden.json")
	if err != nil {
		t.Fatal(err)
	}
	var cases []struct {
		Name          string
		Size, Overlap int
		Text          string
		Chunks        []string
	}
	if err := json.Unmarshal(raw, &cases); err != nil {
		t.Fatal(err)
	}
	if len(cases) < 40 {
		t.Fatalf("only %d golden cases", len(cases))
	}
	for _, c := range cases {
		got := textsplit.Split(c.Text, &textsplit.Options{ChunkSize: c.Size, ChunkOverlap: c.Overlap})
		if len(got) != len(c.Chunks) {
			t.Errorf("%s (%d,%d): %d chunks, want %d", c.Name, c.Size, c.Overlap, len(got), len(c.Chunks))
			continue
		}
		for i := range got {
			if got[i] != c.Chunks[i] {
				t.Errorf("%s (%d,%d) chunk %d = %q, want %q", c.Name, c.Size, c.Overlap, i, got[i], c.Chunks[i])
				break
			}
		}
	}
}

func TestChunksRespectSizeAndCoverText(t *testing.T) {
	var b strings.Builder
	for i := range 300 {
		b.WriteString("Paragraph ")
		b.WriteString(strings.Repeat("wörd ", i%40+1))
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
		if n := tokenizer.JSLength(c); n > 200 {
			t.Fatalf("chunk %d has %d units > 200", i, n)
		}
		if strings.TrimSpace(c) != c || c == "" {
			t.Fatalf("chunk %d not trimmed: %q", i, c)
		}
	}
	if got := strings.Count(strings.Join(chunks, " "), "Paragraph"); got < 300 {
		t.Fatalf("lost paragraphs: %d", got)
	}
}

func TestUnsplittableIsTheOnlyOversizeChunk(t *testing.T) {
	// Size 2 with a 4-byte, 2-unit character: the character is kept whole.
	chunks := textsplit.Split("ab😀cd", &textsplit.Options{ChunkSize: 2, ChunkOverlap: -1})
	want := []string{"ab", "😀", "cd"}
	if strings.Join(chunks, "|") != strings.Join(want, "|") {
		t.Fatalf("got %q, want %q", chunks, want)
	}
}

func TestOverlapHonoured(t *testing.T) {
	var b strings.Builder
	for i := range 300 {
		fmt.Fprintf(&b, "w%d ", i) // no repeated words, so shared text is the overlap
	}
	text := b.String()
	chunks := textsplit.Split(text, &textsplit.Options{ChunkSize: 100, ChunkOverlap: 30})
	if len(chunks) < 10 {
		t.Fatalf("only %d chunks", len(chunks))
	}
	for i := 1; i < len(chunks); i++ {
		prev, cur := chunks[i-1], chunks[i]
		// The next chunk starts with whole words from the end of the
		// previous one, at most 30 units of them.
		shared := 0
		for n := min(len(prev), len(cur)); n > 0; n-- {
			if strings.HasSuffix(prev, cur[:n]) {
				shared = n
				break
			}
		}
		if shared == 0 || shared > 30 {
			t.Fatalf("chunk %d shares %d units with the previous one: %q / %q", i, shared, prev, cur)
		}
	}
	none := textsplit.Split(text, &textsplit.Options{ChunkSize: 100, ChunkOverlap: -1})
	if got := len(strings.Join(none, " ")); got != len(strings.TrimSpace(text)) {
		t.Fatalf("without overlap the chunks repeat text: %d vs %d bytes", got, len(text))
	}
}

func TestNeverSplitsARune(t *testing.T) {
	text := strings.Repeat("日本語のテキスト😀", 200) // no spaces or newlines: character split
	for _, c := range textsplit.Split(text, &textsplit.Options{ChunkSize: 50, ChunkOverlap: 5}) {
		if !utf8.ValidString(c) || tokenizer.JSLength(c) > 50 {
			t.Fatalf("bad chunk %q", c)
		}
	}
}

func TestEmptyDefaultsAndHeaderOption(t *testing.T) {
	if got := textsplit.Split("  \n\n ", nil); len(got) != 0 {
		t.Fatalf("blank text gave %q", got)
	}
	if got := textsplit.Split("short", nil); len(got) != 1 || got[0] != "short" {
		t.Fatalf("short text gave %q", got)
	}
	// Default size 1000: 1,500 units of words make two chunks.
	if got := textsplit.Split(strings.Repeat("abcd ", 300), nil); len(got) != 2 {
		t.Fatalf("default size gave %d chunks", len(got))
	}
	got := textsplit.Split("one two", &textsplit.Options{Header: "H\n"})
	if len(got) != 1 || got[0] != "H\none two" {
		t.Fatalf("header option gave %q", got)
	}
}

func TestMetadataHeader(t *testing.T) {
	got := textsplit.MetadataHeader(textsplit.Header{Title: "a.txt", Published: "1/16/2024, 3:07:00 PM", ChunkSource: "a.txt"})
	want := "<document_metadata>\nsourceDocument: a.txt\npublished: 1/16/2024, 3:07:00 PM\n</document_metadata>\n\n"
	if got != want {
		t.Fatalf("header = %q", got)
	}
	// Link sources are shown without their prefix, as upstream.
	got = textsplit.MetadataHeader(textsplit.Header{Title: "p", ChunkSource: "link://https://x.example/a"})
	want = "<document_metadata>\nsourceDocument: p\nsource: https://x.example/a\n</document_metadata>\n\n"
	if got != want {
		t.Fatalf("link header = %q", got)
	}
	got = textsplit.MetadataHeader(textsplit.Header{ChunkSource: "youtube://https://youtu.be/x"})
	if got != "<document_metadata>\nsource: https://youtu.be/x\n</document_metadata>\n\n" {
		t.Fatalf("youtube header = %q", got)
	}
	if got := textsplit.MetadataHeader(textsplit.Header{ChunkSource: "link://"}); got != "" {
		t.Fatalf("an empty header is %q, want \"\" (upstream adds none)", got)
	}
}

func benchText() string {
	var b strings.Builder
	for i := 0; b.Len() < 2<<20; i++ {
		b.WriteString("The quick brown fox jumps over the lazy dog, naïve café. ")
		if i%7 == 0 {
			b.WriteString("\n")
		}
		if i%23 == 0 {
			b.WriteString("\n\n")
		}
	}
	return b.String()
}

// BenchmarkSplit reports chunks/s at the default 1000/20 on 2 MB of prose.
func BenchmarkSplit(b *testing.B) {
	text := benchText()
	b.SetBytes(int64(len(text)))
	var n int
	for b.Loop() {
		n = len(textsplit.Split(text, nil))
	}
	b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "chunks/s")
}

// BenchmarkSplitNoSeparators is the worst case: one 1 MB word, split
// character by character.
func BenchmarkSplitNoSeparators(b *testing.B) {
	text := strings.Repeat("abcdéfgh", 128<<10)
	b.SetBytes(int64(len(text)))
	var n int
	for b.Loop() {
		n = len(textsplit.Split(text, nil))
	}
	b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "chunks/s")
}
