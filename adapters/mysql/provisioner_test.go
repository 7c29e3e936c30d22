package mysql_test

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"os"
	"testing"
	"testing/fstest"

	mysqldrv "github.com/go-sql-driver/mysql"
	"go.uber.org/zap"

	"github.com/saasd/saasd/adapters/mysql"
	"github.com/saasd/saasd/core"
	"github.com/saasd/saasd/core/kernel"
	"github.com/saasd/saasd/core/quota"
	"github.com/saasd/saasd/modules/customers"
)

// mustServer returns a pool on the test server and a fresh prefix whose
// schemas are dropped when the test ends.
func mustServer(t *testing.T) (*sql.DB, string, string) {
	t.Helper()
	dsn := os.Getenv("SAAS_TEST_MYSQL_DSN")
	if dsn == "" {
		dsn = "root@tcp(127.0.0.1:3306)/"
	}
	mc, err := mysqldrv.ParseDSN(dsn)
	if err != nil {
		t.Fatal(err)
	}
	db, err := sql.Open("mysql", mc.FormatDSN())
	if err == nil {
		err = db.Ping()
	}
	if err != nil {
		if os.Getenv("SAAS_TEST_REQUIRE_MYSQL") != "" {
			t.Fatalf("MariaDB required: %v", err)
		}
		t.Skipf("MariaDB unreachable: %v", err)
	}
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	prefix := "test_" + hex.EncodeToString(b) + "_t"
	t.Cleanup(func() {
		for _, n := range schemaNames(t, db, prefix) {
			db.Exec("DROP DATABASE `" + n + "`")
		}
		db.Close()
	})
	return db, mc.FormatDSN(), prefix
}

func schemaNames(t *testing.T, db *sql.DB, prefix string) []string {
	rows, err := db.Query("SELECT schema_name FROM information_schema.schemata WHERE schema_name LIKE ?", prefix+"%")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var n string
		rows.Scan(&n)
		out = append(out, n)
	}
	return out
}

func TestProvisionDropCount(t *testing.T) {
	t.Parallel()
	db, dsn, prefix := mustServer(t)
	p := newProvisioner(t, db, dsn, prefix, schemas())
	ctx := context.Background()
	tn := core.Tenant{ID: 3}
	name, err := p.Provision(ctx, tn)
	if err != nil || name != prefix+"3" {
		t.Fatalf("Provision = %q, %v", name, err)
	}
	if _, err := p.Provision(ctx, tn); core.KindOf(err) != core.Conflict {
		t.Fatalf("second Provision error = %v, want Conflict", err)
	}
	tn.Database = name
	if _, err := db.Exec("INSERT INTO `" + name + "`.customers (account, created_at, updated_at) VALUES ('a', NOW(), NOW())"); err != nil {
		t.Fatal(err)
	}
	// The row went in by hand, past the counters: Recount repairs them.
	store := p.Data(counted)
	if counts, err := store.Count(ctx, tn); err != nil || counts["customers"] != 0 || len(counts) != len(counted) {
		t.Fatalf("Count = %v, %v", counts, err)
	}
	changes, err := store.Recount(ctx, tn)
	if err != nil || len(changes) != 1 || changes[0] != (quota.Change{Resource: "customers", Was: 0, Now: 1}) {
		t.Fatalf("Recount = %v, %v", changes, err)
	}
	if counts, _ := store.Count(ctx, tn); counts["customers"] != 1 {
		t.Fatalf("after recount: %v", counts)
	}
	if changes, err := store.Recount(ctx, tn); err != nil || len(changes) != 0 {
		t.Fatalf("second Recount = %v, %v", changes, err)
	}
	dbs, err := p.Databases(ctx)
	if err != nil || len(dbs) != 1 || dbs[0] != name {
		t.Fatalf("Databases = %v, %v", dbs, err)
	}
	if err := p.Drop(ctx, tn); err != nil {
		t.Fatal(err)
	}
	if got := schemaNames(t, db, prefix); len(got) != 0 {
		t.Fatalf("schemas after drop: %v", got)
	}
	for _, bad := range []string{"", "mysql", prefix, prefix + "x", prefix + "1`; DROP DATABASE mysql; --"} {
		if err := p.Drop(ctx, core.Tenant{ID: 1, Database: bad}); err == nil {
			t.Errorf("Drop(%q) accepted", bad)
		}
	}
}

// A migration that fails half-way leaves no schema behind.
func TestProvisionFailureLeavesNothing(t *testing.T) {
	t.Parallel()
	db, dsn, prefix := mustServer(t)
	broken := fstest.MapFS{
		"mysql/00001_ok.sql":     {Data: []byte("-- +goose Up\nCREATE TABLE a (id INT);\n")},
		"mysql/00002_broken.sql": {Data: []byte("-- +goose Up\nCREATE TABLE oops (;\n")},
	}
	p := newProvisioner(t, db, dsn, prefix, append(schemas(), kernel.TenantSchema{Module: "broken", Migrations: broken}))
	if _, err := p.Provision(context.Background(), core.Tenant{ID: 1}); err == nil {
		t.Fatal("Provision succeeded with a broken migration")
	}
	if got := schemaNames(t, db, prefix); len(got) != 0 {
		t.Fatalf("left behind: %v", got)
	}
}

// schemas are one module's tables; the provisioner adds the kernel's.
func schemas() []kernel.TenantSchema {
	return []kernel.TenantSchema{{Module: "customers", Migrations: customers.New(nil).Migrations()}}
}

// installation is the installation ID the test's schemas are marked with.
const installation = "test-installation"

// counted is what the kernel would count with the customers and users modules.
var counted = map[core.Resource]string{"customers": "customers", "staff": "users"}

func newProvisioner(t *testing.T, db *sql.DB, dsn, prefix string, schemas []kernel.TenantSchema) *mysql.Provisioner {
	t.Helper()
	ts, err := mysql.NewTenants(mysql.Config{DSN: dsn, Prefix: prefix, Installation: installation}, db)
	if err != nil {
		t.Fatal(err)
	}
	p, err := mysql.NewProvisioner(ts, schemas, counted, zap.NewNop())
	if err != nil {
		t.Fatal(err)
	}
	return p
}
