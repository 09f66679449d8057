package collector_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/anythingllm-go/anythingllm/anythingllm"
	"github.com/anythingllm-go/anythingllm/anythingllm/collector"
)

// TestFetchLinkRefusesNumericSpellingsBeforeLookup: FetchLink refuses
// every spelling of a loopback or metadata address with InvalidArgument
// naming it, before any lookup, and the trap on 127.0.0.1 sees nothing.
func TestFetchLinkRefusesNumericSpellingsBeforeLookup(t *testing.T) {
	var hits atomic.Int64
	trap := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		w.Write([]byte("secret"))
	}))
	defer trap.Close()
	port := trap.URL[strings.LastIndex(trap.URL, ":")+1:]
	c := collector.New(&collector.Options{AllowedHosts: []string{"intranet.example"}, PDFEngine: collector.PDFLight})
	defer c.Close()
	for link, reason := range map[string]string{
		"http://2130706433:PORT/":          "127.0.0.1, a loopback address",
		"http://0177.0.0.1:PORT/":          "127.0.0.1, a loopback address",
		"http://0x7f.0.0.1:PORT/":          "127.0.0.1, a loopback address",
		"http://0x7f000001:PORT/":          "127.0.0.1, a loopback address",
		"http://127.1:PORT/":               "127.0.0.1, a loopback address",
		"http://[::ffff:127.0.0.1]:PORT/":  "a loopback address",
		"http://[fe80::1%25eth0]:PORT/":    "zone",
		"http://[::]:PORT/":                "unspecified",
		"http://0.0.0.0:PORT/":             "unspecified",
		"http://0xa9fea9fe/latest/":        "169.254.169.254, a cloud metadata address",
		"http://[fd00:ec2::254]/latest/":   "cloud metadata",
		"2130706433:PORT/without-a-scheme": "127.0.0.1",
	} {
		link = strings.ReplaceAll(link, "PORT", port)
		_, err := c.FetchLink(context.Background(), link, nil)
		checkErr(t, err, anythingllm.InvalidArgument, reason, "LINK_ALLOWED_HOSTS")
	}
	if hits.Load() != 0 {
		t.Fatalf("the trap saw %d requests", hits.Load())
	}
}
