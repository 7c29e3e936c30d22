package sqlite_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"testing/fstest"

	"go.uber.org/zap"

	"github.com/saasd/saasd/adapters/sqlite"
	"github.com/saasd/saasd/core"
	"github.com/saasd/saasd/core/kernel"
	"github.com/saasd/saasd/modules/customers"
)

func TestProvisionDropCount(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	p := newProvisioner(t, dir, schemas())
	defer p.Close()
	ctx := context.Background()
	tn := core.Tenant{ID: 7}
	name, err := p.Provision(ctx, tn)
	if err != nil || name != "tenant_7.db" {
		t.Fatalf("Provision = %q, %v", name, err)
	}
	if _, err := p.Provision(ctx, tn); core.KindOf(err) != core.Conflict {
		t.Fatalf("second Provision error = %v, want Conflict", err)
	}
	tn.Database = name
	counts, err := p.Data(counted).Count(ctx, tn)
	if err != nil || len(counts) != len(counted) || counts["customers"] != 0 {
		t.Fatalf("Count = %v, %v", counts, err)
	}
	if err := p.Drop(ctx, tn); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, name)); !os.IsNotExist(err) {
		t.Fatalf("file still there: %v", err)
	}
	if err := p.Drop(ctx, tn); err != nil {
		t.Fatalf("dropping a dropped database: %v", err)
	}
	for _, bad := range []string{"", "control.db", "../tenant_1.db", "tenant_x.db", "tenant_1.db/../../etc"} {
		if err := p.Drop(ctx, core.Tenant{ID: 1, Database: bad}); err == nil {
			t.Errorf("Drop(%q) accepted", bad)
		}
	}
}

// A migration that fails half-way leaves no file behind.
func TestProvisionFailureLeavesNothing(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	broken := fstest.MapFS{
		"sqlite/00001_ok.sql":     {Data: []byte("-- +goose Up\nCREATE TABLE a (id INTEGER);\n")},
		"sqlite/00002_broken.sql": {Data: []byte("-- +goose Up\nCREATE TABLE oops (;\n")},
	}
	p := newProvisioner(t, dir, append(schemas(), kernel.TenantSchema{Module: "broken", Migrations: broken}))
	if _, err := p.Provision(context.Background(), core.Tenant{ID: 1}); err == nil {
		t.Fatal("Provision succeeded with a broken migration")
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 0 {
		t.Fatalf("left behind: %v", entries)
	}
}

func TestNewRejectsBadPrefix(t *testing.T) {
	t.Parallel()
	for _, prefix := range []string{"", "Tenant", "t-1", "a/b", "x;"} {
		if _, err := sqlite.NewTenants(sqlite.Config{Dir: t.TempDir(), Prefix: prefix, Installation: installation}); err == nil {
			t.Errorf("prefix %q accepted", prefix)
		}
	}
}

// schemas are one module's tables; the provisioner adds the kernel's.
func schemas() []kernel.TenantSchema {
	return []kernel.TenantSchema{{Module: "customers", Migrations: customers.New(nil).Migrations()}}
}

// installation is the installation ID the test's databases are marked with.
const installation = "test-installation"

// counted is what the kernel would count with the customers and users modules.
var counted = map[core.Resource]string{"customers": "customers", "staff": "users"}

func newProvisioner(t *testing.T, dir string, schemas []kernel.TenantSchema) *sqlite.Provisioner {
	t.Helper()
	ts, err := sqlite.NewTenants(sqlite.Config{Dir: dir, Prefix: "tenant_", Installation: installation})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ts.Close() })
	p, err := sqlite.NewProvisioner(ts, schemas, counted, zap.NewNop())
	if err != nil {
		t.Fatal(err)
	}
	return p
}
