package anythingllm

import (
	"encoding/json"
	"maps"
	"math"
	"math/rand/v2"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"
)

// awkwardValues are values whose encoding has a special case.
var awkwardValues = []any{
	nil, true, false, 0, -7, int64(1) << 53, 3.5, 0.0, math.Copysign(0, -1), 1e-7, 1e-6, 123.456, 1e20, 1e21, -2.5e-9,
	float32(1.25), float32(0.1), float32(1e-7), float32(-3e21), float32(0.7071068), uint8(9), json.Number("12"),
	"", "plain", `quote " and \ backslash`, "tab\tnewline\ncarriage\r", "\x00\x1f control \b\f\v\x7f",
	"<document_metadata>\nsourceDocument: a.txt\n</document_metadata>\n\nchunk", "trailing bad \xc3", "\xe2\x80\xa8",
	"<script>&amp;</script>", "line\u2028sep\u2029", "bad utf8 \xff\xfe here", "émoji 🙂 ünïcode",
	[]any{"a", 1, nil}, map[string]any{"z": 1, "a": "<b>"}, []string{"x"}, struct{ A int }{4},
}

func TestAppendObjectMatchesEncodingJSON(t *testing.T) {
	m := map[string]any{}
	for i, v := range awkwardValues {
		// keys with HTML characters, shared prefixes and more than the
		// 16 the encoder sorts without allocating
		m[strings.Repeat("k", i%3)+string(rune('a'+i%26))+"<&>"[i%3:i%3+1]+string(rune('0'+i/26))] = v
	}
	for name, m := range map[string]map[string]any{"all": m, "empty": {}, "nil": nil} {
		want, err := json.Marshal(m)
		if err != nil {
			t.Fatal(err)
		}
		got, err := appendObject([]byte("prefix"), m)
		if err != nil || string(got) != "prefix"+string(want) {
			t.Errorf("%s: appendObject differs from encoding/json (%v)\n got %s\nwant prefix%s", name, err, got, want)
		}
	}
	for i, v := range awkwardValues {
		one := map[string]any{"v": v}
		want, _ := json.Marshal(one)
		got, err := appendObject(nil, one)
		if err != nil || string(got) != string(want) {
			t.Errorf("value %d (%#v): got %s, %v; want %s", i, v, got, err, want)
		}
	}
}

func TestAppendObjectRejectsWhatEncodingJSONRejects(t *testing.T) {
	for _, v := range []any{math.NaN(), math.Inf(1), make(chan int)} {
		if _, err := appendObject(nil, map[string]any{"v": v}); err == nil {
			t.Errorf("%v encoded without an error", v)
		}
	}
}

func TestChatResultAppendJSONMatchesEncodingJSON(t *testing.T) {
	src := resultSource(SearchResult{ID: "c1", Text: "chunk <b>", Score: 0.75, Distance: 0.25,
		Metadata: SearchMetadata{Title: "t", URL: "u", DocSource: "ds", ChunkSource: "cs", Published: "p"}})
	plain := maps.Clone(src) // exactly a search hit's keys
	if got := slices.Sorted(maps.Keys(plain)); !slices.Equal(got, sortedSourceKeys) {
		t.Fatalf("resultSource keys %v, sortedSourceKeys %v", got, sortedSourceKeys)
	}
	sameCount := maps.Clone(src) // as many keys, one of them different
	delete(sameCount, "url")
	sameCount["zz"] = "<z>"
	src["extra"] = map[string]any{"nested": []any{1, "x"}}
	metrics := metricsOf(Usage{PromptTokens: 1, CompletionTokens: 2, TotalTokens: 3}, time.Now(), "m", "p")
	results := []*ChatResult{
		{},
		Abort("bad \"input\""),
		{ID: "i", Type: "textResponse", TextResponse: strp("answer"), Sources: []Source{src, plain, sameCount, {}, nil}, Close: true, ChatID: 7, Metrics: metrics},
		{UUID: "u", Type: "textResponseChunk", TextResponse: strp(""), Sources: []Source{}, Error: false},
		{UUID: "u", Type: "finalizeResponseStream", Close: true, Error: false, Attachments: []any{map[string]any{"name": "a.png"}}, Metrics: Metrics{}},
	}
	for i, r := range results {
		want, err := json.Marshal(r)
		if err != nil {
			t.Fatal(err)
		}
		got, err := r.AppendJSON(nil)
		if err != nil || string(got) != string(want) {
			t.Errorf("result %d: AppendJSON differs from encoding/json (%v)\n got %s\nwant %s", i, err, got, want)
		}
	}
	if n := reflect.TypeFor[ChatResult]().NumField(); n != 10 {
		t.Errorf("ChatResult has %d fields; AppendJSON writes 10: update it and this test", n)
	}

	for _, attach := range [][]any{{}, nil, {"x"}} {
		sr := &storedResponse{Text: "t", Sources: []Source{src}, Type: "chat", Attachments: attach, Metrics: metrics}
		want, _ := json.Marshal(sr)
		got, err := sr.appendJSON(nil)
		if err != nil || string(got) != string(want) {
			t.Errorf("storedResponse differs from encoding/json (%v)\n got %s\nwant %s", err, got, want)
		}
	}
	if n := reflect.TypeFor[storedResponse]().NumField(); n != 5 {
		t.Errorf("storedResponse has %d fields; appendJSON writes 5: update it and this test", n)
	}
}

func TestAppendJSONStringMatchesEncodingJSONOnRandomBytes(t *testing.T) {
	pieces := []string{"a", "Z", " ", "\"", "\\", "<", ">", "&", "\n", "\t", "\x00", "\x1f", "\x7f", "é", "🙂",
		"\u2028", "\u2029", "\xff", "\xc3", "\xe2\x80", "\xed\xa0\x80", "\ufffd"}
	rng := rand.New(rand.NewPCG(1, 2))
	for range 5000 {
		var sb strings.Builder
		for range rng.IntN(12) {
			sb.WriteString(pieces[rng.IntN(len(pieces))])
		}
		s := sb.String()
		want, _ := json.Marshal(s)
		if got := appendJSONString(nil, s); string(got) != string(want) {
			t.Fatalf("%q: got %s, want %s", s, got, want)
		}
	}
}

func FuzzAppendJSONString(f *testing.F) {
	for _, s := range awkwardStrings() {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		want, _ := json.Marshal(s)
		if got := appendJSONString(nil, s); string(got) != string(want) {
			t.Fatalf("%q: got %s, want %s", s, got, want)
		}
		// and a saved response's text reads back as encoding/json reads it
		var text string
		_ = json.Unmarshal(want, &text)
		stored, _ := (&storedResponse{Text: s}).appendJSON(nil)
		if got := storedText(string(stored)); got != text {
			t.Fatalf("storedText(%s) = %q, want %q", stored, got, text)
		}
	})
}
