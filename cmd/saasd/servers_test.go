package main

import (
	"context"
	"database/sql"
	"fmt"
	"net/http"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	mysqldrv "github.com/go-sql-driver/mysql"

	"github.com/saasd/saasd/config"
	"github.com/saasd/saasd/core"
	"github.com/saasd/saasd/core/kernel"
	"github.com/saasd/saasd/core/tenant"
	"github.com/saasd/saasd/ports"
)

var (
	mysql2Once sync.Once
	mysql2Cfg  *mysqldrv.Config
	mysql2Err  error
)

// mysqlServer2 returns the second MariaDB test server, a server of its own
// beside mysqlServer's, from SAAS_TEST_MYSQL2_DSN (default
// root@tcp(127.0.0.1:3307)/; .ci/run starts it). When it is unreachable
// the test skips, or fails if SAAS_TEST_REQUIRE_MYSQL is set.
func mysqlServer2(t testing.TB) *mysqldrv.Config {
	mysql2Once.Do(func() {
		dsn := os.Getenv("SAAS_TEST_MYSQL2_DSN")
		if dsn == "" {
			dsn = "root@tcp(127.0.0.1:3307)/"
		}
		if mysql2Cfg, mysql2Err = mysqldrv.ParseDSN(dsn); mysql2Err != nil {
			return
		}
		db, err := sql.Open("mysql", mysql2Cfg.FormatDSN())
		if err == nil {
			err = db.Ping()
			db.Close()
		}
		mysql2Err = err
	})
	if mysql2Err != nil {
		if os.Getenv("SAAS_TEST_REQUIRE_MYSQL") != "" {
			t.Fatalf("second MariaDB required but unreachable (.ci/run starts one on 127.0.0.1:3307): %v", mysql2Err)
		}
		t.Skipf("second MariaDB unreachable (set SAAS_TEST_REQUIRE_MYSQL=1 to fail instead): %v", mysql2Err)
	}
	return mysql2Cfg
}

// twoServers is an env on the MySQL backend with tenants placed over the
// control database's server ("default") and the second test server
// ("db2"), with the given capacities; change adjusts the servers further.
type twoServers struct {
	*env
	second *sql.DB // the second server, as root
}

func newTwoServers(t testing.TB, defaultCap, db2Cap int64, opts ...func(*config.Config)) *twoServers {
	t.Helper()
	server2 := mysqlServer2(t)
	b := backends(t)[1]
	var prefix string
	e := newEnv(t, b, append([]func(*config.Config){func(c *config.Config) {
		prefix = c.Tenants.DBPrefix
		c.Database.Servers = []config.DatabaseServer{
			{Name: "default", Capacity: defaultCap},
			{Name: "db2", DSN: server2.FormatDSN(), Capacity: db2Cap, State: "active"},
		}
	}}, opts...)...)
	t.Cleanup(func() { dropSchemas(t, server2, prefix) })
	db, err := sql.Open("mysql", server2.FormatDSN())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return &twoServers{env: e, second: db}
}

// servers sets the servers' capacities and states and restarts saasd.
func (e *twoServers) servers(defaultCap, db2Cap int64, db2State string) {
	e.t.Helper()
	e.cfg.Database.Servers[0].Capacity = defaultCap
	e.cfg.Database.Servers[1].Capacity, e.cfg.Database.Servers[1].State = db2Cap, db2State
	e.restart()
}

// on lists the tenant databases and logins on the control database's
// server and on the second.
func (e *twoServers) on() (first, second []string) {
	e.t.Helper()
	return mysqlSchemas(e.t, e.app.db.SQL(), e.cfg.Tenants.DBPrefix), mysqlSchemas(e.t, e.second, e.cfg.Tenants.DBPrefix)
}

func (e *twoServers) logins(db *sql.DB) []string {
	e.t.Helper()
	rows, err := db.Query("SELECT user FROM mysql.user WHERE user LIKE ? ORDER BY user", strings.ReplaceAll(e.cfg.Tenants.DBPrefix, "_", `\_`)+"%")
	if err != nil {
		e.t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var u string
		if err := rows.Scan(&u); err != nil {
			e.t.Fatal(err)
		}
		out = append(out, u)
	}
	return out
}

// serverList is GET /api/saas/servers, by name.
func (e *twoServers) serverList() map[string]map[string]any {
	e.t.Helper()
	out := map[string]map[string]any{}
	for _, s := range e.do("GET", "/api/saas/servers", nil).want(e.t, http.StatusOK).data()["servers"].([]any) {
		m := s.(map[string]any)
		out[m["name"].(string)] = m
	}
	return out
}

// TestServersPlacement: over two real servers, new tenants go to the one
// with the most free capacity, a draining server takes none, and with
// both full a create answers 503 leaving no row, database or login.
func TestServersPlacement(t *testing.T) {
	t.Parallel()
	e := newTwoServers(t, 2, 3)
	planID := e.createPlan(starter)
	// Free (default, db2): (2,3) db2, (2,2) default (first among equals),
	// (1,2) db2, (1,1) default, (0,1) db2, then (0,0).
	want := []string{"db2", "default", "db2", "default", "db2"}
	var ids []int64
	for i, server := range want {
		r := e.createTenant(planID, fmt.Sprintf("acme%d", i)).want(t, http.StatusCreated)
		id := int64(r.body["tenant_id"].(float64))
		ids = append(ids, id)
		got := e.do("GET", fmt.Sprintf("/api/saas/tenants/%d", id), nil).want(t, http.StatusOK).data()
		if got["server"] != server {
			t.Fatalf("tenant %d on %v, want %s", i, got["server"], server)
		}
	}
	first, second := e.on()
	if len(first) != 2 || len(second) != 3 {
		t.Fatalf("databases: default %v, db2 %v", first, second)
	}
	list := e.serverList()
	if list["default"]["tenants"] != 2.0 || list["default"]["capacity"] != 2.0 || list["default"]["free"] != 0.0 ||
		list["db2"]["tenants"] != 3.0 || list["db2"]["capacity"] != 3.0 || list["db2"]["state"] != "active" {
		t.Fatalf("servers = %v", list)
	}

	// Both full: 503 with a clear message, nothing made anywhere.
	loginsBefore := len(e.logins(e.app.db.SQL())) + len(e.logins(e.second))
	r := e.createTenant(planID, "toomany").want(t, http.StatusServiceUnavailable)
	if !strings.Contains(r.body["error"].(string), "every one is full or draining") {
		t.Fatalf("503 says %q", r.body["error"])
	}
	r = e.doAs("", "POST", "/api/register", map[string]any{
		"name": "Jane Admin", "email": "jane@toomany.example.com", "mobile": "+1 555 0100",
		"company": "Too Many", "password": "s3cret-pass", "c_password": "s3cret-pass", "subdomain": "toomany2",
	}).want(t, http.StatusServiceUnavailable)
	if total := e.do("GET", "/api/saas/tenants", nil).want(t, http.StatusOK).data()["total"]; total != 5.0 {
		t.Fatalf("%v tenants after refused creates, want 5", total)
	}
	if f, s := e.on(); len(f) != 2 || len(s) != 3 {
		t.Fatalf("databases after refused creates: default %v, db2 %v", f, s)
	}
	if n := len(e.logins(e.app.db.SQL())) + len(e.logins(e.second)); n != loginsBefore {
		t.Fatalf("%d logins after refused creates, %d before", n, loginsBefore)
	}

	// db2 draining with much room: new tenants still go to default.
	e.servers(10, 100, "draining")
	for i := range 2 {
		id := int64(e.createTenant(planID, fmt.Sprintf("later%d", i)).want(t, http.StatusCreated).body["tenant_id"].(float64))
		if got := e.do("GET", fmt.Sprintf("/api/saas/tenants/%d", id), nil).want(t, http.StatusOK).data()["server"]; got != "default" {
			t.Fatalf("with db2 draining, a tenant went to %v", got)
		}
	}
	list = e.serverList()
	if list["db2"]["state"] != "draining" || list["db2"]["free"] != 0.0 || list["default"]["tenants"] != 4.0 {
		t.Fatalf("servers = %v", list)
	}
	// Tenants on a draining server are served as before.
	e.do("GET", fmt.Sprintf("/api/saas/tenants/%d/usage", ids[0]), nil).want(t, http.StatusOK)
}

// TestServersTenantLogin: a tenant placed on the second server signs up,
// logs in and keeps its rows there, under a login of its own made on that
// server (with tenants.db_roles: its role, on that server's shared pool);
// usage, recount, export and deletion reach it there.
func TestServersTenantLogin(t *testing.T) {
	t.Parallel()
	for _, roles := range []bool{false, true} {
		t.Run(map[bool]string{false: "login pools", true: "roles"}[roles], func(t *testing.T) {
			t.Parallel()
			serversTenantLogin(t, roles)
		})
	}
}

func serversTenantLogin(t *testing.T, roles bool) {
	e := newTwoServers(t, 1, 10, func(c *config.Config) { c.Tenants.DBRoles = roles })
	planID := e.createPlan(starter)
	sub, token := e.signup("Far Away", "faraway", planID)
	tn := e.do("GET", "/api/saas/tenants?search=faraway", nil).want(t, http.StatusOK).data()["tenants"].([]any)[0].(map[string]any)
	id, db := int64(tn["id"].(float64)), tn["database"].(string)
	if tn["server"] != "db2" {
		t.Fatalf("tenant on %v, want db2", tn["server"])
	}
	if !slices.Contains(e.logins(e.second), db) || slices.Contains(e.logins(e.app.db.SQL()), db) {
		t.Fatalf("tenant login %s: on db2 %v, on default %v", db, e.logins(e.second), e.logins(e.app.db.SQL()))
	}
	role, pool := db+"_r", e.cfg.Tenants.DBPrefix+"pool"
	if got := slices.Contains(e.logins(e.second), role) && slices.Contains(e.logins(e.second), pool); got != roles {
		t.Fatalf("role %s and pool login %s on db2: %v, want %v (%v)", role, pool, got, roles, e.logins(e.second))
	}
	if slices.Contains(e.logins(e.app.db.SQL()), role) {
		t.Fatalf("role %s made on default too", role)
	}
	login := e.asTenant(sub, "", "POST", "/api/login", map[string]any{"email": "jane@faraway.example.com", "password": "s3cret-pass"}).want(t, http.StatusOK)
	token2 := login.data()["token"].(string)
	for _, tok := range []string{token, token2} {
		e.asTenant(sub, tok, "POST", "/api/v2/customers", map[string]any{"account": "Customer of " + tok[:4]}).want(t, http.StatusCreated)
	}
	var n int
	if err := e.second.QueryRow("SELECT COUNT(*) FROM `" + db + "`.customers").Scan(&n); err != nil || n != 2 {
		t.Fatalf("customers on db2: %d, %v", n, err)
	}
	if used := e.do("GET", fmt.Sprintf("/api/saas/tenants/%d", id), nil).want(t, http.StatusOK).data()["usage"].(map[string]any)["customers"].(map[string]any)["used"]; used != 2.0 {
		t.Fatalf("usage of customers = %v", used)
	}
	if _, err := e.second.Exec("UPDATE `" + db + "`.usage_counters SET used = 7 WHERE resource = 'customers'"); err != nil {
		t.Fatal(err)
	}
	if changed, err := e.app.tenants.Recount(context.Background(), id); err != nil || len(changed[id]) != 1 || changed[id][0].Now != 2 {
		t.Fatalf("recount = %v, %v", changed, err)
	}
	var out strings.Builder
	if err := e.app.tenants.Export(context.Background(), id, &out, false); err != nil || !strings.Contains(out.String(), "Customer of") {
		t.Fatalf("export: %v\n%.300s", err, out.String())
	}
	e.do("DELETE", fmt.Sprintf("/api/saas/tenants/%d", id), nil).want(t, http.StatusOK)
	if _, second := e.on(); slices.Contains(second, db) || slices.Contains(e.logins(e.second), db) || slices.Contains(e.logins(e.second), role) {
		t.Fatalf("after delete, db2 still has %v / logins %v", second, e.logins(e.second))
	}
}

// TestServersFleetAndReconcile: an upgrade's tenant migration reaches the
// tenants of both servers; reconcile undoes an abandoned provisioning on
// the second server there, reports an orphan marked ours on it (and drops
// it with fix), leaves a foreign one alone, and purges a deleted tenant
// whose retention passed from the server it is on.
func TestServersFleetAndReconcile(t *testing.T) {
	t.Parallel()
	e := newTwoServers(t, 10, 10, func(c *config.Config) { c.Tenants.DeleteRetention = time.Hour })
	planID := e.createPlan(starter)
	byServer := map[string][]int64{}
	dbOf := map[int64]string{}
	for i := range 4 {
		id := int64(e.createTenant(planID, fmt.Sprintf("fleet%d", i)).want(t, http.StatusCreated).body["tenant_id"].(float64))
		got := e.do("GET", fmt.Sprintf("/api/saas/tenants/%d", id), nil).want(t, http.StatusOK).data()
		byServer[got["server"].(string)] = append(byServer[got["server"].(string)], id)
		dbOf[id] = got["database"].(string)
	}
	if len(byServer["default"]) != 2 || len(byServer["db2"]) != 2 {
		t.Fatalf("placed %v, want two on each", byServer)
	}

	e.opts = append(e.opts, func(o *appOptions) {
		o.modules = append(o.modules, func(ports.RecordStore) kernel.Module { return nickname{} })
	})
	e.restart()
	run, err := e.app.tenants.MigrateFleet(context.Background(), tenant.MigrateOptions{Concurrency: 1})
	if err != nil || len(run.Migrated) != 4 || len(run.Failed) != 0 {
		t.Fatalf("fleet migration = %+v, %v", run, err)
	}
	for server, ids := range byServer {
		db := e.app.db.SQL()
		if server == "db2" {
			db = e.second
		}
		for _, id := range ids {
			var n int
			if err := db.QueryRow("SELECT COUNT(*) FROM information_schema.columns WHERE table_schema = ? AND table_name = 'customers' AND column_name = 'nickname'", dbOf[id]).Scan(&n); err != nil || n != 1 {
				t.Fatalf("tenant %d on %s: nickname column %d, %v", id, server, n, err)
			}
		}
	}

	// A provisioning on db2 abandoned by a crash, an orphan marked ours
	// and a foreign schema on db2, a deleted tenant past its retention.
	stuck, gone := byServer["db2"][0], byServer["db2"][1]
	if _, err := e.app.db.SQL().Exec("UPDATE tenants SET status = 'provisioning', updated_at = ? WHERE id = ?", time.Now().UTC().Add(-time.Hour), stuck); err != nil {
		t.Fatal(err)
	}
	e.do("DELETE", fmt.Sprintf("/api/saas/tenants/%d", gone), nil).want(t, http.StatusOK)
	if _, err := e.app.db.SQL().Exec("UPDATE tenants SET deleted_at = ? WHERE id = ?", time.Now().UTC().Add(-2*time.Hour), gone); err != nil {
		t.Fatal(err)
	}
	orphan, foreign := e.app.prefix+"990001", e.app.prefix+"990002"
	for _, stmt := range []string{
		"CREATE DATABASE `" + orphan + "`",
		"CREATE TABLE `" + orphan + "`.saasd_owner (installation VARCHAR(64) NOT NULL, tenant_id BIGINT NOT NULL)",
		"CREATE DATABASE `" + foreign + "`",
		"CREATE TABLE `" + foreign + "`.customers (id INT)",
	} {
		if _, err := e.second.Exec(stmt); err != nil {
			t.Fatal(err)
		}
	}
	inst, err := e.app.db.Installation(context.Background(), legacyPrefix)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.second.Exec("INSERT INTO `"+orphan+"`.saasd_owner VALUES (?, 990001)", inst.ID); err != nil {
		t.Fatal(err)
	}
	rec, err := e.app.tenants.Reconcile(context.Background(), false, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(rec.Compensated, []int64{stuck}) || !slices.Equal(rec.Purged, []int64{gone}) ||
		!slices.Equal(rec.Orphans, []string{orphan}) || !slices.Equal(rec.Foreign, []string{foreign}) || len(rec.Missing) != 0 {
		t.Fatalf("reconcile = %+v", rec)
	}
	first, second := e.on()
	if slices.Contains(second, dbOf[stuck]) || slices.Contains(second, dbOf[gone]) || len(first) != 2 {
		t.Fatalf("after reconcile: default %v, db2 %v", first, second)
	}
	if rec, err = e.app.tenants.Reconcile(context.Background(), true, time.Minute); err != nil || !slices.Equal(rec.Dropped, []string{orphan}) {
		t.Fatalf("reconcile --fix = %+v, %v", rec, err)
	}
	if _, second = e.on(); !slices.Equal(second, []string{foreign}) {
		t.Fatalf("db2 after --fix: %v, want only the foreign schema", second)
	}
}

// TestServersUnknownServer: tenants recorded on a server the configuration
// no longer lists stop the start with a message that names it.
func TestServersUnknownServer(t *testing.T) {
	t.Parallel()
	e := newTwoServers(t, 1, 10)
	planID := e.createPlan(starter)
	e.createTenant(planID, "moved").want(t, http.StatusCreated)
	all := e.cfg.Database.Servers
	e.cfg.Database.Servers = all[:1]
	if err := e.app.Close(); err != nil {
		t.Fatal(err)
	}
	_, err := openApp(context.Background(), e.cfg, e.app.logger, e.opts...)
	if err == nil || !strings.Contains(err.Error(), `database server "db2", which is not configured`) {
		t.Fatalf("openApp = %v, want the unconfigured server named", err)
	}
	e.cfg.Database.Servers = all
	e.open() // listed again, it starts
	if core.DefaultServer != "default" {
		t.Fatal("the default server's name changed: upgrades would lose their tenants")
	}
}

// TestServersNoneConfigured: without database.servers every tenant is on
// the control database's server, "default", which has no limit.
func TestServersNoneConfigured(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		e := newEnv(t, b)
		planID := e.createPlan(starter)
		id := int64(e.createTenant(planID, "acme").want(t, http.StatusCreated).body["tenant_id"].(float64))
		if got := e.do("GET", fmt.Sprintf("/api/saas/tenants/%d", id), nil).want(t, http.StatusOK).data()["server"]; got != "default" {
			t.Fatalf("server = %v, want default", got)
		}
		list := e.do("GET", "/api/saas/servers", nil).want(t, http.StatusOK).data()["servers"].([]any)
		if len(list) != 1 {
			t.Fatalf("servers = %v", list)
		}
		if s := list[0].(map[string]any); s["name"] != "default" || s["state"] != "active" || s["tenants"] != 1.0 || s["capacity"] != nil || s["free"] != nil {
			t.Fatalf("server = %v", s)
		}
		// Nowhere to move to: 422 naming the field.
		if r := e.do("POST", fmt.Sprintf("/api/saas/tenants/%d/move", id), map[string]any{"to": "db2"}).want(t, http.StatusUnprocessableEntity); r.field("to") == "" {
			t.Fatalf("move without servers: %s", r.raw)
		}
	})
}

// TestServersSameServerTwice: one server listed under two addresses
// (config cannot tell localhost from 127.0.0.1) stops the start: each
// name's reconcile would take the other's tenants for orphans.
func TestServersSameServerTwice(t *testing.T) {
	t.Parallel()
	server := mysqlServer(t)
	b := backends(t)[1]
	e := newEnv(t, b)
	alias := server.Clone()
	if host, port, ok := strings.Cut(alias.Addr, ":"); ok && host == "127.0.0.1" {
		alias.Addr = "localhost:" + port
	} else {
		t.Skipf("test server %s has no second address to try", alias.Addr)
	}
	e.cfg.Database.Servers = []config.DatabaseServer{{Name: "alias", DSN: alias.FormatDSN(), Capacity: 5}}
	if err := e.cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	if err := e.app.Close(); err != nil {
		t.Fatal(err)
	}
	_, err := openApp(context.Background(), e.cfg, e.app.logger, e.opts...)
	if err == nil || !strings.Contains(err.Error(), "are the same server") {
		t.Fatalf("openApp = %v, want the same server named twice refused", err)
	}
	e.cfg.Database.Servers = nil
	e.open()
}

// TestServersPlacementAcrossReplicas: two replicas creating tenants at the
// same moment on one server of capacity 6 place exactly 6 between them;
// the others answer 503, leaving no row or database behind.
func TestServersPlacementAcrossReplicas(t *testing.T) {
	t.Parallel()
	a := newEnv(t, backends(t)[1], func(c *config.Config) {
		c.Database.Servers = []config.DatabaseServer{{Name: "default", Capacity: 6}}
	})
	b := a.replica()
	planID := a.createPlan(starter)
	var wg sync.WaitGroup
	statuses := make([]int, 16)
	for i := range statuses {
		on := []*env{a, b}[i%2]
		wg.Add(1)
		go func() {
			defer wg.Done()
			statuses[i] = on.createTenant(planID, fmt.Sprintf("edge%d", i)).status
		}()
	}
	wg.Wait()
	created := 0
	for i, s := range statuses {
		switch s {
		case http.StatusCreated:
			created++
		case http.StatusServiceUnavailable:
		default:
			t.Fatalf("create %d: %d", i, s)
		}
	}
	if created != 6 {
		t.Fatalf("%d tenants created by two replicas on a server of capacity 6: %v", created, statuses)
	}
	if total := a.do("GET", "/api/saas/tenants", nil).want(t, http.StatusOK).data()["total"]; total != 6.0 {
		t.Fatalf("%v tenant rows, want 6", total)
	}
	if dbs := a.databases(); len(dbs) != 6 {
		t.Fatalf("databases %v, want 6", dbs)
	}
	if list := b.do("GET", "/api/saas/servers", nil).want(t, http.StatusOK).data()["servers"].([]any); list[0].(map[string]any)["free"] != 0.0 {
		t.Fatalf("servers = %v", list)
	}
}
