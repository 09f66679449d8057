package tokenizer_test

import (
	"strings"
	"sync"
	"testing"
	"unicode/utf8"

	"github.com/anythingllm-go/anythingllm/anythingllm"
	"github.com/anythingllm-go/anythingllm/anythingllm/tokenizer"
	tk "github.com/tiktoken-go/tokenizer"
)

var _ anythingllm.Tokenizer = (*tokenizer.Tokenizer)(nil)

// Counts checked against OpenAI's cl100k_base (js-tiktoken gives the same).
func TestCountsCl100k(t *testing.T) {
	tok := tokenizer.New()
	for text, want := range map[string]int{
		"":                   0,
		"hello world":        2,
		"Hello, world!":      4,
		"AnythingLLM":        3,
		"tiktoken is great!": 6,
	} {
		if got := tok.CountTokens(text); got != want {
			t.Errorf("CountTokens(%q) = %d, want %d", text, got, want)
		}
	}
}

// A text long enough to be counted in pieces (in parallel) must count the
// same as one encoder pass over the whole.
func TestLongTextCountedInPiecesIsExact(t *testing.T) {
	var b strings.Builder
	words := []string{"alpha", "béta", "gamma,", "δέλτα", "1234567", "x\n\n", "  indented", "emoji😀", "end."}
	for i := 0; b.Len() < 300_000; i++ {
		b.WriteString(words[i%len(words)])
		b.WriteByte(' ')
	}
	text := b.String()
	codec, err := tk.Get(tk.Cl100kBase)
	if err != nil {
		t.Fatal(err)
	}
	want, err := codec.Count(text)
	if err != nil {
		t.Fatal(err)
	}
	if got := tokenizer.New().CountTokens(text); got != want {
		t.Fatalf("piecewise count %d, single pass %d", got, want)
	}
}

func TestTruncate(t *testing.T) {
	tok := tokenizer.New()
	text := strings.Repeat("token ", 100)
	cut := tok.Truncate(text, 10)
	if n := tok.CountTokens(cut); n != 10 || !strings.HasPrefix(text, cut) {
		t.Fatalf("Truncate to 10 gave %d tokens: %q", n, cut)
	}
	if tok.Truncate("short", 10) != "short" || tok.Truncate("x", 0) != "" {
		t.Fatal("Truncate edge cases")
	}
	// Multi-byte characters split across tokens are never cut in half.
	cjk := strings.Repeat("𝔘𝔫𝔦𝔠𝔬𝔡𝔢 日本語 ", 50)
	for max := 1; max < 40; max++ {
		if c := tok.Truncate(cjk, max); !utf8.ValidString(c) || tok.CountTokens(c) > max {
			t.Fatalf("Truncate(%d) = %q", max, c)
		}
	}
}

func TestEstimateFollowsAnythingLLM(t *testing.T) {
	tok := tokenizer.New()
	if got := tok.Estimate(strings.Repeat("a", 8000)); got != 1000 {
		t.Fatalf("Estimate of 8000 chars = %d, want 1000", got)
	}
	if got := tok.Estimate(strings.Repeat("a", 5119)); got == 640 {
		t.Fatal("5119 units should be counted exactly, not estimated")
	}
	// 3,000 two-unit characters are 6,000 UTF-16 units: estimated.
	if got := tok.Estimate(strings.Repeat("😀", 3000)); got != 750 {
		t.Fatalf("Estimate of 3000 emoji = %d, want 750", got)
	}
	if tok.Estimate("hello world") != 2 {
		t.Fatal("Estimate of a short text is not exact")
	}
	// js-tiktoken throws on special tokens; AnythingLLM then estimates.
	if got := tok.Estimate("a <|endoftext|> b"); got != 3 {
		t.Fatalf("special token estimate = %d, want ceil(17/8)=3", got)
	}
}

func TestJSLength(t *testing.T) {
	for s, want := range map[string]int{"": 0, "abc": 3, "é": 1, "日本": 2, "😀": 2, "a😀b": 4} {
		if got := tokenizer.JSLength(s); got != want {
			t.Errorf("JSLength(%q) = %d, want %d", s, got, want)
		}
	}
}

func TestConcurrentUse(t *testing.T) {
	tok := tokenizer.New()
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			if n := tok.CountTokens("hello world"); n != 2 {
				t.Errorf("got %d", n)
			}
		})
	}
	wg.Wait()
}

func BenchmarkCountTokens(b *testing.B) {
	text := strings.Repeat("The quick brown fox jumps over the lazy dog. ", 5000) // 225 KB
	tok := tokenizer.New()
	tok.CountTokens("warm up")
	b.SetBytes(int64(len(text)))
	for b.Loop() {
		tok.CountTokens(text)
	}
}
