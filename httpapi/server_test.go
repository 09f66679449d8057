package httpapi_test

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"net/http"
	"strings"
	"testing"

	"github.com/anythingllm-go/anythingllm/anythingllm"
	"github.com/anythingllm-go/anythingllm/httpapi"
	"github.com/anythingllm-go/anythingllm/httpapi/httpapitest"
)

const noKeyBody = `{"error":"No valid api key found."}` + "\n"

func TestPingNeedsNoKey(t *testing.T) {
	env := httpapitest.New(t, nil)
	for _, p := range []string{"/api/ping", "/api/ping/"} {
		resp := env.DoWith(t, "GET", p, nil, nil)
		if got := httpapitest.Body(t, resp); resp.StatusCode != 200 || got != `{"online":true}`+"\n" {
			t.Fatalf("GET %s = %d %q", p, resp.StatusCode, got)
		}
	}
}

func TestAuthAcceptsValidKeyWithAndWithoutSlash(t *testing.T) {
	env := httpapitest.New(t, nil)
	for _, p := range []string{"/api/v1/auth", "/api/v1/auth/"} {
		resp := env.Do(t, "GET", p, nil)
		if got := httpapitest.Body(t, resp); resp.StatusCode != 200 || got != `{"authenticated":true}`+"\n" {
			t.Fatalf("GET %s = %d %q (no redirect expected)", p, resp.StatusCode, got)
		}
	}
}

func TestAuthRefusals(t *testing.T) {
	env := httpapitest.New(t, nil)
	cases := map[string]http.Header{
		"no header":         nil,
		"wrong key":         {"Authorization": {"Bearer AAAAAAA-BBBBBBB-CCCCCCC-DDDDDDD"}},
		"Bearer alone":      {"Authorization": {"Bearer"}},
		"Bearer and space":  {"Authorization": {"Bearer "}},
		"two spaces":        {"Authorization": {"Bearer  " + env.Key}},
		"bare key":          {"Authorization": {env.Key}},
		"Basic credentials": {"Authorization": {"Basic dXNlcjpwYXNz"}},
		"Basic with key":    {"Authorization": {"Basic " + env.Key}},
		"Token scheme":      {"Authorization": {"Token " + env.Key}},
		"lower-case key":    {"Authorization": {"Bearer " + strings.ToLower(env.Key)}},
		"key with suffix":   {"Authorization": {"Bearer " + env.Key + "X"}},
	}
	for name, h := range cases {
		resp := env.DoWith(t, "GET", "/api/v1/auth", nil, h)
		if got := httpapitest.Body(t, resp); resp.StatusCode != 403 || got != noKeyBody {
			t.Errorf("%s: %d %q, want 403 %q", name, resp.StatusCode, got, noKeyBody)
		}
	}
	// The header name is case-insensitive, as in upstream.
	resp := env.DoWith(t, "GET", "/api/v1/auth", nil, http.Header{"authorization": {"Bearer " + env.Key}})
	if resp.StatusCode != 200 {
		t.Fatalf("lower-case header name: %d", resp.StatusCode)
	}
	resp.Body.Close()
}

func TestBootstrapKey(t *testing.T) {
	const boot = "ZZZZZZZ-YYYYYYY-XXXXXXX-WWWWWWW"
	env := httpapitest.New(t, &httpapitest.Options{App: &anythingllm.Options{BootstrapAPIKey: boot}})
	resp := env.DoWith(t, "GET", "/api/v1/auth", nil, http.Header{"Authorization": {"Bearer " + boot}})
	if resp.StatusCode != 200 {
		t.Fatalf("bootstrap key: %d", resp.StatusCode)
	}
	resp.Body.Close()
}

func TestUnknownRouteIsJSON404(t *testing.T) {
	env := httpapitest.New(t, nil)
	for _, p := range []string{"/api/v1/nope", "/nope", "/api/v1/auth/extra"} {
		resp := env.Do(t, "GET", p, nil)
		body := httpapitest.Body(t, resp)
		if resp.StatusCode != 404 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") || !strings.Contains(body, `"error"`) {
			t.Errorf("GET %s = %d %s %q", p, resp.StatusCode, resp.Header.Get("Content-Type"), body)
		}
	}
}

func TestBodyLimitIs413JSON(t *testing.T) {
	env := httpapitest.New(t, &httpapitest.Options{Server: &httpapi.Options{MaxBodyBytes: 100}})
	big := `{"model":"x","messages":[{"role":"user","content":"` + strings.Repeat("a", 500) + `"}]}`
	resp := env.Do(t, "POST", "/api/llm/generate", strings.NewReader(big))
	body := httpapitest.Body(t, resp)
	if resp.StatusCode != 413 || !strings.Contains(body, `"error"`) {
		t.Fatalf("oversized body: %d %q", resp.StatusCode, body)
	}
}

func TestCORS(t *testing.T) {
	env := httpapitest.New(t, nil)
	h := http.Header{"Authorization": {"Bearer " + env.Key}, "Origin": {"https://app.example"}}
	resp := env.DoWith(t, "GET", "/api/v1/auth", nil, h)
	resp.Body.Close()
	if got := resp.Header.Get("Access-Control-Allow-Origin"); got != "https://app.example" {
		t.Fatalf("Allow-Origin = %q, want the request origin", got)
	}
	pre := http.Header{"Origin": {"https://app.example"}, "Access-Control-Request-Method": {"POST"}, "Access-Control-Request-Headers": {"authorization,content-type"}}
	resp = env.DoWith(t, "OPTIONS", "/api/v1/workspace/new", nil, pre)
	resp.Body.Close()
	if resp.StatusCode != 204 || resp.Header.Get("Access-Control-Allow-Headers") != "authorization,content-type" || !strings.Contains(resp.Header.Get("Access-Control-Allow-Methods"), "POST") {
		t.Fatalf("preflight = %d %v", resp.StatusCode, resp.Header)
	}
}

func TestPanicIsJSON500AndLogged(t *testing.T) {
	var logs bytes.Buffer
	logger := slog.New(slog.NewTextHandler(&logs, nil))
	env := httpapitest.New(t, &httpapitest.Options{Logger: logger, Deps: anythingllm.Deps{LLM: panicking{}}})
	resp := env.Do(t, "POST", "/api/llm/generate", map[string]any{"messages": []map[string]string{{"role": "user", "content": "hi"}}})
	body := httpapitest.Body(t, resp)
	if resp.StatusCode != 500 || body != `{"error":"Internal server error"}`+"\n" {
		t.Fatalf("panic answered %d %q", resp.StatusCode, body)
	}
	if !strings.Contains(logs.String(), "panic in handler") || !strings.Contains(logs.String(), "llm exploded") {
		t.Fatalf("panic not logged: %s", logs.String())
	}
	// The server keeps serving.
	if st := env.DoJSON(t, "GET", "/api/v1/auth", nil, nil); st != 200 {
		t.Fatalf("after a panic: %d", st)
	}
}

func jsonDecode(resp *http.Response, out any) error {
	defer resp.Body.Close()
	return json.NewDecoder(resp.Body).Decode(out)
}

// TestUncleanPathsAnswerJSON404: paths that are not in clean form get the
// JSON 404, not ServeMux's redirect with a text body, and never a handler.
func TestUncleanPathsAnswerJSON404(t *testing.T) {
	env := httpapitest.New(t, &httpapitest.Options{NoSchemaCheck: true})
	for _, p := range []string{"//api/ping", "/api//ping", "/api/./ping", "/api/v1/../ping", "/api/ping/.", "/api/v1/auth/.."} {
		req, _ := http.NewRequest("GET", env.URL+p, nil)
		req.URL.Opaque = p // send the path as written
		req.Header.Set("Authorization", "Bearer "+env.Key)
		resp, err := (&http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}).Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body := httpapitest.Body(t, resp)
		if resp.StatusCode != 404 || !strings.HasPrefix(body, `{"error":"Not found`) {
			t.Errorf("GET %s = %d %q, want the JSON 404", p, resp.StatusCode, body)
		}
	}
}
