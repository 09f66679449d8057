package httpapi_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/anythingllm-go/anythingllm/anythingllm"
	"github.com/anythingllm-go/anythingllm/httpapi/httpapitest"
)

func TestUploadLink(t *testing.T) {
	page := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		fmt.Fprint(w, `<html><body><h1>Otters</h1><p>Sea otters hold hands while sleeping.</p><script>evil()</script></body></html>`)
	}))
	defer page.Close()

	// By default a loopback page is refused: it could be the server's own network.
	env := ragEnv(t)
	st, out := linkUpload(t, env, page.URL+"/otters")
	if st != 400 || out.Success || out.Error == nil || !strings.Contains(*out.Error, "127.0.0.1, a loopback address") {
		t.Fatalf("loopback link: %d %+v", st, out)
	}
	for _, bad := range []string{"file:///etc/passwd", "ftp://example.com/x", "gopher://example.com/", "http://user:pw@example.com/"} {
		if st, out := linkUpload(t, env, bad); st != 400 || out.Success {
			t.Errorf("%s: %d %+v", bad, st, out)
		}
	}

	// The allow-list opens it on purpose.
	deps := ragDeps()
	env = httpapitest.New(t, &httpapitest.Options{Deps: deps, App: &anythingllm.Options{LinkAllowedHosts: []string{"127.0.0.1"}}})
	st, out = linkUpload(t, env, page.URL+"/otters")
	if st != 200 || !out.Success || len(out.Documents) != 1 {
		t.Fatalf("allowed link: %d %+v", st, out)
	}
	d := out.Documents[0]
	if !strings.Contains(d.PageContent, "# Otters") || !strings.Contains(d.PageContent, "hold hands") || strings.Contains(d.PageContent, "evil") || !strings.HasPrefix(d.Location, "custom-documents/url-") {
		t.Fatalf("link document: %+v", d)
	}
}

func linkUpload(t *testing.T, env *httpapitest.Env, link string) (int, uploadOut) {
	t.Helper()
	var out uploadOut
	st := env.DoJSON(t, "POST", "/api/v1/document/upload-link", map[string]any{"link": link}, &out)
	return st, out
}
