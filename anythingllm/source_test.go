package anythingllm_test

import (
	"encoding/json"
	"testing"

	"github.com/anythingllm-go/anythingllm/anythingllm"
)

func f32(v float32) *float32 { return &v }

// Each shape of a Source is written with exactly the keys upstream writes,
// in the order encoding/json writes a map with them (what this package
// wrote when a Source was a map).
func TestSourceShapes(t *testing.T) {
	for _, c := range []struct {
		name string
		src  anythingllm.Source
		want map[string]any
	}{
		{"hit", anythingllm.Source{ID: "c1", URL: "file://a.txt", Title: "a.txt", DocAuthor: "me", Description: "<d>", DocSource: "ds",
			ChunkSource: "cs", Published: "p", WordCount: 3, TokenCountEstimate: 4, Text: "chunk & \"text\"\n", Distance: f32(0.29289323), Score: f32(0.7071068)},
			map[string]any{"id": "c1", "url": "file://a.txt", "title": "a.txt", "docAuthor": "me", "description": "<d>", "docSource": "ds",
				"chunkSource": "cs", "published": "p", "wordCount": 3, "token_count_estimate": 4, "text": "chunk & \"text\"\n",
				"_distance": float32(0.29289323), "score": float32(0.7071068)}},
		{"zero hit", anythingllm.Source{Score: f32(0), Distance: f32(1)},
			map[string]any{"id": "", "url": "", "title": "", "docAuthor": "", "description": "", "docSource": "",
				"chunkSource": "", "published": "", "wordCount": 0, "token_count_estimate": 0, "text": "", "_distance": float32(1), "score": float32(0)}},
		{"document", anythingllm.Source{ID: "d1", Title: "t", Text: "x", WordCount: 1},
			map[string]any{"id": "d1", "url": "", "title": "t", "docAuthor": "", "description": "", "docSource": "",
				"chunkSource": "", "published": "", "wordCount": 1, "token_count_estimate": 0, "text": "x"}},
		{"attachment", anythingllm.Source{Title: "notes.txt", Text: "x"},
			map[string]any{"title": "notes.txt", "docAuthor": "", "text": "x"}},
		{"extra", anythingllm.Source{Title: "t", Text: "x", Extra: map[string]any{"chunkIndex": 2.0, "a<b": []any{"z"}}},
			map[string]any{"title": "t", "docAuthor": "", "text": "x", "chunkIndex": 2, "a<b": []any{"z"}}},
	} {
		got, err := json.Marshal(c.src)
		if err != nil {
			t.Fatal(err)
		}
		want, _ := json.Marshal(c.want)
		if string(got) != string(want) {
			t.Errorf("%s:\n got %s\nwant %s", c.name, got, want)
		}
		var back anythingllm.Source
		if err := json.Unmarshal(got, &back); err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		again, _ := json.Marshal(back)
		if string(again) != string(got) {
			t.Errorf("%s: read back and written again:\n got %s\nwant %s", c.name, again, got)
		}
	}
}

// A source saved by another version is written back as it was read:
// unknown keys, keys of another shape and values of an unexpected type
// are kept.
func TestSourceKeepsWhatItDoesNotModel(t *testing.T) {
	for in, want := range map[string]string{
		// a key of the document shape on an attachment-shaped source
		`{"chunkSource":"cs","docAuthor":"","text":"x","title":"t","url":"u"}`: "",
		// a value of an unexpected type; the shape's missing keys are added
		`{"docAuthor":"","id":"i","text":"x","title":"t","wordCount":"many"}`: `{"chunkSource":"","description":"","docAuthor":"","docSource":"","id":"i","published":"","text":"x","title":"t","token_count_estimate":0,"url":"","wordCount":"many"}`,
		// an unknown key on a search hit
		`{"_distance":0.5,"chunkSource":"","description":"","docAuthor":"a","docSource":"","id":"i","published":"","score":0.75,"text":"x","title":"","token_count_estimate":0,"url":"","vector":[1,2],"wordCount":0}`: "",
		// an id that is not a string: the document keys are kept all the same
		`{"docAuthor":"","id":5,"text":"x","title":"","url":"u","wordCount":2}`: "",
		// nested values (written with sorted keys, as encoding/json writes maps)
		`{"docAuthor":"","nested":{"b":[true,null],"a":1.5},"text":"","title":""}`: `{"docAuthor":"","nested":{"a":1.5,"b":[true,null]},"text":"","title":""}`,
	} {
		if want == "" {
			want = in
		}
		var s anythingllm.Source
		if err := json.Unmarshal([]byte(in), &s); err != nil {
			t.Fatalf("%s: %v", in, err)
		}
		got, err := json.Marshal(s)
		if err != nil || string(got) != want {
			t.Errorf("round trip:\n got %s (%v)\nwant %s", got, err, want)
		}
	}
	var s anythingllm.Source
	if err := json.Unmarshal([]byte(`{"id":"i","score":0.25,"text":"t","extra":1}`), &s); err != nil || s.ID != "i" || s.Score == nil || *s.Score != 0.25 || s.Text != "t" || s.Extra["extra"] != 1.0 {
		t.Fatalf("decoded %+v, %v", s, err)
	}
	if err := json.Unmarshal([]byte(`[1]`), &s); err == nil {
		t.Fatal("an array decoded as a source")
	}
}

func TestMetricsJSON(t *testing.T) {
	if b, _ := json.Marshal(anythingllm.Metrics{}); string(b) != `{}` {
		t.Fatalf("zero metrics: %s", b)
	}
	m := anythingllm.Metrics{PromptTokens: 1, CompletionTokens: 2, TotalTokens: 3, OutputTPS: 12.5, Duration: 0.16, Model: "m", Provider: "p", Timestamp: "2025-01-01T00:00:00Z"}
	got, _ := json.Marshal(m)
	want, _ := json.Marshal(map[string]any{"prompt_tokens": 1, "completion_tokens": 2, "total_tokens": 3, "outputTps": 12.5, "duration": 0.16,
		"model": "m", "provider": "p", "timestamp": "2025-01-01T00:00:00Z"})
	if string(got) != string(want) {
		t.Fatalf("metrics:\n got %s\nwant %s", got, want)
	}
	var back anythingllm.Metrics
	if err := json.Unmarshal(got, &back); err != nil || back != m {
		t.Fatalf("read back %+v, %v", back, err)
	}
	// A value of an unexpected type is skipped; the others are read.
	back = anythingllm.Metrics{}
	if err := json.Unmarshal([]byte(`{"prompt_tokens":"7","total_tokens":9,"other":true}`), &back); err != nil || back != (anythingllm.Metrics{TotalTokens: 9}) {
		t.Fatalf("lenient read: %+v, %v", back, err)
	}
}

// EncodableSources encodes as the sources themselves do.
func TestEncodableSources(t *testing.T) {
	hit := anythingllm.Source{ID: "c1", Title: "t", Text: "x <b>", Distance: f32(0.5), Score: f32(0.5)}
	doc := anythingllm.Source{ID: "d1", Title: "t", Text: "y", WordCount: 2}
	att := anythingllm.Source{Title: "a.txt", Text: "z"}
	extra := anythingllm.Source{Title: "e", Extra: map[string]any{"k": "v"}}
	for _, sources := range [][]anythingllm.Source{nil, {}, {hit, doc, att}, {hit, extra}} {
		want, _ := json.Marshal(sources)
		got, err := json.Marshal(anythingllm.EncodableSources(sources))
		if err != nil || string(got) != string(want) {
			t.Errorf("got %s (%v), want %s", got, err, want)
		}
	}
}

// Whatever source a stored chat holds, reading and writing it again is
// stable: a second round trip gives the same bytes as the first.
func FuzzSourceRoundTrip(f *testing.F) {
	for _, s := range []string{
		`{"id":"c1","score":0.5,"_distance":0.5,"text":"x","wordCount":3}`,
		`{"title":"t","docAuthor":"a","text":"x"}`,
		`{"id":"d","url":"u","published":"1/2/2024","extra":{"a":[1,null]}}`,
		`{"text":"x","url":"u","wordCount":"many","score":"high"}`,
		`{}`,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		var s anythingllm.Source
		if json.Unmarshal([]byte(in), &s) != nil {
			return
		}
		first, err := json.Marshal(s)
		if err != nil {
			return // e.g. an Extra value encoding/json cannot write back
		}
		// No key is lost.
		var inKeys, outKeys map[string]json.RawMessage
		_ = json.Unmarshal([]byte(in), &inKeys)
		_ = json.Unmarshal(first, &outKeys)
		for k := range inKeys {
			if _, ok := outKeys[k]; !ok {
				t.Fatalf("%s: written as %s, without %q", in, first, k)
			}
		}
		var again anythingllm.Source
		if err := json.Unmarshal(first, &again); err != nil {
			t.Fatalf("%s: written as %s, which does not read back: %v", in, first, err)
		}
		second, err := json.Marshal(again)
		if err != nil || string(second) != string(first) {
			t.Fatalf("%s: first %s, then %s (%v)", in, first, second, err)
		}
	})
}
