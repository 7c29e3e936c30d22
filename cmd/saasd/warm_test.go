package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/saasd/saasd/adapters/mysql"
	"github.com/saasd/saasd/config"
	"github.com/saasd/saasd/core"
	"github.com/saasd/saasd/core/kernel"
	"github.com/saasd/saasd/core/tenant"
	"github.com/saasd/saasd/ports"
)

// warmSteps are the provisioning steps of a tenant that claims a warm
// database: no create, no migrate, no record (the claim, the tenant row
// and activation record it all); MySQL adds the tenant's own login.
func warmSteps(b backend) []string {
	if b.name == "mysql" {
		return []string{"bind_database", "create_user", "seed_admin", "activate"}
	}
	return []string{"bind_database", "seed_admin", "activate"}
}

func withWarmPool(n int) func(*config.Config) {
	return func(c *config.Config) { c.Tenants.WarmPool = n }
}

// refill fills the warm pool as serve's background refill does.
func (e *env) refill() tenant.Refill {
	e.t.Helper()
	r, err := e.app.tenants.RefillPool(context.Background())
	if err != nil {
		e.t.Fatalf("refill: %v", err)
	}
	return r
}

// warmEntries lists the warm pool's entries.
func (e *env) warmEntries() []core.WarmDatabase {
	e.t.Helper()
	list, err := e.app.tenants.WarmPool(context.Background())
	if err != nil {
		e.t.Fatal(err)
	}
	return list
}

// isWarmName reports whether db is named like a warm pool database.
func (e *env) isWarmName(db string) bool { return strings.HasPrefix(db, e.app.prefix+"pool") }

// TestWarmPoolClaim: with a warm pool, a signup and a superadmin create
// each claim a ready database (no create, no migrate), bound to the tenant
// and served as usual, with its own login on MySQL; with the pool empty,
// provisioning takes the normal path; the pool refills; reconcile knows
// the pool's databases and agrees.
func TestWarmPoolClaim(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		ctx := context.Background()
		e := newEnv(t, b, withWarmPool(2))
		planID := e.createPlan(starter)
		if r := e.refill(); r.Added != 2 {
			t.Fatalf("refill = %+v, want 2 added", r)
		}
		pool := e.databases()
		if len(pool) != 2 || !e.isWarmName(pool[0]) || !e.isWarmName(pool[1]) {
			t.Fatalf("databases after refill = %v", pool)
		}
		for _, db := range pool {
			if m, err := e.app.tenantDB.Marker(ctx, db); err != nil || m.TenantID != 0 || m.Installation == "" {
				t.Fatalf("marker of %s = %+v, %v; want this installation's, no tenant's", db, m, err)
			}
		}
		if rec, err := e.app.tenants.Reconcile(ctx, true, 0); err != nil || !rec.Clean() || len(rec.InProgress) != 0 {
			t.Fatalf("reconcile with a full pool = %+v, %v", rec, err)
		}

		sub, token := e.signup("Acme", "acme", planID)
		e.asTenant(sub, token, "POST", "/api/v2/customers", map[string]any{"account": "A"}).want(t, http.StatusCreated)
		created := e.createTenant(planID, "globex").want(t, http.StatusCreated).data()
		normal := e.createTenant(planID, "initech").want(t, http.StatusCreated).data()

		list := e.do("GET", "/api/saas/tenants?per_page=100&sort=id", nil).want(t, http.StatusOK).data()["tenants"].([]any)
		var dbs []string
		for i, want := range []string{"acme", "globex", "initech"} {
			tn := list[i].(map[string]any)
			id, db := int64(tn["id"].(float64)), tn["database"].(string)
			if tn["subdomain"] != want || tn["schema_version"] != float64(e.app.tenantDB.Version()) {
				t.Fatalf("tenant %d = %v", i, tn)
			}
			dbs = append(dbs, db)
			if m, err := e.app.tenantDB.Marker(ctx, db); err != nil || m.TenantID != id {
				t.Fatalf("marker of %s = %+v, %v; want tenant %d's", db, m, err, id)
			}
			steps, _ := e.app.steps.Steps(ctx, id)
			var got []string
			for _, s := range steps {
				got = append(got, s.Step)
			}
			want := warmSteps(b)
			if i == 2 {
				want = sagaSteps(b)
			}
			if !slices.Equal(got, want) {
				t.Fatalf("steps of %s = %v, want %v", tn["subdomain"], got, want)
			}
		}
		if !slices.Contains(pool, dbs[0]) || !slices.Contains(pool, dbs[1]) || dbs[0] == dbs[1] {
			t.Fatalf("claimed %v from the pool %v", dbs[:2], pool)
		}
		if created["database"] != dbs[1] || normal["database"] != e.app.tenantDB.Name(core.Tenant{ID: int64(normal["id"].(float64))}) {
			t.Fatalf("create answers: %v, %v", created, normal)
		}
		for _, w := range e.warmEntries() {
			if w.State != core.WarmClaimed || (w.Database != dbs[0] && w.Database != dbs[1]) {
				t.Fatalf("entry after the claims: %+v", w)
			}
		}
		if b.name == "mysql" {
			// The claimed schema is reached through the tenant's own login.
			var grants int
			if err := e.app.db.SQL().QueryRow("SELECT COUNT(*) FROM mysql.db WHERE Db = ? AND User = ?", dbs[0], e.app.prefix+fmt.Sprint(list[0].(map[string]any)["id"])).Scan(&grants); err != nil || grants != 1 {
				t.Fatalf("grant of %s to its tenant's login: %d, %v", dbs[0], grants, err)
			}
		}

		// The pool refills (forgetting the claimed entries), reconcile
		// knows its databases, and the tenants'.
		if r := e.refill(); r.Added != 2 {
			t.Fatalf("second refill = %+v", r)
		}
		for _, w := range e.warmEntries() {
			if w.State != core.WarmReady || slices.Contains(dbs, w.Database) {
				t.Fatalf("entry after the refill: %+v", w)
			}
		}
		if got := len(e.databases()); got != 5 {
			t.Fatalf("%d databases, want 3 tenants' and 2 warm ones", got)
		}
		if rec, err := e.app.tenants.Reconcile(ctx, true, 0); err != nil || !rec.Clean() {
			t.Fatalf("reconcile = %+v, %v", rec, err)
		}
		// A claimed database goes with its tenant like any other.
		e.do("DELETE", fmt.Sprintf("/api/saas/tenants/%v", list[0].(map[string]any)["id"]), nil).want(t, http.StatusOK)
		if slices.Contains(e.databases(), dbs[0]) {
			t.Fatalf("%s left after its tenant was deleted", dbs[0])
		}
		// Turned off, the pool is discarded and nothing is claimed.
		e.cfg.Tenants.WarmPool = 0
		e.restart()
		if r := e.refill(); r.Discarded != 2 || r.Added != 0 {
			t.Fatalf("refill with the pool off = %+v", r)
		}
		off := e.createTenant(planID, "hooli").want(t, http.StatusCreated).data()
		if e.isWarmName(off["database"].(string)) || len(e.warmEntries()) != 0 {
			t.Fatalf("with the pool off: %v, entries %+v", off, e.warmEntries())
		}
	})
}

// provisionerOn is the provisioner of the tenant databases on server.
func (e *twoServers) provisionerOn(server string) *mysql.Provisioner {
	e.t.Helper()
	p, err := e.app.tenantDB.(*mysql.Provisioner).On(server)
	if err != nil {
		e.t.Fatal(err)
	}
	return p
}

// warmOn counts the warm pool entries on each server, by state.
func (e *env) warmOn() map[string]map[core.WarmState]int {
	e.t.Helper()
	out := map[string]map[core.WarmState]int{}
	for _, w := range e.warmEntries() {
		if out[w.Server] == nil {
			out[w.Server] = map[core.WarmState]int{}
		}
		out[w.Server][w.State]++
	}
	return out
}

// signupRush signs n tenants up at once through POST /api/register and
// fails the test unless every one is created.
func (e *env) signupRush(n int, planID int64) {
	e.t.Helper()
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sub := fmt.Sprintf("rush%02d", i)
			body, _ := json.Marshal(map[string]any{
				"name": "Jane Admin", "email": "jane@" + sub + ".example.com", "mobile": "+1 555 0100", "company": "Rush " + sub,
				"password": "s3cret-pass", "c_password": "s3cret-pass", "subdomain": sub, "plan_id": planID,
			})
			req := httptest.NewRequest("POST", "/api/register", bytes.NewReader(body))
			req.Header.Set("Content-Type", "application/json")
			rec := httptest.NewRecorder()
			e.app.server.Handler().ServeHTTP(rec, req)
			if rec.Code != http.StatusCreated {
				errs[i] = fmt.Errorf("signup %s: %d %s", sub, rec.Code, rec.Body.String())
			}
		}()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		e.t.Fatal(err)
	}
}

// TestWarmPoolConcurrentSignups: 50 signups at once, placed over two
// servers with a pool of 10 each: twenty claim a warm database (ten on
// each server), never one twice, the others take the normal path; every
// tenant is served from its own database, marked as its own on its
// server. (The claim itself under 50 claimers at once over two servers is
// also tested on the store: portstest.)
func TestWarmPoolConcurrentSignups(t *testing.T) {
	const signups, size = 50, 10
	ctx := context.Background()
	// Forty databases made at once on a shared machine: slow, not wrong.
	e := newTwoServers(t, 30, 30, withWarmPool(size), func(c *config.Config) { c.HTTP.RequestTimeout = 3 * time.Minute })
	planID := e.createPlan(starter)
	if r := e.refill(); r.Added != 2*size {
		t.Fatalf("refill = %+v, want %d added", r, 2*size)
	}
	e.signupRush(signups, planID)
	all, total, err := e.app.tenants.List(ctx, core.TenantFilter{Page: 1, PerPage: 100})
	if err != nil || total != signups {
		t.Fatalf("tenants = %d, %v", total, err)
	}
	seen, warm := map[string]int64{}, map[string]int{}
	for _, tn := range all {
		key := tn.Server + "/" + tn.Database
		if other, ok := seen[key]; ok {
			t.Fatalf("tenants %d and %d share database %s", other, tn.ID, key)
		}
		seen[key] = tn.ID
		if e.isWarmName(tn.Database) {
			warm[tn.Server]++
		}
		if m, err := e.provisionerOn(tn.Server).Marker(ctx, tn.Database); err != nil || m.TenantID != tn.ID {
			t.Fatalf("marker of %s = %+v, %v; want tenant %d's", key, m, err, tn.ID)
		}
	}
	if warm["default"] != size || warm["db2"] != size {
		t.Fatalf("warm databases claimed per server: %v, want %d on each", warm, size)
	}
	for _, w := range e.warmEntries() {
		if w.State != core.WarmClaimed {
			t.Fatalf("entry left unclaimed: %+v", w)
		}
	}
	if first, second := e.on(); len(first)+len(second) != signups {
		t.Fatalf("%d + %d databases for %d tenants", len(first), len(second), signups)
	}
	if rec, err := e.app.tenants.Reconcile(ctx, false, 0); err != nil || !rec.Clean() {
		t.Fatalf("reconcile = %+v, %v", rec, err)
	}
}

// TestWarmPoolServers: each active server keeps the pool's size ready, no
// more than it has room for tenants, and ready databases do not count
// against its capacity; a tenant claims one on the server it is placed
// on, reached through its own login there; a full or draining server's
// ready databases are dropped at the next refill; reconcile agrees on
// both servers; and the refill's lease fits even the longest server name.
func TestWarmPoolServers(t *testing.T) {
	ctx := context.Background()
	e := newTwoServers(t, 10, 1, withWarmPool(2))
	planID := e.createPlan(starter)
	if r := e.refill(); r.Added != 3 {
		t.Fatalf("refill = %+v, want 2 on default and 1 on db2 (its room)", r)
	}
	first, second := e.on()
	if len(first) != 2 || len(second) != 1 || !e.isWarmName(second[0]) {
		t.Fatalf("databases after refill: %v, %v", first, second)
	}
	for name, srv := range e.serverList() {
		if srv["tenants"] != 0.0 {
			t.Fatalf("server %s counts %v tenants: warm databases must not count", name, srv["tenants"])
		}
	}
	if rec, err := e.app.tenants.Reconcile(ctx, true, 0); err != nil || !rec.Clean() {
		t.Fatalf("reconcile with full pools = %+v, %v", rec, err)
	}

	// db2 has the most room: the signup lands there and claims its warm database.
	e.servers(1, 5, "active")
	sub, token := e.signup("Acme", "acme", planID)
	e.asTenant(sub, token, "POST", "/api/v2/customers", map[string]any{"account": "A"}).want(t, http.StatusCreated)
	acme := e.do("GET", "/api/saas/tenants?search=acme", nil).want(t, http.StatusOK).data()["tenants"].([]any)[0].(map[string]any)
	id, db := int64(acme["id"].(float64)), acme["database"].(string)
	if acme["server"] != "db2" || db != second[0] {
		t.Fatalf("tenant = %v; want db2's warm database %s", acme, second[0])
	}
	if m, err := e.provisionerOn("db2").Marker(ctx, db); err != nil || m.TenantID != id {
		t.Fatalf("marker of %s = %+v, %v", db, m, err)
	}
	if logins := e.logins(e.second); !slices.Contains(logins, e.app.prefix+fmt.Sprint(id)) {
		t.Fatalf("logins on db2 = %v", logins)
	}
	var grants int
	if err := e.second.QueryRow("SELECT COUNT(*) FROM mysql.db WHERE Db = ? AND User = ?", db, e.app.prefix+fmt.Sprint(id)).Scan(&grants); err != nil || grants != 1 {
		t.Fatalf("grant of %s to its tenant's login on db2: %d, %v", db, grants, err)
	}
	// The same signup again is refused as any other, and claims nothing.
	body := map[string]any{"name": "Jane Admin", "email": "jane@acme.example.com", "mobile": "+1 555 0100", "company": "Acme",
		"password": "s3cret-pass", "c_password": "s3cret-pass", "subdomain": "acme", "plan_id": planID}
	if r := e.do("POST", "/api/register", body); r.status < 400 || r.status >= 500 {
		t.Fatalf("second signup for acme = %d %s", r.status, r.raw)
	}
	// default (1 of 1 free) keeps 1, db2 (4 of 5 free) 2.
	if r := e.refill(); r.Added != 2 || r.Discarded != 1 {
		t.Fatalf("refill after the claim = %+v", r)
	}
	if on := e.warmOn(); on["default"][core.WarmReady] != 1 || on["db2"][core.WarmReady] != 2 || on["db2"][core.WarmClaimed] != 0 {
		t.Fatalf("pool after the refill = %v", on)
	}
	// db2 full: the next tenant lands on default, claiming its warm database.
	e.servers(1, 1, "active")
	globex := e.createTenant(planID, "globex").want(t, http.StatusCreated).data()
	if globex["server"] != "default" || !e.isWarmName(globex["database"].(string)) {
		t.Fatalf("globex = %v", globex)
	}
	// Both full, db2 draining too: their ready databases go, and a create
	// is refused with 503, claiming nothing.
	e.servers(1, 1, "draining")
	if r := e.refill(); r.Discarded != 2 || r.Added != 0 {
		t.Fatalf("refill with default full and db2 draining = %+v", r)
	}
	if n := len(e.warmEntries()); n != 0 {
		t.Fatalf("%d entries left", n)
	}
	e.createTenant(planID, "initech").want(t, http.StatusServiceUnavailable)
	if first, second := e.on(); !slices.Equal(first, []string{globex["database"].(string)}) || !slices.Equal(second, []string{db}) {
		t.Fatalf("databases: %v, %v; want globex's and acme's", first, second)
	}
	if rec, err := e.app.tenants.Reconcile(ctx, true, 0); err != nil || !rec.Clean() {
		t.Fatalf("reconcile = %+v, %v", rec, err)
	}
	// The longest server name's lease fits the lease table.
	name := tenant.LeaseName("warm-pool:" + strings.Repeat("s", 32))
	if ok, err := e.app.billingStore.Lease(ctx, name, "test", time.Minute); err != nil || !ok {
		t.Fatalf("lease %q: %v, %v", name, ok, err)
	}
	if _, ran, err := e.app.tenants.RefillPoolLeased(ctx); err != nil || !ran {
		t.Fatalf("leased refill: ran %v, %v", ran, err)
	}
}

// TestWarmPoolServersMigrateAndMove: a release that adds a tenant
// migration brings the ready databases of both servers along; a tenant
// on a claimed warm database moves to the other server and its old copy
// (not named for it) is dropped, also by reconcile when the move died
// after its switch; a claimed database goes with its tenant on either
// server.
func TestWarmPoolServersMigrateAndMove(t *testing.T) {
	ctx := context.Background()
	e := newTwoServers(t, 10, 10, withWarmPool(1))
	e.opts = append(e.opts, quickMoves)
	e.restart()
	planID := e.createPlan(starter)
	e.refill()
	sub, token := e.signup("Acme", "acme", planID)
	sub2, token2 := e.signup("Globex", "globex", planID)
	tenants := e.do("GET", "/api/saas/tenants?sort=id", nil).want(t, http.StatusOK).data()["tenants"].([]any)
	acme, globex := tenants[0].(map[string]any), tenants[1].(map[string]any)
	if acme["server"] == globex["server"] || !e.isWarmName(acme["database"].(string)) || !e.isWarmName(globex["database"].(string)) {
		t.Fatalf("tenants = %v, %v; want one warm database on each server", acme, globex)
	}
	e.refill()

	// The next release adds a tenant migration: the fleet takes the ready ones of both servers.
	e.opts = append(e.opts, func(o *appOptions) {
		o.modules = append(o.modules, func(ports.RecordStore) kernel.Module { return nickname{} })
	})
	e.restart()
	after := e.app.tenantDB.Version()
	if dry, err := e.app.tenants.MigrateFleet(ctx, tenant.MigrateOptions{DryRun: true}); err != nil || dry.WarmPending != 2 {
		t.Fatalf("dry run = %+v, %v", dry, err)
	}
	if run, err := e.app.tenants.MigrateFleet(ctx, tenant.MigrateOptions{Concurrency: 2}); err != nil || run.WarmMigrated != 2 || len(run.Migrated) != 2 {
		t.Fatalf("fleet migration = %+v, %v", run, err)
	}
	for _, w := range e.warmEntries() {
		if w.State != core.WarmReady || w.SchemaVersion != after {
			t.Fatalf("entry after the migration = %+v, want ready at %d", w, after)
		}
	}

	// Move the tenant on default to db2 and back: its warm database's old copy goes.
	onDefault, sDefault, tokDefault := acme, sub, token
	if acme["server"] != "default" {
		onDefault, sDefault, tokDefault = globex, sub2, token2
	}
	id, warmDB := int64(onDefault["id"].(float64)), onDefault["database"].(string)
	e.asTenant(sDefault, tokDefault, "POST", "/api/v2/customers", map[string]any{"account": "Moved"}).want(t, http.StatusCreated)
	if _, err := e.app.tenants.Move(ctx, id, "db2"); err != nil {
		t.Fatal(err)
	}
	if first, _ := e.on(); slices.Contains(first, warmDB) {
		t.Fatalf("old copy %s left on default: %v", warmDB, first)
	}
	e.asTenant(sDefault, tokDefault, "GET", "/api/v2/customers", nil).want(t, http.StatusOK)

	// The other tenant (on a warm database of db2) moves to default and
	// the process dies right after the switch: reconcile finds the old
	// copy by its marker and drops it.
	other := globex
	if other["id"] == onDefault["id"] {
		other = acme
	}
	otherID, otherDB := int64(other["id"].(float64)), other["database"].(string)
	e.opts = append(e.opts, withFault(func(_ context.Context, step string) error {
		if step == "move_switch" {
			return errors.New("process killed")
		}
		return nil
	}))
	e.restart()
	if _, err := e.app.tenants.Move(ctx, otherID, "default"); err == nil {
		t.Fatal("move with a fault after its switch succeeded")
	}
	e.opts = e.opts[:len(e.opts)-1]
	e.restart()
	if _, second := e.on(); !slices.Contains(second, otherDB) {
		t.Fatalf("the old copy %s is not left on db2: %v", otherDB, second)
	}
	rec, err := e.app.tenants.Reconcile(ctx, true, 0)
	if err != nil || !slices.Equal(rec.Moves, []int64{otherID}) || len(rec.Orphans)+len(rec.Missing)+len(rec.Foreign) != 0 {
		t.Fatalf("reconcile = %+v, %v", rec, err)
	}
	if _, second := e.on(); slices.Contains(second, otherDB) {
		t.Fatalf("old copy %s left on db2 after reconcile: %v", otherDB, second)
	}
	if rec, err := e.app.tenants.Reconcile(ctx, true, 0); err != nil || !rec.Clean() {
		t.Fatalf("second reconcile = %+v, %v", rec, err)
	}

	// A tenant that claimed db2's warm database is deleted: its database goes.
	e.servers(1, 10, "active") // default is full now: the next goes to db2
	claimed := e.createTenant(planID, "initech").want(t, http.StatusCreated).data()
	if claimed["server"] != "db2" || !e.isWarmName(claimed["database"].(string)) {
		t.Fatalf("initech = %v", claimed)
	}
	e.do("DELETE", fmt.Sprintf("/api/saas/tenants/%v", claimed["id"]), nil).want(t, http.StatusOK)
	if _, second := e.on(); slices.Contains(second, claimed["database"].(string)) {
		t.Fatalf("%s left on db2 after its tenant was deleted", claimed["database"])
	}
}

// TestWarmPoolFaultAtEachStep: a claimed provisioning failing at any step
// leaves nothing: no tenant row, no database (the claimed one is dropped,
// bound or not), no pool entry; the next create claims a new one.
func TestWarmPoolFaultAtEachStep(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		e := newEnv(t, b, withWarmPool(1))
		failAt := e.faultAt()
		planID := e.createPlan(starter)
		for _, step := range warmSteps(b) {
			e.refill()
			failAt(step)
			r := e.createTenant(planID, "acme").want(t, http.StatusInternalServerError)
			if total := e.do("GET", "/api/saas/tenants", nil).data()["total"]; total != 0.0 {
				t.Fatalf("fault at %s left a tenant row (%s)", step, r.raw)
			}
			if dbs := e.databases(); len(dbs) != 0 {
				t.Fatalf("fault at %s left databases %v", step, dbs)
			}
			if w := e.warmEntries(); len(w) != 0 {
				t.Fatalf("fault at %s left pool entries %+v", step, w)
			}
		}
		failAt("")
		e.refill()
		if db := e.createTenant(planID, "acme").want(t, http.StatusCreated).data()["database"].(string); !e.isWarmName(db) {
			t.Fatalf("database %s, want a warm one", db)
		}
	})
}

// TestWarmPoolCrashDuringClaim freezes a claimed provisioning after each
// step, as a killed process leaves it: reconcile undoes it, whether the
// database was bound to the tenant yet or not, and leaves nothing behind.
func TestWarmPoolCrashDuringClaim(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		steps := warmSteps(b)
		for _, step := range steps[:len(steps)-1] {
			t.Run(step, func(t *testing.T) {
				e := newEnv(t, b, withWarmPool(1))
				reached := e.killAt(t, step)
				planID := e.createPlan(starter)
				e.refill()
				e.crashCreate(t, reached, planID, step)
				// Young, it is left alone: another replica may be at work.
				rec, err := e.app.tenants.Reconcile(context.Background(), true, time.Hour)
				if err != nil || len(rec.InProgress) != 1 || len(rec.Orphans)+len(rec.WarmRemoved) != 0 || len(e.databases()) != 1 {
					t.Fatalf("reconcile of a young claim = %+v, %v; databases %v", rec, err, e.databases())
				}
				rec, err = e.app.tenants.Reconcile(context.Background(), false, 0)
				if err != nil || len(rec.Compensated) != 1 || len(rec.Orphans)+len(rec.Missing)+len(rec.WarmBroken) != 0 {
					t.Fatalf("reconcile = %+v, %v", rec, err)
				}
				if dbs := e.databases(); len(dbs) != 0 {
					t.Fatalf("databases after reconcile: %v", dbs)
				}
				if w := e.warmEntries(); len(w) != 0 {
					t.Fatalf("pool entries after reconcile: %+v", w)
				}
				if rec, err := e.app.tenants.Reconcile(context.Background(), true, 0); err != nil || !rec.Clean() {
					t.Fatalf("second reconcile = %+v, %v", rec, err)
				}
			})
		}
	})
}

// TestWarmPoolReconcile: reconcile tells broken pool entries (database
// gone, marker changed) and removes them with --fix, removes entries a
// crashed refill abandoned half-way, and takes a warm database whose entry
// is gone for an orphan of this installation, not a foreign one.
func TestWarmPoolReconcile(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		ctx := context.Background()
		e := newEnv(t, b, withWarmPool(4))
		e.refill()
		list := e.warmEntries()
		gone, remarked, unrecorded, abandoned := list[0], list[1], list[2], list[3]
		// Gone behind saasd's back.
		if b.name == "mysql" {
			if _, err := e.app.db.SQL().Exec("DROP DATABASE `" + gone.Database + "`"); err != nil {
				t.Fatal(err)
			}
		} else if err := os.Remove(filepath.Join(e.cfg.Tenants.DataDir, gone.Database)); err != nil {
			t.Fatal(err)
		}
		e.tenantExec(remarked.Database, "UPDATE {db}.saasd_owner SET installation = 'someone-else'")
		exec := func(q string, args ...any) {
			t.Helper()
			if _, err := e.app.db.SQL().Exec(q, args...); err != nil {
				t.Fatal(err)
			}
		}
		exec("DELETE FROM warm_databases WHERE id = ?", unrecorded.ID)
		exec("UPDATE warm_databases SET state = 'creating', updated_at = ? WHERE id = ?", time.Now().UTC().Add(-time.Hour), abandoned.ID)

		rec, err := e.app.tenants.Reconcile(ctx, false, 10*time.Minute)
		if err != nil {
			t.Fatal(err)
		}
		wantBroken := []string{gone.Database + ": its database is missing", remarked.Database + ": its database is not marked as this installation's unclaimed one"}
		if !slices.Equal(rec.WarmBroken, wantBroken) || !slices.Equal(rec.WarmRemoved, []string{abandoned.Database}) ||
			!slices.Equal(rec.Orphans, []string{unrecorded.Database}) || len(rec.Foreign) != 0 || len(rec.Dropped) != 0 {
			t.Fatalf("reconcile = %+v", rec)
		}
		rec, err = e.app.tenants.Reconcile(ctx, true, 10*time.Minute)
		if err != nil || !slices.Equal(rec.WarmRemoved, []string{gone.Database, remarked.Database}) || !slices.Equal(rec.Dropped, []string{unrecorded.Database}) {
			t.Fatalf("reconcile --fix = %+v, %v", rec, err)
		}
		// What is left: the database marked by someone else, foreign now and never touched.
		if dbs := e.databases(); !slices.Equal(dbs, []string{remarked.Database}) {
			t.Fatalf("databases after --fix = %v", dbs)
		}
		rec, err = e.app.tenants.Reconcile(ctx, true, 10*time.Minute)
		if err != nil || !slices.Equal(rec.Foreign, []string{remarked.Database}) || len(rec.WarmBroken)+len(rec.WarmRemoved)+len(rec.Orphans) != 0 {
			t.Fatalf("third reconcile = %+v, %v", rec, err)
		}
		if len(e.warmEntries()) != 0 {
			t.Fatalf("entries left: %+v", e.warmEntries())
		}
		if r := e.refill(); r.Added != 4 {
			t.Fatalf("refill after repair = %+v", r)
		}
	})
}

// TestWarmPoolUpgrade: a release that adds a tenant migration brings the
// ready warm databases to the new version too (the fleet migration, and
// the refill), so no tenant claims a stale one; until then none is claimed.
func TestWarmPoolUpgrade(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		ctx := context.Background()
		e := newEnv(t, b, withWarmPool(2))
		planID := e.createPlan(starter)
		e.refill()
		before := e.app.tenantDB.Version()
		e.opts = append(e.opts, func(o *appOptions) {
			o.modules = append(o.modules, func(ports.RecordStore) kernel.Module { return nickname{} })
		})
		e.restart()
		after := e.app.tenantDB.Version()
		// Stale entries are not claimed: this tenant takes the normal path.
		if db := e.createTenant(planID, "early").want(t, http.StatusCreated).data()["database"].(string); e.isWarmName(db) {
			t.Fatalf("a tenant claimed stale warm database %s", db)
		}
		dry, err := e.app.tenants.MigrateFleet(ctx, tenant.MigrateOptions{DryRun: true})
		if err != nil || dry.WarmPending != 2 {
			t.Fatalf("dry run = %+v, %v", dry, err)
		}
		run, err := e.app.tenants.MigrateFleet(ctx, tenant.MigrateOptions{Concurrency: 2})
		if err != nil || run.WarmMigrated != 2 || run.WarmDiscarded != 0 {
			t.Fatalf("fleet migration = %+v, %v", run, err)
		}
		for _, w := range e.warmEntries() {
			if w.SchemaVersion != after || w.State != core.WarmReady || after <= before {
				t.Fatalf("entry after migration = %+v (versions %d -> %d)", w, before, after)
			}
		}
		sub, token := e.signup("Late", "late", planID)
		e.asTenant(sub, token, "POST", "/api/v2/customers", map[string]any{"account": "A"}).want(t, http.StatusCreated)
		tn, err := e.app.tenants.Get(ctx, int64(e.do("GET", "/api/saas/tenants?search=late", nil).want(t, http.StatusOK).data()["tenants"].([]any)[0].(map[string]any)["id"].(float64)))
		if err != nil || !e.isWarmName(tn.Database) || tn.SchemaVersion != after {
			t.Fatalf("late tenant = %+v, %v", tn, err)
		}
		// The migrated database has the new column.
		e.tenantExec(tn.Database, "UPDATE {db}.customers SET nickname = 'x'")
	})
}

// TestWarmPoolRefillsInBackground: serve fills the pool, refills it right
// after a signup claims from it, and of two replicas one refills at a
// time (the lease): the pool holds its size, not twice it.
func TestWarmPoolRefillsInBackground(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		e := newEnv(t, b, withWarmPool(2), func(c *config.Config) { c.Billing.Interval, c.Webhooks.Interval = 0, 0 })
		r := e.replica()
		planID := e.createPlan(starter)
		ctx, cancel := context.WithCancel(context.Background())
		t.Cleanup(cancel)
		ready := func() bool {
			n := 0
			for _, w := range e.warmEntries() {
				if w.State != core.WarmReady {
					return false
				}
				n++
			}
			return n == 2
		}
		e.app.background(ctx)
		r.app.background(ctx)
		seenWithin(t, time.Minute, "a full warm pool", ready)
		sub, _ := r.signup("Acme", "acme", planID)
		tn, _, err := r.app.tenants.List(context.Background(), core.TenantFilter{Search: sub, Page: 1, PerPage: 10})
		if err != nil || len(tn) != 1 || !e.isWarmName(tn[0].Database) {
			t.Fatalf("signup = %+v, %v; want a warm database", tn, err)
		}
		seenWithin(t, time.Minute, "the warm pool refilled", ready)
		if n := len(e.databases()); n != 3 {
			t.Fatalf("%d databases: want the tenant's and 2 warm ones", n)
		}
	})
}

// TestWarmPoolReconcileCommand: `saasd tenants reconcile` names a broken
// warm pool entry, removes it with --fix, and then agrees.
func TestWarmPoolReconcileCommand(t *testing.T) {
	t.Parallel()
	e := newEnv(t, sqliteOnly(t), withWarmPool(1))
	e.refill()
	gone := e.warmEntries()[0].Database
	if err := os.Remove(filepath.Join(e.cfg.Tenants.DataDir, gone)); err != nil {
		t.Fatal(err)
	}
	config := filepath.Join(t.TempDir(), "saasd.yaml")
	yaml := fmt.Sprintf("database:\n  dsn: %s\ntenants:\n  data_dir: %s\n  key_file: %s\n  warm_pool: 1\nlog:\n  level: error\n",
		e.cfg.Database.DSN, e.cfg.Tenants.DataDir, e.cfg.Tenants.KeyFile)
	if err := os.WriteFile(config, []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"tenants", "reconcile"}, gone + ": its database is missing: broken warm pool entry (run with --fix to remove it)"},
		{[]string{"tenants", "reconcile", "--fix"}, gone + ": its database is missing: broken warm pool entry removed"},
		{[]string{"tenants", "reconcile"}, "control database and tenant databases agree"},
	} {
		if out, err := run(t, config, c.args...); err != nil || !strings.Contains(out, c.want) {
			t.Fatalf("%v: %q, %v; want %q", c.args, out, err, c.want)
		}
	}
}

// TestWarmPoolServerRemoved: warm databases on a server taken out of
// database.servers are reported by reconcile, never touched; with the
// server back, draining, the next refill drops them.
func TestWarmPoolServerRemoved(t *testing.T) {
	ctx := context.Background()
	e := newTwoServers(t, 10, 10, withWarmPool(1))
	if r := e.refill(); r.Added != 2 {
		t.Fatalf("refill = %+v, want one on each server", r)
	}
	_, second := e.on()
	db2 := e.cfg.Database.Servers[1]
	e.cfg.Database.Servers = e.cfg.Database.Servers[:1]
	e.restart()
	rec, err := e.app.tenants.Reconcile(ctx, true, 0)
	if err != nil || len(second) != 1 || !slices.Equal(rec.WarmUnreachable, []string{second[0] + " (ready) on db2"}) || len(rec.WarmRemoved) != 0 {
		t.Fatalf("reconcile without db2 = %+v, %v; db2 holds %v", rec, err, second)
	}
	if _, now := e.on(); !slices.Equal(now, second) {
		t.Fatalf("db2's databases after reconcile --fix without it: %v, want %v", now, second)
	}
	db2.State = "draining"
	e.cfg.Database.Servers = append(e.cfg.Database.Servers, db2)
	e.restart()
	e.refill()
	if _, now := e.on(); len(now) != 0 {
		t.Fatalf("db2's databases after a refill with it draining: %v", now)
	}
	if rec, err := e.app.tenants.Reconcile(ctx, true, 0); err != nil || !rec.Clean() {
		t.Fatalf("reconcile = %+v, %v", rec, err)
	}
}
