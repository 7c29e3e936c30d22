package core

import "testing"

func TestSlug(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"Acme Corp.", "acme-corp"},
		{"  Web   Hosting -- Pro ", "web-hosting-pro"},
		{"Café Zürich", "cafe-zurich"},
		{"日本", "item"},
		{"", "item"},
		{"100% Cotton_T-shirt", "100-cotton-t-shirt"},
	} {
		if got := Slug(tc.in, "item"); got != tc.want {
			t.Errorf("Slug(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
	if got := SlugN("acme", 1); got != "acme" {
		t.Errorf("SlugN 1 = %q", got)
	}
	if got := SlugN("acme", 3); got != "acme-3" {
		t.Errorf("SlugN 3 = %q", got)
	}
}
