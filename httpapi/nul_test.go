package httpapi_test

import (
	"strings"
	"testing"

	"github.com/anythingllm-go/anythingllm/httpapi/httpapitest"
)

// TestNULAndTrailingDataAreRefused: a NUL character in any text field or
// path segment is a 400 naming it, before anything is written; a body
// with data after its JSON value is a 400 too (white space is fine).
func TestNULAndTrailingDataAreRefused(t *testing.T) {
	env := httpapitest.New(t, &httpapitest.Options{NoSchemaCheck: true})
	post := func(path, body string) (int, string) {
		resp := env.Do(t, "POST", path, strings.NewReader(body))
		return resp.StatusCode, httpapitest.Body(t, resp)
	}
	if st, b := post("/api/v1/workspace/new", `{"name":"ok"}`+"\n\t "); st != 200 {
		t.Fatalf("trailing white space: %d %s", st, b)
	}
	cases := []struct{ path, body, want string }{
		{"/api/v1/workspace/new", `{"name":"bad\u0000name"}`, `"name contains a NUL character"`},
		{"/api/v1/workspace/ok/thread/new", `{"name":"t\u0000"}`, `"name contains a NUL character"`},
		{"/api/v1/workspace/ok/chat", `{"message":"hi\u0000","mode":"chat"}`, `"message contains a NUL character"`},
		{"/api/v1/document/raw-text", `{"textContent":"x","metadata":{"title":"a\u0000"}}`, `"metadata.title contains a NUL character"`},
		{"/api/v1/workspace/new", `{"name":"x"} {"name":"y"}`, "data after the JSON value"},
		{"/api/v1/workspace/new", `{"name":"x"}junk`, "data after the JSON value"},
	}
	for _, c := range cases {
		st, b := post(c.path, c.body)
		if st != 400 || !strings.Contains(b, c.want) {
			t.Errorf("POST %s %s = %d %s, want 400 with %s", c.path, c.body, st, b, c.want)
		}
	}
	// Nothing was written by the refused requests.
	resp := env.Do(t, "GET", "/api/v1/workspaces", nil)
	if b := httpapitest.Body(t, resp); strings.Count(b, `"slug":`) != 1 {
		t.Fatalf("workspaces after the refusals: %s", b)
	}
	// A NUL in a path segment.
	resp = env.Do(t, "GET", "/api/v1/workspace/a%00b", nil)
	if b := httpapitest.Body(t, resp); resp.StatusCode != 400 || !strings.Contains(b, "NUL") {
		t.Fatalf("NUL in the path: %d %s", resp.StatusCode, b)
	}
}

func TestLiteralBackslashU0000IsText(t *testing.T) {
	env := httpapitest.New(t, &httpapitest.Options{NoSchemaCheck: true})
	resp := env.Do(t, "POST", "/api/v1/workspace/new", strings.NewReader(`{"name":"C:\\u0000dir"}`))
	if b := httpapitest.Body(t, resp); resp.StatusCode != 200 || !strings.Contains(b, `C:\\u0000dir`) {
		t.Fatalf("a literal backslash-u0000 in a name: %d %s", resp.StatusCode, b)
	}
}
