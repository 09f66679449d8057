package weaviate

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/anythingllm-go/anythingllm/anythingllm"
)

// maxResponse bounds what one answer may hold (a query returns text and
// metadata of at most queryMaxResults chunks).
const maxResponse = 256 << 20

// httpError is a non-2xx answer: its status and Weaviate's messages
// ({"error":[{"message":...}]}), the API key removed.
type httpError struct {
	status int
	msg    string
}

func (e *httpError) Error() string { return fmt.Sprintf("HTTP %d: %s", e.status, e.msg) }

// do sends a JSON request to path (under the endpoint) and decodes a 2xx
// answer into out (when not nil). Other answers are *httpError inside an
// anythingllm error whose code follows the status.
func (s *Store) do(ctx context.Context, method, path string, body, out any) error {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return anythingllm.WrapError(anythingllm.Internal, err, "weaviate: encoding a request")
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, s.base+path, rd)
	if err != nil {
		return anythingllm.WrapError(anythingllm.Internal, err, "weaviate: building a request")
	}
	req.Header.Set("Accept", "application/json")
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if s.apiKey != "" {
		req.Header.Set("Authorization", "Bearer "+s.apiKey)
	}
	resp, err := s.hc.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		// The URL in a transport error holds no secret: the key travels in
		// a header only, and net/http strips a password from the URL.
		return anythingllm.WrapError(anythingllm.Unavailable, err, "weaviate unreachable")
	}
	defer func() { _ = resp.Body.Close() }()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxResponse))
	if err != nil {
		return anythingllm.WrapError(anythingllm.Unavailable, err, "weaviate: reading an answer to %s %s", method, path)
	}
	if resp.StatusCode/100 != 2 {
		he := &httpError{status: resp.StatusCode, msg: s.redact(errorMessage(data))}
		return anythingllm.WrapError(statusCode(resp.StatusCode), he, "weaviate: %s %s", method, path)
	}
	if out == nil {
		return nil
	}
	if err := json.Unmarshal(data, out); err != nil {
		return anythingllm.WrapError(anythingllm.Unavailable, err, "weaviate: an unreadable answer to %s %s", method, path)
	}
	return nil
}

// status returns the HTTP status of an error from do, 0 for any other.
func status(err error) int {
	var he *httpError
	if errors.As(err, &he) {
		return he.status
	}
	return 0
}

// errorMessage extracts Weaviate's messages from an error body, or a short
// prefix of the body when it is not Weaviate's shape.
func errorMessage(data []byte) string {
	var e struct {
		Error []struct {
			Message string `json:"message"`
		} `json:"error"`
		Message string `json:"message"` // go-swagger's own errors
	}
	if json.Unmarshal(data, &e) == nil {
		var msgs []string
		for _, m := range e.Error {
			msgs = append(msgs, m.Message)
		}
		if e.Message != "" {
			msgs = append(msgs, e.Message)
		}
		if len(msgs) > 0 {
			return strings.Join(msgs, "; ")
		}
	}
	msg := strings.TrimSpace(string(data))
	if len(msg) > 200 {
		msg = msg[:200] + "..."
	}
	return msg
}

// statusCode maps an HTTP status of Weaviate to an error code.
func statusCode(st int) anythingllm.ErrorCode {
	switch {
	case st == http.StatusUnauthorized:
		return anythingllm.Unauthenticated
	case st == http.StatusForbidden:
		return anythingllm.PermissionDenied
	case st == http.StatusNotFound:
		return anythingllm.NotFound
	case st == http.StatusBadRequest || st == http.StatusUnprocessableEntity:
		return anythingllm.InvalidArgument
	case st == http.StatusTooManyRequests:
		return anythingllm.RateLimited
	case st == http.StatusRequestEntityTooLarge:
		return anythingllm.TooLarge
	case st >= 500:
		return anythingllm.Unavailable
	}
	return anythingllm.Unknown
}

// redact removes the API key from text that came from the server or the
// transport, in case either echoes it.
func (s *Store) redact(text string) string {
	if s.apiKey == "" {
		return text
	}
	return strings.ReplaceAll(text, s.apiKey, "[redacted]")
}

// gqlError is a GraphQL answer with errors.
type gqlError struct{ msgs []string }

func (e *gqlError) Error() string { return strings.Join(e.msgs, "; ") }

// unknownClass reports whether a GraphQL error says a class is not in the
// schema ("Cannot query field \"X\" on type \"GetObjectsObj\""), or that
// there are no classes at all (a 422 "no graphql provider present").
func unknownClass(err error) bool {
	var ge *gqlError
	if !errors.As(err, &ge) {
		var he *httpError
		return errors.As(err, &he) && he.status == http.StatusUnprocessableEntity && strings.Contains(he.msg, "no graphql provider")
	}
	for _, m := range ge.msgs {
		if strings.Contains(m, "Cannot query field") {
			return true
		}
	}
	return false
}

// graphql runs query and decodes its data into out.
func (s *Store) graphql(ctx context.Context, query string, out any) error {
	var resp struct {
		Data   json.RawMessage `json:"data"`
		Errors []struct {
			Message string `json:"message"`
		} `json:"errors"`
	}
	if err := s.do(ctx, http.MethodPost, "/v1/graphql", map[string]string{"query": query}, &resp); err != nil {
		return err
	}
	if len(resp.Errors) > 0 {
		ge := &gqlError{}
		for _, e := range resp.Errors {
			ge.msgs = append(ge.msgs, s.redact(e.Message))
		}
		code := anythingllm.Unavailable
		if strings.Contains(ge.Error(), "vector lengths don't match") {
			code = anythingllm.InvalidArgument
		}
		return anythingllm.WrapError(code, ge, "weaviate: GraphQL")
	}
	if err := json.Unmarshal(resp.Data, out); err != nil {
		return anythingllm.WrapError(anythingllm.Unavailable, err, "weaviate: an unreadable GraphQL answer")
	}
	return nil
}
