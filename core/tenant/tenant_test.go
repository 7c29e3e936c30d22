package tenant_test

import (
	"context"
	"errors"
	"maps"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/saasd/saasd/adapters/clock"
	"github.com/saasd/saasd/core"
	"github.com/saasd/saasd/core/quota"
	"github.com/saasd/saasd/core/tenant"
	"github.com/saasd/saasd/ports"
)

var now = time.Date(2026, 1, 31, 9, 30, 0, 0, time.UTC)

// fakeTenants is an in-memory ports.TenantStore that records what it is asked.
type fakeTenants struct {
	mu      sync.Mutex
	rows    map[int64]core.Tenant
	nextID  int64
	calls   int
	deleted []int64

	createErr error
	updateErr error // returned by UpdateTenant without calling fn
	deleteErr error
	// deleteCtxErr is ctx.Err() as DeleteTenant saw it.
	deleteCtxErr error
}

func newFakeTenants(rows ...core.Tenant) *fakeTenants {
	f := &fakeTenants{rows: map[int64]core.Tenant{}, nextID: 1}
	for _, t := range rows {
		f.rows[t.ID] = t
		f.nextID = max(f.nextID, t.ID+1)
	}
	return f
}

func (f *fakeTenants) CreateTenant(_ context.Context, t *core.Tenant) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls++
	if f.createErr != nil {
		return f.createErr
	}
	t.ID = f.nextID
	f.nextID++
	t.CreatedAt, t.UpdatedAt = now, now
	f.rows[t.ID] = *t
	return nil
}

func (f *fakeTenants) Tenant(_ context.Context, id int64) (core.Tenant, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls++
	t, ok := f.rows[id]
	if !ok {
		return core.Tenant{}, core.Errorf(core.NotFound, "tenant not found")
	}
	return t, nil
}

func (f *fakeTenants) TenantBySubdomain(_ context.Context, subdomain string) (core.Tenant, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls++
	for _, t := range f.rows {
		if t.Subdomain == subdomain {
			return t, nil
		}
	}
	return core.Tenant{}, core.Errorf(core.NotFound, "tenant not found")
}

func (f *fakeTenants) Tenants(_ context.Context, flt core.TenantFilter) ([]core.Tenant, int64, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls++
	var out []core.Tenant
	for _, id := range slices.Sorted(maps.Keys(f.rows)) {
		if t := f.rows[id]; flt.Status == "" || t.Status == flt.Status {
			out = append(out, t)
		}
	}
	total := int64(len(out))
	from := min((flt.Page-1)*flt.PerPage, len(out))
	to := min(from+flt.PerPage, len(out))
	return out[from:to], total, nil
}

func (f *fakeTenants) UpdateTenant(_ context.Context, id int64, fn func(*core.Tenant) error) (core.Tenant, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls++
	if f.updateErr != nil {
		return core.Tenant{}, f.updateErr
	}
	t, ok := f.rows[id]
	if !ok {
		return core.Tenant{}, core.Errorf(core.NotFound, "tenant not found")
	}
	if err := fn(&t); err != nil {
		return core.Tenant{}, err
	}
	t.ID, t.UpdatedAt = id, now
	f.rows[id] = t
	return t, nil
}

func (f *fakeTenants) DeleteTenant(ctx context.Context, id int64) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls++
	f.deleteCtxErr = ctx.Err()
	f.deleted = append(f.deleted, id)
	if f.deleteErr != nil {
		return f.deleteErr
	}
	if _, ok := f.rows[id]; !ok {
		return core.Errorf(core.NotFound, "tenant not found")
	}
	delete(f.rows, id)
	return nil
}

func (f *fakeTenants) row(id int64) (core.Tenant, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	t, ok := f.rows[id]
	return t, ok
}

func (f *fakeTenants) count() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.rows)
}

// fakePlans is an in-memory ports.PlanStore; the tenant service only reads it.
type fakePlans struct {
	plans map[int64]core.Plan
	err   error // returned by Plan for every id
	calls int
}

func newFakePlans(plans ...core.Plan) *fakePlans {
	f := &fakePlans{plans: map[int64]core.Plan{}}
	for _, p := range plans {
		f.plans[p.ID] = p
	}
	return f
}

func (f *fakePlans) CreatePlan(context.Context, *core.Plan) error {
	return errors.New("fakePlans.CreatePlan: not used by the tenant service")
}

func (f *fakePlans) Plan(_ context.Context, id int64) (core.Plan, error) {
	f.calls++
	if f.err != nil {
		return core.Plan{}, f.err
	}
	p, ok := f.plans[id]
	if !ok {
		return core.Plan{}, core.Errorf(core.NotFound, "plan not found")
	}
	return p, nil
}

func (f *fakePlans) Plans(context.Context) ([]core.Plan, error) {
	return nil, errors.New("fakePlans.Plans: not used by the tenant service")
}

func (f *fakePlans) UpdatePlan(context.Context, int64, func(*core.Plan) error) (core.Plan, error) {
	return core.Plan{}, errors.New("fakePlans.UpdatePlan: not used by the tenant service")
}

func (f *fakePlans) DeletePlan(context.Context, int64) error {
	return errors.New("fakePlans.DeletePlan: not used by the tenant service")
}

// fakeProvisioner records the tenants it provisions and drops.
type fakeProvisioner struct {
	mu          sync.Mutex
	provisioned []core.Tenant
	dropped     []core.Tenant
	provErr     error
	dropErr     error
	// onProvision runs before Provision returns, e.g. to cancel the caller's context.
	onProvision func()
	// onDrop runs when Drop is called, e.g. to look at the store at that moment.
	onDrop func(core.Tenant)
}

func (f *fakeProvisioner) Name(t core.Tenant) string { return databaseName(t.ID) }

func (f *fakeProvisioner) Migrate(context.Context, core.Tenant) error { return nil }

func (f *fakeProvisioner) Databases(context.Context) ([]string, error) { return nil, nil }

func (f *fakeProvisioner) Create(_ context.Context, t core.Tenant) (string, error) {
	f.mu.Lock()
	f.provisioned = append(f.provisioned, t)
	f.mu.Unlock()
	if f.onProvision != nil {
		f.onProvision()
	}
	if f.provErr != nil {
		return "", f.provErr
	}
	return databaseName(t.ID), nil
}

func (f *fakeProvisioner) Drop(_ context.Context, t core.Tenant) error {
	f.mu.Lock()
	f.dropped = append(f.dropped, t)
	f.mu.Unlock()
	if f.onDrop != nil {
		f.onDrop(t)
	}
	return f.dropErr
}

func databaseName(id int64) string { return "saasd_tenant_" + strconv.FormatInt(id, 10) }

// fakeCounter returns fixed counts.
type fakeCounter struct {
	counts map[core.Resource]int64
	err    error
	calls  int
}

func (f *fakeCounter) Count(context.Context, core.Tenant) (map[core.Resource]int64, error) {
	f.calls++
	return f.counts, f.err
}

var (
	_ ports.TenantStore  = (*fakeTenants)(nil)
	_ ports.PlanStore    = (*fakePlans)(nil)
	_ ports.Provisioner  = (*fakeProvisioner)(nil)
	_ ports.UsageCounter = (*fakeCounter)(nil)
)

var (
	basicPlan  = core.Plan{ID: 1, Name: "Basic", BillingCycle: core.Monthly, Limits: core.Limits{customers: 100}}
	yearlyPlan = core.Plan{ID: 2, Name: "Annual", BillingCycle: core.Yearly}
	trialPlan  = core.Plan{ID: 3, Name: "Trial", BillingCycle: core.Monthly, TrialEnabled: true, TrialDays: 14}
)

type fixture struct {
	tenants *fakeTenants
	plans   *fakePlans
	prov    *fakeProvisioner
	counter *fakeCounter
	svc     *tenant.Service
}

func newFixture(rows ...core.Tenant) *fixture {
	f := &fixture{
		tenants: newFakeTenants(rows...),
		plans:   newFakePlans(basicPlan, yearlyPlan, trialPlan),
		prov:    &fakeProvisioner{},
		counter: &fakeCounter{},
	}
	f.svc = tenant.New(f.tenants, f.plans, f.prov, f.counter, quota.NewCatalog(customers, "invoices"), clock.Func(func() time.Time { return now }), "saasd.test",
		tenant.WithPlanChanges(planChanges(func(ctx context.Context, id, planID int64) error {
			// Billing's part, reduced to what the tenant row shows.
			plan, _ := f.plans.Plan(ctx, planID)
			_, err := f.tenants.UpdateTenant(ctx, id, func(t *core.Tenant) error {
				if t.Gone() || t.Status == core.StatusProvisioning {
					return core.Errorf(core.NotFound, "tenant not found")
				}
				t.PlanID, t.PlanName = plan.ID, plan.Name
				return nil
			})
			return err
		})))
	return f
}

// planChanges adapts a function to ports.PlanChanges.
type planChanges func(ctx context.Context, tenantID, planID int64) error

func (f planChanges) ChangePlan(ctx context.Context, tenantID, planID int64) error {
	return f(ctx, tenantID, planID)
}

func newTenantInput(planID int64) core.NewTenant {
	return core.NewTenant{
		CompanyName: "Acme Ltd", Email: "john@example.com", FirstName: "John", LastName: "Doe",
		PlanID: planID, Subdomain: "acme", Password: "correct-horse",
	}
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

func TestServiceCreate(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name        string
		plan        core.Plan
		wantStatus  core.Status
		wantExpires time.Time
	}{
		{name: "plan with trial", plan: trialPlan, wantStatus: core.StatusTrial, wantExpires: now.AddDate(0, 0, 14)},
		{name: "monthly plan", plan: basicPlan, wantStatus: core.StatusActive, wantExpires: time.Date(2026, 2, 28, 9, 30, 0, 0, time.UTC)},
		{name: "yearly plan", plan: yearlyPlan, wantStatus: core.StatusActive, wantExpires: time.Date(2027, 1, 31, 9, 30, 0, 0, time.UTC)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := newFixture()
			in := newTenantInput(tt.plan.ID)
			in.Subdomain, in.CompanyName = "  ACME ", " Acme Ltd "
			got, err := f.svc.Create(context.Background(), in)
			if err != nil {
				t.Fatalf("Create: %v", err)
			}
			if got.ID != 1 || got.Status != tt.wantStatus || got.Database != databaseName(1) {
				t.Errorf("tenant = id %d, status %q, database %q; want 1, %q, %q", got.ID, got.Status, got.Database, tt.wantStatus, databaseName(1))
			}
			if got.Subdomain != "acme" || got.CompanyName != "Acme Ltd" {
				t.Errorf("subdomain/company = %q/%q, want normalised acme/Acme Ltd", got.Subdomain, got.CompanyName)
			}
			if got.PlanID != tt.plan.ID || got.PlanName != tt.plan.Name {
				t.Errorf("plan = %d %q, want %d %q", got.PlanID, got.PlanName, tt.plan.ID, tt.plan.Name)
			}
			if !got.StartedAt.Equal(now) {
				t.Errorf("StartedAt = %s, want %s", got.StartedAt, now)
			}
			if got.ExpiresAt == nil || !got.ExpiresAt.Equal(tt.wantExpires) {
				t.Errorf("ExpiresAt = %v, want %s", got.ExpiresAt, tt.wantExpires)
			}
			if got.NextInvoice == nil || !got.NextInvoice.Equal(tt.wantExpires) {
				t.Errorf("NextInvoice = %v, want %s", got.NextInvoice, tt.wantExpires)
			}
			stored, ok := f.tenants.row(got.ID)
			if !ok || stored.Status != tt.wantStatus || stored.Database != databaseName(1) {
				t.Errorf("stored row = %+v (present %v), want status %q with database", stored, ok, tt.wantStatus)
			}
			if len(f.prov.provisioned) != 1 || f.prov.provisioned[0].ID != got.ID || f.prov.provisioned[0].Status != core.StatusProvisioning {
				t.Errorf("provisioned = %+v, want the new tenant once, while provisioning", f.prov.provisioned)
			}
			if len(f.prov.dropped) != 0 || len(f.tenants.deleted) != 0 {
				t.Errorf("dropped %v, deleted %v; want nothing undone", f.prov.dropped, f.tenants.deleted)
			}
		})
	}
}

func TestServiceCreateInvalid(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		edit   func(n *core.NewTenant)
		fields []string
	}{
		{name: "missing company", edit: func(n *core.NewTenant) { n.CompanyName = " " }, fields: []string{"company_name"}},
		{name: "bad email", edit: func(n *core.NewTenant) { n.Email = "nope" }, fields: []string{"email"}},
		{name: "missing plan", edit: func(n *core.NewTenant) { n.PlanID = 0 }, fields: []string{"plan_id"}},
		{name: "reserved subdomain", edit: func(n *core.NewTenant) { n.Subdomain = "WWW" }, fields: []string{"subdomain"}},
		{name: "sql in subdomain", edit: func(n *core.NewTenant) { n.Subdomain = "a;drop" }, fields: []string{"subdomain"}},
		{name: "short password", edit: func(n *core.NewTenant) { n.Password = "short" }, fields: []string{"password"}},
		{name: "everything missing", edit: func(n *core.NewTenant) { *n = core.NewTenant{} },
			fields: []string{"company_name", "email", "first_name", "last_name", "plan_id", "subdomain"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := newFixture()
			in := newTenantInput(basicPlan.ID)
			tt.edit(&in)
			_, err := f.svc.Create(context.Background(), in)
			assertInvalid(t, err, tt.fields...)
			if f.tenants.calls != 0 || f.plans.calls != 0 || len(f.prov.provisioned) != 0 {
				t.Errorf("calls: tenants %d, plans %d, provisioned %d; want none", f.tenants.calls, f.plans.calls, len(f.prov.provisioned))
			}
		})
	}
}

func TestServiceCreateUnknownPlan(t *testing.T) {
	t.Parallel()
	f := newFixture()
	_, err := f.svc.Create(context.Background(), newTenantInput(99))
	assertInvalid(t, err, "plan_id")
	if f.tenants.calls != 0 || len(f.prov.provisioned) != 0 {
		t.Errorf("store called %d times, provisioned %d; want none", f.tenants.calls, len(f.prov.provisioned))
	}
}

func TestServiceCreatePlanStoreError(t *testing.T) {
	t.Parallel()
	f := newFixture()
	boom := errors.New("control db down")
	f.plans.err = boom
	_, err := f.svc.Create(context.Background(), newTenantInput(basicPlan.ID))
	if !errors.Is(err, boom) || core.KindOf(err) != core.Internal {
		t.Fatalf("Create error = %v (kind %q), want %v as internal", err, core.KindOf(err), boom)
	}
	if f.tenants.calls != 0 {
		t.Errorf("store called %d times, want none", f.tenants.calls)
	}
}

func TestServiceCreateStoreConflict(t *testing.T) {
	t.Parallel()
	f := newFixture()
	f.tenants.createErr = core.Errorf(core.Conflict, "subdomain is taken")
	_, err := f.svc.Create(context.Background(), newTenantInput(basicPlan.ID))
	if core.KindOf(err) != core.Conflict {
		t.Fatalf("Create error = %v, want conflict", err)
	}
	if len(f.prov.provisioned) != 0 || len(f.tenants.deleted) != 0 {
		t.Errorf("provisioned %d, deleted %v; want neither", len(f.prov.provisioned), f.tenants.deleted)
	}
}

func TestServiceCreateProvisionFails(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		err      error
		wantKind core.Kind
	}{
		{name: "foreign error", err: errors.New("disk full"), wantKind: core.Internal},
		{name: "database exists", err: core.Errorf(core.Conflict, "database exists"), wantKind: core.Conflict},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := newFixture()
			f.prov.provErr = tt.err
			_, err := f.svc.Create(context.Background(), newTenantInput(basicPlan.ID))
			if !errors.Is(err, tt.err) || core.KindOf(err) != tt.wantKind {
				t.Fatalf("Create error = %v (kind %q), want %v of kind %q", err, core.KindOf(err), tt.err, tt.wantKind)
			}
			if n := f.tenants.count(); n != 0 {
				t.Errorf("%d tenant rows left behind, want 0", n)
			}
			if !slices.Equal(f.tenants.deleted, []int64{1}) {
				t.Errorf("deleted = %v, want [1]", f.tenants.deleted)
			}
			if len(f.prov.dropped) != 0 {
				t.Errorf("dropped %+v; a failed Provision leaves nothing to drop", f.prov.dropped)
			}
		})
	}
}

func TestServiceCreateUndoOutlivesCanceledContext(t *testing.T) {
	t.Parallel()
	f := newFixture()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	f.prov.onProvision = cancel
	f.prov.provErr = context.Canceled
	if _, err := f.svc.Create(ctx, newTenantInput(basicPlan.ID)); !errors.Is(err, context.Canceled) {
		t.Fatalf("Create error = %v, want context.Canceled", err)
	}
	if f.tenants.deleteCtxErr != nil {
		t.Errorf("DeleteTenant got a context with error %v; the undo needs its own", f.tenants.deleteCtxErr)
	}
	if n := f.tenants.count(); n != 0 {
		t.Errorf("%d tenant rows left behind, want 0", n)
	}
}

func TestServiceCreateActivateFails(t *testing.T) {
	t.Parallel()
	f := newFixture()
	boom := errors.New("lost connection")
	f.tenants.updateErr = boom
	_, err := f.svc.Create(context.Background(), newTenantInput(basicPlan.ID))
	if !errors.Is(err, boom) {
		t.Fatalf("Create error = %v, want %v", err, boom)
	}
	if len(f.prov.dropped) != 1 {
		t.Fatalf("dropped %d databases, want 1", len(f.prov.dropped))
	}
	// Real provisioners refuse to drop anything but the named tenant database.
	if d := f.prov.dropped[0]; d.ID != 1 || d.Database != databaseName(1) {
		t.Errorf("dropped tenant id %d database %q, want id 1 database %q", d.ID, d.Database, databaseName(1))
	}
	if !slices.Equal(f.tenants.deleted, []int64{1}) {
		t.Errorf("deleted = %v, want [1]", f.tenants.deleted)
	}
	if n := f.tenants.count(); n != 0 {
		t.Errorf("%d tenant rows left behind, want 0", n)
	}
}

func TestServiceGet(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		status   core.Status
		id       int64
		wantKind core.Kind
	}{
		{name: "active", status: core.StatusActive, id: 1},
		{name: "inactive", status: core.StatusInactive, id: 1},
		{name: "deleting is gone", status: core.StatusDeleting, id: 1, wantKind: core.NotFound},
		{name: "unknown", status: core.StatusActive, id: 2, wantKind: core.NotFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := newFixture(core.Tenant{ID: 1, Subdomain: "acme", Status: tt.status})
			got, err := f.svc.Get(context.Background(), tt.id)
			if core.KindOf(err) != tt.wantKind {
				t.Fatalf("Get error = %v, want kind %q", err, tt.wantKind)
			}
			if err == nil && got.ID != 1 {
				t.Errorf("Get = %+v, want tenant 1", got)
			}
		})
	}
}

func TestServiceList(t *testing.T) {
	t.Parallel()
	rows := []core.Tenant{
		{ID: 1, Subdomain: "one", Status: core.StatusActive},
		{ID: 2, Subdomain: "two", Status: core.StatusTrial},
		{ID: 3, Subdomain: "three", Status: core.StatusActive},
	}
	tests := []struct {
		name       string
		filter     core.TenantFilter
		wantFields []string
		wantIDs    []int64
		wantTotal  int64
	}{
		{name: "all", filter: core.TenantFilter{Page: 1, PerPage: 25}, wantIDs: []int64{1, 2, 3}, wantTotal: 3},
		{name: "active", filter: core.TenantFilter{Status: core.StatusActive, Page: 1, PerPage: 25}, wantIDs: []int64{1, 3}, wantTotal: 2},
		{name: "trial", filter: core.TenantFilter{Status: core.StatusTrial, Page: 1, PerPage: 1}, wantIDs: []int64{2}, wantTotal: 1},
		{name: "inactive", filter: core.TenantFilter{Status: core.StatusInactive, Page: 1, PerPage: 1}, wantTotal: 0},
		{name: "second page", filter: core.TenantFilter{Page: 2, PerPage: 2}, wantIDs: []int64{3}, wantTotal: 3},
		{name: "max per_page", filter: core.TenantFilter{Page: 1, PerPage: core.MaxPerPage}, wantIDs: []int64{1, 2, 3}, wantTotal: 3},
		{name: "unknown status", filter: core.TenantFilter{Status: "bogus", Page: 1, PerPage: 25}, wantFields: []string{"status"}},
		{name: "deleting status", filter: core.TenantFilter{Status: core.StatusDeleting, Page: 1, PerPage: 25}, wantFields: []string{"status"}},
		{name: "provisioning status", filter: core.TenantFilter{Status: core.StatusProvisioning, Page: 1, PerPage: 25}, wantFields: []string{"status"}},
		{name: "page zero", filter: core.TenantFilter{Page: 0, PerPage: 25}, wantFields: []string{"page"}},
		{name: "negative page", filter: core.TenantFilter{Page: -1, PerPage: 25}, wantFields: []string{"page"}},
		{name: "per_page zero", filter: core.TenantFilter{Page: 1, PerPage: 0}, wantFields: []string{"per_page"}},
		{name: "per_page too big", filter: core.TenantFilter{Page: 1, PerPage: core.MaxPerPage + 1}, wantFields: []string{"per_page"}},
		{name: "page and per_page", filter: core.TenantFilter{}, wantFields: []string{"page", "per_page"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := newFixture(rows...)
			got, total, err := f.svc.List(context.Background(), tt.filter)
			if tt.wantFields != nil {
				assertInvalid(t, err, tt.wantFields...)
				if f.tenants.calls != 0 {
					t.Errorf("store called %d times, want none", f.tenants.calls)
				}
				return
			}
			if err != nil {
				t.Fatalf("List: %v", err)
			}
			var ids []int64
			for _, tn := range got {
				ids = append(ids, tn.ID)
			}
			if !slices.Equal(ids, tt.wantIDs) || total != tt.wantTotal {
				t.Errorf("List = %v total %d, want %v total %d", ids, total, tt.wantIDs, tt.wantTotal)
			}
		})
	}
}

func TestServiceUpdate(t *testing.T) {
	t.Parallel()
	existing := core.Tenant{
		ID: 1, CompanyName: "Acme Ltd", Subdomain: "acme", PlanID: basicPlan.ID, PlanName: basicPlan.Name,
		Status: core.StatusActive, Database: databaseName(1),
	}
	tests := []struct {
		name       string
		status     core.Status // of the stored tenant; active if empty
		id         int64
		update     core.TenantUpdate
		wantFields []string
		wantKind   core.Kind
		want       func(t core.Tenant) core.Tenant
	}{
		{name: "nothing", update: core.TenantUpdate{}, want: func(t core.Tenant) core.Tenant { return t }},
		{name: "deactivate", update: core.TenantUpdate{Status: ptr("inactive")}, want: func(t core.Tenant) core.Tenant {
			t.Status = core.StatusInactive
			return t
		}},
		{name: "reactivate", status: core.StatusInactive, update: core.TenantUpdate{Status: ptr("active")}, want: func(t core.Tenant) core.Tenant {
			t.Status = core.StatusActive
			return t
		}},
		{name: "company name trimmed", update: core.TenantUpdate{CompanyName: ptr("  Acme Group ")}, want: func(t core.Tenant) core.Tenant {
			t.CompanyName = "Acme Group"
			return t
		}},
		{name: "plan", update: core.TenantUpdate{PlanID: ptr(yearlyPlan.ID)}, want: func(t core.Tenant) core.Tenant {
			t.PlanID, t.PlanName = yearlyPlan.ID, yearlyPlan.Name
			return t
		}},
		{name: "status trial refused", update: core.TenantUpdate{Status: ptr("trial")}, wantFields: []string{"status"}},
		{name: "status deleting refused", update: core.TenantUpdate{Status: ptr("deleting")}, wantFields: []string{"status"}},
		{name: "status provisioning refused", update: core.TenantUpdate{Status: ptr("provisioning")}, wantFields: []string{"status"}},
		{name: "status empty refused", update: core.TenantUpdate{Status: ptr("")}, wantFields: []string{"status"}},
		{name: "status case sensitive", update: core.TenantUpdate{Status: ptr("Active")}, wantFields: []string{"status"}},
		{name: "unknown plan", update: core.TenantUpdate{PlanID: ptr(int64(99))}, wantFields: []string{"plan_id"}},
		{name: "blank company name", update: core.TenantUpdate{CompanyName: ptr("  ")}, wantFields: []string{"company_name"}},
		{name: "all problems at once", update: core.TenantUpdate{CompanyName: ptr(""), PlanID: ptr(int64(99)), Status: ptr("x")},
			wantFields: []string{"company_name", "plan_id", "status"}},
		{name: "unknown tenant", id: 42, update: core.TenantUpdate{Status: ptr("inactive")}, wantKind: core.NotFound},
		{name: "deleting tenant", status: core.StatusDeleting, update: core.TenantUpdate{Status: ptr("active")}, wantKind: core.NotFound},
		{name: "provisioning tenant", status: core.StatusProvisioning, update: core.TenantUpdate{Status: ptr("active")}, wantKind: core.NotFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			before := existing
			if tt.status != "" {
				before.Status = tt.status
			}
			f := newFixture(before)
			id := tt.id
			if id == 0 {
				id = before.ID
			}
			got, err := f.svc.Update(context.Background(), id, tt.update)
			stored, _ := f.tenants.row(before.ID)
			switch {
			case tt.wantFields != nil:
				assertInvalid(t, err, tt.wantFields...)
				if f.tenants.calls != 0 {
					t.Errorf("store called %d times, want none", f.tenants.calls)
				}
			case tt.wantKind != "":
				if core.KindOf(err) != tt.wantKind {
					t.Fatalf("Update error = %v, want kind %q", err, tt.wantKind)
				}
				if stored.Status != before.Status {
					t.Errorf("stored status = %q, want unchanged %q", stored.Status, before.Status)
				}
			default:
				if err != nil {
					t.Fatalf("Update: %v", err)
				}
				want := tt.want(before)
				want.UpdatedAt = now
				if !equalTenants(got, want) || !equalTenants(stored, want) {
					t.Errorf("Update = %+v\nstored   %+v\nwant     %+v", got, stored, want)
				}
			}
		})
	}
}

func equalTenants(a, b core.Tenant) bool {
	return a.ID == b.ID && a.CompanyName == b.CompanyName && a.Subdomain == b.Subdomain &&
		a.PlanID == b.PlanID && a.PlanName == b.PlanName && a.Status == b.Status && a.Database == b.Database
}

func TestServiceDelete(t *testing.T) {
	t.Parallel()
	t.Run("marks deleting, drops, deletes row", func(t *testing.T) {
		t.Parallel()
		f := newFixture(core.Tenant{ID: 1, Subdomain: "acme", Status: core.StatusActive, Database: databaseName(1)})
		var statusAtDrop core.Status
		f.prov.onDrop = func(core.Tenant) {
			row, _ := f.tenants.row(1)
			statusAtDrop = row.Status
		}
		if err := f.svc.Delete(context.Background(), 1); err != nil {
			t.Fatalf("Delete: %v", err)
		}
		if statusAtDrop != core.StatusDeleting {
			t.Errorf("status while dropping = %q, want %q", statusAtDrop, core.StatusDeleting)
		}
		if len(f.prov.dropped) != 1 || f.prov.dropped[0].Database != databaseName(1) {
			t.Errorf("dropped = %+v, want %q once", f.prov.dropped, databaseName(1))
		}
		if _, ok := f.tenants.row(1); ok {
			t.Error("tenant row still present")
		}
	})
	t.Run("without database only deletes row", func(t *testing.T) {
		t.Parallel()
		f := newFixture(core.Tenant{ID: 1, Subdomain: "acme", Status: core.StatusInactive})
		if err := f.svc.Delete(context.Background(), 1); err != nil {
			t.Fatalf("Delete: %v", err)
		}
		if len(f.prov.dropped) != 0 {
			t.Errorf("dropped = %+v, want nothing", f.prov.dropped)
		}
		if _, ok := f.tenants.row(1); ok {
			t.Error("tenant row still present")
		}
	})
	t.Run("retry of a half-deleted tenant finishes", func(t *testing.T) {
		t.Parallel()
		f := newFixture(core.Tenant{ID: 1, Subdomain: "acme", Status: core.StatusDeleting, Database: databaseName(1)})
		if err := f.svc.Delete(context.Background(), 1); err != nil {
			t.Fatalf("Delete: %v", err)
		}
		if _, ok := f.tenants.row(1); ok || len(f.prov.dropped) != 1 {
			t.Errorf("row present %v, dropped %d; want gone and dropped once", ok, len(f.prov.dropped))
		}
	})
	t.Run("unknown tenant", func(t *testing.T) {
		t.Parallel()
		f := newFixture()
		if err := f.svc.Delete(context.Background(), 9); core.KindOf(err) != core.NotFound {
			t.Fatalf("Delete error = %v, want not found", err)
		}
		if len(f.prov.dropped) != 0 || len(f.tenants.deleted) != 0 {
			t.Errorf("dropped %v, deleted %v; want neither", f.prov.dropped, f.tenants.deleted)
		}
	})
	t.Run("provisioning tenant is a conflict", func(t *testing.T) {
		t.Parallel()
		f := newFixture(core.Tenant{ID: 1, Subdomain: "acme", Status: core.StatusProvisioning})
		if err := f.svc.Delete(context.Background(), 1); core.KindOf(err) != core.Conflict {
			t.Fatalf("Delete error = %v, want conflict", err)
		}
		if row, ok := f.tenants.row(1); !ok || row.Status != core.StatusProvisioning {
			t.Errorf("row = %+v (present %v), want untouched", row, ok)
		}
	})
	t.Run("drop failure keeps the row marked deleting", func(t *testing.T) {
		t.Parallel()
		f := newFixture(core.Tenant{ID: 1, Subdomain: "acme", Status: core.StatusActive, Database: databaseName(1)})
		boom := errors.New("server gone")
		f.prov.dropErr = boom
		if err := f.svc.Delete(context.Background(), 1); !errors.Is(err, boom) {
			t.Fatalf("Delete error = %v, want %v", err, boom)
		}
		if row, ok := f.tenants.row(1); !ok || row.Status != core.StatusDeleting {
			t.Errorf("row = %+v (present %v), want kept as deleting", row, ok)
		}
		if len(f.tenants.deleted) != 0 {
			t.Errorf("deleted = %v, want nothing", f.tenants.deleted)
		}
	})
	t.Run("row already gone is fine", func(t *testing.T) {
		t.Parallel()
		f := newFixture(core.Tenant{ID: 1, Subdomain: "acme", Status: core.StatusActive, Database: databaseName(1)})
		f.tenants.deleteErr = core.Errorf(core.NotFound, "tenant not found")
		if err := f.svc.Delete(context.Background(), 1); err != nil {
			t.Fatalf("Delete: %v", err)
		}
	})
	t.Run("row delete failure returned", func(t *testing.T) {
		t.Parallel()
		f := newFixture(core.Tenant{ID: 1, Subdomain: "acme", Status: core.StatusActive, Database: databaseName(1)})
		boom := errors.New("deadlock")
		f.tenants.deleteErr = boom
		if err := f.svc.Delete(context.Background(), 1); !errors.Is(err, boom) {
			t.Fatalf("Delete error = %v, want %v", err, boom)
		}
	})
}

func TestServiceUsage(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		tenant     core.Tenant
		counts     map[core.Resource]int64
		countErr   error
		wantKind   core.Kind
		wantCalls  int
		wantCustom quota.ResourceUsage
	}{
		{
			name:       "counts the tenant database",
			tenant:     core.Tenant{ID: 1, PlanID: basicPlan.ID, Status: core.StatusActive, Database: databaseName(1)},
			counts:     map[core.Resource]int64{customers: 24},
			wantCalls:  1,
			wantCustom: quota.ResourceUsage{Used: 24, Limit: 100, Percentage: 24},
		},
		{
			name:       "no database counts nothing",
			tenant:     core.Tenant{ID: 1, PlanID: basicPlan.ID, Status: core.StatusActive},
			wantCustom: quota.ResourceUsage{Used: 0, Limit: 100, Percentage: 0},
		},
		{
			name:      "counter failure",
			tenant:    core.Tenant{ID: 1, PlanID: basicPlan.ID, Status: core.StatusActive, Database: databaseName(1)},
			countErr:  errors.New("too many connections"),
			wantKind:  core.Internal,
			wantCalls: 1,
		},
		{
			name:     "deleting tenant",
			tenant:   core.Tenant{ID: 1, PlanID: basicPlan.ID, Status: core.StatusDeleting, Database: databaseName(1)},
			wantKind: core.NotFound,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := newFixture(tt.tenant)
			f.counter.counts, f.counter.err = tt.counts, tt.countErr
			u, err := f.svc.Usage(context.Background(), tt.tenant.ID)
			if core.KindOf(err) != tt.wantKind {
				t.Fatalf("Usage error = %v, want kind %q", err, tt.wantKind)
			}
			if f.counter.calls != tt.wantCalls {
				t.Errorf("counter called %d times, want %d", f.counter.calls, tt.wantCalls)
			}
			if err == nil && u[customers] != tt.wantCustom {
				t.Errorf("usage[customers] = %+v, want %+v", u[customers], tt.wantCustom)
			}
		})
	}
}

func TestServiceDomain(t *testing.T) {
	t.Parallel()
	f := newFixture()
	if got := f.svc.Domain(core.Tenant{Subdomain: "acme"}); got != "acme.saasd.test" {
		t.Errorf("Domain = %q, want %q", got, "acme.saasd.test")
	}
}

const customers core.Resource = "customers"
