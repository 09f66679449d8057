package httpapi

import (
	"bytes"
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"reflect"
	"strconv"
	"strings"
	"sync"

	"github.com/anythingllm-go/anythingllm/anythingllm"
)

// encode writes v as JSON with the status. The body is encoded first, so
// that it goes out with a Content-Length in one write: net/http would
// otherwise send any body over 2 KB (a chat answer with its sources) in
// chunks, which costs both ends more system calls.
func encode(w http.ResponseWriter, status int, v any) {
	buf := encodeBuffers.Get().(*bytes.Buffer)
	defer func() {
		if buf.Cap() <= 1<<20 { // do not keep a huge export's buffer alive
			buf.Reset()
			encodeBuffers.Put(buf)
		}
	}()
	if err := marshalWireTo(buf, v); err == nil {
		buf.WriteByte('\n')
	} else {
		buf.Reset()
		status = http.StatusInternalServerError
		buf.WriteString(`{"error":"Internal server error"}` + "\n")
	}
	h := w.Header()
	h.Set("Content-Type", "application/json; charset=utf-8")
	h.Set("Content-Length", strconv.Itoa(buf.Len()))
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}

var encodeBuffers = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// decode reads a JSON body into a T and checks its validate tags
// (validate.go). An empty body decodes as T's zero
// value, as upstream treats a missing body as {}. Like upstream, a JSON
// document sent as text/plain is accepted. Other content types, malformed
// JSON and oversized bodies are InvalidArgument / TooLarge errors.
func decode[T any](r *http.Request) (T, error) {
	var v T
	if ct := r.Header.Get("Content-Type"); ct != "" {
		mt, _, _ := mime.ParseMediaType(ct)
		if mt != "application/json" && mt != "text/plain" && !strings.HasSuffix(mt, "+json") {
			return v, anythingllm.Errorf(anythingllm.InvalidArgument, "Content-Type must be application/json, got %q", mt)
		}
	}
	dec := json.NewDecoder(r.Body)
	if err := dec.Decode(&v); err != nil {
		if errors.Is(err, io.EOF) {
			return v, validateRequest(&v)
		}
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return v, anythingllm.Errorf(anythingllm.TooLarge, "request body exceeds %d bytes", mbe.Limit)
		}
		if errors.Is(err, errBodyTimeout) {
			return v, err
		}
		return v, anythingllm.WrapError(anythingllm.InvalidArgument, err, "invalid JSON body: %s", jsonErrorText(err))
	}
	// One JSON value and nothing after it but white space, as upstream's
	// body parser demands. Reading to the end also lets net/http watch the
	// connection, so a client that goes away cancels r.Context() at once
	// (which stops a streaming LLM call).
	rest, err := io.ReadAll(io.MultiReader(dec.Buffered(), r.Body))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return v, anythingllm.Errorf(anythingllm.TooLarge, "request body exceeds %d bytes", mbe.Limit)
		}
		if errors.Is(err, errBodyTimeout) {
			return v, err
		}
	}
	if len(bytes.TrimSpace(rest)) > 0 {
		return v, anythingllm.Errorf(anythingllm.InvalidArgument, "invalid JSON body: data after the JSON value")
	}
	if path := nulField(reflect.ValueOf(&v), ""); path != "" {
		return v, anythingllm.Errorf(anythingllm.InvalidArgument, "%s contains a NUL character", path)
	}
	return v, validateRequest(&v)
}

// nulField returns the JSON path of the first string in v that holds a NUL
// character ("" if none). No field of this API accepts one, and PostgreSQL
// refuses them in text, so they are stopped here with a 400 naming the
// field rather than reaching the database.
func nulField(v reflect.Value, path string) string {
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface:
		if v.IsNil() {
			return ""
		}
		return nulField(v.Elem(), path)
	case reflect.String:
		if strings.IndexByte(v.String(), 0) >= 0 {
			return cmp.Or(path, "the body")
		}
	case reflect.Struct:
		t := v.Type()
		for i := range t.NumField() {
			f := t.Field(i)
			if !f.IsExported() {
				continue
			}
			name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
			if name == "-" {
				continue
			}
			name = cmp.Or(name, f.Name)
			if f.Anonymous && f.Tag.Get("json") == "" {
				name = ""
			}
			if p := nulField(v.Field(i), joinPath(path, name)); p != "" {
				return p
			}
		}
	case reflect.Slice, reflect.Array:
		if v.Type() == reflect.TypeFor[json.RawMessage]() {
			// Raw JSON read later field by field: a NUL in it is written
			// as the escape \u0000.
			if hasEscapedNUL(v.Bytes()) {
				return cmp.Or(path, "the body")
			}
			return ""
		}
		if v.Kind() == reflect.Slice && v.Type().Elem().Kind() == reflect.Uint8 {
			return "" // bytes, not text
		}
		for i := range v.Len() {
			if p := nulField(v.Index(i), fmt.Sprintf("%s[%d]", path, i)); p != "" {
				return p
			}
		}
	case reflect.Map:
		iter := v.MapRange()
		for iter.Next() {
			k := fmt.Sprint(iter.Key().Interface())
			if strings.IndexByte(k, 0) >= 0 {
				return cmp.Or(path, "the body") + " has a key with a NUL character"
			}
			if p := nulField(iter.Value(), joinPath(path, k)); p != "" {
				return p
			}
		}
	}
	return ""
}

// hasEscapedNUL reports whether JSON text holds the escape \u0000 (not a
// literal backslash followed by "u0000", which JSON writes as \\u0000).
func hasEscapedNUL(b []byte) bool {
	for i := bytes.Index(b, []byte(`\u0000`)); i >= 0; {
		slashes := 0
		for j := i - 1; j >= 0 && b[j] == '\\'; j-- {
			slashes++
		}
		if slashes%2 == 0 {
			return true
		}
		next := bytes.Index(b[i+1:], []byte(`\u0000`))
		if next < 0 {
			return false
		}
		i += 1 + next
	}
	return false
}

func joinPath(path, name string) string {
	if path == "" || name == "" {
		return path + name
	}
	return path + "." + name
}

// jsonErrorText describes a JSON decoding error without echoing the body.
func jsonErrorText(err error) string {
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &se):
		return fmt.Sprintf("syntax error at byte %d", se.Offset)
	case errors.As(err, &te):
		return fmt.Sprintf("field %q must be %s, not %s", te.Field, te.Type, te.Value)
	case errors.Is(err, io.ErrUnexpectedEOF):
		return "unexpected end of body"
	}
	return "malformed"
}
