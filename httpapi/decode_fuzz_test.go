package httpapi

import (
	"bytes"
	"encoding/json"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"
)

// FuzzDecode runs the strict JSON decoder over a few request types. It
// never panics; what it accepts holds no NUL in any text field and
// re-encodes to JSON that decodes again to the same encoding.
func FuzzDecode(f *testing.F) {
	for _, s := range []string{
		`{"message":"hi","mode":"chat","sessionId":"s","attachments":[{"name":"a.png","mime":"image/png","contentString":"data:image/png;base64,AA=="}],"reset":true,"userId":1}`,
		`{"textContent":"x","metadata":{"title":"t","published":1700000000000},"addToWorkspaces":"a,b"}`,
		`{"model":"ws","stream":true,"temperature":0.5,"messages":[{"role":"user","content":[{"type":"text","text":"hi"}]}]}`,
		`{"adds":["custom-documents/a.json"],"deletes":[]}`, `{"sessionId":42}`, `{"name":"a\u0000b"}`, `{} {}`, `{"message":{}}`,
		`[]`, `null`, `"x"`, ``, `{"message":"` + strings.Repeat("a", 100) + `"}` + "\n", `{"a":1e999}`, `{"temperature":NaN}`,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, body string) {
		fuzzDecodeAs[chatRequest](t, body)
		fuzzDecodeAs[rawTextRequest](t, body)
		fuzzDecodeAs[openAIChatRequest](t, body)
		fuzzDecodeAs[updateEmbeddingsRequest](t, body)
		fuzzDecodeAs[map[string]json.RawMessage](t, body)
	})
}

func fuzzDecodeAs[T any](t *testing.T, body string) {
	r := httptest.NewRequest("POST", "/", strings.NewReader(body))
	r.Header.Set("Content-Type", "application/json")
	v, err := decode[T](r)
	if err != nil {
		return
	}
	if p := nulField(reflect.ValueOf(&v), ""); p != "" {
		t.Fatalf("%T accepted %q with a NUL in %s", v, body, p)
	}
	enc, err := json.Marshal(v)
	if err != nil {
		t.Fatalf("%T accepted %q but does not re-encode: %v", v, body, err)
	}
	r = httptest.NewRequest("POST", "/", bytes.NewReader(enc))
	v2, err := decode[T](r)
	if err != nil {
		t.Fatalf("%T accepted %q; its re-encoding %s is refused: %v", v, body, enc, err)
	}
	if enc2, _ := json.Marshal(v2); !bytes.Equal(enc, enc2) {
		t.Fatalf("%T: %q re-encodes as %s, then as %s", v, body, enc, enc2)
	}
}
