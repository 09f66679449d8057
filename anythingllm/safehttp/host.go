package safehttp

import (
	"errors"
	"fmt"
	"net/netip"
	"net/url"
	"strconv"
	"strings"

	"golang.org/x/net/idna"
)

// BlockedError is a refused URL host. It matches ErrBlocked with errors.Is.
type BlockedError struct {
	Host   string // the host as written (at most 100 bytes)
	Reason string // e.g. "127.0.0.1, a loopback address"
}

func (e *BlockedError) Error() string {
	return fmt.Sprintf("%s: the host %q is %s", ErrBlocked, e.Host, e.Reason)
}

// Is makes errors.Is(err, ErrBlocked) true.
func (e *BlockedError) Is(target error) bool { return target == ErrBlocked }

// CheckTarget is CheckURL plus CheckHost: it refuses, before any DNS lookup
// or connection, a URL that is not plain http(s), that carries credentials,
// or whose host is a blocked address in any spelling.
func CheckTarget(u *url.URL, allowed []string) error {
	if err := CheckURL(u); err != nil {
		return err
	}
	return CheckHost(u.Hostname(), allowed)
}

// CheckHost refuses, before any DNS lookup, a URL host (as url.URL.Hostname
// returns it) that names a loopback, private, link-local, metadata,
// unspecified or other special address, however it is written:
//
//   - IPv4 in any form an HTTP stack or resolver may accept: dotted decimal,
//     a single integer (2130706433), octal (0177.0.0.1), hex (0x7f.0.0.1,
//     0x7f000001), short forms (127.1), with or without a trailing dot;
//   - IPv6, IPv4-mapped (::ffff:127.0.0.1) and other embeddings, and any
//     address with a zone (fe80::1%eth0);
//   - "localhost" and names under ".localhost", which are always loopback;
//   - internationalised spellings (full-width digits and dots) after the
//     same IDNA mapping the HTTP client applies.
//
// A numeric host not written as canonical dotted decimal IPv4 or as IPv6 is
// refused even when it means a public address: different parsers read such
// spellings differently. A host whose last label is numeric but that is not
// a valid address is refused too (browsers refuse it).
//
// allowed is the allow-list of Options.AllowedHosts: a host name on it
// (exact, case-insensitive) and canonical addresses inside its networks
// pass. Other host names pass: the address they resolve to is checked when
// the client dials it. The error is a *BlockedError naming the reason.
func CheckHost(host string, allowed []string) error {
	return newPolicy(allowed).checkHost(host)
}

// RefusalMessage is the client-facing sentence for a CheckHost or
// CheckTarget refusal, e.g. "The link's host "2130706433" is refused: it is
// 127.0.0.1, a loopback address, written in a non-standard form. Only public
// hosts can be fetched; an administrator can allow an intranet host
// (LINK_ALLOWED_HOSTS)."
func RefusalMessage(err error) string {
	var be *BlockedError
	if !errors.As(err, &be) {
		return "The link cannot be fetched: " + err.Error()
	}
	return fmt.Sprintf("The link's host %q is refused: it is %s. Only public hosts can be fetched; an administrator can allow an intranet host (LINK_ALLOWED_HOSTS).", be.Host, be.Reason)
}

func (p *policy) checkHost(raw string) error {
	shown := raw
	if len(shown) > 100 {
		shown = shown[:100] + "..."
	}
	refuse := func(format string, a ...any) error {
		return &BlockedError{Host: shown, Reason: fmt.Sprintf(format, a...)}
	}
	host := strings.ToLower(raw)
	if host == "" {
		return refuse("empty")
	}
	if p.hosts[host] || p.hosts[strings.TrimSuffix(host, ".")] {
		return nil
	}
	// An IPv6 literal (url.URL.Hostname has removed the brackets).
	if strings.Contains(host, ":") {
		ip, err := netip.ParseAddr(host)
		if err != nil {
			return refuse("not a valid IPv6 address")
		}
		return p.checkAddr(ip, refuse)
	}
	if !isASCII(host) {
		// The HTTP client maps the host through IDNA before it resolves it:
		// judge what it would dial.
		ascii, err := idna.Lookup.ToASCII(host)
		if err != nil {
			return refuse("not a valid host name")
		}
		host = strings.ToLower(ascii)
		if p.hosts[host] || p.hosts[strings.TrimSuffix(host, ".")] {
			return nil
		}
	}
	name := strings.TrimSuffix(host, ".")
	if name == "localhost" || strings.HasSuffix(name, ".localhost") {
		return p.checkAddr(netip.AddrFrom4([4]byte{127, 0, 0, 1}), func(format string, a ...any) error {
			return refuse("a localhost name, always a loopback address")
		})
	}
	if !endsInNumber(host) {
		return nil // a host name: its addresses are checked at dial time
	}
	ip, ok := parseIPv4Loose(host)
	if !ok {
		return refuse("not a valid IPv4 address")
	}
	if canonical, err := netip.ParseAddr(host); err != nil || canonical != ip {
		if r := Reason(ip); r != "" {
			return refuse("%s, %s, written in a non-standard form", ip, r)
		}
		return refuse("%s written in a non-standard form; write it as %s", ip, ip)
	}
	return p.checkAddr(ip, refuse)
}

func (p *policy) checkAddr(ip netip.Addr, refuse func(string, ...any) error) error {
	if ip.Zone() != "" {
		return refuse("an IPv6 address with a zone")
	}
	r := Reason(ip)
	if r == "" || p.allowedIP(ip) {
		return nil
	}
	if ip.Is4In6() {
		return refuse("%s (%s), %s", ip, ip.Unmap(), r)
	}
	return refuse("%s, %s", ip, r)
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

// endsInNumber is the WHATWG URL standard's test: a host whose last label
// (after one trailing dot) is all decimal digits or 0x-hex is an IPv4
// address or invalid, never a domain.
func endsInNumber(host string) bool {
	labels := strings.Split(host, ".")
	if labels[len(labels)-1] == "" {
		if len(labels) == 1 {
			return false
		}
		labels = labels[:len(labels)-1]
	}
	last := labels[len(labels)-1]
	if last != "" && strings.Trim(last, "0123456789") == "" {
		return true
	}
	if len(last) >= 2 && last[0] == '0' && (last[1] == 'x' || last[1] == 'X') {
		return strings.Trim(last[2:], "0123456789abcdefABCDEF") == ""
	}
	return false
}

// parseIPv4Loose reads an IPv4 address the way inet_aton and the WHATWG URL
// standard do: one to four dot-separated parts (one trailing dot allowed),
// each decimal, octal (leading 0) or hex (0x); the last part fills the
// remaining bytes.
func parseIPv4Loose(host string) (netip.Addr, bool) {
	parts := strings.Split(host, ".")
	if len(parts) > 1 && parts[len(parts)-1] == "" {
		parts = parts[:len(parts)-1]
	}
	if len(parts) == 0 || len(parts) > 4 {
		return netip.Addr{}, false
	}
	nums := make([]uint64, len(parts))
	for i, part := range parts {
		var n uint64
		var err error
		switch {
		case part == "":
			return netip.Addr{}, false
		case len(part) >= 2 && part[0] == '0' && (part[1] == 'x' || part[1] == 'X'):
			if part == "0x" || part == "0X" {
				n = 0
			} else {
				n, err = parseDigits(part[2:], 16)
			}
		case len(part) >= 2 && part[0] == '0':
			n, err = parseDigits(part[1:], 8)
		default:
			n, err = parseDigits(part, 10)
		}
		if err != nil {
			return netip.Addr{}, false
		}
		nums[i] = n
	}
	var v uint64
	for i, n := range nums[:len(nums)-1] {
		if n > 255 {
			return netip.Addr{}, false
		}
		v |= n << (8 * (3 - i))
	}
	last := nums[len(nums)-1]
	if last >= 1<<(8*(5-len(nums))) {
		return netip.Addr{}, false
	}
	v |= last
	// #nosec G115 -- v < 1<<32 (checked above); each byte() keeps one octet on purpose.
	return netip.AddrFrom4([4]byte{byte(v >> 24), byte(v >> 16), byte(v >> 8), byte(v)}), true
}

// parseDigits parses only digits of the base: no sign, no underscores, no
// prefix (strconv.ParseUint alone would take "_" with base 0).
func parseDigits(s string, base int) (uint64, error) {
	digits := map[int]string{8: "01234567", 10: "0123456789", 16: "0123456789abcdefABCDEF"}[base]
	if s == "" || strings.Trim(s, digits) != "" {
		return 0, strconv.ErrSyntax
	}
	return strconv.ParseUint(s, base, 64)
}
