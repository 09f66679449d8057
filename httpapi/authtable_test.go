package httpapi

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"

	"github.com/anythingllm-go/anythingllm/anythingllm"
	"github.com/anythingllm-go/anythingllm/storage/blobstore"
	"github.com/anythingllm-go/anythingllm/storage/memstore"
)

const noKeyBody = `{"error":"No valid api key found."}`

// authServer runs the real server on an in-memory App and returns its URL
// and a valid key.
func authServer(t *testing.T) (string, string) {
	t.Helper()
	app, err := anythingllm.New(anythingllm.Deps{Store: memstore.New(), Blobs: blobstore.NewMemory()}, nil)
	if err != nil {
		t.Fatal(err)
	}
	_, key, err := app.CreateAPIKey(context.Background(), &anythingllm.CreateAPIKeyRequest{Name: "auth-table"})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(NewServer(app, nil))
	t.Cleanup(srv.Close)
	return srv.URL, key
}

func rawDo(t *testing.T, method, url string, h http.Header) (int, string, http.Header) {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader("{}"))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	for k, v := range h {
		req.Header[k] = v
	}
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, strings.TrimSpace(string(b)), resp.Header
}

var pathParam = regexp.MustCompile(`\{[^}]+\}`)

// publicRoutes are the only routes that need no key.
var publicRoutes = map[string]bool{"GET /ping": true, "GET /health": true, "GET /schema": true, "GET /docs": true, "GET /redoc": true}

// TestEveryRouteRequiresAKey walks the route table: every route but ping,
// health and the docs rejects a missing key, a wrong key and every
// malformed Authorization header with exactly the upstream 403 body, with
// and without a trailing slash.
func TestEveryRouteRequiresAKey(t *testing.T) {
	base, key := authServer(t)
	headers := map[string]http.Header{
		"no header":             {},
		"empty":                 {"Authorization": {""}},
		"wrong key":             {"Authorization": {"Bearer wrong-key"}},
		"key with extra char":   {"Authorization": {"Bearer " + key + "x"}},
		"key prefix only":       {"Authorization": {"Bearer " + key[:len(key)/2]}},
		"no scheme":             {"Authorization": {key}},
		"Basic scheme":          {"Authorization": {"Basic " + key}},
		"Token scheme":          {"Authorization": {"Token " + key}},
		"scheme only":           {"Authorization": {"Bearer"}},
		"scheme and space":      {"Authorization": {"Bearer "}},
		"two spaces":            {"Authorization": {"Bearer  " + key}},
		"tab":                   {"Authorization": {"Bearer\t" + key}},
		"key in another header": {"X-Api-Key": {key}, "Api-Key": {key}},
		"second header value":   {"Authorization": {"Bearer wrong", "Bearer " + key}},
	}
	seenPublic := map[string]bool{}
	for _, rt := range tableServer().routes() {
		id := rt.method + " " + rt.path
		if rt.public {
			if !publicRoutes[id] {
				t.Errorf("%s is public but not one of ping, health and the docs", id)
			}
			seenPublic[id] = true
			if st, _, _ := rawDo(t, rt.method, base+"/api"+rt.path, nil); st == http.StatusForbidden {
				t.Errorf("public %s answered 403 without a key", id)
			}
			continue
		}
		p := "/api" + pathParam.ReplaceAllString(rt.path, "1")
		for _, url := range []string{base + p, base + p + "/", base + p + "?apiKey=" + key} {
			for name, h := range headers {
				st, body, _ := rawDo(t, rt.method, url, h)
				if st != http.StatusForbidden || body != noKeyBody {
					t.Errorf("%s %s (%s) = %d %s, want 403 %s", rt.method, url[len(base):], name, st, body, noKeyBody)
				}
			}
		}
		// Control: the valid key gets past the middleware on this route.
		if st, body, _ := rawDo(t, rt.method, base+p, http.Header{"Authorization": {"Bearer " + key}}); st == http.StatusForbidden && body == noKeyBody {
			t.Errorf("%s with the valid key = 403 %s", id, body)
		}
	}
	for id := range publicRoutes {
		if !seenPublic[id] {
			t.Errorf("public route %s is not in the table", id)
		}
	}
}

// TestPathVariantsNeverReachAHandlerUnauthenticated: case changes, doubled
// slashes, dot segments, encoded dots and trailing dots are an unknown
// route (JSON 404), the middleware's 403, or the mux's redirect to the
// clean path (which then answers 403); never a 2xx and never a 5xx.
func TestPathVariantsNeverReachAHandlerUnauthenticated(t *testing.T) {
	base, _ := authServer(t)
	for _, rt := range tableServer().routes() {
		if rt.public {
			continue
		}
		p := pathParam.ReplaceAllString(rt.path, "1") // e.g. /v1/workspace/1
		rest := strings.TrimPrefix(p, "/")
		variants := []string{
			"/API" + p, "/API" + strings.ToUpper(p), "/Api" + strings.ToUpper(p), "/api" + strings.ToUpper(p),
			"//api" + p, "/api/" + p, "/api/." + p, "/./api" + p,
			"/api/x/.." + p, "/api/x/%2e%2e" + p, "/api/x/%2E%2E" + p, "/api/%2e" + p,
			"/api" + p + ".", "/api" + p + "..", "/api" + p + "/.", "/api" + p + "/..", "/api" + p + "%2e",
			"/api" + p + "%00", "/api" + p + "%2f", "/api/" + strings.ReplaceAll(rest, "/", "%2f"),
			"/api" + p + ";x", "/api" + p + "\\", "/api" + strings.Replace(p, "/v1", "/v1/", 1),
		}
		for _, v := range variants {
			st, body, h := rawDo(t, rt.method, base+v, nil)
			switch {
			case st == http.StatusForbidden && body == noKeyBody:
			case st == http.StatusNotFound && strings.HasPrefix(body, `{"error":"Not found`):
			case st == http.StatusBadRequest && strings.Contains(body, `"the path contains a NUL character"`):
			case st == http.StatusMovedPermanently || st == http.StatusTemporaryRedirect || st == http.StatusPermanentRedirect:
				// The mux cleans the path; the clean path must still
				// demand a key.
				loc := h.Get("Location")
				if !strings.HasPrefix(loc, "/") {
					t.Errorf("%s %s redirects to %q", rt.method, v, loc)
					continue
				}
				if st2, body2, _ := rawDo(t, rt.method, base+loc, nil); st2 >= 200 && st2 < 300 || st2 >= 500 {
					t.Errorf("%s %s -> %s = %d %s", rt.method, v, loc, st2, body2)
				}
			default:
				t.Errorf("%s %s without a key = %d %s, want 403, a JSON 404 or the NUL 400", rt.method, v, st, body)
			}
		}
	}
}
