// Package portstest holds contract suites that any implementation of a port
// must pass, in the manner of testing/fstest: run one against every adapter.
package portstest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/saasd/saasd/core"
	"github.com/saasd/saasd/ports"
)

// Stores are the control-database ports of one backend, sharing a database.
type Stores struct {
	Tenants ports.TenantStore
	Plans   ports.PlanStore
	Tokens  ports.TokenStore
}

// TestStores runs the store contract against stores built by open, which
// must return empty stores on a fresh database for every call.
func TestStores(t *testing.T, open func(t *testing.T) Stores) {
	t.Run("plans", func(t *testing.T) { t.Parallel(); testPlans(t, open(t)) })
	t.Run("tenants", func(t *testing.T) { t.Parallel(); testTenants(t, open(t)) })
	t.Run("tokens", func(t *testing.T) { t.Parallel(); testTokens(t, open(t)) })
	t.Run("schema versions", func(t *testing.T) { t.Parallel(); testSchemaVersions(t, open(t)) })
	t.Run("search and sort", func(t *testing.T) { t.Parallel(); testSearchSort(t, open(t)) })
}

// wantWinners checks the outcome of a race: n of errs are nil and every
// other one is of kind loser.
func wantWinners(t *testing.T, errs []error, n int, loser core.Kind) {
	t.Helper()
	won := 0
	for _, err := range errs {
		if err == nil {
			won++
		} else {
			wantKind(t, err, loser)
		}
	}
	if won != n {
		t.Fatalf("%d of %d racers won, want %d", won, len(errs), n)
	}
}

func wantKind(t *testing.T, err error, kind core.Kind) {
	t.Helper()
	if core.KindOf(err) != kind {
		t.Fatalf("error = %v (kind %q), want kind %q", err, core.KindOf(err), kind)
	}
}

func plan(name string) core.Plan {
	return core.Plan{Name: name, PriceMonthly: 1000, PriceYearly: 10000, BillingCycle: core.Monthly,
		TrialEnabled: true, TrialDays: 14, Limits: core.Limits{"customers": 50, "tasks": core.Unlimited}}
}

func testPlans(t *testing.T, s Stores) {
	ctx := context.Background()
	p := plan("Starter")
	if err := s.Plans.CreatePlan(ctx, &p); err != nil || p.ID == 0 {
		t.Fatalf("CreatePlan: id %d, %v", p.ID, err)
	}
	dup := plan("Starter")
	wantKind(t, s.Plans.CreatePlan(ctx, &dup), core.Conflict)

	got, err := s.Plans.Plan(ctx, p.ID)
	if err != nil || got.Name != "Starter" || got.PriceMonthly != 1000 || got.Limits["customers"] != 50 ||
		got.Limits["tasks"] != core.Unlimited || !got.TrialEnabled || got.TrialDays != 14 || got.CreatedAt.Location() != time.UTC {
		t.Fatalf("Plan = %+v, %v", got, err)
	}
	_, err = s.Plans.Plan(ctx, p.ID+1000)
	wantKind(t, err, core.NotFound)

	got, err = s.Plans.UpdatePlan(ctx, p.ID, func(p *core.Plan) error { p.PriceMonthly = 30; return nil })
	if err != nil || got.PriceMonthly != 30 {
		t.Fatalf("UpdatePlan = %+v, %v", got, err)
	}
	refused := errors.New("refused")
	if _, err := s.Plans.UpdatePlan(ctx, p.ID, func(p *core.Plan) error { p.Name = "changed"; return refused }); !errors.Is(err, refused) {
		t.Fatalf("UpdatePlan kept fn's error? %v", err)
	}
	if got, _ := s.Plans.Plan(ctx, p.ID); got.Name != "Starter" {
		t.Fatal("a refused update was saved")
	}
	other := plan("Pro")
	if err := s.Plans.CreatePlan(ctx, &other); err != nil {
		t.Fatal(err)
	}
	_, err = s.Plans.UpdatePlan(ctx, other.ID, func(p *core.Plan) error { p.Name = "Starter"; return nil })
	wantKind(t, err, core.Conflict)

	plans, err := s.Plans.Plans(ctx)
	if err != nil || len(plans) != 2 || plans[0].ID != p.ID {
		t.Fatalf("Plans = %+v, %v", plans, err)
	}

	tn := tenant("used", p.ID)
	if err := s.Tenants.CreateTenant(ctx, &tn); err != nil {
		t.Fatal(err)
	}
	wantKind(t, s.Plans.DeletePlan(ctx, p.ID), core.Conflict)
	if err := s.Plans.DeletePlan(ctx, other.ID); err != nil {
		t.Fatal(err)
	}
	wantKind(t, s.Plans.DeletePlan(ctx, other.ID), core.NotFound)
}

func tenant(sub string, planID int64) core.Tenant {
	return core.Tenant{CompanyName: "Co " + sub, Email: sub + "@example.com", FirstName: "F", LastName: "L",
		Subdomain: sub, PlanID: planID, Status: core.StatusProvisioning, StartedAt: time.Now().UTC()}
}

func testTenants(t *testing.T, s Stores) {
	ctx := context.Background()
	p := plan("Starter")
	if err := s.Plans.CreatePlan(ctx, &p); err != nil {
		t.Fatal(err)
	}
	a := tenant("alpha", p.ID)
	if err := s.Tenants.CreateTenant(ctx, &a); err != nil || a.ID == 0 {
		t.Fatalf("CreateTenant: %v", err)
	}
	dup := tenant("alpha", p.ID)
	wantKind(t, s.Tenants.CreateTenant(ctx, &dup), core.Conflict)

	got, err := s.Tenants.Tenant(ctx, a.ID)
	if err != nil || got.PlanName != "Starter" || got.Subdomain != "alpha" || got.Status != core.StatusProvisioning {
		t.Fatalf("Tenant = %+v, %v", got, err)
	}
	if got, err := s.Tenants.TenantBySubdomain(ctx, "alpha"); err != nil || got.ID != a.ID {
		t.Fatalf("TenantBySubdomain = %+v, %v", got, err)
	}
	_, err = s.Tenants.TenantBySubdomain(ctx, "nobody")
	wantKind(t, err, core.NotFound)

	exp := time.Date(2030, 1, 31, 10, 0, 0, 0, time.UTC)
	got, err = s.Tenants.UpdateTenant(ctx, a.ID, func(t *core.Tenant) error {
		t.Status, t.Database, t.ExpiresAt = core.StatusActive, "tenant_1", &exp
		return nil
	})
	if err != nil || got.Status != core.StatusActive || !got.ExpiresAt.Equal(exp) {
		t.Fatalf("UpdateTenant = %+v, %v", got, err)
	}
	if got, _ := s.Tenants.Tenant(ctx, a.ID); got.Database != "tenant_1" || !got.ExpiresAt.Equal(exp) {
		t.Fatalf("update not stored: %+v", got)
	}
	_, err = s.Tenants.UpdateTenant(ctx, a.ID+1000, func(*core.Tenant) error { return nil })
	wantKind(t, err, core.NotFound)

	for i := 0; i < 4; i++ {
		tn := tenant(fmt.Sprintf("t%d-x", i), p.ID)
		tn.Status = core.StatusTrial
		if err := s.Tenants.CreateTenant(ctx, &tn); err != nil {
			t.Fatal(err)
		}
	}
	page, total, err := s.Tenants.Tenants(ctx, core.TenantFilter{Status: core.StatusTrial, Page: 2, PerPage: 3})
	if err != nil || total != 4 || len(page) != 1 {
		t.Fatalf("Tenants = %d of %d, %v", len(page), total, err)
	}
	page, total, _ = s.Tenants.Tenants(ctx, core.TenantFilter{Page: 1, PerPage: 10})
	if total != 5 || page[0].Subdomain != "t3-x" {
		t.Fatalf("newest first: %d, %+v", total, page[0])
	}

	if err := s.Tenants.DeleteTenant(ctx, a.ID); err != nil {
		t.Fatal(err)
	}
	wantKind(t, s.Tenants.DeleteTenant(ctx, a.ID), core.NotFound)
	_, err = s.Tenants.Tenant(ctx, a.ID)
	wantKind(t, err, core.NotFound)

	// Racing creates of one subdomain: exactly one wins.
	var wg sync.WaitGroup
	errs := make([]error, 8)
	for i := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			tn := tenant("race", p.ID)
			errs[i] = s.Tenants.CreateTenant(ctx, &tn)
		}()
	}
	wg.Wait()
	wantWinners(t, errs, 1, core.Conflict)
}

func testTokens(t *testing.T, s Stores) {
	ctx := context.Background()
	hash := []byte("0123456789abcdef0123456789abcdef")
	tok := core.APIToken{Name: "ops", CreatedAt: time.Now().UTC()}
	if err := s.Tokens.CreateToken(ctx, &tok, hash); err != nil || tok.ID == 0 {
		t.Fatalf("CreateToken: %v", err)
	}
	again := core.APIToken{Name: "ops", CreatedAt: time.Now().UTC()}
	wantKind(t, s.Tokens.CreateToken(ctx, &again, []byte("another-hash-another-hash-anothe")), core.Conflict)

	got, err := s.Tokens.TokenByHash(ctx, hash)
	if err != nil || got.ID != tok.ID || got.Name != "ops" {
		t.Fatalf("TokenByHash = %+v, %v", got, err)
	}
	_, err = s.Tokens.TokenByHash(ctx, []byte("nope-nope-nope-nope-nope-nope-no"))
	wantKind(t, err, core.NotFound)

	at := time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
	if err := s.Tokens.TouchToken(ctx, tok.ID, at); err != nil {
		t.Fatal(err)
	}
	if err := s.Tokens.RevokeToken(ctx, "ops", at); err != nil {
		t.Fatal(err)
	}
	_, err = s.Tokens.TokenByHash(ctx, hash)
	wantKind(t, err, core.NotFound)
	wantKind(t, s.Tokens.RevokeToken(ctx, "ops", at), core.NotFound)

	// The name is free again once revoked.
	if err := s.Tokens.CreateToken(ctx, &again, []byte("another-hash-another-hash-anothe")); err != nil {
		t.Fatal(err)
	}
	list, err := s.Tokens.Tokens(ctx)
	if err != nil || len(list) != 2 || list[0].RevokedAt == nil || list[0].LastUsedAt == nil || !list[0].LastUsedAt.Equal(at) {
		t.Fatalf("Tokens = %+v, %v", list, err)
	}
}

// testSchemaVersions: a tenant's schema version and migration error are
// kept, and lists select by them.
func testSchemaVersions(t *testing.T, s Stores) {
	ctx := context.Background()
	p := plan("Starter")
	if err := s.Plans.CreatePlan(ctx, &p); err != nil {
		t.Fatal(err)
	}
	var ids []int64
	for i, sub := range []string{"one", "two", "three"} {
		tn := tenant(sub, p.ID)
		if err := s.Tenants.CreateTenant(ctx, &tn); err != nil {
			t.Fatal(err)
		}
		_, err := s.Tenants.UpdateTenant(ctx, tn.ID, func(t *core.Tenant) error {
			t.Status, t.SchemaVersion = core.StatusActive, int64(10+i%2)
			if sub == "three" {
				t.MigrationError = "duplicate column"
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, tn.ID)
	}
	got, err := s.Tenants.Tenant(ctx, ids[2])
	if err != nil || got.SchemaVersion != 10 || got.MigrationError != "duplicate column" {
		t.Fatalf("Tenant = version %d, error %q, %v", got.SchemaVersion, got.MigrationError, err)
	}
	ten := int64(10)
	if list, total, err := s.Tenants.Tenants(ctx, core.TenantFilter{Page: 1, PerPage: 10, SchemaVersion: &ten}); err != nil || total != 2 || len(list) != 2 {
		t.Fatalf("at version 10: %d tenants, %v", total, err)
	}
	if list, total, err := s.Tenants.Tenants(ctx, core.TenantFilter{Page: 1, PerPage: 10, MigrationFailed: true}); err != nil || total != 1 || list[0].ID != ids[2] {
		t.Fatalf("failed: %d tenants, %v", total, err)
	}
}

func testSearchSort(t *testing.T, s Stores) {
	ctx := context.Background()
	for _, sub := range []string{"beta", "alpha", "gamma-50", "delta"} {
		mustTenant(t, s, sub, core.StatusActive)
	}
	subs := func(f core.TenantFilter) ([]string, int64) {
		t.Helper()
		f.Page = max(f.Page, 1)
		if f.PerPage == 0 {
			f.PerPage = 10
		}
		list, total, err := s.Tenants.Tenants(ctx, f)
		if err != nil {
			t.Fatalf("Tenants(%+v): %v", f, err)
		}
		var out []string
		for _, tn := range list {
			out = append(out, tn.Subdomain)
		}
		return out, total
	}
	for _, tc := range []struct {
		name  string
		f     core.TenantFilter
		want  []string
		total int64
	}{
		{"newest first", core.TenantFilter{}, []string{"delta", "gamma-50", "alpha", "beta"}, 4},
		{"by subdomain", core.TenantFilter{Sort: "subdomain"}, []string{"alpha", "beta", "delta", "gamma-50"}, 4},
		{"by subdomain descending, paged", core.TenantFilter{Sort: "-subdomain", Page: 2, PerPage: 1}, []string{"delta"}, 4},
		{"oldest first", core.TenantFilter{Sort: "id"}, []string{"beta", "alpha", "gamma-50", "delta"}, 4},
		{"search ignores case", core.TenantFilter{Search: "ALP"}, []string{"alpha"}, 1},
		{"search by email", core.TenantFilter{Search: "delta@"}, []string{"delta"}, 1},
		{"search wildcards are literal", core.TenantFilter{Search: "%"}, nil, 0},
		{"search underscore is literal", core.TenantFilter{Search: "a_p"}, nil, 0},
		{"search digits", core.TenantFilter{Search: "-50", Sort: "company_name"}, []string{"gamma-50"}, 1},
	} {
		got, total := subs(tc.f)
		if !slices.Equal(got, tc.want) || total != tc.total {
			t.Errorf("%s: %v (total %d), want %v (total %d)", tc.name, got, total, tc.want, tc.total)
		}
	}
}
