// Package safehttp is an HTTP client for fetching user-supplied URLs
// without letting them reach the server's own network: only http and https,
// and every connection (redirects included) is checked against the IP it
// actually dials, so DNS tricks cannot reach loopback, private, link-local,
// CGNAT, multicast or cloud-metadata addresses. An allow-list opens named
// intranet hosts or networks on purpose.
package safehttp

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"syscall"
	"time"
)

// Options tune the client. A nil *Options means the defaults.
type Options struct {
	// AllowedHosts are host names (exact, case-insensitive) or CIDR
	// networks that may be fetched even though they are private.
	AllowedHosts []string
	// Timeout bounds a whole fetch; default 30 s.
	Timeout time.Duration
	// MaxRedirects; default 5.
	MaxRedirects int
	// OnlyAllowed restricts the client to AllowedHosts: every other host,
	// public ones included, is refused, on redirects as well (for URLs a
	// caller chooses that the operator has vetted, like provider base
	// URLs).
	OnlyAllowed bool
}

// ErrBlocked is returned for URLs and addresses the client refuses.
var ErrBlocked = errors.New("blocked address")

var blockedNets = func() []netip.Prefix {
	var out []netip.Prefix
	for _, c := range []string{
		"0.0.0.0/8", "10.0.0.0/8", "100.64.0.0/10", "127.0.0.0/8", "169.254.0.0/16", "172.16.0.0/12",
		"192.0.0.0/24", "192.168.0.0/16", "198.18.0.0/15", "224.0.0.0/4", "240.0.0.0/4",
		"::/128", "::1/128", "fc00::/7", "fe80::/10", "ff00::/8", "64:ff9b::/96",
	} {
		out = append(out, netip.MustParsePrefix(c))
	}
	return out
}()

// Blocked reports whether an address is one that user URLs may not reach.
func Blocked(ip netip.Addr) bool {
	ip = ip.Unmap()
	for _, p := range blockedNets {
		if p.Contains(ip) {
			return true
		}
	}
	return false
}

type policy struct {
	hosts map[string]bool
	nets  []netip.Prefix
}

func newPolicy(allowed []string) *policy {
	p := &policy{hosts: map[string]bool{}}
	for _, a := range allowed {
		a = strings.TrimSpace(strings.ToLower(a))
		if pfx, err := netip.ParsePrefix(a); err == nil {
			p.nets = append(p.nets, pfx)
		} else if ip, err := netip.ParseAddr(a); err == nil {
			p.nets = append(p.nets, netip.PrefixFrom(ip, ip.BitLen()))
		} else if a != "" {
			p.hosts[a] = true
		}
	}
	return p
}

func (p *policy) allowedIP(ip netip.Addr) bool {
	for _, n := range p.nets {
		if n.Contains(ip.Unmap()) {
			return true
		}
	}
	return false
}

type hostKey struct{}

// NewClient returns a client that enforces the policy on every dial.
func NewClient(opts *Options) *http.Client {
	var o Options
	if opts != nil {
		o = *opts
	}
	if o.Timeout <= 0 {
		o.Timeout = 30 * time.Second
	}
	if o.MaxRedirects <= 0 {
		o.MaxRedirects = 5
	}
	pol := newPolicy(o.AllowedHosts)
	dialer := &net.Dialer{Timeout: 10 * time.Second}
	dialer.Control = func(network, address string, c syscall.RawConn) error {
		host, _, err := net.SplitHostPort(address)
		if err != nil {
			return err
		}
		ip, err := netip.ParseAddr(host)
		if err != nil {
			return fmt.Errorf("%w: %s", ErrBlocked, host)
		}
		if o.OnlyAllowed && !pol.allowedIP(ip) {
			return fmt.Errorf("%w: %s is not an allowed address", ErrBlocked, ip)
		}
		if Blocked(ip) && !pol.allowedIP(ip) {
			return fmt.Errorf("%w: %s is a private or local address", ErrBlocked, ip)
		}
		return nil
	}
	transport := &http.Transport{
		Proxy: nil, // never via a proxy: the check must see the real peer
		DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			// A host on the allow-list may resolve to a private address.
			if name, _ := ctx.Value(hostKey{}).(string); name != "" && pol.hosts[name] {
				return (&net.Dialer{Timeout: 10 * time.Second}).DialContext(ctx, network, addr)
			}
			return dialer.DialContext(ctx, network, addr)
		},
		TLSHandshakeTimeout:   10 * time.Second,
		ResponseHeaderTimeout: 20 * time.Second,
		MaxIdleConns:          10,
	}
	return &http.Client{
		Timeout:   o.Timeout,
		Transport: &hostTagger{next: transport},
		CheckRedirect: func(req *http.Request, via []*http.Request) error {
			if len(via) >= o.MaxRedirects {
				return fmt.Errorf("stopped after %d redirects", o.MaxRedirects)
			}
			if o.OnlyAllowed {
				return CheckAllowedURL(req.URL, o.AllowedHosts)
			}
			return CheckURL(req.URL)
		},
	}
}

// hostTagger passes the request's host name to the dialer.
type hostTagger struct{ next http.RoundTripper }

func (h *hostTagger) RoundTrip(r *http.Request) (*http.Response, error) {
	ctx := context.WithValue(r.Context(), hostKey{}, strings.ToLower(r.URL.Hostname()))
	return h.next.RoundTrip(r.WithContext(ctx))
}

// CheckURL refuses URLs that are not plain http(s) to a host.
func CheckURL(u *url.URL) error {
	if u.Scheme != "http" && u.Scheme != "https" {
		return fmt.Errorf("%w: only http and https links can be fetched", ErrBlocked)
	}
	if u.Hostname() == "" || u.User != nil {
		return fmt.Errorf("%w: the link has no host or carries credentials", ErrBlocked)
	}
	return nil
}

// CheckAllowedURL is CheckURL, and also refuses a host that is not on the
// allow-list: a listed name (exact, case-insensitive), or an IP address in
// a listed network. It looks nothing up; the client built with
// OnlyAllowed checks the address it dials as well.
func CheckAllowedURL(u *url.URL, allowed []string) error {
	if err := CheckURL(u); err != nil {
		return err
	}
	pol := newPolicy(allowed)
	host := strings.ToLower(u.Hostname())
	if pol.hosts[host] {
		return nil
	}
	if ip, err := netip.ParseAddr(host); err == nil && pol.allowedIP(ip) {
		return nil
	}
	return fmt.Errorf("%w: %s is not an allowed host", ErrBlocked, host)
}
