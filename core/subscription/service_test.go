package subscription_test

import (
	"context"
	"maps"
	"slices"
	"testing"
	"time"

	"github.com/saasd/saasd/adapters/clock"
	"github.com/saasd/saasd/adapters/memory"
	"github.com/saasd/saasd/core"
	"github.com/saasd/saasd/core/billing"
	"github.com/saasd/saasd/core/quota"
	"github.com/saasd/saasd/core/subscription"
)

var now = time.Date(2026, 1, 31, 9, 30, 0, 0, time.UTC)

var catalog = quota.NewCatalog("customers", "invoices", "projects", "staff", "estimates", "contracts", "tasks")

// newService returns a service whose plans and tenants are in store.
func newService(store *memory.Stores) *subscription.Service {
	return subscription.New(store, store, nil /* BillingStore: not used by plan methods */, catalog, clock.NewFake(now), billing.DefaultTerms())
}

// seedPlans stores plans in order and fails t unless they get the IDs they
// carry (a fresh store numbers from 1).
func seedPlans(t *testing.T, store *memory.Stores, plans ...core.Plan) {
	t.Helper()
	for _, p := range plans {
		want := p.ID
		if err := store.CreatePlan(context.Background(), &p); err != nil || p.ID != want {
			t.Fatalf("seed plan %q: id %d, %v; want id %d", p.Name, p.ID, err, want)
		}
	}
}

func storedPlans(t *testing.T, store *memory.Stores) []core.Plan {
	t.Helper()
	all, err := store.Plans(context.Background())
	if err != nil {
		t.Fatalf("Plans: %v", err)
	}
	return all
}

func storedPlan(t *testing.T, store *memory.Stores, id int64) core.Plan {
	t.Helper()
	p, err := store.Plan(context.Background(), id)
	if err != nil {
		t.Fatalf("Plan(%d): %v", id, err)
	}
	return p
}

func ptr[T any](v T) *T { return &v }

func assertInvalid(t *testing.T, err error, fields ...string) {
	t.Helper()
	if kind := core.KindOf(err); kind != core.Invalid {
		t.Fatalf("KindOf(%v) = %q, want %q", err, kind, core.Invalid)
	}
	got := slices.Sorted(maps.Keys(core.FieldsOf(err)))
	if want := slices.Sorted(slices.Values(fields)); !slices.Equal(got, want) {
		t.Fatalf("invalid fields = %v, want %v", got, want)
	}
}

func TestServiceCreatePlan(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		existing   []core.Plan
		in         core.PlanInput
		wantFields []string
		wantKind   core.Kind
	}{
		{name: "valid", in: core.PlanInput{Name: ptr("Basic"), PriceMonthly: ptr("9.99"), TrialEnabled: ptr(true)}},
		{name: "missing name and price", in: core.PlanInput{}, wantFields: []string{"name", "price_monthly"}},
		{name: "bad price", in: core.PlanInput{Name: ptr("Basic"), PriceMonthly: ptr("9.999")}, wantFields: []string{"price_monthly"}},
		{name: "unknown resource", in: core.PlanInput{Name: ptr("Basic"), PriceMonthly: ptr("1"), Limits: map[string]int64{"seats": 1}}, wantFields: []string{"limits.seats"}},
		{name: "typo in a resource name", in: core.PlanInput{Name: ptr("Basic"), PriceMonthly: ptr("1"), Limits: map[string]int64{"notez": 1, "invoices": 5}}, wantFields: []string{"limits.notez"}},
		{name: "name taken", existing: []core.Plan{{ID: 1, Name: "Basic"}}, in: core.PlanInput{Name: ptr("Basic"), PriceMonthly: ptr("1")}, wantKind: core.Conflict},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			store := memory.NewStores()
			seedPlans(t, store, tt.existing...)
			got, err := newService(store).CreatePlan(context.Background(), tt.in)
			switch {
			case tt.wantFields != nil:
				assertInvalid(t, err, tt.wantFields...)
				if all := storedPlans(t, store); len(all) != 0 {
					t.Errorf("stored %+v, want nothing", all)
				}
			case tt.wantKind != "":
				if core.KindOf(err) != tt.wantKind {
					t.Fatalf("CreatePlan error = %v, want kind %q", err, tt.wantKind)
				}
				if all := storedPlans(t, store); len(all) != len(tt.existing) {
					t.Errorf("stored %+v, want only %+v", all, tt.existing)
				}
			default:
				if err != nil {
					t.Fatalf("CreatePlan: %v", err)
				}
				if got.ID != 1 || got.Name != "Basic" || got.PriceMonthly != 999 || got.TrialDays != core.DefaultTrialDays {
					t.Errorf("plan = %+v, want Basic #1 at 9.99 with the default trial", got)
				}
				if stored := storedPlan(t, store, got.ID); stored.Name != got.Name || len(stored.Limits) != len(catalog.List()) {
					t.Errorf("stored = %+v, want the created plan with every limit", stored)
				}
			}
		})
	}
}

func TestServiceUpdatePlan(t *testing.T) {
	t.Parallel()
	existing := core.Plan{ID: 1, Name: "Basic", PriceMonthly: 1000, BillingCycle: core.Monthly,
		Limits: core.Limits{"customers": 10, "invoices": 20, "projects": -1, "staff": -1, "estimates": -1, "contracts": -1, "tasks": -1}}
	tests := []struct {
		name       string
		id         int64
		in         core.PlanInput
		wantFields []string
		wantKind   core.Kind
		check      func(t *testing.T, p core.Plan)
	}{
		{name: "rename", id: 1, in: core.PlanInput{Name: ptr("Starter")}, check: func(t *testing.T, p core.Plan) {
			if p.Name != "Starter" || p.PriceMonthly != 1000 {
				t.Errorf("plan = %+v, want Starter at 10.00", p)
			}
		}},
		{name: "merge limits", id: 1, in: core.PlanInput{Limits: map[string]int64{"invoices": 50}}, check: func(t *testing.T, p core.Plan) {
			if p.Limits["customers"] != 10 || p.Limits["invoices"] != 50 {
				t.Errorf("limits = %v, want customers 10 and invoices 50", p.Limits)
			}
		}},
		{name: "bad billing cycle", id: 1, in: core.PlanInput{BillingCycle: ptr("weekly")}, wantFields: []string{"billing_cycle"}},
		{name: "negative price", id: 1, in: core.PlanInput{PriceMonthly: ptr("-1")}, wantFields: []string{"price_monthly"}},
		{name: "typo in a resource name", id: 1, in: core.PlanInput{PriceMonthly: ptr("20"), Limits: map[string]int64{"notez": 1}}, wantFields: []string{"limits.notez"}},
		{name: "unknown plan", id: 9, in: core.PlanInput{Name: ptr("X")}, wantKind: core.NotFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			store := memory.NewStores()
			seedPlans(t, store, existing)
			got, err := newService(store).UpdatePlan(context.Background(), tt.id, tt.in)
			switch {
			case tt.wantFields != nil:
				assertInvalid(t, err, tt.wantFields...)
				if stored := storedPlan(t, store, 1); stored.BillingCycle != core.Monthly || stored.PriceMonthly != 1000 || !maps.Equal(stored.Limits, existing.Limits) {
					t.Errorf("stored plan changed by a refused update: %+v", stored)
				}
			case tt.wantKind != "":
				if core.KindOf(err) != tt.wantKind {
					t.Fatalf("UpdatePlan error = %v, want kind %q", err, tt.wantKind)
				}
			default:
				if err != nil {
					t.Fatalf("UpdatePlan: %v", err)
				}
				tt.check(t, got)
				tt.check(t, storedPlan(t, store, 1))
			}
		})
	}
}

func TestServiceDeletePlan(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		id       int64
		inUse    bool // a tenant is on plan 1
		wantKind core.Kind
	}{
		{name: "deleted", id: 1},
		{name: "unknown", id: 2, wantKind: core.NotFound},
		{name: "in use", id: 1, inUse: true, wantKind: core.Conflict},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			store := memory.NewStores()
			seedPlans(t, store, core.Plan{ID: 1, Name: "Basic"})
			if tt.inUse {
				if err := store.CreateTenant(context.Background(), &core.Tenant{Subdomain: "acme", PlanID: 1, Status: core.StatusActive}); err != nil {
					t.Fatalf("seed tenant: %v", err)
				}
			}
			err := newService(store).DeletePlan(context.Background(), tt.id)
			if core.KindOf(err) != tt.wantKind {
				t.Fatalf("DeletePlan error = %v, want kind %q", err, tt.wantKind)
			}
			_, lookupErr := store.Plan(context.Background(), 1)
			if present := lookupErr == nil; present == (err == nil && tt.id == 1) {
				t.Errorf("plan 1 present = %v after DeletePlan(%d) = %v", present, tt.id, err)
			}
		})
	}
}

func TestServicePlans(t *testing.T) {
	t.Parallel()
	store := memory.NewStores()
	seedPlans(t, store, core.Plan{ID: 1, Name: "Basic"}, core.Plan{ID: 2, Name: "Pro"})
	svc := newService(store)
	all, err := svc.Plans(context.Background())
	if err != nil || len(all) != 2 || all[0].ID != 1 || all[0].Name != "Basic" || all[1].ID != 2 || all[1].Name != "Pro" {
		t.Fatalf("Plans = %+v, %v; want Basic #1 and Pro #2", all, err)
	}
	if p, err := svc.Plan(context.Background(), 2); err != nil || p.Name != "Pro" {
		t.Errorf("Plan(2) = %+v, %v; want Pro", p, err)
	}
	if _, err := svc.Plan(context.Background(), 3); core.KindOf(err) != core.NotFound {
		t.Errorf("Plan(3) error = %v, want not found", err)
	}
}
