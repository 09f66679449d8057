package safehttp_test

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"testing"

	"github.com/anythingllm-go/anythingllm/anythingllm/safehttp"
)

func TestBlockedAddresses(t *testing.T) {
	for _, a := range []string{"127.0.0.1", "10.1.2.3", "172.16.0.1", "192.168.1.1", "169.254.169.254", "100.64.0.1", "0.0.0.0", "::1", "fd00:ec2::254", "fe80::1", "::ffff:127.0.0.1", "224.0.0.1"} {
		if !safehttp.Blocked(netip.MustParseAddr(a)) {
			t.Errorf("%s is not blocked", a)
		}
	}
	for _, a := range []string{"93.184.216.34", "8.8.8.8", "2606:4700::1111"} {
		if safehttp.Blocked(netip.MustParseAddr(a)) {
			t.Errorf("%s is blocked", a)
		}
	}
}

func TestLoopbackRefusedUnlessAllowed(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("secret")) }))
	defer srv.Close()
	_, err := safehttp.NewClient(nil).Get(srv.URL)
	if !errors.Is(err, safehttp.ErrBlocked) {
		t.Fatalf("loopback fetch: %v, want ErrBlocked", err)
	}
	resp, err := safehttp.NewClient(&safehttp.Options{AllowedHosts: []string{"127.0.0.1/32"}}).Get(srv.URL)
	if err != nil {
		t.Fatalf("allowed network: %v", err)
	}
	resp.Body.Close()
	// A host name on the allow-list may resolve to a private address.
	u, _ := url.Parse(srv.URL)
	resp, err = safehttp.NewClient(&safehttp.Options{AllowedHosts: []string{"localhost"}}).Get("http://localhost:" + u.Port())
	if err != nil {
		t.Fatalf("allowed host name: %v", err)
	}
	resp.Body.Close()
	if _, err := safehttp.NewClient(&safehttp.Options{AllowedHosts: []string{"intranet.example"}}).Get("http://localhost:" + u.Port()); !errors.Is(err, safehttp.ErrBlocked) {
		t.Fatalf("a name not on the list resolving to loopback: %v", err)
	}
}

func TestRedirectToPrivateRefused(t *testing.T) {
	target := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("internal")) }))
	defer target.Close()
	// Every redirect hop is checked: here the second hop's scheme.
	front := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "file:///etc/passwd", http.StatusFound)
	}))
	defer front.Close()
	c := safehttp.NewClient(&safehttp.Options{AllowedHosts: []string{"127.0.0.1"}})
	if _, err := c.Get(front.URL); !errors.Is(err, safehttp.ErrBlocked) {
		t.Fatalf("redirect to file://: %v", err)
	}
}

func TestSchemesRefused(t *testing.T) {
	for _, u := range []string{"file:///etc/passwd", "ftp://example.com/x", "gopher://example.com", "http://user:pw@example.com/"} {
		p, _ := url.Parse(u)
		if err := safehttp.CheckURL(p); !errors.Is(err, safehttp.ErrBlocked) {
			t.Errorf("%s: %v", u, err)
		}
	}
}

func TestRedirectToBlockedIPRefused(t *testing.T) {
	target := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("internal")) }))
	defer target.Close()
	front := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, target.URL, http.StatusFound) // http://127.0.0.1:port
	}))
	defer front.Close()
	fu, _ := url.Parse(front.URL)
	c := safehttp.NewClient(&safehttp.Options{AllowedHosts: []string{"localhost"}})
	if _, err := c.Get("http://localhost:" + fu.Port()); !errors.Is(err, safehttp.ErrBlocked) {
		t.Fatalf("redirect from an allowed host to a blocked IP: %v", err)
	}
}

func TestCheckAllowedURL(t *testing.T) {
	allowed := []string{"llm.internal", "10.0.0.0/8", "127.0.0.1"}
	for _, ok := range []string{"http://llm.internal/v1", "https://LLM.internal:8443/v1", "http://10.2.3.4:1234/v1", "http://127.0.0.1:9/v1"} {
		u, _ := url.Parse(ok)
		if err := safehttp.CheckAllowedURL(u, allowed); err != nil {
			t.Errorf("%s: %v", ok, err)
		}
	}
	for _, bad := range []string{"http://api.openai.com/v1", "http://llm.internal.evil.com/", "http://11.0.0.1/", "http://127.0.0.2/", "ftp://llm.internal/", "http://u:p@llm.internal/", "http://169.254.169.254/"} {
		u, _ := url.Parse(bad)
		if err := safehttp.CheckAllowedURL(u, allowed); !errors.Is(err, safehttp.ErrBlocked) {
			t.Errorf("%s: %v, want ErrBlocked", bad, err)
		}
	}
}

// With OnlyAllowed the client refuses a redirect to a host off the list,
// even a public one.
func TestOnlyAllowedRefusesRedirectOffTheList(t *testing.T) {
	hit := false
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { hit = true }))
	defer other.Close()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "http://localhost:"+other.URL[len("http://127.0.0.1:"):], http.StatusTemporaryRedirect)
	}))
	defer srv.Close()
	c := safehttp.NewClient(&safehttp.Options{AllowedHosts: []string{"127.0.0.1/32"}, OnlyAllowed: true})
	if _, err := c.Get(srv.URL); !errors.Is(err, safehttp.ErrBlocked) || hit {
		t.Fatalf("redirect off the list: %v (reached: %v)", err, hit)
	}
}
