package portstest

import (
	"context"
	"slices"
	"testing"

	"github.com/saasd/saasd/core"
	"github.com/saasd/saasd/ports"
)

// TestProvisioner runs the provisioner contract against provisioners built
// by newProvisioner, which must return one that sees no tenant databases
// yet for every call.
func TestProvisioner(t *testing.T, newProvisioner func(t *testing.T) ports.Provisioner) {
	t.Run("lifecycle", func(t *testing.T) { t.Parallel(); testProvisionerLifecycle(t, newProvisioner(t)) })
	t.Run("migrate again", func(t *testing.T) { t.Parallel(); testProvisionerMigrateAgain(t, newProvisioner(t)) })
	t.Run("names", func(t *testing.T) { t.Parallel(); testProvisionerNames(t, newProvisioner(t)) })
	t.Run("ownership", func(t *testing.T) { t.Parallel(); testProvisionerOwnership(t, newProvisioner(t)) })
}

// wantDatabases checks the tenant databases p lists.
func wantDatabases(t *testing.T, p ports.Provisioner, want ...string) {
	t.Helper()
	got, err := p.Databases(context.Background())
	slices.Sort(got)
	slices.Sort(want)
	if err != nil || !slices.Equal(got, want) {
		t.Fatalf("Databases = %v, %v; want %v", got, err, want)
	}
}

func testProvisionerLifecycle(t *testing.T, p ports.Provisioner) {
	ctx := context.Background()
	tn := core.Tenant{ID: 1}
	wantDatabases(t, p)
	name, err := p.Create(ctx, tn)
	if err != nil || name == "" || name != p.Name(tn) {
		t.Fatalf("Create = %q, %v; Name = %q", name, err, p.Name(tn))
	}
	wantDatabases(t, p, name)
	if m, err := p.Marker(ctx, name); err != nil || m.TenantID != tn.ID || m.Installation == "" {
		t.Fatalf("Marker = %+v, %v; want tenant %d's", m, err, tn.ID)
	}
	_, err = p.Create(ctx, tn)
	wantKind(t, err, core.Conflict)
	wantDatabases(t, p, name)

	tn.Database = name
	if err := p.Migrate(ctx, tn); err != nil {
		t.Fatalf("Migrate: %v", err)
	}
	wantDatabases(t, p, name)

	if err := p.Drop(ctx, tn); err != nil {
		t.Fatalf("Drop: %v", err)
	}
	wantDatabases(t, p)
	if err := p.Drop(ctx, tn); err != nil {
		t.Fatalf("dropping a dropped database: %v", err)
	}

	// The name is free again once dropped.
	if again, err := p.Create(ctx, core.Tenant{ID: 1}); err != nil || again != name {
		t.Fatalf("Create after Drop = %q, %v", again, err)
	}
	if err := p.Migrate(ctx, tn); err != nil {
		t.Fatalf("Migrate after re-create: %v", err)
	}
	if err := p.Drop(ctx, tn); err != nil {
		t.Fatal(err)
	}
	wantDatabases(t, p)
}

// Migrating a migrated database applies nothing, and is no error.
func testProvisionerMigrateAgain(t *testing.T, p ports.Provisioner) {
	ctx := context.Background()
	tn := core.Tenant{ID: 5}
	name, err := p.Create(ctx, tn)
	if err != nil {
		t.Fatal(err)
	}
	tn.Database = name
	if err := p.Migrate(ctx, tn); err != nil {
		t.Fatalf("Migrate: %v", err)
	}
	if v := p.Version(); v <= 0 || v != p.Version() {
		t.Fatalf("Version = %d", v)
	}
	if err := p.Migrate(ctx, tn); err != nil {
		t.Fatalf("second Migrate (must apply nothing): %v", err)
	}
	if err := p.Migrate(ctx, tn); err != nil {
		t.Fatalf("third Migrate: %v", err)
	}
	wantDatabases(t, p, name)
}

func testProvisionerNames(t *testing.T, p ports.Provisioner) {
	ctx := context.Background()
	a, b := core.Tenant{ID: 7}, core.Tenant{ID: 8}
	if p.Name(a) == p.Name(b) || p.Name(a) != p.Name(core.Tenant{ID: 7, Subdomain: "other"}) {
		t.Fatalf("Name: %q, %q; a name depends on the tenant's ID alone", p.Name(a), p.Name(b))
	}
	var names []string
	for _, tn := range []core.Tenant{a, b} {
		name, err := p.Create(ctx, tn)
		if err != nil || name != p.Name(tn) {
			t.Fatalf("Create(%d) = %q, %v; Name = %q", tn.ID, name, err, p.Name(tn))
		}
		names = append(names, name)
	}
	wantDatabases(t, p, names...)
	a.Database = names[0]
	if err := p.Drop(ctx, a); err != nil {
		t.Fatal(err)
	}
	wantDatabases(t, p, names[1])
	b.Database = names[1]
	if err := p.Drop(ctx, b); err != nil {
		t.Fatal(err)
	}
	wantDatabases(t, p)
}

// A database is dropped or migrated only as the tenant it was made for.
func testProvisionerOwnership(t *testing.T, p ports.Provisioner) {
	ctx := context.Background()
	owner := core.Tenant{ID: 3}
	name, err := p.Create(ctx, owner)
	if err != nil {
		t.Fatal(err)
	}
	owner.Database = name
	if _, err := p.Marker(ctx, "not-a-tenant-database"); err == nil {
		t.Fatal("Marker read a database not named like a tenant's")
	}
	intruder := core.Tenant{ID: 4, Database: name}
	if err := p.Drop(ctx, intruder); err == nil {
		t.Fatal("tenant 4 dropped tenant 3's database")
	}
	if err := p.Migrate(ctx, intruder); err == nil {
		t.Fatal("tenant 4 migrated tenant 3's database")
	}
	wantDatabases(t, p, name)
	if err := p.Drop(ctx, owner); err != nil {
		t.Fatal(err)
	}
	wantDatabases(t, p)
}

// TestWarmDatabases runs the warm database contract (a provisioner's
// optional ports.WarmDatabases) against provisioners built by
// newProvisioner, as TestProvisioner does.
func TestWarmDatabases(t *testing.T, newProvisioner func(t *testing.T) ports.Provisioner) {
	t.Run("lifecycle", func(t *testing.T) { t.Parallel(); testWarmDatabaseLifecycle(t, newProvisioner(t)) })
	t.Run("ownership", func(t *testing.T) { t.Parallel(); testWarmDatabaseOwnership(t, newProvisioner(t)) })
}

func warmOf(t *testing.T, p ports.Provisioner) ports.WarmDatabases {
	t.Helper()
	w, ok := p.(ports.WarmDatabases)
	if !ok {
		t.Fatalf("%T has no warm databases", p)
	}
	return w
}

func testWarmDatabaseLifecycle(t *testing.T, p ports.Provisioner) {
	ctx := context.Background()
	w := warmOf(t, p)
	name := w.WarmName(1)
	if name == p.Name(core.Tenant{ID: 1}) || name == w.WarmName(2) {
		t.Fatalf("WarmName(1) = %q: must differ from tenant names and other entries'", name)
	}
	// MySQL allows 64 characters in a schema name: the longest ID fits.
	if long := w.WarmName(1<<63 - 1); len(long) > 64 {
		t.Fatalf("WarmName of the largest ID = %q, %d characters", long, len(long))
	}
	if err := w.CreateWarm(ctx, name); err != nil {
		t.Fatalf("CreateWarm: %v", err)
	}
	wantDatabases(t, p, name)
	if m, err := p.Marker(ctx, name); err != nil || m.TenantID != 0 || m.Installation == "" {
		t.Fatalf("Marker = %+v, %v; want this installation's, no tenant's", m, err)
	}
	wantKind(t, w.CreateWarm(ctx, name), core.Conflict)
	if err := w.MigrateWarm(ctx, name); err != nil {
		t.Fatalf("MigrateWarm (nothing to apply): %v", err)
	}
	tn := core.Tenant{ID: 5, Database: name}
	if err := w.Bind(ctx, tn); err != nil {
		t.Fatalf("Bind: %v", err)
	}
	if err := w.Bind(ctx, tn); err != nil {
		t.Fatalf("Bind again to the same tenant: %v", err)
	}
	if m, err := p.Marker(ctx, name); err != nil || m.TenantID != 5 {
		t.Fatalf("Marker after Bind = %+v, %v", m, err)
	}
	// Bound, it is the tenant's database like any other.
	if err := p.Migrate(ctx, tn); err != nil {
		t.Fatalf("Migrate of the bound database: %v", err)
	}
	if err := w.MigrateWarm(ctx, name); err == nil {
		t.Fatal("MigrateWarm migrated a bound database as unclaimed")
	}
	if err := p.Drop(ctx, tn); err != nil {
		t.Fatalf("Drop of the bound database: %v", err)
	}
	wantDatabases(t, p)
	if err := p.Drop(ctx, tn); err != nil {
		t.Fatalf("Drop of a dropped warm database: %v", err)
	}
	if err := w.DropWarm(ctx, name, 0); err != nil {
		t.Fatalf("DropWarm of a dropped warm database: %v", err)
	}
	if err := w.CreateWarm(ctx, name); err != nil {
		t.Fatal(err)
	}
	if err := w.DropWarm(ctx, name, 0); err != nil {
		t.Fatalf("DropWarm: %v", err)
	}
	wantDatabases(t, p)
}

// A warm database is bound to one tenant only, and dropped only as no
// tenant's or as the one tenant's it is bound to.
func testWarmDatabaseOwnership(t *testing.T, p ports.Provisioner) {
	ctx := context.Background()
	w := warmOf(t, p)
	name := w.WarmName(3)
	if err := w.CreateWarm(ctx, name); err != nil {
		t.Fatal(err)
	}
	if err := p.Drop(ctx, core.Tenant{ID: 3, Database: name}); err == nil {
		t.Fatal("Drop removed an unclaimed warm database as tenant 3's")
	}
	if err := p.Migrate(ctx, core.Tenant{ID: 3, Database: name}); err == nil {
		t.Fatal("Migrate took an unclaimed warm database for tenant 3's")
	}
	if err := w.Bind(ctx, core.Tenant{ID: 5, Database: name}); err != nil {
		t.Fatal(err)
	}
	if err := w.Bind(ctx, core.Tenant{ID: 6, Database: name}); err == nil {
		t.Fatal("a warm database bound to tenant 5 was bound to tenant 6")
	}
	for _, id := range []int64{0, 6} {
		if err := w.DropWarm(ctx, name, id); core.KindOf(err) != core.Conflict {
			t.Fatalf("DropWarm(%d) of tenant 5's = %v, want a conflict", id, err)
		}
	}
	if err := w.CreateWarm(ctx, p.Name(core.Tenant{ID: 9})); err == nil {
		t.Fatal("CreateWarm made a database named like a tenant's")
	}
	wantDatabases(t, p, name)
	if err := w.DropWarm(ctx, name, 5); err != nil {
		t.Fatal(err)
	}
	wantDatabases(t, p)
}
