package safehttp_test

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/anythingllm-go/anythingllm/anythingllm/safehttp"
	"golang.org/x/net/idna"
)

// FuzzCheckHost: CheckHost never panics, and whatever it lets through is a
// host name that no parser reads as an address, or a public address
// written canonically.
func FuzzCheckHost(f *testing.F) {
	for h := range hostileHosts {
		f.Add(h)
	}
	for _, h := range []string{"example.com", "8.8.8.8", "2606:4700::1111", "bücher.example", "a.0x7g", "1.2.3.0b1", "0x", "."} {
		f.Add(h)
	}
	f.Fuzz(func(t *testing.T, host string) {
		err := safehttp.CheckHost(host, nil)
		if err != nil {
			if !errors.Is(err, safehttp.ErrBlocked) {
				t.Fatalf("CheckHost(%q) = %v, not ErrBlocked", host, err)
			}
			return
		}
		checkPassed(t, host)
		if ascii, err := idna.Lookup.ToASCII(host); err == nil && ascii != host {
			checkPassed(t, ascii) // what the HTTP client would dial
		}
	})
}

func checkPassed(t *testing.T, host string) {
	t.Helper()
	h := strings.ToLower(host)
	if ip, err := netip.ParseAddr(h); err == nil && safehttp.Blocked(ip) {
		t.Fatalf("CheckHost(%q) let through %s", host, ip)
	}
	if ip := net.ParseIP(h); ip != nil {
		if a, _ := netip.AddrFromSlice(ip); safehttp.Blocked(a) {
			t.Fatalf("CheckHost(%q) let through %s", host, ip)
		}
	}
	name := strings.TrimSuffix(h, ".")
	if name == "localhost" || strings.HasSuffix(name, ".localhost") {
		t.Fatalf("CheckHost(%q) let a localhost name through", host)
	}
	// inet_aton and the WHATWG URL parser read a host whose last label is a
	// number as IPv4: it must then be canonical dotted decimal.
	labels := strings.Split(name, ".")
	last := labels[len(labels)-1]
	numeric := last != "" && strings.Trim(last, "0123456789") == ""
	if len(last) > 2 && last[:2] == "0x" {
		numeric = numeric || strings.Trim(last[2:], "0123456789abcdef") == ""
	}
	if numeric && !strings.Contains(h, ":") {
		if ip, err := netip.ParseAddr(h); err != nil || !ip.Is4() {
			t.Fatalf("CheckHost(%q) let a non-canonical numeric host through", host)
		}
	}
	if ip, ok := referenceInetAton(name); ok {
		if safehttp.Blocked(ip) || h != ip.String() {
			t.Fatalf("CheckHost(%q) let through %s (inet_aton's reading)", host, ip)
		}
	}
}

// referenceInetAton is an independent, deliberately lenient reading of a
// numeric IPv4 host (strconv's base prefixes), used as the test's oracle.
func referenceInetAton(s string) (netip.Addr, bool) {
	parts := strings.Split(s, ".")
	if len(parts) == 0 || len(parts) > 4 {
		return netip.Addr{}, false
	}
	var vals []uint64
	for _, p := range parts {
		if p == "" || strings.ContainsAny(p, "_+-") || strings.HasPrefix(p, "0b") || strings.HasPrefix(p, "0o") {
			return netip.Addr{}, false
		}
		v, err := strconv.ParseUint(p, 0, 32)
		if err != nil {
			return netip.Addr{}, false
		}
		vals = append(vals, v)
	}
	var n uint64
	for i, v := range vals[:len(vals)-1] {
		if v > 255 {
			return netip.Addr{}, false
		}
		n |= v << (24 - 8*i)
	}
	if vals[len(vals)-1] >= 1<<(8*(5-len(vals))) {
		return netip.Addr{}, false
	}
	n |= vals[len(vals)-1]
	return netip.AddrFrom4([4]byte{byte(n >> 24), byte(n >> 16), byte(n >> 8), byte(n)}), true
}

// FuzzIPv4Spellings writes an IPv4 address in a random inet_aton spelling
// (1 to 4 parts, each decimal, octal or hex, extra zeros, a trailing dot)
// and checks CheckHost reads it right: only the canonical spelling of a
// public address passes, and a refusal of a blocked address names it.
func FuzzIPv4Spellings(f *testing.F) {
	f.Add(uint32(0x7f000001), uint64(0))
	f.Add(uint32(0x7f000001), uint64(1))
	f.Add(uint32(0xa9fea9fe), uint64(0x2222))
	f.Add(uint32(0x08080808), uint64(0x13))
	f.Add(uint32(0), uint64(7))
	f.Fuzz(func(t *testing.T, addr uint32, form uint64) {
		ip := netip.AddrFrom4([4]byte{byte(addr >> 24), byte(addr >> 16), byte(addr >> 8), byte(addr)})
		host := spell(addr, form)
		err := safehttp.CheckHost(host, nil)
		canonical := host == ip.String()
		switch {
		case canonical && !safehttp.Blocked(ip):
			if err != nil {
				t.Fatalf("%s refused: %v", host, err)
			}
		case err == nil:
			t.Fatalf("%q (%s) let through", host, ip)
		case safehttp.Blocked(ip) && !strings.Contains(err.Error(), ip.String()):
			t.Fatalf("%q: %v does not name %s", host, err, ip)
		}
	})
}

// spell renders addr with the parts and bases form chooses.
func spell(addr uint32, form uint64) string {
	nparts := int(form&3) + 1
	form >>= 2
	b := [4]uint64{uint64(addr >> 24), uint64(addr>>16) & 255, uint64(addr>>8) & 255, uint64(addr) & 255}
	vals := append([]uint64(nil), b[:nparts-1]...)
	var rest uint64
	for _, x := range b[nparts-1:] {
		rest = rest<<8 | x
	}
	vals = append(vals, rest)
	out := make([]string, len(vals))
	for i, v := range vals {
		switch form & 3 {
		case 0, 3:
			out[i] = strconv.FormatUint(v, 10)
		case 1:
			out[i] = "0" + strconv.FormatUint(v, 8)
		case 2:
			out[i] = fmt.Sprintf("0x%x", v)
			if form&4 != 0 {
				out[i] = fmt.Sprintf("0X%X", v)
			}
		}
		if form&8 != 0 && form&3 != 2 {
			out[i] = "0" + out[i] // leading zero: decimal becomes octal
			if form&3 == 0 || form&3 == 3 {
				out[i] = "0" + strconv.FormatUint(v, 8)
			}
		}
		form >>= 4
	}
	s := strings.Join(out, ".")
	if form&1 != 0 {
		s += "."
	}
	return s
}

// FuzzCheckTarget: a whole URL through url.Parse and CheckTarget never
// panics, and a URL let through has a host CheckHost lets through.
func FuzzCheckTarget(f *testing.F) {
	for _, s := range []string{"http://2130706433:8080/", "http://[fe80::1%25eth0]/", "https://example.com/a?b", "http://user:pw@example.com/", "file:///etc/passwd", "http://0x7f.1/", "http://%31%32%37.0.0.1/"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		u, err := url.Parse(raw)
		if err != nil {
			return
		}
		if safehttp.CheckTarget(u, nil) != nil {
			return
		}
		if u.Scheme != "http" && u.Scheme != "https" || u.User != nil {
			t.Fatalf("%q let through", raw)
		}
		checkPassed(t, u.Hostname())
	})
}
