package egress_test

import (
	"errors"
	"net/netip"
	"testing"

	"github.com/saasd/saasd/core"
	"github.com/saasd/saasd/core/egress"
)

// TestCheckURLRefusesEveryInternalClass: each forbidden address class is
// refused at registration, with the reason on the field.
func TestCheckURLRefusesEveryInternalClass(t *testing.T) {
	t.Parallel()
	p := egress.New(nil)
	for name, url := range map[string]string{
		"loopback v4":          "http://127.0.0.1/hook",
		"loopback v4 other":    "http://127.5.6.7:22/",
		"loopback v6":          "http://[::1]/",
		"localhost":            "http://localhost:22/",
		"localhost trailing":   "http://LOCALHOST./",
		"sub.localhost":        "https://api.localhost/",
		"private 10":           "http://10.1.2.3/",
		"private 172.16":       "http://172.16.0.1/",
		"private 192.168":      "http://192.168.1.1/",
		"unique local v6":      "http://[fd00:ec2::254]/",
		"metadata":             "http://169.254.169.254/latest/meta-data/",
		"link-local v6":        "http://[fe80::1]/",
		"link-local v6 zone":   "http://[fe80::1%25eth0]/",
		"unspecified v4":       "http://0.0.0.0:8080/",
		"this network":         "http://0.1.2.3/",
		"unspecified v6":       "http://[::]/",
		"cgnat":                "http://100.64.0.1/",
		"alibaba metadata":     "http://100.100.100.200/",
		"multicast v4":         "http://224.0.0.1/",
		"multicast v6":         "http://[ff02::1]/",
		"broadcast":            "http://255.255.255.255/",
		"reserved":             "http://240.0.0.1/",
		"benchmark":            "http://198.18.0.1/",
		"ipv4-mapped loopback": "http://[::ffff:127.0.0.1]/",
		"ipv4-mapped private":  "http://[::ffff:a00:1]/",
		"ipv4-compatible":      "http://[::127.0.0.1]/",
		"nat64 loopback":       "http://[64:ff9b::7f00:1]/",
		"6to4 private":         "http://[2002:c0a8:101::1]/",
		"decimal loopback":     "http://2130706433/",
		"hex loopback":         "http://0x7f.1/",
		"octal loopback":       "http://017700000001/",
		"credentials":          "https://user:pass@example.com/",
		"user only":            "https://user@example.com/",
		"scheme":               "ftp://example.com/",
		"no host":              "http:///path",
		"relative":             "/hook",
		"port zero":            "http://example.com:0/",
		"port too big":         "http://example.com:70000/",
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			_, err := p.CheckURL("url", url)
			var e *core.Error
			if !errors.As(err, &e) || e.Kind != core.Invalid || e.Fields["url"] == "" {
				t.Fatalf("CheckURL(%q) = %v, want Invalid on url", url, err)
			}
		})
	}
}

func TestCheckURLAcceptsPublicDestinations(t *testing.T) {
	t.Parallel()
	p := egress.New(nil)
	for _, url := range []string{
		"https://example.com/hooks?x=1",
		"http://hooks.example.com:8443/a",
		"https://93.184.215.14/",
		"https://[2606:2800:21f:cb07:6820:80da:af6b:8b2c]/",
		"https://1example.com/",
		"https://x.y.z.example/",
	} {
		if _, err := p.CheckURL("url", url); err != nil {
			t.Errorf("CheckURL(%q) = %v", url, err)
		}
	}
}

func TestAllowedCIDRs(t *testing.T) {
	t.Parallel()
	allowed, err := egress.ParseCIDRs([]string{"127.0.0.0/8", " 10.20.0.0/16", "fd00::1", "::ffff:192.168.0.0/112"})
	if err != nil {
		t.Fatal(err)
	}
	p := egress.New(allowed)
	for addr, want := range map[string]bool{
		"127.0.0.1": true, "::ffff:127.0.0.1": true, "10.20.3.4": true, "10.21.0.1": false,
		"fd00::1": true, "fd00::2": false, "192.168.7.7": true, "169.254.169.254": false, "8.8.8.8": true,
	} {
		if got := p.CheckAddr(netip.MustParseAddr(addr)) == nil; got != want {
			t.Errorf("CheckAddr(%s) allowed = %v, want %v", addr, got, want)
		}
	}
	if _, err := p.CheckURL("url", "http://localhost:8080/"); err != nil {
		t.Errorf("localhost with 127.0.0.0/8 allowed: %v", err)
	}
	if _, err := egress.ParseCIDRs([]string{"10.0.0.0/33"}); err == nil {
		t.Error("bad CIDR accepted")
	}
}
