// Package egress decides which destinations saasd's outbound requests
// (webhooks, and any later caller) may reach, so that an operator's or a
// tenant's URL cannot be turned against the network saasd runs in:
// loopback, private, link-local (cloud metadata at 169.254.169.254),
// unspecified, shared (CGNAT), multicast, reserved and documentation ranges
// are refused, as are the IPv6 forms that embed such an IPv4 address
// (IPv4-mapped, IPv4-compatible, NAT64, 6to4), unless the operator lists
// them in an allow list (on-prem receivers).
//
// A Policy is checked twice: on the URL when it is registered (CheckURL),
// and on the address actually dialled (CheckAddr, from a dialer's Control
// hook), so that a host name that resolves inward, now or after a DNS
// change, is refused too.
package egress

import (
	"errors"
	"net/netip"
	"net/url"
	"regexp"
	"strings"

	"github.com/saasd/saasd/core"
)

// ErrRefused is returned by CheckAddr for an address the policy refuses.
var ErrRefused = errors.New("destination address not allowed")

// blocked are the ranges no outbound request may reach unless allowed.
// netip's IsLoopback, IsPrivate, IsLinkLocal*, IsMulticast and
// IsUnspecified cover the rest.
var blocked = prefixes(
	"0.0.0.0/8",       // "this network"; 0.0.0.0 reaches the local host
	"100.64.0.0/10",   // shared address space (CGNAT; 100.100.100.200 is a cloud metadata address)
	"192.0.0.0/24",    // IETF protocol assignments
	"192.0.2.0/24",    // documentation
	"198.18.0.0/15",   // benchmarking
	"198.51.100.0/24", // documentation
	"203.0.113.0/24",  // documentation
	"240.0.0.0/4",     // reserved, and 255.255.255.255 broadcast
	"::/96",           // IPv4-compatible (deprecated), and :: and ::1
	"100::/64",        // discard
	"2001::/23",       // IETF protocol assignments (Teredo, ORCHID, ...)
	"2001:db8::/32",   // documentation
	"fec0::/10",       // site-local (deprecated)
	"64:ff9b:1::/48",  // local-use NAT64
	"ff00::/8",        // multicast
	"::ffff:0:0:0/96", // IPv4-translated
	"5f00::/16",       // segment routing SIDs
	"3fff::/20",       // documentation
	"2002::/16",       // 6to4: checked on the embedded address below, listed for completeness
	"64:ff9b::/96",    // NAT64: checked on the embedded address below
)

// nat64 and sixToFour carry an IPv4 address, which is what gets reached
// and so what is checked.
var (
	nat64     = netip.MustParsePrefix("64:ff9b::/96")
	sixToFour = netip.MustParsePrefix("2002::/16")
)

func prefixes(list ...string) []netip.Prefix {
	out := make([]netip.Prefix, len(list))
	for i, s := range list {
		out[i] = netip.MustParsePrefix(s)
	}
	return out
}

// Policy is the set of ranges that are allowed although internal.
type Policy struct {
	allowed []netip.Prefix
}

// New returns a policy that allows the internal ranges listed (normally
// none).
func New(allowed []netip.Prefix) Policy {
	out := make([]netip.Prefix, len(allowed))
	for i, p := range allowed {
		if p.Addr().Is4In6() && p.Bits() >= 96 { // ::ffff:10.0.0.0/104 is 10.0.0.0/8
			p = netip.PrefixFrom(p.Addr().Unmap(), p.Bits()-96)
		}
		out[i] = p.Masked()
	}
	return Policy{allowed: out}
}

// ParseCIDRs parses an allow list (config), naming the first bad entry.
func ParseCIDRs(list []string) ([]netip.Prefix, error) {
	out := make([]netip.Prefix, 0, len(list))
	for _, s := range list {
		s = strings.TrimSpace(s)
		if s == "" {
			continue
		}
		p, err := netip.ParsePrefix(s)
		if err != nil {
			// A bare address allows that address alone.
			a, aerr := netip.ParseAddr(s)
			if aerr != nil {
				return nil, errors.New(`"` + s + `" is not a CIDR such as 10.0.0.0/8 or an IP address`)
			}
			p = netip.PrefixFrom(a, a.BitLen())
		}
		out = append(out, p)
	}
	return out, nil
}

// CheckAddr returns ErrRefused unless a may be reached.
func (p Policy) CheckAddr(a netip.Addr) error {
	a = a.WithZone("").Unmap()
	for _, ok := range p.allowed {
		if ok.Contains(a) {
			return nil
		}
	}
	if internal(a) {
		return ErrRefused
	}
	return nil
}

func internal(a netip.Addr) bool {
	if !a.IsValid() || a.IsLoopback() || a.IsPrivate() || a.IsLinkLocalUnicast() || a.IsLinkLocalMulticast() ||
		a.IsInterfaceLocalMulticast() || a.IsMulticast() || a.IsUnspecified() {
		return true
	}
	if a.Is6() {
		b := a.As16()
		switch {
		case nat64.Contains(a):
			return internal(netip.AddrFrom4([4]byte{b[12], b[13], b[14], b[15]}))
		case sixToFour.Contains(a):
			return internal(netip.AddrFrom4([4]byte{b[2], b[3], b[4], b[5]}))
		}
	}
	for _, r := range blocked {
		if r.Contains(a) {
			return true
		}
	}
	return false
}

// numericHost is a host that is neither a DNS name nor a canonical address
// but that some resolvers read as one (2130706433, 0x7f.1, 017700000001).
var numericHost = regexp.MustCompile(`^(0x[0-9a-f]*|[0-9]+)(\.(0x[0-9a-f]*|[0-9]*))*$`)

// CheckURL parses a destination URL and checks what can be checked before
// any DNS lookup: an http(s) scheme, a host, no credentials, and, for an
// address or a name that is local by definition (localhost), the policy.
// It returns the normalised URL, or core.Invalid naming field.
func (p Policy) CheckURL(field, raw string) (string, error) {
	bad := func(why string) (string, error) {
		return "", core.InvalidFields(map[string]string{field: why})
	}
	raw = strings.TrimSpace(raw)
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || len(raw) > 2000 || u.Opaque != "" {
		return bad("must be an absolute http or https URL")
	}
	if u.User != nil {
		return bad("must not carry credentials (user:password@); authenticate the delivery by its signature")
	}
	host := strings.ToLower(strings.TrimSuffix(u.Hostname(), "."))
	if host == "" {
		return bad("must name a host")
	}
	if port := u.Port(); port != "" && (len(port) > 5 || port == "0" || atoi(port) > 65535) {
		return bad("has an invalid port")
	}
	var addr netip.Addr
	switch {
	case host == "localhost" || strings.HasSuffix(host, ".localhost"):
		addr = netip.MustParseAddr("127.0.0.1")
	case strings.Contains(host, ":"):
		if addr, err = netip.ParseAddr(host); err != nil {
			return bad("has an invalid IPv6 address")
		}
	default:
		if a, err := netip.ParseAddr(host); err == nil {
			addr = a
		} else if numericHost.MatchString(host) {
			return bad("has a numeric host that is not a dotted IPv4 address")
		}
	}
	if addr.IsValid() && p.CheckAddr(addr) != nil {
		return bad("points to an internal address (loopback, private, link-local, metadata, multicast or reserved); list its range in webhooks.allowed_cidrs to allow it")
	}
	u.Host = strings.ToLower(u.Host)
	return u.String(), nil
}

func atoi(s string) int {
	n := 0
	for _, c := range s {
		if c < '0' || c > '9' {
			return 1 << 30
		}
		n = n*10 + int(c-'0')
	}
	return n
}
