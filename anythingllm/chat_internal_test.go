package anythingllm

import "testing"

func TestStoredText(t *testing.T) {
	for stored, want := range map[string]string{
		`{"text":"hi \"there\"","sources":[{"text":"x"}]}`: `hi "there"`,
		`{"sources":[{"text":"x"}],"text":"later key"}`:    "later key",
		`{"type":"chat"}`: "",
		`not json`:        "",
		``:                "",
		`{"text":42}`:     "",
	} {
		if got := storedText(stored); got != want {
			t.Errorf("storedText(%q) = %q, want %q", stored, got, want)
		}
	}
}
