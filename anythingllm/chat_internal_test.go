package anythingllm

import (
	"encoding/json"
	"strings"
	"testing"
	"time"
)

func TestStoredText(t *testing.T) {
	for stored, want := range map[string]string{
		`{"text":"hi \"there\"","sources":[{"text":"x"}]}`: `hi "there"`,
		`{"sources":[{"text":"x"}],"text":"later key"}`:    "later key",
		`{"type":"chat"}`:       "",
		`not json`:              "",
		``:                      "",
		`{"text":42}`:           "",
		`{"text":"unterminated`: "",
		`{"text":"\u00e9t\u00e9 \ud83d\ude42","type":"chat"}`: "été 🙂",
		`{"text":"bad ` + "\xff" + ` byte"}`:                  "bad \ufffd byte",
	} {
		if got := storedText(stored); got != want {
			t.Errorf("storedText(%q) = %q, want %q", stored, got, want)
		}
	}
	// What saveChat writes reads back exactly.
	for _, text := range []string{"", "a\nb", `"quoted"`, "tab\tand\\slash", "<b>&amp;</b>", "line\u2028sep", "émoji 🙂"} {
		stored, err := json.Marshal(&storedResponse{Text: text, Sources: []Source{{Text: "x"}}, Type: "chat"})
		if err != nil {
			t.Fatal(err)
		}
		if got := storedText(string(stored)); got != text {
			t.Errorf("storedText(%s) = %q, want %q", stored, got, text)
		}
	}
}

func TestSystemPromptVariables(t *testing.T) {
	at := time.Date(2025, 3, 7, 14, 5, 0, 0, time.UTC)
	a := &App{opts: Options{Now: func() time.Time { return at }}}
	w := &Workspace{ID: 42, Name: "Kb"}
	// The reference: every variable replaced wherever it appears.
	ref := strings.NewReplacer(
		"{datetime}", "Friday, March 7, 2025 2:05 PM", "{datetime_24}", "Friday, March 7, 2025 14:05",
		"{date}", "March 7, 2025", "{time}", "2:05 PM", "{time_24}", "14:05",
		"{workspace.name}", "Kb", "{workspace.id}", "42",
		"{user.name}", "[User name]", "{user.id}", "[User id]", "{user.bio}", "[User bio]")
	for _, p := range []string{
		"", "no variables", DefaultSystemPrompt, "{date}{time}{time_24}{datetime_24}", "{{date}}", "{not {date}",
		"{unknown} {workspace.name} #{workspace.id}", "{user.name}/{user.id}/{user.bio}", "open { only", "}{", "{date",
	} {
		w.OpenAIPrompt = &p
		want := ref.Replace(p)
		if p == "" {
			want = ref.Replace(DefaultSystemPrompt)
		}
		if got := a.systemPrompt(w, &ChatInput{}); got != want {
			t.Errorf("systemPrompt(%q) = %q, want %q", p, got, want)
		}
	}
}

func TestWithContextFormat(t *testing.T) {
	got := withContext("SYS", []string{"one", "two\nlines"})
	want := "SYS\nContext:\n[CONTEXT 0]:\none\n[END CONTEXT 0]\n\n[CONTEXT 1]:\ntwo\nlines\n[END CONTEXT 1]\n\n"
	if got != want {
		t.Errorf("withContext = %q, want %q", got, want)
	}
	if got := withContext("SYS", nil); got != "SYS" {
		t.Errorf("no contexts: %q", got)
	}
}
