package tokenizer_test

import (
	"strings"
	"testing"

	"github.com/anythingllm-go/anythingllm/anythingllm/tokenizer"
)

func TestCountsCl100k(t *testing.T) {
	tk := tokenizer.New()
	for text, want := range map[string]int{"": 0, "hello world": 2, "Hello, world!": 4, "AnythingLLM": 3} {
		if got := tk.CountTokens(text); got != want {
			t.Errorf("CountTokens(%q) = %d, want %d", text, got, want)
		}
	}
}

func TestTruncate(t *testing.T) {
	tk := tokenizer.New()
	text := strings.Repeat("token ", 100)
	cut := tk.Truncate(text, 10)
	if n := tk.CountTokens(cut); n != 10 || !strings.HasPrefix(text, cut) {
		t.Fatalf("Truncate to 10 gave %d tokens: %q", n, cut)
	}
	if tk.Truncate("short", 10) != "short" || tk.Truncate("x", 0) != "" {
		t.Fatal("Truncate edge cases")
	}
}

func TestEstimate(t *testing.T) {
	tk := tokenizer.New()
	big := strings.Repeat("a", 8000)
	if got := tk.Estimate(big); got != 1000 {
		t.Fatalf("Estimate of 8000 chars = %d, want 1000", got)
	}
	if tk.Estimate("hello world") != 2 {
		t.Fatal("Estimate of a short text is not exact")
	}
}
