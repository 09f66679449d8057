package anythingllm

import (
	"encoding/json"
	"math"
	"slices"
	"strconv"
	"unicode/utf8"
)

// Source is a cited document chunk, in upstream's shape: a JSON object of
// the chunk's document metadata (any field the document's JSON carries),
// its "text" and, for a vector search hit, its "id", "_distance" and
// "score".
type Source map[string]any

// Metrics is a chat's usage and timing, as upstream reports it:
// prompt_tokens, completion_tokens, total_tokens, outputTps, duration (in
// seconds), model, provider and timestamp. Empty on answers that made no
// LLM call.
type Metrics map[string]any

// Every chat turn encodes its sources and metrics twice (saved, and sent),
// and encoding/json's map encoder, which sorts the keys by reflection, was
// the costliest step of a turn after the database; a Marshaler method does
// not help, as encoding/json re-scans what a Marshaler returns. The chat
// results are therefore encoded by the functions below, which write the
// bytes encoding/json writes (sorted keys, HTML escaped; tested against it).

// sortedSourceKeys are the keys of a search hit's Source (resultSource),
// sorted.
var sortedSourceKeys = func() []string {
	k := []string{"id", "url", "title", "docAuthor", "description", "docSource", "chunkSource", "published",
		"wordCount", "token_count_estimate", "text", "_distance", "score"}
	slices.Sort(k)
	return k
}()

// appendObject appends m as encoding/json does: keys sorted, null for a
// nil map. Values of the common scalar types are written directly, the
// rest by encoding/json.
func appendObject(b []byte, m map[string]any) ([]byte, error) {
	if m == nil {
		return append(b, "null"...), nil
	}
	var stack [16]string
	keys := stack[:0]
	// A search hit's source has exactly these keys: no sort needed.
	if len(m) == len(sortedSourceKeys) {
		keys = sortedSourceKeys
		for _, k := range keys {
			if _, ok := m[k]; !ok {
				keys = stack[:0]
				break
			}
		}
	}
	if len(keys) == 0 {
		for k := range m {
			keys = append(keys, k)
		}
		slices.Sort(keys)
	}
	b = append(b, '{')
	for i, k := range keys {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendJSONString(b, k)
		b = append(b, ':')
		var err error
		if b, err = appendJSONValue(b, m[k]); err != nil {
			return nil, err
		}
	}
	return append(b, '}'), nil
}

func appendJSONValue(b []byte, v any) ([]byte, error) {
	switch v := v.(type) {
	case nil:
		return append(b, "null"...), nil
	case string:
		return appendJSONString(b, v), nil
	case bool:
		return strconv.AppendBool(b, v), nil
	case int:
		return strconv.AppendInt(b, int64(v), 10), nil
	case int64:
		return strconv.AppendInt(b, v, 10), nil
	case float64:
		// encoding/json writes these without an exponent; it formats the
		// rest (and rejects NaN and infinities).
		if a := math.Abs(v); v == 0 || (a >= 1e-6 && a < 1e21) {
			return strconv.AppendFloat(b, v, 'f', -1, 64), nil
		}
	case float32:
		if a := float32(math.Abs(float64(v))); v == 0 || (a >= 1e-6 && a < 1e21) {
			return strconv.AppendFloat(b, float64(v), 'f', -1, 32), nil
		}
	}
	return appendAny(b, v)
}

// appendAny appends v as encoding/json encodes it.
func appendAny(b []byte, v any) ([]byte, error) {
	enc, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	return append(b, enc...), nil
}

// appendJSONString appends s quoted and escaped as encoding/json does by
// default: \" \\ \b \f \n \r \t, other control characters and the HTML
// characters < > & as \u00XX, U+2028 and U+2029 as \u2028 and \u2029,
// and each invalid UTF-8 byte as \ufffd.
func appendJSONString(b []byte, s string) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		if c := s[i]; c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' && c != '<' && c != '>' && c != '&' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\b':
				b = append(b, '\\', 'b')
			case '\f':
				b = append(b, '\\', 'f')
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
		case r == '\u2028' || r == '\u2029':
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hex[r&0xf])
		default:
			i += size
			continue
		}
		i += size
		start = i
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}

// appendSources appends s as encoding/json encodes a []Source.
func appendSources(b []byte, s []Source) ([]byte, error) {
	if s == nil {
		return append(b, "null"...), nil
	}
	b = append(b, '[')
	for i, src := range s {
		if i > 0 {
			b = append(b, ',')
		}
		var err error
		if b, err = appendObject(b, src); err != nil {
			return nil, err
		}
	}
	return append(b, ']'), nil
}

// jsonFields writes the members of one JSON object, in order, stopping at
// the first error.
type jsonFields struct {
	b   []byte
	n   int
	err error
}

func (f *jsonFields) key(k string) bool {
	if f.err != nil {
		return false
	}
	if f.n == 0 {
		f.b = append(f.b, '{')
	} else {
		f.b = append(f.b, ',')
	}
	f.n++
	f.b = append(f.b, '"')
	f.b = append(f.b, k...) // keys are plain ASCII literals
	f.b = append(f.b, '"', ':')
	return true
}

func (f *jsonFields) str(k, v string) {
	if f.key(k) {
		f.b = appendJSONString(f.b, v)
	}
}

func (f *jsonFields) value(k string, v any) {
	if f.key(k) {
		f.b, f.err = appendJSONValue(f.b, v)
	}
}

func (f *jsonFields) object(k string, m map[string]any) {
	if f.key(k) {
		f.b, f.err = appendObject(f.b, m)
	}
}

func (f *jsonFields) sources(k string, s []Source) {
	if f.key(k) {
		f.b, f.err = appendSources(f.b, s)
	}
}

func (f *jsonFields) any(k string, v any) {
	if f.key(k) {
		f.b, f.err = appendAny(f.b, v)
	}
}

func (f *jsonFields) end() ([]byte, error) {
	if f.err != nil {
		return nil, f.err
	}
	if f.n == 0 {
		return append(f.b, '{', '}'), nil
	}
	return append(f.b, '}'), nil
}

// AppendJSON appends r's JSON encoding to b: the bytes json.Marshal(r)
// writes, without its reflection (the server sends every chat answer and
// stream event this way).
func (r *ChatResult) AppendJSON(b []byte) ([]byte, error) {
	f := jsonFields{b: b}
	if r.ID != "" {
		f.str("id", r.ID)
	}
	if r.UUID != "" {
		f.str("uuid", r.UUID)
	}
	f.str("type", r.Type)
	if r.TextResponse != nil {
		f.str("textResponse", *r.TextResponse)
	} else {
		f.value("textResponse", nil)
	}
	f.sources("sources", r.Sources)
	if len(r.Attachments) > 0 {
		f.any("attachments", r.Attachments)
	}
	f.value("close", r.Close)
	f.value("error", r.Error)
	if r.ChatID != 0 {
		f.value("chatId", r.ChatID)
	}
	if r.Metrics != nil { // omitzero: an empty, non-nil Metrics is written as {}
		f.object("metrics", r.Metrics)
	}
	return f.end()
}

// appendJSON appends the JSON encoding json.Marshal(r) writes.
func (r *storedResponse) appendJSON(b []byte) ([]byte, error) {
	f := jsonFields{b: b}
	f.str("text", r.Text)
	f.sources("sources", r.Sources)
	f.str("type", r.Type)
	if r.Attachments != nil && len(r.Attachments) == 0 {
		f.key("attachments")
		f.b = append(f.b, '[', ']')
	} else {
		f.any("attachments", r.Attachments)
	}
	f.object("metrics", r.Metrics)
	return f.end()
}
