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
	"github.com/saasd/saasd/adapters/memory"
	"github.com/saasd/saasd/core"
	"github.com/saasd/saasd/core/quota"
	"github.com/saasd/saasd/core/tenant"
	"github.com/saasd/saasd/ports"
)

var now = time.Date(2026, 1, 31, 9, 30, 0, 0, time.UTC)

// tenants is the memory store, counting the calls that list or write and
// failing them when told to.
type tenants struct {
	*memory.Stores
	mu           sync.Mutex
	calls        int
	deleted      []int64 // what DeleteTenant was asked to remove
	updateErr    error   // returned by UpdateTenant without calling fn
	deleteErr    error
	deleteCtxErr error // ctx.Err() as DeleteTenant saw it
}

func (s *tenants) called() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls++
}

func (s *tenants) CreateTenant(ctx context.Context, t *core.Tenant) error {
	s.called()
	return s.Stores.CreateTenant(ctx, t)
}

func (s *tenants) Tenants(ctx context.Context, f core.TenantFilter) ([]core.Tenant, int64, error) {
	s.called()
	return s.Stores.Tenants(ctx, f)
}

func (s *tenants) UpdateTenant(ctx context.Context, id int64, fn func(*core.Tenant) error) (core.Tenant, error) {
	s.called()
	if s.updateErr != nil {
		return core.Tenant{}, s.updateErr
	}
	return s.Stores.UpdateTenant(ctx, id, fn)
}

func (s *tenants) DeleteTenant(ctx context.Context, id int64) error {
	s.mu.Lock()
	s.calls++
	s.deleteCtxErr = ctx.Err()
	s.deleted = append(s.deleted, id)
	s.mu.Unlock()
	if s.deleteErr != nil {
		return s.deleteErr
	}
	return s.Stores.DeleteTenant(ctx, id)
}

// plans is the memory store, counting Plan calls and failing them with err.
type plans struct {
	*memory.Stores
	calls int
	err   error
}

func (s *plans) Plan(ctx context.Context, id int64) (core.Plan, error) {
	s.calls++
	if s.err != nil {
		return core.Plan{}, s.err
	}
	return s.Stores.Plan(ctx, id)
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

// acmeDatabase is the database the rows a test seeds name, when they have one.
const acmeDatabase = "saasd_tenant_acme"

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
	_ ports.Provisioner  = (*fakeProvisioner)(nil)
	_ ports.UsageCounter = (*fakeCounter)(nil)
)

// The plans every fixture has, stored in this order: a fresh store numbers
// them 1, 2, 3 as their IDs say.
var (
	basicPlan  = core.Plan{ID: 1, Name: "Basic", BillingCycle: core.Monthly, Limits: core.Limits{customers: 100}}
	yearlyPlan = core.Plan{ID: 2, Name: "Annual", BillingCycle: core.Yearly}
	trialPlan  = core.Plan{ID: 3, Name: "Trial", BillingCycle: core.Monthly, TrialEnabled: true, TrialDays: 14}
)

type fixture struct {
	store   *memory.Stores // the rows, read without counting
	tenants *tenants
	plans   *plans
	prov    *fakeProvisioner
	counter *fakeCounter
	svc     *tenant.Service
	ids     []int64 // the IDs the store gave rows, in order
}

// newFixture stores the three plans and rows (on the Basic plan unless they
// name one); the store numbers rows itself, so tests use f.ids.
func newFixture(t *testing.T, rows ...core.Tenant) *fixture {
	t.Helper()
	ctx := context.Background()
	store := memory.NewStores()
	for _, p := range []core.Plan{basicPlan, yearlyPlan, trialPlan} {
		want := p.ID
		if err := store.CreatePlan(ctx, &p); err != nil || p.ID != want {
			t.Fatalf("seed plan %q: id %d, %v; want id %d", p.Name, p.ID, err, want)
		}
	}
	f := &fixture{
		store:   store,
		tenants: &tenants{Stores: store},
		plans:   &plans{Stores: store},
		prov:    &fakeProvisioner{},
		counter: &fakeCounter{},
	}
	for _, r := range rows {
		if r.PlanID == 0 {
			r.PlanID = basicPlan.ID
		}
		if err := store.CreateTenant(ctx, &r); err != nil {
			t.Fatalf("seed tenant %q: %v", r.Subdomain, err)
		}
		f.ids = append(f.ids, r.ID)
	}
	f.svc = tenant.New(f.tenants, f.plans, f.prov, f.counter, quota.NewCatalog(customers, "invoices"), clock.NewFake(now), "saasd.test",
		tenant.WithPlanChanges(planChanges(func(ctx context.Context, id, planID int64, edit func(*core.Tenant) error) error {
			// Billing's part, reduced to what the tenant row shows.
			plan, _ := f.plans.Plan(ctx, planID)
			_, err := f.tenants.UpdateTenant(ctx, id, func(t *core.Tenant) error {
				if t.Gone() || t.Status == core.StatusProvisioning {
					return core.Errorf(core.NotFound, "tenant not found")
				}
				t.PlanID, t.PlanName = plan.ID, plan.Name
				return edit(t)
			})
			return err
		})))
	return f
}

// provisioned returns the one tenant Create handed the provisioner.
func (f *fixture) provisioned(t *testing.T) core.Tenant {
	t.Helper()
	f.prov.mu.Lock()
	defer f.prov.mu.Unlock()
	if len(f.prov.provisioned) != 1 {
		t.Fatalf("provisioned %+v, want one tenant", f.prov.provisioned)
	}
	return f.prov.provisioned[0]
}

// row reads the stored tenant, past the counter.
func (f *fixture) row(id int64) (core.Tenant, bool) {
	t, err := f.store.Tenant(context.Background(), id)
	return t, err == nil
}

// planChanges adapts a function to ports.PlanChanges.
type planChanges func(ctx context.Context, tenantID, planID int64, edit func(*core.Tenant) error) error

func (f planChanges) ChangePlan(ctx context.Context, tenantID, planID int64, edit func(*core.Tenant) error) error {
	return f(ctx, tenantID, planID, edit)
}

func newTenantInput(planID int64) core.NewTenant {
	return core.NewTenant{
		CompanyName: "Acme Ltd", Email: "john@example.com", FirstName: "John", LastName: "Doe",
		PlanID: planID, Subdomain: "acme", Password: "correct-horse-1",
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
			f := newFixture(t)
			in := newTenantInput(tt.plan.ID)
			in.Subdomain, in.CompanyName = "  ACME ", " Acme Ltd "
			got, err := f.svc.Create(context.Background(), in)
			if err != nil {
				t.Fatalf("Create: %v", err)
			}
			if got.ID == 0 || got.Status != tt.wantStatus || got.Database != databaseName(got.ID) {
				t.Errorf("tenant = id %d, status %q, database %q; want an id, %q, %q", got.ID, got.Status, got.Database, tt.wantStatus, databaseName(got.ID))
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
			stored, ok := f.row(got.ID)
			if !ok || stored.Status != tt.wantStatus || stored.Database != databaseName(got.ID) {
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
			f := newFixture(t)
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
	f := newFixture(t)
	_, err := f.svc.Create(context.Background(), newTenantInput(99))
	assertInvalid(t, err, "plan_id")
	if f.tenants.calls != 0 || len(f.prov.provisioned) != 0 {
		t.Errorf("store called %d times, provisioned %d; want none", f.tenants.calls, len(f.prov.provisioned))
	}
}

func TestServiceCreatePlanStoreError(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
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
	f := newFixture(t, core.Tenant{Subdomain: "acme", Status: core.StatusActive})
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
			f := newFixture(t)
			f.prov.provErr = tt.err
			_, err := f.svc.Create(context.Background(), newTenantInput(basicPlan.ID))
			if !errors.Is(err, tt.err) || core.KindOf(err) != tt.wantKind {
				t.Fatalf("Create error = %v (kind %q), want %v of kind %q", err, core.KindOf(err), tt.err, tt.wantKind)
			}
			id := f.provisioned(t).ID
			if _, ok := f.row(id); ok {
				t.Errorf("tenant row %d left behind", id)
			}
			if !slices.Equal(f.tenants.deleted, []int64{id}) {
				t.Errorf("deleted = %v, want [%d]", f.tenants.deleted, id)
			}
			if len(f.prov.dropped) != 0 {
				t.Errorf("dropped %+v; a failed Provision leaves nothing to drop", f.prov.dropped)
			}
		})
	}
}

func TestServiceCreateUndoOutlivesCanceledContext(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
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
	if id := f.provisioned(t).ID; !slices.Equal(f.tenants.deleted, []int64{id}) {
		t.Errorf("deleted = %v, want [%d]", f.tenants.deleted, id)
	} else if _, ok := f.row(id); ok {
		t.Errorf("tenant row %d left behind", id)
	}
}

func TestServiceCreateActivateFails(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
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
	id := f.provisioned(t).ID
	if d := f.prov.dropped[0]; d.ID != id || d.Database != databaseName(id) {
		t.Errorf("dropped tenant id %d database %q, want id %d database %q", d.ID, d.Database, id, databaseName(id))
	}
	if !slices.Equal(f.tenants.deleted, []int64{id}) {
		t.Errorf("deleted = %v, want [%d]", f.tenants.deleted, id)
	}
	if _, ok := f.row(id); ok {
		t.Errorf("tenant row %d left behind", id)
	}
}

func TestServiceGet(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		status   core.Status
		unknown  bool // ask for an ID the store never gave
		wantKind core.Kind
	}{
		{name: "active", status: core.StatusActive},
		{name: "inactive", status: core.StatusInactive},
		{name: "deleting is gone", status: core.StatusDeleting, wantKind: core.NotFound},
		{name: "unknown", status: core.StatusActive, unknown: true, wantKind: core.NotFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t, core.Tenant{Subdomain: "acme", Status: tt.status})
			id := f.ids[0]
			if tt.unknown {
				id += 100
			}
			got, err := f.svc.Get(context.Background(), id)
			if core.KindOf(err) != tt.wantKind {
				t.Fatalf("Get error = %v, want kind %q", err, tt.wantKind)
			}
			if err == nil && (got.ID != id || got.Subdomain != "acme") {
				t.Errorf("Get = %+v, want tenant %d", got, id)
			}
		})
	}
}

func TestServiceList(t *testing.T) {
	t.Parallel()
	rows := []core.Tenant{
		{Subdomain: "one", Status: core.StatusActive},
		{Subdomain: "two", Status: core.StatusTrial},
		{Subdomain: "three", Status: core.StatusActive},
	}
	// Pages list the newest first, as every TenantStore does.
	tests := []struct {
		name       string
		filter     core.TenantFilter
		wantFields []string
		want       []string // subdomains
		wantTotal  int64
	}{
		{name: "all", filter: core.TenantFilter{Page: 1, PerPage: 25}, want: []string{"three", "two", "one"}, wantTotal: 3},
		{name: "active", filter: core.TenantFilter{Status: core.StatusActive, Page: 1, PerPage: 25}, want: []string{"three", "one"}, wantTotal: 2},
		{name: "trial", filter: core.TenantFilter{Status: core.StatusTrial, Page: 1, PerPage: 1}, want: []string{"two"}, wantTotal: 1},
		{name: "inactive", filter: core.TenantFilter{Status: core.StatusInactive, Page: 1, PerPage: 1}, wantTotal: 0},
		{name: "second page", filter: core.TenantFilter{Page: 2, PerPage: 2}, want: []string{"one"}, wantTotal: 3},
		{name: "max per_page", filter: core.TenantFilter{Page: 1, PerPage: core.MaxPerPage}, want: []string{"three", "two", "one"}, wantTotal: 3},
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
			f := newFixture(t, rows...)
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
			var subdomains []string
			for _, tn := range got {
				subdomains = append(subdomains, tn.Subdomain)
			}
			if !slices.Equal(subdomains, tt.want) || total != tt.wantTotal {
				t.Errorf("List = %v total %d, want %v total %d", subdomains, total, tt.want, tt.wantTotal)
			}
		})
	}
}

func TestServiceUpdate(t *testing.T) {
	t.Parallel()
	existing := core.Tenant{
		CompanyName: "Acme Ltd", Subdomain: "acme", PlanID: basicPlan.ID, PlanName: basicPlan.Name,
		Status: core.StatusActive, Database: acmeDatabase,
	}
	tests := []struct {
		name       string
		status     core.Status // of the stored tenant; active if empty
		unknown    bool        // update an ID the store never gave
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
		{name: "unknown tenant", unknown: true, update: core.TenantUpdate{Status: ptr("inactive")}, wantKind: core.NotFound},
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
			f := newFixture(t, before)
			before.ID = f.ids[0]
			id := before.ID
			if tt.unknown {
				id += 100
			}
			got, err := f.svc.Update(context.Background(), id, tt.update)
			stored, _ := f.row(before.ID)
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
	ctx := context.Background()
	t.Run("marks deleting, drops, deletes row", func(t *testing.T) {
		t.Parallel()
		f := newFixture(t, core.Tenant{Subdomain: "acme", Status: core.StatusActive, Database: acmeDatabase})
		id := f.ids[0]
		var statusAtDrop core.Status
		f.prov.onDrop = func(core.Tenant) {
			row, _ := f.row(id)
			statusAtDrop = row.Status
		}
		if err := f.svc.Delete(ctx, id); err != nil {
			t.Fatalf("Delete: %v", err)
		}
		if statusAtDrop != core.StatusDeleting {
			t.Errorf("status while dropping = %q, want %q", statusAtDrop, core.StatusDeleting)
		}
		if len(f.prov.dropped) != 1 || f.prov.dropped[0].Database != acmeDatabase {
			t.Errorf("dropped = %+v, want %q once", f.prov.dropped, acmeDatabase)
		}
		if _, ok := f.row(id); ok {
			t.Error("tenant row still present")
		}
	})
	t.Run("without database only deletes row", func(t *testing.T) {
		t.Parallel()
		f := newFixture(t, core.Tenant{Subdomain: "acme", Status: core.StatusInactive})
		if err := f.svc.Delete(ctx, f.ids[0]); err != nil {
			t.Fatalf("Delete: %v", err)
		}
		if len(f.prov.dropped) != 0 {
			t.Errorf("dropped = %+v, want nothing", f.prov.dropped)
		}
		if _, ok := f.row(f.ids[0]); ok {
			t.Error("tenant row still present")
		}
	})
	t.Run("retry of a half-deleted tenant finishes", func(t *testing.T) {
		t.Parallel()
		f := newFixture(t, core.Tenant{Subdomain: "acme", Status: core.StatusDeleting, Database: acmeDatabase})
		if err := f.svc.Delete(ctx, f.ids[0]); err != nil {
			t.Fatalf("Delete: %v", err)
		}
		if _, ok := f.row(f.ids[0]); ok || len(f.prov.dropped) != 1 {
			t.Errorf("row present %v, dropped %d; want gone and dropped once", ok, len(f.prov.dropped))
		}
	})
	t.Run("unknown tenant", func(t *testing.T) {
		t.Parallel()
		f := newFixture(t)
		if err := f.svc.Delete(ctx, 9); core.KindOf(err) != core.NotFound {
			t.Fatalf("Delete error = %v, want not found", err)
		}
		if len(f.prov.dropped) != 0 || len(f.tenants.deleted) != 0 {
			t.Errorf("dropped %v, deleted %v; want neither", f.prov.dropped, f.tenants.deleted)
		}
	})
	t.Run("provisioning tenant is a conflict", func(t *testing.T) {
		t.Parallel()
		f := newFixture(t, core.Tenant{Subdomain: "acme", Status: core.StatusProvisioning})
		if err := f.svc.Delete(ctx, f.ids[0]); core.KindOf(err) != core.Conflict {
			t.Fatalf("Delete error = %v, want conflict", err)
		}
		if row, ok := f.row(f.ids[0]); !ok || row.Status != core.StatusProvisioning {
			t.Errorf("row = %+v (present %v), want untouched", row, ok)
		}
	})
	t.Run("drop failure keeps the row marked deleting", func(t *testing.T) {
		t.Parallel()
		f := newFixture(t, core.Tenant{Subdomain: "acme", Status: core.StatusActive, Database: acmeDatabase})
		boom := errors.New("server gone")
		f.prov.dropErr = boom
		if err := f.svc.Delete(ctx, f.ids[0]); !errors.Is(err, boom) {
			t.Fatalf("Delete error = %v, want %v", err, boom)
		}
		if row, ok := f.row(f.ids[0]); !ok || row.Status != core.StatusDeleting {
			t.Errorf("row = %+v (present %v), want kept as deleting", row, ok)
		}
		if len(f.tenants.deleted) != 0 {
			t.Errorf("deleted = %v, want nothing", f.tenants.deleted)
		}
	})
	t.Run("row already gone is fine", func(t *testing.T) {
		t.Parallel()
		f := newFixture(t, core.Tenant{Subdomain: "acme", Status: core.StatusActive, Database: acmeDatabase})
		// Another process finishes the delete while this one drops.
		f.prov.onDrop = func(tn core.Tenant) { _ = f.store.DeleteTenant(ctx, tn.ID) }
		if err := f.svc.Delete(ctx, f.ids[0]); err != nil {
			t.Fatalf("Delete: %v", err)
		}
		if !slices.Equal(f.tenants.deleted, f.ids) {
			t.Errorf("deleted = %v, want %v", f.tenants.deleted, f.ids)
		}
	})
	t.Run("row delete failure returned", func(t *testing.T) {
		t.Parallel()
		f := newFixture(t, core.Tenant{Subdomain: "acme", Status: core.StatusActive, Database: acmeDatabase})
		boom := errors.New("deadlock")
		f.tenants.deleteErr = boom
		if err := f.svc.Delete(ctx, f.ids[0]); !errors.Is(err, boom) {
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
			tenant:     core.Tenant{Subdomain: "acme", PlanID: basicPlan.ID, Status: core.StatusActive, Database: acmeDatabase},
			counts:     map[core.Resource]int64{customers: 24},
			wantCalls:  1,
			wantCustom: quota.ResourceUsage{Used: 24, Limit: 100, Percentage: 24},
		},
		{
			name:       "no database counts nothing",
			tenant:     core.Tenant{Subdomain: "acme", PlanID: basicPlan.ID, Status: core.StatusActive},
			wantCustom: quota.ResourceUsage{Used: 0, Limit: 100, Percentage: 0},
		},
		{
			name:      "counter failure",
			tenant:    core.Tenant{Subdomain: "acme", PlanID: basicPlan.ID, Status: core.StatusActive, Database: acmeDatabase},
			countErr:  errors.New("too many connections"),
			wantKind:  core.Internal,
			wantCalls: 1,
		},
		{
			name:     "deleting tenant",
			tenant:   core.Tenant{Subdomain: "acme", PlanID: basicPlan.ID, Status: core.StatusDeleting, Database: acmeDatabase},
			wantKind: core.NotFound,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t, tt.tenant)
			f.counter.counts, f.counter.err = tt.counts, tt.countErr
			u, err := f.svc.Usage(context.Background(), f.ids[0])
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
	f := newFixture(t)
	if got := f.svc.Domain(core.Tenant{Subdomain: "acme"}); got != "acme.saasd.test" {
		t.Errorf("Domain = %q, want %q", got, "acme.saasd.test")
	}
}

const customers core.Resource = "customers"
