package core_test

import (
	"strings"
	"testing"
	"time"

	"github.com/saasd/saasd/core"
)

func validNewTenant() core.NewTenant {
	return core.NewTenant{
		CompanyName: "Acme Ltd", Email: "john@example.com", FirstName: "John", LastName: "Doe",
		PlanID: 1, Subdomain: "acme", Password: "correct-horse-1",
	}
}

func TestNewTenantValidate(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		edit       func(n *core.NewTenant)
		wantFields []string
	}{
		{name: "valid", edit: func(n *core.NewTenant) {}},
		{name: "password is optional", edit: func(n *core.NewTenant) { n.Password = "" }},
		{name: "every field missing", edit: func(n *core.NewTenant) { *n = core.NewTenant{} },
			wantFields: []string{"company_name", "email", "first_name", "last_name", "plan_id", "subdomain"}},
		{name: "missing company_name", edit: func(n *core.NewTenant) { n.CompanyName = "" }, wantFields: []string{"company_name"}},
		{name: "missing email", edit: func(n *core.NewTenant) { n.Email = "" }, wantFields: []string{"email"}},
		{name: "missing first_name", edit: func(n *core.NewTenant) { n.FirstName = "" }, wantFields: []string{"first_name"}},
		{name: "missing last_name", edit: func(n *core.NewTenant) { n.LastName = "" }, wantFields: []string{"last_name"}},
		{name: "missing plan_id", edit: func(n *core.NewTenant) { n.PlanID = 0 }, wantFields: []string{"plan_id"}},
		{name: "negative plan_id", edit: func(n *core.NewTenant) { n.PlanID = -3 }, wantFields: []string{"plan_id"}},
		{name: "missing subdomain", edit: func(n *core.NewTenant) { n.Subdomain = "" }, wantFields: []string{"subdomain"}},
		{name: "company_name of 191 bytes", edit: func(n *core.NewTenant) { n.CompanyName = strings.Repeat("c", 191) }},
		{name: "company_name too long", edit: func(n *core.NewTenant) { n.CompanyName = strings.Repeat("c", 192) }, wantFields: []string{"company_name"}},
		{name: "first_name too long", edit: func(n *core.NewTenant) { n.FirstName = strings.Repeat("f", 101) }, wantFields: []string{"first_name"}},
		{name: "last_name too long", edit: func(n *core.NewTenant) { n.LastName = strings.Repeat("l", 101) }, wantFields: []string{"last_name"}},
		{name: "password too short", edit: func(n *core.NewTenant) { n.Password = "1234567" }, wantFields: []string{"password"}},
		{name: "password of 8", edit: func(n *core.NewTenant) { n.Password = "1234567a" }},
		{name: "password of digits only", edit: func(n *core.NewTenant) { n.Password = "12345678" }, wantFields: []string{"password"}},
		{name: "password without a digit", edit: func(n *core.NewTenant) { n.Password = "password" }, wantFields: []string{"password"}},
		{name: "password is the email", edit: func(n *core.NewTenant) { n.Password = strings.ToUpper(n.Email) }, wantFields: []string{"password"}},
		{name: "password of 72 bytes", edit: func(n *core.NewTenant) { n.Password = strings.Repeat("p", 71) + "1" }},
		{name: "password over 72 bytes", edit: func(n *core.NewTenant) { n.Password = strings.Repeat("p", 73) }, wantFields: []string{"password"}},
		{name: "bad email", edit: func(n *core.NewTenant) { n.Email = "john" }, wantFields: []string{"email"}},
		{name: "bad subdomain", edit: func(n *core.NewTenant) { n.Subdomain = "a;drop" }, wantFields: []string{"subdomain"}},
		{name: "reserved subdomain", edit: func(n *core.NewTenant) { n.Subdomain = "admin" }, wantFields: []string{"subdomain"}},
		{name: "uppercase subdomain before Normalize", edit: func(n *core.NewTenant) { n.Subdomain = "ACME" }, wantFields: []string{"subdomain"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			n := validNewTenant()
			tt.edit(&n)
			assertFields(t, n.Validate(), tt.wantFields)
		})
	}
}

func TestNewTenantNormalize(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		in   core.NewTenant
		want core.NewTenant
	}{
		{
			name: "already normal",
			in:   validNewTenant(),
			want: validNewTenant(),
		},
		{
			name: "trims text fields",
			in: core.NewTenant{
				CompanyName: "  Acme Ltd ", Email: " john@example.com\t", FirstName: " John", LastName: "Doe ",
				PlanID: 1, Subdomain: " acme ", Password: " keep spaces 1 ",
			},
			want: core.NewTenant{
				CompanyName: "Acme Ltd", Email: "john@example.com", FirstName: "John", LastName: "Doe",
				PlanID: 1, Subdomain: "acme", Password: " keep spaces 1 ",
			},
		},
		{
			name: "lowercases subdomain",
			in:   core.NewTenant{Subdomain: "AcMe-Corp"},
			want: core.NewTenant{Subdomain: "acme-corp"},
		},
		{
			name: "lowercases the email domain only",
			in:   core.NewTenant{Email: "John.Doe@Example.COM"},
			want: core.NewTenant{Email: "John.Doe@example.com"},
		},
		{
			name: "leaves case of names alone",
			in:   core.NewTenant{CompanyName: "ACME", FirstName: "JOHN", LastName: "McDoe"},
			want: core.NewTenant{CompanyName: "ACME", FirstName: "JOHN", LastName: "McDoe"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := tt.in
			got.Normalize()
			if got != tt.want {
				t.Errorf("Normalize() = %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestNewTenantNormalizeThenValidate(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		subdomain  string
		wantFields []string
	}{
		{name: "uppercase", subdomain: "ACME"},
		{name: "mixed case with spaces", subdomain: "  Acme-42 "},
		{name: "uppercase reserved", subdomain: "WWW", wantFields: []string{"subdomain"}},
		{name: "uppercase sql", subdomain: "A;DROP", wantFields: []string{"subdomain"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			n := validNewTenant()
			n.Subdomain = tt.subdomain
			n.Normalize()
			assertFields(t, n.Validate(), tt.wantFields)
		})
	}
}

func TestValidateEmail(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in      string
		wantErr bool
	}{
		{in: "john@example.com"},
		{in: "john.doe+tag@mail.example.co.uk"},
		{in: "a@b.io"},
		{in: "", wantErr: true},
		{in: "john", wantErr: true},
		{in: "john@", wantErr: true},
		{in: "@example.com", wantErr: true},
		{in: "john@localhost", wantErr: true},
		{in: "john@@example.com", wantErr: true},
		{in: "john doe@example.com", wantErr: true},
		{in: "John <john@example.com>", wantErr: true},
		{in: "john@example.com, jane@example.com", wantErr: true},
		{in: " john@example.com", wantErr: true},
		{in: "john@example.com'; DROP TABLE tenants; --", wantErr: true},
		{in: strings.Repeat("a", 179) + "@example.com"},                // 191 bytes
		{in: strings.Repeat("a", 180) + "@example.com", wantErr: true}, // 192 bytes
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			t.Parallel()
			err := core.ValidateEmail(tt.in)
			if (err != nil) != tt.wantErr {
				t.Fatalf("ValidateEmail(%q) = %v, wantErr %v", tt.in, err, tt.wantErr)
			}
			if err != nil && core.KindOf(err) != core.Invalid {
				t.Errorf("KindOf = %q, want %q", core.KindOf(err), core.Invalid)
			}
		})
	}
}

func TestValidatePassword(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, in, email string
		wantErr         bool
	}{
		{name: "letters and digits", in: "s3cret-pass"},
		{name: "passphrase without digit", in: "securepassword"}, // seed 004's example
		{name: "twelve letters", in: "twelveletter"},
		{name: "eleven letters", in: "onlyletters", wantErr: true},
		{name: "digits only, long", in: "123456789012345", wantErr: true},
		{name: "no letter", in: "1234-5678", wantErr: true},
		{name: "short", in: "a1b2c3", wantErr: true},
		{name: "too long", in: strings.Repeat("a1", 37), wantErr: true},
		{name: "72 bytes", in: strings.Repeat("a1", 36)},
		{name: "the email", in: "jane@example.com", email: "Jane@example.com", wantErr: true},
		{name: "accented passphrase", in: "éléphantrose"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			err := core.ValidatePassword(tt.in, tt.email)
			if (err != nil) != tt.wantErr {
				t.Fatalf("ValidatePassword(%q) = %v, wantErr %v", tt.in, err, tt.wantErr)
			}
			if err != nil && core.KindOf(err) != core.Invalid {
				t.Errorf("KindOf = %q, want %q", core.KindOf(err), core.Invalid)
			}
		})
	}
}

func TestValidateSubdomain(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in      string
		wantErr bool
	}{
		{in: "acme"},
		{in: "abc"},
		{in: "a1b"},
		{in: "acme-corp"},
		{in: "acme--corp"},
		{in: "acme42"},
		{in: "a" + strings.Repeat("b", 62)},
		{in: "", wantErr: true},
		{in: "ab", wantErr: true},
		{in: "a", wantErr: true},
		{in: "a" + strings.Repeat("b", 63), wantErr: true},
		{in: "1acme", wantErr: true},
		{in: "-acme", wantErr: true},
		{in: "acme-", wantErr: true},
		{in: "ACME", wantErr: true},
		{in: "Acme", wantErr: true},
		{in: "ac_me", wantErr: true},
		{in: "ac.me", wantErr: true},
		{in: "ac me", wantErr: true},
		{in: " acme", wantErr: true},
		{in: "açme", wantErr: true},
		{in: "a;drop", wantErr: true},
		{in: "acme;drop database x", wantErr: true},
		{in: "acme`; --", wantErr: true},
		{in: "acme'or'1", wantErr: true},
		{in: "../etc", wantErr: true},
		{in: "acme/x", wantErr: true},
		{in: "acme\n", wantErr: true},
		// reserved
		{in: "www", wantErr: true},
		{in: "api", wantErr: true},
		{in: "admin", wantErr: true},
		{in: "mail", wantErr: true},
		{in: "mysql", wantErr: true},
		{in: "information_schema", wantErr: true},
		{in: "information-schema", wantErr: true},
		{in: "performance_schema", wantErr: true},
		{in: "performance-schema", wantErr: true},
		{in: "sys", wantErr: true},
		{in: "test", wantErr: true},
		{in: "superadmin", wantErr: true},
		{in: "localhost", wantErr: true},
		// near misses of reserved names are fine
		{in: "admins"},
		{in: "testing"},
		{in: "mysql-fans"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			t.Parallel()
			err := core.ValidateSubdomain(tt.in)
			if (err != nil) != tt.wantErr {
				t.Fatalf("ValidateSubdomain(%q) = %v, wantErr %v", tt.in, err, tt.wantErr)
			}
			if err != nil && core.KindOf(err) != core.Invalid {
				t.Errorf("KindOf = %q, want %q", core.KindOf(err), core.Invalid)
			}
		})
	}
}

func TestTenantServing(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 3, 10, 12, 0, 0, 0, time.UTC)
	past, future := now.Add(-time.Second), now.Add(time.Hour)
	tests := []struct {
		name    string
		status  core.Status
		expires *time.Time
		want    bool
	}{
		{name: "active without expiry", status: core.StatusActive, want: true},
		{name: "active before expiry", status: core.StatusActive, expires: &future, want: true},
		{name: "active after expiry", status: core.StatusActive, expires: &past},
		{name: "active at expiry", status: core.StatusActive, expires: &now},
		{name: "trial before expiry", status: core.StatusTrial, expires: &future, want: true},
		{name: "trial after expiry", status: core.StatusTrial, expires: &past},
		{name: "inactive", status: core.StatusInactive, expires: &future},
		{name: "provisioning", status: core.StatusProvisioning},
		{name: "deleting", status: core.StatusDeleting, expires: &future},
		{name: "no status", status: ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			tn := core.Tenant{Status: tt.status, ExpiresAt: tt.expires}
			if got := tn.Serving(now); got != tt.want {
				t.Errorf("Serving() = %v, want %v", got, tt.want)
			}
		})
	}
}
