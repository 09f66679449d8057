package httpapi_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/anythingllm-go/anythingllm/anythingllm"
	"github.com/anythingllm-go/anythingllm/httpapi/httpapitest"
)

// TestUploadLinkRefusesEverySpellingOfABlockedHost points upload-link at a
// trap server on 127.0.0.1 through every spelling of a loopback, private,
// metadata or unspecified address. Each answers 400 naming the reason
// before any DNS lookup (a lookup would fail and answer 503), and the trap
// sees no request at all; the allow-list still opens the canonical host.
func TestUploadLinkRefusesEverySpellingOfABlockedHost(t *testing.T) {
	var hits atomic.Int64
	trap := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		w.Header().Set("Content-Type", "text/html")
		fmt.Fprint(w, "<html><body><p>internal secret page</p></body></html>")
	}))
	defer trap.Close()
	port := trap.URL[strings.LastIndex(trap.URL, ":")+1:]

	cases := map[string]string{ // link -> what the 400 must name
		"http://2130706433:PORT/":                 "127.0.0.1, a loopback address",
		"http://0177.0.0.1:PORT/":                 "127.0.0.1, a loopback address",
		"http://0x7f.0.0.1:PORT/":                 "127.0.0.1, a loopback address",
		"http://0x7f000001:PORT/":                 "127.0.0.1, a loopback address",
		"http://127.1:PORT/":                      "127.0.0.1, a loopback address",
		"http://127.0.0.1.:PORT/":                 "127.0.0.1, a loopback address",
		"http://127.0.0.1:PORT/":                  "127.0.0.1, a loopback address",
		"2130706433:PORT/no-scheme":               "127.0.0.1, a loopback address",
		"http://[::1]:PORT/":                      "a loopback address",
		"http://[::ffff:127.0.0.1]:PORT/":         "(127.0.0.1), a loopback address",
		"http://[fe80::1%25eth0]:PORT/":           "zone",
		"http://[::]:PORT/":                       "the unspecified address",
		"http://0.0.0.0:PORT/":                    "the unspecified address",
		"http://0:PORT/":                          "0.0.0.0, the unspecified address",
		"http://localhost:PORT/":                  "localhost",
		"http://169.254.169.254/latest/meta-data": "a cloud metadata address",
		"http://0xa9fea9fe/latest/meta-data":      "169.254.169.254, a cloud metadata address",
		"http://[fd00:ec2::254]/latest/meta-data": "a cloud metadata address",
		"http://10.0.0.1:PORT/":                   "a private address",
		"http://%31%32%37.0.0.1:PORT/":            "Not a valid URL", // net/url refuses escapes in a host with a port
		"http://１２７．０．０．１:PORT/":                  "127.0.0.1",
	}
	env := ragEnv(t)
	for link, reason := range cases {
		link = strings.ReplaceAll(link, "PORT", port)
		st, out := linkUpload(t, env, link)
		if st != http.StatusBadRequest || out.Success || out.Error == nil {
			t.Errorf("%s: %d %+v, want 400", link, st, out)
			continue
		}
		if !strings.Contains(*out.Error, reason) || (!strings.Contains(*out.Error, "is refused") && !strings.Contains(link, "%31")) {
			t.Errorf("%s: error %q does not name %q", link, *out.Error, reason)
		}
	}
	if n := hits.Load(); n != 0 {
		t.Fatalf("the trap server saw %d requests", n)
	}

	// LINK_ALLOWED_HOSTS opens the canonical host (the trap is reachable,
	// so zero hits above means refused) but not another spelling of it.
	allowed := httpapitest.New(t, &httpapitest.Options{Deps: ragDeps(), App: &anythingllm.Options{LinkAllowedHosts: []string{"127.0.0.1"}}})
	if st, out := linkUpload(t, allowed, "http://127.0.0.1:"+port+"/page"); st != 200 || !out.Success {
		t.Fatalf("allowed host: %d %+v", st, out)
	}
	if hits.Load() != 1 {
		t.Fatalf("allowed host: the trap saw %d requests, want 1", hits.Load())
	}
	if st, out := linkUpload(t, allowed, "http://2130706433:"+port+"/page"); st != 400 || out.Error == nil || !strings.Contains(*out.Error, "non-standard form") {
		t.Fatalf("integer spelling with 127.0.0.1 allowed: %d %+v", st, out)
	}
	if hits.Load() != 1 {
		t.Fatalf("the trap saw %d requests, want 1", hits.Load())
	}
}
