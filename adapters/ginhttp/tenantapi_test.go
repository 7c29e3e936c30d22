package ginhttp

import "testing"

// An Authorization header names a tenant token as "Bearer <token>" or, as
// seed 003 writes it, as the token alone; nothing else is a token.
func TestTenantToken(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, header, want string
		ok                 bool
	}{
		{"bearer session", "Bearer saasd_t_abc", "saasd_t_abc", true},
		{"bearer any case", "bearer  saasd_k_abc ", "saasd_k_abc", true},
		{"bare session (seed 003)", "saasd_t_abc", "saasd_t_abc", true},
		{"bare key", " saasd_k_abc ", "saasd_k_abc", true},
		{"bare superadmin token", "saasd_abc", "", false},
		{"bare other", "abc", "", false},
		{"empty", "", "", false},
		{"bearer nothing", "Bearer ", "", false},
		{"basic", "Basic saasd_t_abc", "", false},
		{"bare with junk after", "saasd_t_abc extra", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, ok := tenantToken(tt.header)
			if ok != tt.ok || ok && got != tt.want {
				t.Fatalf("tenantToken(%q) = %q, %v; want %q, %v", tt.header, got, ok, tt.want, tt.ok)
			}
		})
	}
}
