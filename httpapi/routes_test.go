package httpapi_test

import (
	"encoding/json"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/anythingllm-go/anythingllm/httpapi/httpapitest"
)

// Every path in the served OpenAPI document is registered: with no key a
// protected route answers the auth middleware's 403 (not the 404 of an
// unknown route), with and without a trailing slash, never a redirect.
func TestEverySchemaPathIsRegistered(t *testing.T) {
	env := httpapitest.New(t, nil)
	resp := env.DoWith(t, "GET", "/api/schema/", nil, nil)
	var doc struct {
		Paths map[string]map[string]struct {
			Security []map[string][]string `json:"security"`
		} `json:"paths"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&doc); err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if len(doc.Paths) == 0 {
		t.Fatal("schema has no paths")
	}
	param := regexp.MustCompile(`\{[^}]+\}`)
	client := env.Server.Client()
	client.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	for path, ops := range doc.Paths {
		concrete := "/api" + param.ReplaceAllString(path, "1")
		for method, op := range ops {
			for _, p := range []string{concrete, concrete + "/"} {
				req, _ := http.NewRequest(strings.ToUpper(method), env.URL+p, nil)
				resp, err := client.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				resp.Body.Close()
				if resp.StatusCode >= 300 && resp.StatusCode < 400 {
					t.Errorf("%s %s redirected (%d)", method, p, resp.StatusCode)
				}
				if len(op.Security) > 0 && resp.StatusCode != http.StatusForbidden {
					t.Errorf("%s %s without a key = %d, want 403 from the auth middleware", method, p, resp.StatusCode)
				}
				if resp.StatusCode == http.StatusNotFound && len(op.Security) == 0 {
					t.Errorf("%s %s is in the schema but not registered", method, p)
				}
			}
		}
	}
}

func TestSchemaFormats(t *testing.T) {
	env := httpapitest.New(t, nil)
	resp := env.DoWith(t, "GET", "/api/schema?format=yaml", nil, nil)
	body := httpapitest.Body(t, resp)
	if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "application/yaml") || !strings.Contains(body, "openapi: 3.0.3") {
		t.Fatalf("yaml: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	resp = env.DoWith(t, "GET", "/api/schema/?format=xml", nil, nil)
	if resp.StatusCode != 400 {
		t.Fatalf("format=xml: %d, want 400", resp.StatusCode)
	}
	resp.Body.Close()
	for _, p := range []string{"/api/docs", "/api/docs/", "/api/docs/?theme=dark"} {
		resp = env.DoWith(t, "GET", p, nil, nil)
		body = httpapitest.Body(t, resp)
		if resp.StatusCode != 200 || !strings.Contains(body, "swagger-ui") || !strings.Contains(body, "/api/schema/") {
			t.Fatalf("GET %s = %d", p, resp.StatusCode)
		}
		if strings.Contains(body, "cdn.") || strings.Contains(body, "unpkg.com") || strings.Contains(body, "jsdelivr") {
			t.Fatalf("GET %s loads assets from a CDN", p)
		}
	}
	resp = env.DoWith(t, "GET", "/api/docs/swagger-ui-bundle.js", nil, nil)
	if b := httpapitest.Body(t, resp); resp.StatusCode != 200 || len(b) < 10000 {
		t.Fatalf("embedded Swagger UI asset: %d, %d bytes", resp.StatusCode, len(b))
	}
}
