package billing_test

import (
	"context"
	"errors"
	"maps"
	"slices"
	"testing"
	"time"

	"github.com/saasd/saasd/core"
	"github.com/saasd/saasd/core/billing"
	"github.com/saasd/saasd/ports"
)

var now = time.Date(2026, 1, 31, 9, 30, 0, 0, time.UTC)

// fakePlans is an in-memory ports.PlanStore.
type fakePlans struct {
	plans     map[int64]core.Plan
	nextID    int64
	calls     int
	createErr error
	deleteErr error
}

func newFakePlans(plans ...core.Plan) *fakePlans {
	f := &fakePlans{plans: map[int64]core.Plan{}, nextID: 1}
	for _, p := range plans {
		f.plans[p.ID] = p
		f.nextID = max(f.nextID, p.ID+1)
	}
	return f
}

func (f *fakePlans) CreatePlan(_ context.Context, p *core.Plan) error {
	f.calls++
	if f.createErr != nil {
		return f.createErr
	}
	p.ID = f.nextID
	f.nextID++
	p.CreatedAt, p.UpdatedAt = now, now
	f.plans[p.ID] = *p
	return nil
}

func (f *fakePlans) Plan(_ context.Context, id int64) (core.Plan, error) {
	f.calls++
	p, ok := f.plans[id]
	if !ok {
		return core.Plan{}, core.Errorf(core.NotFound, "plan not found")
	}
	return p, nil
}

func (f *fakePlans) Plans(context.Context) ([]core.Plan, error) {
	f.calls++
	var out []core.Plan
	for _, id := range slices.Sorted(maps.Keys(f.plans)) {
		out = append(out, f.plans[id])
	}
	return out, nil
}

func (f *fakePlans) UpdatePlan(_ context.Context, id int64, fn func(*core.Plan) error) (core.Plan, error) {
	f.calls++
	p, ok := f.plans[id]
	if !ok {
		return core.Plan{}, core.Errorf(core.NotFound, "plan not found")
	}
	p.Limits = maps.Clone(p.Limits)
	if err := fn(&p); err != nil {
		return core.Plan{}, err
	}
	p.UpdatedAt = now
	f.plans[id] = p
	return p, nil
}

func (f *fakePlans) DeletePlan(_ context.Context, id int64) error {
	f.calls++
	if f.deleteErr != nil {
		return f.deleteErr
	}
	if _, ok := f.plans[id]; !ok {
		return core.Errorf(core.NotFound, "plan not found")
	}
	delete(f.plans, id)
	return nil
}

// fakeTenants is an in-memory ports.TenantStore; billing only reads and updates.
type fakeTenants struct {
	rows    map[int64]core.Tenant
	updates int
}

func newFakeTenants(rows ...core.Tenant) *fakeTenants {
	f := &fakeTenants{rows: map[int64]core.Tenant{}}
	for _, t := range rows {
		f.rows[t.ID] = t
	}
	return f
}

func (f *fakeTenants) CreateTenant(context.Context, *core.Tenant) error {
	return errors.New("fakeTenants.CreateTenant: not used by billing")
}

func (f *fakeTenants) Tenant(_ context.Context, id int64) (core.Tenant, error) {
	t, ok := f.rows[id]
	if !ok {
		return core.Tenant{}, core.Errorf(core.NotFound, "tenant not found")
	}
	return t, nil
}

func (f *fakeTenants) TenantBySubdomain(context.Context, string) (core.Tenant, error) {
	return core.Tenant{}, errors.New("fakeTenants.TenantBySubdomain: not used by billing")
}

func (f *fakeTenants) Tenants(context.Context, core.TenantFilter) ([]core.Tenant, int64, error) {
	return nil, 0, errors.New("fakeTenants.Tenants: not used by billing")
}

func (f *fakeTenants) UpdateTenant(_ context.Context, id int64, fn func(*core.Tenant) error) (core.Tenant, error) {
	f.updates++
	t, ok := f.rows[id]
	if !ok {
		return core.Tenant{}, core.Errorf(core.NotFound, "tenant not found")
	}
	if err := fn(&t); err != nil {
		return core.Tenant{}, err
	}
	f.rows[id] = t
	return t, nil
}

func (f *fakeTenants) DeleteTenant(context.Context, int64) error {
	return errors.New("fakeTenants.DeleteTenant: not used by billing")
}

var (
	_ ports.PlanStore   = (*fakePlans)(nil)
	_ ports.TenantStore = (*fakeTenants)(nil)
)

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

func fixedClock() ports.Clock { return ports.ClockFunc(func() time.Time { return now }) }

func TestServiceCreatePlan(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		in         core.PlanInput
		storeErr   error
		wantFields []string
		wantKind   core.Kind
	}{
		{name: "valid", in: core.PlanInput{Name: ptr("Basic"), PriceMonthly: ptr("9.99"), TrialEnabled: ptr(true)}},
		{name: "missing name and price", in: core.PlanInput{}, wantFields: []string{"name", "price_monthly"}},
		{name: "bad price", in: core.PlanInput{Name: ptr("Basic"), PriceMonthly: ptr("9.999")}, wantFields: []string{"price_monthly"}},
		{name: "unknown resource", in: core.PlanInput{Name: ptr("Basic"), PriceMonthly: ptr("1"), Limits: map[string]int64{"seats": 1}}, wantFields: []string{"limits.seats"}},
		{name: "name taken", in: core.PlanInput{Name: ptr("Basic"), PriceMonthly: ptr("1")}, storeErr: core.Errorf(core.Conflict, "name taken"), wantKind: core.Conflict},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			plans := newFakePlans()
			plans.createErr = tt.storeErr
			svc := billing.New(plans, newFakeTenants(), fixedClock())
			got, err := svc.CreatePlan(context.Background(), tt.in)
			switch {
			case tt.wantFields != nil:
				assertInvalid(t, err, tt.wantFields...)
				if plans.calls != 0 {
					t.Errorf("store called %d times, want none", plans.calls)
				}
			case tt.wantKind != "":
				if core.KindOf(err) != tt.wantKind {
					t.Fatalf("CreatePlan error = %v, want kind %q", err, tt.wantKind)
				}
			default:
				if err != nil {
					t.Fatalf("CreatePlan: %v", err)
				}
				if got.ID != 1 || got.Name != "Basic" || got.PriceMonthly != 999 || got.TrialDays != core.DefaultTrialDays {
					t.Errorf("plan = %+v, want Basic #1 at 9.99 with the default trial", got)
				}
				if stored := plans.plans[got.ID]; stored.Name != got.Name || len(stored.Limits) != len(core.Resources) {
					t.Errorf("stored = %+v, want the created plan with every limit", stored)
				}
			}
		})
	}
}

func TestServiceUpdatePlan(t *testing.T) {
	t.Parallel()
	existing := func() core.Plan {
		return core.Plan{ID: 1, Name: "Basic", PriceMonthly: 1000, BillingCycle: core.Monthly,
			Limits: core.Limits{core.Customers: 10, core.Invoices: 20, core.Projects: -1, core.Staff: -1, core.Estimates: -1, core.Contracts: -1, core.Tasks: -1}}
	}
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
			if p.Limits[core.Customers] != 10 || p.Limits[core.Invoices] != 50 {
				t.Errorf("limits = %v, want customers 10 and invoices 50", p.Limits)
			}
		}},
		{name: "bad billing cycle", id: 1, in: core.PlanInput{BillingCycle: ptr("weekly")}, wantFields: []string{"billing_cycle"}},
		{name: "negative price", id: 1, in: core.PlanInput{PriceMonthly: ptr("-1")}, wantFields: []string{"price_monthly"}},
		{name: "unknown plan", id: 9, in: core.PlanInput{Name: ptr("X")}, wantKind: core.NotFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			plans := newFakePlans(existing())
			svc := billing.New(plans, newFakeTenants(), fixedClock())
			got, err := svc.UpdatePlan(context.Background(), tt.id, tt.in)
			switch {
			case tt.wantFields != nil:
				assertInvalid(t, err, tt.wantFields...)
				if stored := plans.plans[1]; stored.BillingCycle != core.Monthly || stored.PriceMonthly != 1000 {
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
				tt.check(t, plans.plans[1])
			}
		})
	}
}

func TestServiceDeletePlan(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		id       int64
		storeErr error
		wantKind core.Kind
	}{
		{name: "deleted", id: 1},
		{name: "unknown", id: 2, wantKind: core.NotFound},
		{name: "in use", id: 1, storeErr: core.Errorf(core.Conflict, "plan in use"), wantKind: core.Conflict},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			plans := newFakePlans(core.Plan{ID: 1, Name: "Basic"})
			plans.deleteErr = tt.storeErr
			svc := billing.New(plans, newFakeTenants(), fixedClock())
			err := svc.DeletePlan(context.Background(), tt.id)
			if core.KindOf(err) != tt.wantKind {
				t.Fatalf("DeletePlan error = %v, want kind %q", err, tt.wantKind)
			}
			if _, ok := plans.plans[1]; ok == (err == nil && tt.id == 1) {
				t.Errorf("plan 1 present = %v after DeletePlan(%d) = %v", ok, tt.id, err)
			}
		})
	}
}

func TestServicePlans(t *testing.T) {
	t.Parallel()
	plans := newFakePlans(core.Plan{ID: 2, Name: "Pro"}, core.Plan{ID: 1, Name: "Basic"})
	svc := billing.New(plans, newFakeTenants(), fixedClock())
	all, err := svc.Plans(context.Background())
	if err != nil || len(all) != 2 || all[0].ID != 1 || all[1].ID != 2 {
		t.Fatalf("Plans = %+v, %v; want plans 1 and 2", all, err)
	}
	if _, err := svc.Plan(context.Background(), 3); core.KindOf(err) != core.NotFound {
		t.Errorf("Plan(3) error = %v, want not found", err)
	}
}

var (
	monthly = core.Plan{ID: 1, Name: "Basic", BillingCycle: core.Monthly}
	yearly  = core.Plan{ID: 2, Name: "Annual", BillingCycle: core.Yearly}
	trial   = core.Plan{ID: 3, Name: "Trial", BillingCycle: core.Monthly, TrialEnabled: true, TrialDays: 14}
)

func TestServiceUpdateSubscription(t *testing.T) {
	t.Parallel()
	started := time.Date(2026, 1, 10, 0, 0, 0, 0, time.UTC)
	trialEnd := started.AddDate(0, 0, 14)
	trialTenant := core.Tenant{
		ID: 1, Subdomain: "acme", PlanID: trial.ID, PlanName: trial.Name, Status: core.StatusTrial,
		StartedAt: started, ExpiresAt: &trialEnd, NextInvoice: &trialEnd,
	}
	plus5 := time.FixedZone("UTC+5", 5*3600)
	explicit := time.Date(2026, 6, 1, 5, 0, 0, 0, plus5) // 2026-06-01 00:00 UTC
	tests := []struct {
		name        string
		status      core.Status // of the stored tenant; trial if empty
		update      core.SubscriptionUpdate
		wantFields  []string
		wantKind    core.Kind
		wantPlan    core.Plan
		wantStatus  core.Status
		wantStarted time.Time
		wantExpires time.Time
	}{
		{
			name:   "plan change ends the trial",
			update: core.SubscriptionUpdate{PlanID: ptr(monthly.ID)},
			// now is Jan 31: one calendar month later is Feb 28.
			wantPlan: monthly, wantStatus: core.StatusActive, wantStarted: now,
			wantExpires: time.Date(2026, 2, 28, 9, 30, 0, 0, time.UTC),
		},
		{
			name:     "yearly plan change",
			update:   core.SubscriptionUpdate{PlanID: ptr(yearly.ID)},
			wantPlan: yearly, wantStatus: core.StatusActive, wantStarted: now,
			wantExpires: time.Date(2027, 1, 31, 9, 30, 0, 0, time.UTC),
		},
		{
			name:     "inactive tenant stays inactive",
			status:   core.StatusInactive,
			update:   core.SubscriptionUpdate{PlanID: ptr(monthly.ID)},
			wantPlan: monthly, wantStatus: core.StatusInactive, wantStarted: now,
			wantExpires: time.Date(2026, 2, 28, 9, 30, 0, 0, time.UTC),
		},
		{
			name:     "same plan changes nothing",
			update:   core.SubscriptionUpdate{PlanID: ptr(trial.ID)},
			wantPlan: trial, wantStatus: core.StatusTrial, wantStarted: started, wantExpires: trialEnd,
		},
		{
			name:     "explicit expiry stored in UTC",
			update:   core.SubscriptionUpdate{ExpiresAt: &explicit},
			wantPlan: trial, wantStatus: core.StatusTrial, wantStarted: started,
			wantExpires: time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC),
		},
		{
			name:     "explicit expiry wins over the new period",
			update:   core.SubscriptionUpdate{PlanID: ptr(yearly.ID), ExpiresAt: &explicit},
			wantPlan: yearly, wantStatus: core.StatusActive, wantStarted: now,
			wantExpires: time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC),
		},
		{
			name:       "unknown plan",
			update:     core.SubscriptionUpdate{PlanID: ptr(int64(99))},
			wantFields: []string{"plan_id"},
		},
		{name: "deleting tenant", status: core.StatusDeleting, update: core.SubscriptionUpdate{PlanID: ptr(monthly.ID)}, wantKind: core.NotFound},
		{name: "provisioning tenant", status: core.StatusProvisioning, update: core.SubscriptionUpdate{ExpiresAt: &explicit}, wantKind: core.NotFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			before := trialTenant
			if tt.status != "" {
				before.Status = tt.status
			}
			tenants := newFakeTenants(before)
			svc := billing.New(newFakePlans(monthly, yearly, trial), tenants, fixedClock())
			sub, err := svc.UpdateSubscription(context.Background(), before.ID, tt.update)
			stored := tenants.rows[before.ID]
			switch {
			case tt.wantFields != nil:
				assertInvalid(t, err, tt.wantFields...)
				if tenants.updates != 0 {
					t.Errorf("tenant store updated %d times, want none", tenants.updates)
				}
				return
			case tt.wantKind != "":
				if core.KindOf(err) != tt.wantKind {
					t.Fatalf("UpdateSubscription error = %v, want kind %q", err, tt.wantKind)
				}
				if stored.PlanID != before.PlanID || stored.ExpiresAt != before.ExpiresAt {
					t.Errorf("stored tenant changed: %+v", stored)
				}
				return
			}
			if err != nil {
				t.Fatalf("UpdateSubscription: %v", err)
			}
			if sub.TenantID != before.ID || sub.PlanID != tt.wantPlan.ID || sub.PlanName != tt.wantPlan.Name || sub.BillingCycle != tt.wantPlan.BillingCycle {
				t.Errorf("subscription plan = %d %q %q, want %d %q %q", sub.PlanID, sub.PlanName, sub.BillingCycle, tt.wantPlan.ID, tt.wantPlan.Name, tt.wantPlan.BillingCycle)
			}
			if sub.Status != tt.wantStatus || stored.Status != tt.wantStatus {
				t.Errorf("status = %q (stored %q), want %q", sub.Status, stored.Status, tt.wantStatus)
			}
			if !sub.StartedAt.Equal(tt.wantStarted) || !stored.StartedAt.Equal(tt.wantStarted) {
				t.Errorf("started = %s (stored %s), want %s", sub.StartedAt, stored.StartedAt, tt.wantStarted)
			}
			if stored.PlanID != tt.wantPlan.ID || stored.PlanName != tt.wantPlan.Name {
				t.Errorf("stored plan = %d %q, want %d %q", stored.PlanID, stored.PlanName, tt.wantPlan.ID, tt.wantPlan.Name)
			}
			for name, got := range map[string]*time.Time{
				"subscription expires_at": sub.ExpiresAt, "subscription next_invoice_at": sub.NextInvoiceAt,
				"stored expires_at": stored.ExpiresAt, "stored next_invoice": stored.NextInvoice,
			} {
				if got == nil || !got.Equal(tt.wantExpires) {
					t.Errorf("%s = %v, want %s", name, got, tt.wantExpires)
				} else if got.Location() != time.UTC {
					t.Errorf("%s in %s, want UTC", name, got.Location())
				}
			}
		})
	}
}

func TestServiceUpdateSubscriptionUnknownTenant(t *testing.T) {
	t.Parallel()
	svc := billing.New(newFakePlans(monthly), newFakeTenants(), fixedClock())
	if _, err := svc.UpdateSubscription(context.Background(), 7, core.SubscriptionUpdate{PlanID: ptr(monthly.ID)}); core.KindOf(err) != core.NotFound {
		t.Fatalf("UpdateSubscription error = %v, want not found", err)
	}
}

func TestServiceSubscription(t *testing.T) {
	t.Parallel()
	end := now.AddDate(0, 1, 0)
	tests := []struct {
		name     string
		tenant   core.Tenant
		id       int64
		wantKind core.Kind
	}{
		{name: "active", id: 1, tenant: core.Tenant{ID: 1, PlanID: yearly.ID, Status: core.StatusActive, StartedAt: now, ExpiresAt: &end, NextInvoice: &end}},
		{name: "unknown", id: 2, tenant: core.Tenant{ID: 1, PlanID: yearly.ID, Status: core.StatusActive}, wantKind: core.NotFound},
		{name: "deleting", id: 1, tenant: core.Tenant{ID: 1, PlanID: yearly.ID, Status: core.StatusDeleting}, wantKind: core.NotFound},
		{name: "provisioning", id: 1, tenant: core.Tenant{ID: 1, PlanID: yearly.ID, Status: core.StatusProvisioning}, wantKind: core.NotFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			svc := billing.New(newFakePlans(monthly, yearly), newFakeTenants(tt.tenant), fixedClock())
			sub, err := svc.Subscription(context.Background(), tt.id)
			if core.KindOf(err) != tt.wantKind {
				t.Fatalf("Subscription error = %v, want kind %q", err, tt.wantKind)
			}
			if err != nil {
				return
			}
			want := core.Subscription{
				TenantID: 1, PlanID: yearly.ID, PlanName: yearly.Name, Status: core.StatusActive,
				StartedAt: now, ExpiresAt: &end, NextInvoiceAt: &end, BillingCycle: core.Yearly,
			}
			if sub != want {
				t.Errorf("Subscription = %+v, want %+v", sub, want)
			}
		})
	}
}
