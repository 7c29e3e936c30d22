package tenant_test

import (
	"strings"
	"testing"

	"github.com/saasd/saasd/core/tenant"
)

// TestLeaseName: the refill's lease of each server fits the control
// database's 40-character lease names, whatever the server's name (up to
// 32 characters), and two servers never share one.
func TestLeaseName(t *testing.T) {
	t.Parallel()
	long := "warm-pool:" + strings.Repeat("a", 32)
	tests := []struct {
		name, in string
		same     bool // kept as it is
	}{
		{"short", "warm-pool:default", true},
		{"30 characters", "warm-pool:" + strings.Repeat("b", 20), true},
		{"31 characters", "warm-pool:" + strings.Repeat("b", 21), false},
		{"longest server name", long, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := tenant.LeaseName(tt.in)
			if len(got) > 40 || (got == tt.in) != tt.same || !strings.HasPrefix(got, tt.in[:min(len(tt.in), 30)]) {
				t.Fatalf("LeaseName(%q) = %q (%d characters)", tt.in, got, len(got))
			}
		})
	}
	// Long names alike in their first 30 characters still differ.
	if a, b := tenant.LeaseName(long), tenant.LeaseName(long[:len(long)-1]+"b"); a == b {
		t.Fatalf("two servers share lease %q", a)
	}
}
