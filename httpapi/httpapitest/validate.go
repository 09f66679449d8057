package httpapitest

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/legacy"
)

// schemaValidator checks every response the server sends against the
// server's own OpenAPI document, so a handler cannot drift from the schema
// its routes declare.
type schemaValidator struct {
	t      testing.TB
	next   http.Handler
	once   sync.Once
	router routers.Router
	err    error
}

func init() {
	// Non-JSON documents are checked for status and content type only.
	for _, ct := range []string{"text/html", "application/yaml", "text/csv", "text/event-stream", "application/jsonl",
		"audio/mpeg", "audio/opus", "audio/aac", "audio/flac", "audio/wav", "audio/pcm"} {
		if openapi3filter.RegisteredBodyDecoder(ct) == nil {
			openapi3filter.RegisterBodyDecoder(ct, openapi3filter.FileBodyDecoder)
		}
	}
}

func (v *schemaValidator) load() {
	rec := httptest.NewRecorder()
	v.next.ServeHTTP(rec, httptest.NewRequest("GET", "/api/schema/", nil))
	doc, err := openapi3.NewLoader().LoadFromData(rec.Body.Bytes())
	if err != nil {
		v.err = err
		return
	}
	doc.Servers = openapi3.Servers{{URL: "/api"}}
	v.router, v.err = legacy.NewRouter(doc)
}

func (v *schemaValidator) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	v.once.Do(v.load)
	rec := &teeWriter{ResponseWriter: w}
	v.next.ServeHTTP(rec, r)
	if rec.Code == 0 {
		rec.Code = http.StatusOK
	}
	body := rec.body.Bytes()

	if v.err != nil {
		v.t.Errorf("loading the OpenAPI document: %v", v.err)
		return
	}
	if rec.Code == http.StatusNotFound && strings.Contains(string(body), "Not found: ") {
		return // an unknown route: nothing to validate against
	}
	u := *r.URL
	u.Path = strings.TrimSuffix(u.Path, "/")
	rr := r.Clone(context.Background())
	rr.URL = &u
	route, params, err := v.router.FindRoute(rr)
	if err != nil {
		return // documents and assets outside the API (e.g. Swagger UI files)
	}
	in := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: &openapi3filter.RequestValidationInput{Request: rr, PathParams: params, Route: route,
			Options: &openapi3filter.Options{AuthenticationFunc: openapi3filter.NoopAuthenticationFunc}},
		Status:  rec.Code,
		Header:  rec.Header(),
		Body:    io.NopCloser(bytes.NewReader(body)),
		Options: &openapi3filter.Options{IncludeResponseStatus: true, MultiError: true},
	}
	if err := openapi3filter.ValidateResponse(context.Background(), in); err != nil {
		v.t.Errorf("%s %s answered %d, which does not match the OpenAPI document: %v\nbody: %.300s", r.Method, r.URL.Path, rec.Code, err, body)
	}
}

// teeWriter passes a response through (streaming and flushing as the
// handler does) while keeping a copy to validate afterwards.
type teeWriter struct {
	http.ResponseWriter
	Code int
	body bytes.Buffer
}

func (t *teeWriter) WriteHeader(code int) {
	if t.Code == 0 {
		t.Code = code
	}
	t.ResponseWriter.WriteHeader(code)
}

func (t *teeWriter) Write(b []byte) (int, error) {
	if t.Code == 0 {
		t.Code = http.StatusOK
	}
	t.body.Write(b)
	return t.ResponseWriter.Write(b)
}

func (t *teeWriter) Flush() {
	if f, ok := t.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

func (t *teeWriter) Unwrap() http.ResponseWriter { return t.ResponseWriter }
