package main

import (
	"context"
	"database/sql"
	"fmt"
	"net/http"
	"os"
	"strings"
	"testing"

	"github.com/saasd/saasd/config"
	"github.com/saasd/saasd/core/kernel"
	"github.com/saasd/saasd/core/tenant"
	"github.com/saasd/saasd/ports"
)

// TestLeastPrivilegeLogin: saasd runs on MariaDB with a login holding only
// the rights of deployments/mariadb/saasd-grants.sql.in (the one list that
// compose and the README use): it creates its control database, provisions
// tenants with their own logins, serves them, migrates the fleet to a new
// release, reconciles, and deletes a tenant with its database and login.
func TestLeastPrivilegeLogin(t *testing.T) {
	t.Parallel()
	server := mysqlServer(t)
	name := "test_" + randomHex(6)
	prefix, login, password := name+"_t", name+"_ctl", randomHex(12)
	t.Cleanup(func() { dropSchemas(t, server, name) })

	tmpl, err := os.ReadFile("../../deployments/mariadb/saasd-grants.sql.in")
	if err != nil {
		t.Fatal(err)
	}
	grants := strings.NewReplacer("@USER@", login, "@PASSWORD@", password, "@CONTROL_DB@", name,
		"@TENANT_PATTERN@", prefix+"%").Replace(string(tmpl))
	root, err := sql.Open("mysql", server.FormatDSN())
	if err != nil {
		t.Fatal(err)
	}
	defer root.Close()
	for _, stmt := range strings.Split(grants, ";") {
		var lines []string
		for _, l := range strings.Split(stmt, "\n") {
			if !strings.HasPrefix(strings.TrimSpace(l), "--") {
				lines = append(lines, l)
			}
		}
		if stmt = strings.TrimSpace(strings.Join(lines, "\n")); stmt != "" {
			if _, err := root.Exec(stmt); err != nil {
				t.Fatalf("%s: %v", stmt, err)
			}
		}
	}

	b := backend{name: "mysql-least-privilege", configure: func(_ testing.TB, cfg *config.Config) {
		mc := server.Clone()
		mc.User, mc.Passwd, mc.DBName, mc.ParseTime = login, password, name, true
		cfg.Database.Driver = "mysql"
		cfg.Database.DSN = mc.FormatDSN()
		cfg.Tenants.DBPrefix = prefix
		cfg.Tenants.DBUsers = true
		cfg.Tenants.SecretKeys = []string{testSecretKey}
		cfg.Tenants.WarmPool = 1
	}}
	e := newEnv(t, b)
	planID := e.createPlan(starter)
	// The warm pool too: made, claimed (granted to the tenant's login) and migrated with these rights.
	e.refill()
	sub, tok := e.signup("Acme", "acme", planID)
	e.asTenant(sub, tok, "POST", "/api/v2/customers", map[string]any{"account": "A"}).want(t, http.StatusCreated)
	other := int64(e.createTenant(planID, "other").want(t, http.StatusCreated).body["tenant_id"].(float64))
	e.refill()

	// The next release adds a tenant migration; the fleet takes it.
	e.opts = append(e.opts, func(o *appOptions) {
		o.modules = append(o.modules, func(ports.RecordStore) kernel.Module { return nickname{} })
	})
	e.restart()
	run, err := e.app.tenants.MigrateFleet(context.Background(), tenant.MigrateOptions{Concurrency: 2})
	if err != nil || len(run.Failed) != 0 || len(run.Migrated) != 2 || run.WarmMigrated != 1 {
		t.Fatalf("fleet migration = %+v, %v", run, err)
	}
	e.asTenant(sub, tok, "GET", "/api/v2/customers", nil).want(t, http.StatusOK)

	rec, err := e.app.tenants.Reconcile(context.Background(), false, 0)
	if err != nil || !rec.Clean() {
		t.Fatalf("reconcile = %+v, %v", rec, err)
	}
	e.do("DELETE", fmt.Sprintf("/api/saas/tenants/%d", other), nil).want(t, http.StatusOK)
	var users int
	if err := root.QueryRow("SELECT COUNT(*) FROM mysql.user WHERE user = ?", prefix+fmt.Sprint(other)).Scan(&users); err != nil || users != 0 {
		t.Fatalf("the deleted tenant's login is still there: %d, %v", users, err)
	}
	if dbs := mysqlSchemas(t, root, prefix); len(dbs) != 2 || !e.isWarmName(dbs[1]) {
		t.Fatalf("tenant databases after the delete: %v", dbs)
	}
	// The login can do nothing outside its own databases.
	mc := server.Clone()
	mc.User, mc.Passwd = login, password
	limited, err := sql.Open("mysql", mc.FormatDSN())
	if err != nil {
		t.Fatal(err)
	}
	defer limited.Close()
	for _, stmt := range []string{"CREATE DATABASE `" + name + "x`", "SELECT authentication_string FROM mysql.user LIMIT 1", "CREATE DATABASE `mysqlx`"} {
		if _, err := limited.Exec(stmt); err == nil {
			t.Errorf("the saasd login may run %s", stmt)
		}
	}
}
