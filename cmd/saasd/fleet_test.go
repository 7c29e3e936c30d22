package main

import (
	"context"
	"database/sql"
	"fmt"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	mysqldrv "github.com/go-sql-driver/mysql"
	"github.com/saasd/saasd/config"
	"github.com/saasd/saasd/core"
	"github.com/saasd/saasd/core/kernel"
	"github.com/saasd/saasd/core/tenant"
	"github.com/saasd/saasd/ports"
)

// nickname is what the next release adds: a column of the customers table,
// brought by a migration of its own (a module with no routes).
type nickname struct{}

func (nickname) Name() string               { return "nickname" }
func (nickname) Resources() []core.Resource { return nil }
func (nickname) Routes() []kernel.Route     { return nil }
func (nickname) Migrations() fs.FS {
	return fstest.MapFS{
		"mysql/20261201000000_customers_nickname.sql":  {Data: []byte("-- +goose Up\nALTER TABLE customers ADD COLUMN nickname VARCHAR(50) NOT NULL DEFAULT '';\n")},
		"sqlite/20261201000000_customers_nickname.sql": {Data: []byte("-- +goose Up\nALTER TABLE customers ADD COLUMN nickname TEXT NOT NULL DEFAULT '';\n")},
	}
}

// TestUpgradeAddsTenantMigration: a release that adds a tenant migration is
// deployed over a fleet made by the previous one. Every tenant is served at
// once (its first request migrates it), the fleet migration brings the rest
// up, records each tenant's version, names the tenant whose migration fails
// and skips it, and a second run resumes with only that one.
func TestUpgradeAddsTenantMigration(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		e := newEnv(t, b)
		planID := e.createPlan(starter)
		var subs, tokens, dbs []string
		var ids []int64
		for _, s := range []string{"one", "two", "three", "four"} {
			sub, tok := e.signup(s, s, planID)
			subs, tokens = append(subs, sub), append(tokens, tok)
			data := e.do("GET", "/api/saas/tenants?per_page=100", nil).want(t, http.StatusOK).data()["tenants"].([]any)[0].(map[string]any)
			dbs, ids = append(dbs, data["database"].(string)), append(ids, int64(data["id"].(float64)))
		}
		before := e.app.tenantDB.Version()
		// Tenant "four" cannot take the new migration: the column is there already.
		e.tenantExec(dbs[3], "ALTER TABLE {db}.customers ADD COLUMN nickname INT")

		e.opts = append(e.opts, func(o *appOptions) {
			o.modules = append(o.modules, func(ports.RecordStore) kernel.Module { return nickname{} })
		})
		e.restart()
		after := e.app.tenantDB.Version()
		if after <= before {
			t.Fatalf("schema version %d after the upgrade, %d before", after, before)
		}
		// Served at once: the first request migrates the tenant.
		e.asTenant(subs[0], tokens[0], "POST", "/api/v2/customers", map[string]any{"account": "A"}).want(t, http.StatusCreated)
		if v := e.do("GET", fmt.Sprintf("/api/saas/tenants/%d", ids[0]), nil).want(t, http.StatusOK).data()["schema_version"]; v != float64(after) {
			t.Fatalf("schema_version after the first request = %v, want %d", v, after)
		}
		// The rest by the fleet migration; "four" fails and is named.
		run, err := e.app.tenants.MigrateFleet(context.Background(), tenant.MigrateOptions{Concurrency: 3})
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(run.Migrated, []int64{ids[1], ids[2]}) || len(run.Failed) != 1 || run.Failed[ids[3]] == nil || run.Current != 1 {
			t.Fatalf("fleet migration = %+v", run)
		}
		for i := range 3 {
			e.asTenant(subs[i], tokens[i], "GET", "/api/v2/customers", nil).want(t, http.StatusOK)
		}
		failed := e.do("GET", "/api/saas/tenants?migration=failed", nil).want(t, http.StatusOK).data()["tenants"].([]any)
		if len(failed) != 1 || failed[0].(map[string]any)["migration_error"] == "" {
			t.Fatalf("failed tenants = %v", failed)
		}
		current := e.do("GET", fmt.Sprintf("/api/saas/tenants?schema_version=%d", after), nil).want(t, http.StatusOK).data()["total"]
		if current != 3.0 {
			t.Fatalf("tenants at %d: %v", after, current)
		}
		e.do("GET", "/api/saas/tenants?migration=maybe", nil).want(t, http.StatusUnprocessableEntity)
		e.do("GET", "/api/saas/tenants?schema_version=x", nil).want(t, http.StatusUnprocessableEntity)
		// Repaired by hand, the next run resumes with that tenant alone.
		e.tenantExec(dbs[3], "ALTER TABLE {db}.customers DROP COLUMN nickname")
		run, err = e.app.tenants.MigrateFleet(context.Background(), tenant.MigrateOptions{Concurrency: 3})
		if err != nil || !slices.Equal(run.Migrated, []int64{ids[3]}) || len(run.Failed) != 0 || run.Current != 3 {
			t.Fatalf("second run = %+v, %v", run, err)
		}
		if run, _ := e.app.tenants.MigrateFleet(context.Background(), tenant.MigrateOptions{DryRun: true}); len(run.Pending) != 0 {
			t.Fatalf("still pending: %v", run.Pending)
		}
	})
}

// TestTwoInstallationsSideBySide: two installations with default settings
// on one server name their tenants apart, and neither's reconcile --fix
// touches the other's databases.
func TestTwoInstallationsSideBySide(t *testing.T) {
	server := mysqlServer(t)
	b := backends(t)[1]
	defaults := func(c *config.Config) { c.Tenants.DBPrefix = "" }
	var envs []*env
	for range 2 {
		e := newEnv(t, b, defaults)
		t.Cleanup(func() { dropSchemas(t, server, e.app.prefix) })
		planID := e.createPlan(starter)
		e.createTenant(planID, "acme").want(t, http.StatusCreated)
		e.createTenant(planID, "globex").want(t, http.StatusCreated)
		envs = append(envs, e)
	}
	if envs[0].app.prefix == envs[1].app.prefix || !strings.HasPrefix(envs[0].app.prefix, "t") {
		t.Fatalf("prefixes %q and %q", envs[0].app.prefix, envs[1].app.prefix)
	}
	for _, e := range envs {
		if _, err := e.app.tenants.Reconcile(context.Background(), true, 0); err != nil {
			t.Fatal(err)
		}
	}
	for _, e := range envs {
		if got := mysqlSchemas(t, e.app.db.SQL(), e.app.prefix); len(got) != 2 {
			t.Fatalf("%s has %v after both reconciles", e.app.prefix, got)
		}
	}
}

// TestReinstallAfterControlDatabaseLost: the control database is gone, its
// tenants' databases are not; a fresh installation creates tenants at once
// and reports the leftovers as foreign, never touching them.
func TestReinstallAfterControlDatabaseLost(t *testing.T) {
	server := mysqlServer(t)
	b := backends(t)[1]
	defaults := func(c *config.Config) { c.Tenants.DBPrefix = "" }
	e := newEnv(t, b, defaults)
	old := e.app.prefix
	t.Cleanup(func() { dropSchemas(t, server, old) })
	planID := e.createPlan(starter)
	e.createTenant(planID, "acme").want(t, http.StatusCreated)
	mc, err := mysqldrv.ParseDSN(e.cfg.Database.DSN)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.app.db.SQL().Exec("DROP DATABASE `" + mc.DBName + "`"); err != nil {
		t.Fatal(err)
	}
	e.app.Close()
	e.open() // a new installation on the same DSN
	t.Cleanup(func() { dropSchemas(t, server, e.app.prefix) })
	if e.app.prefix == old {
		t.Fatalf("the new installation reuses the old prefix %q", old)
	}
	secret, _, err := e.app.auth.Create(context.Background(), "again")
	if err != nil {
		t.Fatal(err)
	}
	e.token = secret
	planID = e.createPlan(starter)
	e.createTenant(planID, "acme").want(t, http.StatusCreated)
	// The old installation's database is not even named like ours.
	if _, err := e.app.tenants.Reconcile(context.Background(), true, 0); err != nil {
		t.Fatal(err)
	}
	if got := mysqlSchemas(t, e.app.db.SQL(), old); len(got) != 1 {
		t.Fatalf("the old installation's databases = %v", got)
	}
}

// TestFirstStartWithDriverAndDSNAlone: no secret keys configured: a key
// file is made (0600) at first start and read on the next.
func TestFirstStartWithDriverAndDSNAlone(t *testing.T) {
	server := mysqlServer(t)
	dir := t.TempDir()
	mc := server.Clone()
	mc.DBName = "test_" + randomHex(6)
	t.Cleanup(func() { dropSchemas(t, server, mc.DBName) })
	t.Setenv("SAAS_DATABASE_DRIVER", "mysql")
	t.Setenv("SAAS_DATABASE_DSN", mc.FormatDSN())
	t.Chdir(dir)
	cfg, err := config.Load("")
	if err != nil {
		t.Fatal(err)
	}
	cfg.Tenants.DBPrefix = mc.DBName + "_t"
	e := &env{t: t, cfg: cfg}
	e.open()
	key := filepath.Join(dir, cfg.Tenants.KeyFile)
	if cfg.Tenants.KeyFile == "" || len(cfg.Tenants.SecretKeys) != 0 {
		t.Fatalf("key file %q, keys %v", cfg.Tenants.KeyFile, cfg.Tenants.SecretKeys)
	}
	st, err := os.Stat(key)
	if err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("key file: %v, %v", st, err)
	}
	secret, _, err := e.app.auth.Create(context.Background(), "ops")
	if err != nil {
		t.Fatal(err)
	}
	e.token = secret
	planID := e.createPlan(starter)
	e.createTenant(planID, "acme").want(t, http.StatusCreated)
	e.restart()
	t.Cleanup(func() { e.app.Close() })
	// The sealed login password opens with the key read back from the file.
	tn, err := e.app.tenants.Get(context.Background(), 1)
	if err != nil {
		t.Fatal(err)
	}
	password, err := e.app.sealer.Open(tn.DBSecret)
	if err != nil {
		t.Fatalf("open the tenant password after a restart: %v", err)
	}
	login := *mc
	login.User, login.Passwd, login.DBName = tn.DBUser, password, tn.Database
	db, err := sql.Open("mysql", login.FormatDSN())
	if err == nil {
		err = db.Ping()
		db.Close()
	}
	if err != nil {
		t.Fatalf("tenant login: %v", err)
	}
}

// TestFleetMigrationAtStartTakesTurns: serve's fleet migration runs in one
// replica at a time: while another holds the lease, this one does nothing.
func TestFleetMigrationAtStartTakesTurns(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		e := newEnv(t, b)
		ctx := context.Background()
		alone := newEnv(t, b)
		if _, ran, err := alone.app.tenants.MigrateFleetLeased(ctx, tenant.MigrateOptions{Concurrency: 2}); err != nil || !ran {
			t.Fatalf("alone: ran = %v, %v", ran, err)
		}
		if ok, err := e.app.billingStore.Lease(ctx, "tenant-migrate", "other-replica", time.Minute); err != nil || !ok {
			t.Fatalf("lease for the other replica: %v, %v", ok, err)
		}
		if _, ran, err := e.app.tenants.MigrateFleetLeased(ctx, tenant.MigrateOptions{Concurrency: 2}); err != nil || ran {
			t.Fatalf("ran = %v, %v while another replica holds the lease", ran, err)
		}
	})
}
