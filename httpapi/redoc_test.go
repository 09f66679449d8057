package httpapi_test

import (
	"strings"
	"testing"

	"github.com/anythingllm-go/anythingllm/httpapi"
	"github.com/anythingllm-go/anythingllm/httpapi/httpapitest"
)

func TestRedocPage(t *testing.T) {
	for name, tc := range map[string]struct {
		script  []byte
		wantSrc string
	}{
		"CDN":        {nil, httpapi.RedocCDN},
		"local file": {[]byte("/* redoc */"), "/api/redoc/redoc.standalone.js"},
	} {
		t.Run(name, func(t *testing.T) {
			env := httpapitest.New(t, &httpapitest.Options{Server: &httpapi.Options{RedocScript: tc.script}, NoSchemaCheck: true})
			for _, p := range []string{"/api/redoc", "/api/redoc/"} {
				resp := env.DoWith(t, "GET", p, nil, nil) // no key: a docs page
				body := httpapitest.Body(t, resp)
				if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") ||
					!strings.Contains(body, `<redoc spec-url="/api/schema/">`) || !strings.Contains(body, `<script src="`+tc.wantSrc+`">`) {
					t.Fatalf("GET %s = %d %s\n%s", p, resp.StatusCode, resp.Header.Get("Content-Type"), body)
				}
			}
			resp := env.DoWith(t, "GET", "/api/redoc/redoc.standalone.js", nil, nil)
			body := httpapitest.Body(t, resp)
			if tc.script == nil && resp.StatusCode != 404 {
				t.Fatalf("bundle without a file: %d", resp.StatusCode)
			}
			if tc.script != nil && (resp.StatusCode != 200 || body != string(tc.script) || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/javascript")) {
				t.Fatalf("bundle: %d %q", resp.StatusCode, body)
			}
		})
	}
}
