package httpapi

import (
	"encoding/json"
	"errors"
	"reflect"
	"testing"

	"github.com/anythingllm-go/anythingllm/anythingllm"
)

// The chat routes' wire objects, byte for byte as upstream (and earlier
// versions of this server) write them.
func TestChatWireBytes(t *testing.T) {
	text, empty := "answer", ""
	score, dist := float32(0.75), float32(0.25)
	src := anythingllm.Source{ID: "c1", URL: "u", Title: "t", Text: "chunk", WordCount: 3, Score: &score, Distance: &dist}
	m := &anythingllm.Metrics{PromptTokens: 10, CompletionTokens: 1, TotalTokens: 11, OutputTPS: 2.5, Duration: 0.4, Model: "m", Provider: "p", Timestamp: "2025-01-01T00:00:00Z"}
	metrics := `{"completion_tokens":1,"duration":0.4,"model":"m","outputTps":2.5,"prompt_tokens":10,"provider":"p","timestamp":"2025-01-01T00:00:00Z","total_tokens":11}`
	source := `{"_distance":0.25,"chunkSource":"","description":"","docAuthor":"","docSource":"","id":"c1","published":"","score":0.75,"text":"chunk","title":"t","token_count_estimate":0,"url":"u","wordCount":3}`
	for _, c := range []struct {
		name   string
		res    *anythingllm.ChatResult
		stream bool
		want   string
	}{
		{"answer", &anythingllm.ChatResult{ID: "i", Type: anythingllm.ResultText, TextResponse: &text, Sources: []anythingllm.Source{src}, Close: true, ChatID: 7, Metrics: m}, false,
			`{"id":"i","type":"textResponse","textResponse":"answer","sources":[` + source + `],"close":true,"error":null,"chatId":7,"metrics":` + metrics + `}`},
		{"answer without an LLM call", &anythingllm.ChatResult{ID: "i", Type: anythingllm.ResultText, TextResponse: &text, Sources: []anythingllm.Source{}, Close: true, Metrics: &anythingllm.Metrics{}}, false,
			`{"id":"i","type":"textResponse","textResponse":"answer","sources":[],"close":true,"error":null,"metrics":{}}`},
		{"the same, streamed", &anythingllm.ChatResult{ID: "i", Type: anythingllm.ResultText, TextResponse: &text, Close: true, Metrics: &anythingllm.Metrics{}}, true,
			`{"id":"i","type":"textResponse","textResponse":"answer","sources":[],"close":true,"error":null,"metrics":{}}`},
		{"abort", &anythingllm.ChatResult{ID: "i", Type: anythingllm.ResultAbort, Sources: []anythingllm.Source{}, Close: true, Error: anythingllm.Errorf(anythingllm.Unavailable, "no <LLM>")}, false,
			`{"id":"i","type":"abort","textResponse":null,"sources":[],"close":true,"error":"no \u003cLLM\u003e"}`},
		{"abort of an uncoded error", &anythingllm.ChatResult{ID: "i", Type: anythingllm.ResultAbort, Close: true, Error: errors.New("secret detail"), Metrics: m}, false,
			`{"id":"i","type":"abort","textResponse":null,"sources":[],"close":true,"error":"","metrics":` + metrics + `}`},
		{"chunk", &anythingllm.ChatResult{ID: "u", Type: anythingllm.ResultChunk, TextResponse: &text, Sources: []anythingllm.Source{}}, true,
			`{"uuid":"u","type":"textResponseChunk","textResponse":"answer","sources":[],"close":false,"error":false}`},
		{"last chunk", &anythingllm.ChatResult{ID: "u", Type: anythingllm.ResultChunk, TextResponse: &empty, Sources: []anythingllm.Source{}, Close: true}, true,
			`{"uuid":"u","type":"textResponseChunk","textResponse":"","sources":[],"close":true,"error":false}`},
		{"stream abort", &anythingllm.ChatResult{ID: "u", Type: anythingllm.ResultAbort, Close: true, Error: anythingllm.Errorf(anythingllm.Unavailable, "gone")}, true,
			`{"uuid":"u","type":"abort","textResponse":null,"sources":[],"close":true,"error":"gone"}`},
		{"finalize", &anythingllm.ChatResult{ID: "u", Type: anythingllm.ResultFinalize, Close: true, ChatID: 7, Metrics: m, Sources: []anythingllm.Source{src}}, true,
			`{"uuid":"u","type":"finalizeResponseStream","textResponse":null,"sources":[` + source + `],"close":true,"error":false,"chatId":7,"metrics":` + metrics + `}`},
	} {
		got, err := json.Marshal(chatWire(c.res, c.stream))
		if err != nil || string(got) != c.want {
			t.Errorf("%s:\n got %s (%v)\nwant %s", c.name, got, err, c.want)
		}
	}
}

// The OpenAPI document's chatResult lists the keys chatResponse writes.
func TestChatResultDocumentsChatResponse(t *testing.T) {
	doc, wire := reflect.TypeFor[chatResult](), reflect.TypeFor[chatResponse]()
	if doc.NumField() != wire.NumField() {
		t.Fatalf("chatResult has %d fields, chatResponse %d", doc.NumField(), wire.NumField())
	}
	for i := range doc.NumField() {
		if d, w := doc.Field(i).Tag.Get("json"), wire.Field(i).Tag.Get("json"); d != w {
			t.Errorf("field %d: chatResult %q, chatResponse %q", i, d, w)
		}
	}
}
