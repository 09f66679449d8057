package httpapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
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
		return v, anythingllm.WrapError(anythingllm.InvalidArgument, err, "invalid JSON body: %s", jsonErrorText(err))
	}
	// Read to the end of the body: only then does net/http watch the
	// connection, so a client that goes away cancels r.Context() at once
	// (which stops a streaming LLM call).
	if _, err := io.Copy(io.Discard, r.Body); err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return v, anythingllm.Errorf(anythingllm.TooLarge, "request body exceeds %d bytes", mbe.Limit)
		}
	}
	return v, validateRequest(&v)
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
