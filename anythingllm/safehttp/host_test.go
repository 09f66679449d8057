package safehttp_test

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/anythingllm-go/anythingllm/anythingllm/safehttp"
)

// hostileHosts are spellings of blocked addresses, each with a word the
// refusal must name.
var hostileHosts = map[string]string{
	"127.0.0.1":                      "loopback",
	"2130706433":                     "127.0.0.1, a loopback address",
	"0177.0.0.1":                     "127.0.0.1, a loopback address",
	"0x7f.0.0.1":                     "127.0.0.1, a loopback address",
	"0x7f000001":                     "127.0.0.1, a loopback address",
	"0X7F.1":                         "127.0.0.1, a loopback address",
	"127.1":                          "127.0.0.1, a loopback address",
	"127.0.1":                        "127.0.0.1, a loopback address",
	"127.000.000.001":                "127.0.0.1, a loopback address",
	"017700000001":                   "127.0.0.1, a loopback address",
	"127.0.0.1.":                     "127.0.0.1, a loopback address",
	"::1":                            "loopback",
	"::ffff:127.0.0.1":               "127.0.0.1), a loopback address",
	"::ffff:7f00:1":                  "127.0.0.1), a loopback address",
	"0:0:0:0:0:ffff:7f00:0001":       "loopback",
	"::127.0.0.1":                    "IPv4-compatible",
	"fe80::1%eth0":                   "zone",
	"fe80::1":                        "link-local",
	"::":                             "unspecified",
	"0.0.0.0":                        "unspecified",
	"0":                              "unspecified",
	"0x0":                            "unspecified",
	"169.254.169.254":                "cloud metadata",
	"0xa9fea9fe":                     "169.254.169.254, a cloud metadata address",
	"2852039166":                     "169.254.169.254, a cloud metadata address",
	"::ffff:169.254.169.254":         "cloud metadata",
	"fd00:ec2::254":                  "cloud metadata",
	"100.100.100.200":                "cloud metadata",
	"10.0.0.1":                       "private",
	"012.0.0.1":                      "10.0.0.1, a private address",
	"192.168.1.1":                    "private",
	"172.16.0.1":                     "private",
	"100.64.0.1":                     "CGNAT",
	"224.0.0.1":                      "multicast",
	"255.255.255.255":                "broadcast",
	"64:ff9b::7f00:1":                "NAT64",
	"2002:7f00:1::":                  "6to4",
	"fc00::1":                        "private",
	"localhost":                      "localhost",
	"LOCALHOST.":                     "localhost",
	"api.localhost":                  "localhost",
	"１２７.０.０.１":                      "127.0.0.1",
	"127。0。0。1":                      "127.0.0.1",
	"256.0.0.1":                      "not a valid IPv4",
	"1.2.3.4.5":                      "not a valid IPv4",
	"4294967296":                     "not a valid IPv4",
	"08.0.0.1":                       "not a valid IPv4",
	"example.123":                    "not a valid IPv4",
	"8.8.8.010":                      "8.8.8.8 written in a non-standard form",
	"134744072":                      "8.8.8.8 written in a non-standard form",
	"fe80::1%25eth0":                 "zone",
	"[::1]":                          "not a valid IPv6",
	"0x7f.0x00.0x00.0x01.":           "127.0.0.1",
	"0000000000000000000000000177.1": "127.0.0.1",
}

func TestCheckHostRefusesEverySpelling(t *testing.T) {
	for host, reason := range hostileHosts {
		err := safehttp.CheckHost(host, nil)
		var be *safehttp.BlockedError
		if !errors.As(err, &be) || !errors.Is(err, safehttp.ErrBlocked) {
			t.Errorf("CheckHost(%q) = %v, want a BlockedError", host, err)
			continue
		}
		if !strings.Contains(be.Reason, reason) {
			t.Errorf("CheckHost(%q) reason %q, want it to name %q", host, be.Reason, reason)
		}
	}
}

func TestCheckHostAllowsPublicHostsAndTheAllowList(t *testing.T) {
	for _, host := range []string{"example.com", "EXAMPLE.com.", "8.8.8.8", "93.184.216.34", "2606:4700::1111",
		"::ffff:8.8.8.8", "xn--bcher-kva.example", "bücher.example", "1e100.net", "0x.example", "a.0x7g"} {
		if err := safehttp.CheckHost(host, nil); err != nil {
			t.Errorf("CheckHost(%q) = %v, want nil", host, err)
		}
	}
	allowed := []string{"127.0.0.1", "10.0.0.0/8", "Intranet.Example", "localhost", "fd00::/8"}
	for _, host := range []string{"127.0.0.1", "10.9.8.7", "intranet.example", "INTRANET.EXAMPLE.", "localhost", "fd00::1", "::ffff:10.0.0.1"} {
		if err := safehttp.CheckHost(host, allowed); err != nil {
			t.Errorf("allow-listed CheckHost(%q) = %v, want nil", host, err)
		}
	}
	// The allow-list opens canonical spellings only, and nothing else.
	for _, host := range []string{"2130706433", "127.1", "0x0a.0.0.1", "127.0.0.2", "169.254.169.254", "fe80::1%eth0"} {
		if err := safehttp.CheckHost(host, allowed); !errors.Is(err, safehttp.ErrBlocked) {
			t.Errorf("allow-listed CheckHost(%q) = %v, want ErrBlocked", host, err)
		}
	}
}

// TestClientRefusesEverySpellingBeforeDialling points the guarded client at
// a trap server on 127.0.0.1 through every spelling: not one request may
// reach it, and every refusal is ErrBlocked (no DNS failure, no dial).
func TestClientRefusesEverySpellingBeforeDialling(t *testing.T) {
	var hits atomic.Int64
	trap := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		w.Write([]byte("trapped"))
	}))
	defer trap.Close()
	port := trap.URL[strings.LastIndex(trap.URL, ":")+1:]

	// Control: the allow-listed canonical spelling does reach the trap, so
	// zero hits below means refused, not unreachable.
	resp, err := safehttp.NewClient(&safehttp.Options{AllowedHosts: []string{"127.0.0.1"}}).Get("http://127.0.0.1:" + port + "/")
	if err != nil {
		t.Fatalf("control fetch: %v", err)
	}
	resp.Body.Close()
	if hits.Load() != 1 {
		t.Fatalf("control fetch: %d hits", hits.Load())
	}
	hits.Store(0)

	allow := []string{"127.0.0.1"}
	c := safehttp.NewClient(&safehttp.Options{AllowedHosts: allow})
	plain := safehttp.NewClient(nil)
	for host := range hostileHosts {
		u := "http://" + hostPort(host, port) + "/"
		if _, err := url.Parse(u); err != nil {
			continue // not a URL at all ("[::1]" as a bare host)
		}
		clients := []*http.Client{plain}
		if safehttp.CheckHost(host, allow) != nil {
			// Not a spelling the allow-list opens (127.0.0.1, ::ffff:127.0.0.1,
			// localhost and IDNA forms of 127.0.0.1 are).
			clients = append(clients, c)
		}
		for _, cl := range clients {
			resp, err := cl.Get(u)
			if err == nil {
				resp.Body.Close()
				t.Errorf("%s fetched", u)
				continue
			}
			if !errors.Is(err, safehttp.ErrBlocked) {
				t.Errorf("%s: %v, want ErrBlocked before any lookup", u, err)
			}
		}
	}
	if n := hits.Load(); n != 0 {
		t.Fatalf("the trap server saw %d requests", n)
	}
}

// hostPort writes a host for a URL: IPv6 in brackets, a zone escaped.
func hostPort(host, port string) string {
	if strings.Contains(host, ":") && !strings.HasPrefix(host, "[") {
		return "[" + strings.Replace(host, "%", "%25", 1) + "]:" + port
	}
	return url.PathEscape(host) + ":" + port
}

func TestRedirectToNumericSpellingRefused(t *testing.T) {
	var hits atomic.Int64
	trap := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { hits.Add(1) }))
	defer trap.Close()
	port := trap.URL[strings.LastIndex(trap.URL, ":")+1:]
	front := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "http://2130706433:"+port+"/", http.StatusFound)
	}))
	defer front.Close()
	fu, _ := url.Parse(front.URL)
	c := safehttp.NewClient(&safehttp.Options{AllowedHosts: []string{"localhost"}})
	_, err := c.Get("http://localhost:" + fu.Port())
	var be *safehttp.BlockedError
	if !errors.As(err, &be) || !strings.Contains(be.Reason, "loopback") {
		t.Fatalf("redirect to http://2130706433: %v", err)
	}
	if hits.Load() != 0 {
		t.Fatalf("the trap saw %d requests", hits.Load())
	}
}
