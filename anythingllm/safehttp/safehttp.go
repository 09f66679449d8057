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

// special lists the address ranges user URLs may not reach, each with the
// reason a refusal names. More specific ranges come first.
var special = func() []specialNet {
	var out []specialNet
	for _, e := range [][2]string{
		{"0.0.0.0/32", "the unspecified address"},
		{"0.0.0.0/8", "a \"this network\" address"},
		{"127.0.0.0/8", "a loopback address"},
		{"10.0.0.0/8", "a private address"},
		{"172.16.0.0/12", "a private address"},
		{"192.168.0.0/16", "a private address"},
		{"100.100.100.200/32", "a cloud metadata address"},
		{"100.64.0.0/10", "a shared (CGNAT) address"},
		{"169.254.169.254/32", "a cloud metadata address"},
		{"169.254.170.2/32", "a cloud metadata address"},
		{"169.254.0.0/16", "a link-local address"},
		{"192.0.0.0/24", "an IETF protocol address"},
		{"192.0.2.0/24", "a documentation address"},
		{"198.51.100.0/24", "a documentation address"},
		{"203.0.113.0/24", "a documentation address"},
		{"198.18.0.0/15", "a benchmarking address"},
		{"224.0.0.0/4", "a multicast address"},
		{"240.0.0.0/4", "a reserved or broadcast address"},
		{"::/128", "the unspecified address"},
		{"::1/128", "a loopback address"},
		{"::/96", "an IPv4-compatible IPv6 address"},
		{"64:ff9b::/96", "a NAT64 address"},
		{"64:ff9b:1::/48", "a NAT64 address"},
		{"100::/64", "a discard address"},
		{"2001::/32", "a Teredo address"},
		{"2001:db8::/32", "a documentation address"},
		{"2002::/16", "a 6to4 address"},
		{"fd00:ec2::254/128", "a cloud metadata address"},
		{"fc00::/7", "a private (unique local) address"},
		{"fe80::/10", "a link-local address"},
		{"fec0::/10", "a site-local address"},
		{"ff00::/8", "a multicast address"},
	} {
		out = append(out, specialNet{netip.MustParsePrefix(e[0]), e[1]})
	}
	return out
}()

type specialNet struct {
	prefix netip.Prefix
	reason string
}

// Blocked reports whether an address is one that user URLs may not reach.
func Blocked(ip netip.Addr) bool { return Reason(ip) != "" }

// Reason says why an address may not be reached ("a loopback address",
// "a cloud metadata address", ...), or "" for a public address. An
// IPv4-mapped IPv6 address is judged as its IPv4 address; an address with a
// zone is refused.
func Reason(ip netip.Addr) string {
	if !ip.IsValid() {
		return "not a valid address"
	}
	if ip.Zone() != "" {
		return "an address with a zone"
	}
	ip = ip.Unmap()
	for _, s := range special {
		if s.prefix.Contains(ip) {
			return s.reason
		}
	}
	return ""
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
	if ip.Zone() != "" {
		return false
	}
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
		Transport: &hostTagger{next: transport, pol: pol},
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
type hostTagger struct {
	next http.RoundTripper
	pol  *policy
}

func (h *hostTagger) RoundTrip(r *http.Request) (*http.Response, error) {
	// Refuse a blocked address in any spelling before DNS or a dial.
	if err := h.pol.checkHost(r.URL.Hostname()); err != nil {
		return nil, err
	}
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
