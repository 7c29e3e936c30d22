package kernel_test

import (
	"context"
	"errors"
	"io/fs"
	"slices"
	"testing"
	"time"

	"github.com/saasd/saasd/adapters/clock"
	"github.com/saasd/saasd/adapters/memory"
	"github.com/saasd/saasd/core"
	"github.com/saasd/saasd/core/kernel"
	"github.com/saasd/saasd/core/quota"
)

var now = time.Date(2026, 12, 2, 10, 0, 0, 0, time.UTC)

// notes is a module that counts "notes" and reports the quota the kernel
// put in its context; its create pretends the tenant had used notes so far.
type notes struct {
	used int64
	seen quota.Quota
}

func (n *notes) Name() string               { return "notes" }
func (n *notes) Resources() []core.Resource { return []core.Resource{"notes"} }
func (n *notes) Migrations() fs.FS          { return nil }
func (n *notes) Routes() []kernel.Route {
	return []kernel.Route{
		{Method: "POST", Path: "", Charges: "notes", Status: 201, Handle: func(ctx context.Context, _ kernel.Input) (any, error) {
			n.seen = quota.From(ctx)
			if !n.seen.Allows(n.used, 1) {
				return nil, n.seen.Exceeded()
			}
			if n.seen.Counted != nil {
				n.seen.Counted(n.used, n.used+1)
			}
			n.used++
			return "created", nil
		}},
		{Method: "DELETE", Path: "/:id", AdminOnly: true, Handle: func(context.Context, kernel.Input) (any, error) { return nil, nil }},
		{Method: "GET", API: kernel.V1, Path: "/public-notes", Public: true, Handle: func(context.Context, kernel.Input) (any, error) { return "listed", nil }},
		{Method: "GET", API: kernel.V1, Path: "/auth/notes", Handle: func(context.Context, kernel.Input) (any, error) { return "mine", nil }},
	}
}

// outbox records events; failing makes Append fail.
type outbox struct {
	events  []core.Event
	failing bool
}

func (o *outbox) Append(_ context.Context, events ...core.Event) error {
	if o.failing {
		return errors.New("outbox down")
	}
	o.events = append(o.events, events...)
	return nil
}

type fixture struct {
	k        *kernel.Kernel
	notes    *notes
	outbox   *outbox
	reported []error
	plan     core.Plan
}

func newFixture(t *testing.T, limit int64) *fixture {
	t.Helper()
	stores := memory.NewStores()
	f := &fixture{notes: &notes{}, outbox: &outbox{}}
	f.plan = core.Plan{Name: "Basic", BillingCycle: core.Monthly, Limits: core.Limits{"notes": limit}}
	if err := stores.CreatePlan(context.Background(), &f.plan); err != nil {
		t.Fatal(err)
	}
	f.k = kernel.New(kernel.Deps{Plans: stores, Outbox: f.outbox, Clock: clock.NewFake(now),
		Report: func(_ context.Context, err error) { f.reported = append(f.reported, err) }})
	f.k.Register(f.notes)
	return f
}

func (f *fixture) endpoint(t *testing.T, method, path string) kernel.Endpoint {
	t.Helper()
	for _, ep := range f.k.Endpoints() {
		if ep.Method == method && ep.Path == path {
			return ep
		}
	}
	t.Fatalf("no endpoint %s %s", method, path)
	return kernel.Endpoint{}
}

func (f *fixture) as(role string, limits core.Limits) context.Context {
	ctx := core.WithTenant(context.Background(), core.Tenant{ID: 7, PlanID: f.plan.ID, Limits: limits})
	return core.WithUser(ctx, core.User{ID: 1, Role: role})
}

func TestEndpointsPolicy(t *testing.T) {
	t.Parallel()
	t.Run("paths and statuses", func(t *testing.T) {
		t.Parallel()
		f := newFixture(t, 10)
		create, del := f.endpoint(t, "POST", "/notes"), f.endpoint(t, "DELETE", "/notes/:id")
		if create.Status != 201 || del.Status != 200 {
			t.Errorf("statuses = %d, %d; want 201, 200 (the default)", create.Status, del.Status)
		}
	})
	t.Run("v1 routes keep the seed's paths", func(t *testing.T) {
		t.Parallel()
		f := newFixture(t, 10)
		if ep := f.endpoint(t, "POST", "/notes"); ep.API != kernel.V2 || ep.Module != "notes" || ep.Charges != "notes" {
			t.Errorf("v2 endpoint = %+v", ep)
		}
		if ep := f.endpoint(t, "GET", "/public-notes"); ep.API != kernel.V1 || !ep.Public {
			t.Errorf("v1 endpoint = %+v, want below /api/v1 with no module prefix", ep)
		}
	})
	t.Run("public routes take no user, the others need one", func(t *testing.T) {
		t.Parallel()
		f := newFixture(t, 10)
		ctx := core.WithTenant(context.Background(), core.Tenant{ID: 7})
		if out, err := f.endpoint(t, "GET", "/public-notes").Serve(ctx, nil); err != nil || out != "listed" {
			t.Errorf("public without user: %v, %v", out, err)
		}
		if _, err := f.endpoint(t, "GET", "/auth/notes").Serve(ctx, nil); core.KindOf(err) != core.Unauthorized {
			t.Errorf("v1 without user: %v, want unauthorized", err)
		}
		if _, err := f.endpoint(t, "GET", "/public-notes").Serve(context.Background(), nil); core.KindOf(err) != core.NotFound {
			t.Errorf("public without tenant: %v, want not found", err)
		}
	})
	t.Run("no tenant or user in the context", func(t *testing.T) {
		t.Parallel()
		f := newFixture(t, 10)
		ep := f.endpoint(t, "POST", "/notes")
		if _, err := ep.Serve(context.Background(), nil); core.KindOf(err) != core.NotFound {
			t.Errorf("without tenant: %v, want not found", err)
		}
		ctx := core.WithTenant(context.Background(), core.Tenant{ID: 7})
		if _, err := ep.Serve(ctx, nil); core.KindOf(err) != core.Unauthorized {
			t.Errorf("without user: %v, want unauthorized", err)
		}
	})
	t.Run("admin only", func(t *testing.T) {
		t.Parallel()
		f := newFixture(t, 10)
		ep := f.endpoint(t, "DELETE", "/notes/:id")
		if _, err := ep.Serve(f.as(core.RoleStaff, nil), nil); core.KindOf(err) != core.Forbidden {
			t.Errorf("staff: %v, want forbidden", err)
		}
		if _, err := ep.Serve(f.as(core.RoleAdmin, nil), nil); err != nil {
			t.Errorf("admin: %v", err)
		}
	})
	t.Run("plan limits, then the tenant's override", func(t *testing.T) {
		t.Parallel()
		f := newFixture(t, 3)
		ep := f.endpoint(t, "POST", "/notes")
		if _, err := ep.Serve(f.as(core.RoleStaff, nil), nil); err != nil || f.notes.seen.Limit != 3 || f.notes.seen.Resource != "notes" {
			t.Fatalf("plan quota = %+v, %v", f.notes.seen, err)
		}
		if _, err := ep.Serve(f.as(core.RoleStaff, core.Limits{"notes": core.Unlimited}), nil); err != nil || f.notes.seen.Limited() {
			t.Fatalf("override quota = %+v, %v", f.notes.seen, err)
		}
	})
	t.Run("thresholds on the injected clock", func(t *testing.T) {
		t.Parallel()
		f := newFixture(t, 5)
		ep := f.endpoint(t, "POST", "/notes")
		for i := 0; i < 5; i++ {
			if _, err := ep.Serve(f.as(core.RoleStaff, nil), nil); err != nil {
				t.Fatalf("create %d: %v", i+1, err)
			}
		}
		if _, err := ep.Serve(f.as(core.RoleStaff, nil), nil); core.KindOf(err) != core.QuotaExceeded {
			t.Fatalf("sixth create: %v, want quota exceeded", err)
		}
		var got []any
		for _, e := range f.outbox.events {
			if e.Type != core.EventQuotaThreshold || e.TenantID != 7 || !e.At.Equal(now) {
				t.Errorf("event = %+v", e)
			}
			got = append(got, e.Data["threshold"])
		}
		if !slices.Equal(got, []any{int64(80), int64(100)}) {
			t.Errorf("thresholds = %v, want [80 100]", got)
		}
	})
	t.Run("a failed event is reported, not a failed request", func(t *testing.T) {
		t.Parallel()
		f := newFixture(t, 1)
		f.outbox.failing = true
		if _, err := f.endpoint(t, "POST", "/notes").Serve(f.as(core.RoleStaff, nil), nil); err != nil {
			t.Fatalf("create: %v", err)
		}
		if len(f.reported) != 2 {
			t.Errorf("reported %v, want the 80%% and 100%% events", f.reported)
		}
	})
}

func TestResourcesDerivedFromModules(t *testing.T) {
	t.Parallel()
	f := newFixture(t, 1)
	if got := f.k.Resources().List(); !slices.Equal(got, []core.Resource{"notes"}) {
		t.Errorf("Resources = %v", got)
	}
	if got := f.k.Tables(); got["notes"] != "notes" || len(got) != 1 {
		t.Errorf("Tables = %v", got)
	}
}

// charger charges a resource no module counts.
type charger struct{ notes }

func (charger) Name() string               { return "charger" }
func (charger) Resources() []core.Resource { return nil }
func (charger) Routes() []kernel.Route {
	return []kernel.Route{{Method: "POST", Charges: "widgets", Handle: func(context.Context, kernel.Input) (any, error) { return nil, nil }}}
}

// versioned has a route of an API the kernel does not know.
type versioned struct{ notes }

func (versioned) Name() string { return "versioned" }
func (versioned) Routes() []kernel.Route {
	return []kernel.Route{{Method: "GET", API: "v3", Handle: func(context.Context, kernel.Input) (any, error) { return nil, nil }}}
}

func TestWiringMistakesPanic(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		do   func(k *kernel.Kernel)
	}{
		{name: "nil module", do: func(k *kernel.Kernel) { k.Register(nil) }},
		{name: "duplicate name", do: func(k *kernel.Kernel) { k.Register(&notes{}); k.Register(&notes{}) }},
		{name: "charges an uncounted resource", do: func(k *kernel.Kernel) { k.Register(&charger{}); k.Endpoints() }},
		{name: "unknown API", do: func(k *kernel.Kernel) { k.Register(&versioned{}) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			defer func() {
				if recover() == nil {
					t.Error("no panic")
				}
			}()
			tt.do(kernel.New(kernel.Deps{}))
		})
	}
}

// pings announces tenant events: "ping.sent" on success; its failing route
// emits, then fails; its wrong route emits an event it does not declare.
type pings struct{}

func (pings) Name() string               { return "pings" }
func (pings) Resources() []core.Resource { return nil }
func (pings) Migrations() fs.FS          { return nil }
func (pings) Routes() []kernel.Route {
	return []kernel.Route{
		{Method: "POST", Path: "", Emits: []string{"ping.sent", "ping.echoed"}, Handle: func(ctx context.Context, _ kernel.Input) (any, error) {
			kernel.Emit(ctx, "ping.sent", map[string]any{"n": 1})
			return "ok", nil
		}},
		{Method: "PUT", Path: "/:id", Emits: []string{"ping.sent"}, Handle: func(ctx context.Context, _ kernel.Input) (any, error) {
			kernel.Emit(ctx, "ping.sent", nil)
			return nil, core.Errorf(core.Invalid, "refused")
		}},
		{Method: "DELETE", Path: "/:id", Handle: func(ctx context.Context, _ kernel.Input) (any, error) {
			kernel.Emit(ctx, "ping.sent", nil)
			return nil, nil
		}},
	}
}

func TestTenantEvents(t *testing.T) {
	t.Parallel()
	f := newFixture(t, 10)
	f.k.Register(pings{})
	if got := f.k.Events(); !slices.Equal(got, []string{"ping.echoed", "ping.sent"}) {
		t.Fatalf("Events = %v", got)
	}
	if _, err := f.endpoint(t, "POST", "/pings").Serve(f.as(core.RoleStaff, nil), nil); err != nil {
		t.Fatal(err)
	}
	if len(f.outbox.events) != 1 {
		t.Fatalf("events = %+v", f.outbox.events)
	}
	if e := f.outbox.events[0]; e.Type != "ping.sent" || e.Scope != core.ScopeTenant || e.TenantID != 7 || !e.At.Equal(now) || e.Data["n"] != 1 {
		t.Fatalf("event = %+v", e)
	}
	if _, err := f.endpoint(t, "PUT", "/pings/:id").Serve(f.as(core.RoleStaff, nil), nil); core.KindOf(err) != core.Invalid || len(f.outbox.events) != 1 {
		t.Fatalf("a failed handler announced: %v, %+v", err, f.outbox.events)
	}
	defer func() {
		if recover() == nil {
			t.Fatal("an undeclared event did not panic")
		}
	}()
	f.endpoint(t, "DELETE", "/pings/:id").Serve(f.as(core.RoleStaff, nil), nil)
}

func TestAdminAlias(t *testing.T) {
	t.Parallel()
	f := newFixture(t, 10)
	if _, err := f.endpoint(t, "DELETE", "/notes/:id").Serve(f.as("admin", nil), nil); err != nil {
		t.Fatalf("the admin alias: %v", err)
	}
	for in, want := range map[string]string{"admin": core.RoleAdmin, "ADMINISTRATOR": core.RoleAdmin, " Staff ": core.RoleStaff, "root": "root"} {
		if got := core.CanonicalRole(in); got != want {
			t.Errorf("CanonicalRole(%q) = %q, want %q", in, got, want)
		}
	}
}
