package main

import (
	"context"
	"database/sql"
	"errors"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/saasd/saasd/adapters/gormstore"
	"github.com/saasd/saasd/core"
	"github.com/saasd/saasd/core/tenant"
)

// sagaSteps are the provisioning steps on a backend; MySQL adds the
// tenant's own login.
func sagaSteps(b backend) []string {
	if b.name == "mysql" {
		return []string{"create_database", "record_database", "create_user", "record_user", "migrate", "seed_admin", "activate"}
	}
	return []string{"create_database", "record_database", "migrate", "seed_admin", "activate"}
}

func withFault(hook func(ctx context.Context, step string) error) appOption {
	return func(o *appOptions) { o.tenant = append(o.tenant, tenant.WithFaultHook(hook)) }
}

// faultAt restarts e with a fault hook and returns its switch: the
// provisioning step named last fails (none until it is called).
func (e *env) faultAt() (failAt func(step string)) {
	var mu sync.Mutex
	var at string
	e.opts = append(e.opts, withFault(func(_ context.Context, step string) error {
		mu.Lock()
		defer mu.Unlock()
		if step == at {
			return errors.New("injected fault at " + step)
		}
		return nil
	}))
	e.restart()
	return func(step string) {
		mu.Lock()
		defer mu.Unlock()
		at = step
	}
}

// TestProvisioningFaultAtEachStep: a step failing undoes the ones before it,
// so no tenant row and no database remain, and the log tells the story.
func TestProvisioningFaultAtEachStep(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		e := newEnv(t, b)
		failAt := e.faultAt()
		planID := e.createPlan(starter)
		for _, step := range sagaSteps(b) {
			failAt(step)
			r := e.createTenant(planID, "acme").want(t, http.StatusInternalServerError)
			if total := e.do("GET", "/api/saas/tenants", nil).data()["total"]; total != 0.0 {
				t.Fatalf("fault at %s left a tenant row (%s)", step, r.raw)
			}
			if dbs := e.databases(); len(dbs) != 0 {
				t.Fatalf("fault at %s left databases %v", step, dbs)
			}
		}
		// The log of the last attempt: every step done, a fault after activate, the database undone.
		steps, err := e.app.steps.Steps(context.Background(), int64(len(sagaSteps(b))))
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, s := range steps {
			got = append(got, s.Step+":"+s.Outcome)
		}
		var want []string
		for _, st := range sagaSteps(b) {
			want = append(want, st+":done")
		}
		want = append(want, "after_activate:failed")
		if b.name == "mysql" {
			want = append(want, "create_user:undone")
		}
		want = append(want, "create_database:undone")
		if !slices.Equal(got, want) {
			t.Fatalf("steps = %v, want %v", got, want)
		}
		failAt("")
		e.createTenant(planID, "acme").want(t, http.StatusCreated)
	})
}

// TestCrashDuringProvisioning freezes provisioning after each step in turn,
// as a killed process would leave it, then restarts saasd on the same
// databases: after reconcile there is no orphan database and no tenant
// without its database.
func TestCrashDuringProvisioning(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		steps := sagaSteps(b)
		for _, step := range steps[:len(steps)-1] {
			t.Run(step, func(t *testing.T) {
				e := newEnv(t, b)
				reached := e.killAt(t, step)
				planID := e.createPlan(starter)
				e.crashCreate(t, reached, planID, step)
				rec, err := e.app.tenants.Reconcile(context.Background(), false, 0)
				if err != nil {
					t.Fatal(err)
				}
				if len(rec.Compensated) != 1 || len(rec.Orphans) != 0 || len(rec.Missing) != 0 {
					t.Fatalf("reconcile = %+v", rec)
				}
				if dbs := e.databases(); len(dbs) != 0 {
					t.Fatalf("orphan databases after reconcile: %v", dbs)
				}
				if total := e.do("GET", "/api/saas/tenants", nil).data()["total"]; total != 0.0 {
					t.Fatalf("tenant rows after reconcile: %v", total)
				}
				// And a second pass finds nothing to do.
				if rec, err := e.app.tenants.Reconcile(context.Background(), true, 0); err != nil || !rec.Clean() {
					t.Fatalf("second reconcile = %+v, %v", rec, err)
				}
				e.createTenant(planID, "acme").want(t, http.StatusCreated)
			})
		}
	})
}

// TestReconcileOrphans: a database marked as this installation's with no
// tenant is reported, dropped only with fix, its login with it; one named
// like a tenant's without our marker is foreign and never touched, even
// with fix; a ready tenant whose database vanished is reported as missing.
func TestReconcileOrphans(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		e := newEnv(t, b)
		planID := e.createPlan(starter)
		r := e.createTenant(planID, "acme").want(t, http.StatusCreated)
		kept := r.data()["database"].(string)
		ctx := context.Background()
		// What a tenant whose row is gone left behind: its marked database.
		orphan, err := e.app.tenantDB.Create(ctx, core.Tenant{ID: 999})
		if err != nil {
			t.Fatal(err)
		}
		foreign := e.strayDatabase("998", "x")
		if b.name == "mysql" {
			// The gone tenant's login.
			if _, err := e.app.db.SQL().Exec("CREATE USER '" + orphan + "'@'%' IDENTIFIED BY 'x'"); err != nil {
				t.Fatal(err)
			}
		}
		rec, err := e.app.tenants.Reconcile(ctx, false, time.Hour)
		if err != nil || !slices.Equal(rec.Orphans, []string{orphan}) || !slices.Equal(rec.Foreign, []string{foreign}) || len(rec.Dropped) != 0 {
			t.Fatalf("reconcile = %+v, %v", rec, err)
		}
		if dbs := e.databases(); len(dbs) != 3 {
			t.Fatalf("reconcile without fix dropped something: %v", dbs)
		}
		wantDropped := []string{orphan}
		if b.name == "mysql" {
			if !slices.Equal(rec.OrphanUsers, []string{orphan}) {
				t.Fatalf("orphan logins = %v", rec.OrphanUsers)
			}
			wantDropped = append(wantDropped, orphan)
		}
		rec, err = e.app.tenants.Reconcile(ctx, true, time.Hour)
		if err != nil || !slices.Equal(rec.Dropped, wantDropped) {
			t.Fatalf("reconcile --fix = %+v, %v", rec, err)
		}
		if rec, _ := e.app.tenants.Reconcile(ctx, true, time.Hour); len(rec.OrphanUsers) != 0 || len(rec.Orphans) != 0 || !slices.Equal(rec.Foreign, []string{foreign}) {
			t.Fatalf("after --fix: %+v", rec)
		}
		if dbs := e.databases(); !slices.Equal(dbs, []string{foreign, kept}) && !slices.Equal(dbs, []string{kept, foreign}) {
			t.Fatalf("databases = %v, want the tenant's and the foreign one", dbs)
		}
		// Drop itself refuses what is not marked as the tenant's.
		if err := e.app.tenantDB.Drop(ctx, core.Tenant{ID: 5, Database: foreign}); err == nil {
			t.Fatal("Drop removed an unmarked database named for another tenant")
		}
		if err := e.app.tenantDB.Drop(ctx, core.Tenant{ID: 7, Database: kept}); err == nil {
			t.Fatal("Drop removed a database marked for another tenant")
		}
		// A tenant whose database was removed behind saasd's back.
		id := int64(r.body["tenant_id"].(float64))
		tn, _ := e.app.tenants.Get(ctx, id)
		if err := e.app.tenantDB.Drop(ctx, tn); err != nil {
			t.Fatal(err)
		}
		rec, _ = e.app.tenants.Reconcile(ctx, true, time.Hour)
		if !slices.Equal(rec.Missing, []int64{id}) {
			t.Fatalf("missing = %v", rec.Missing)
		}
	})
}

// TestTenantDatabaseLogins: on MySQL each tenant has a login of its own that
// reaches its schema and no other; its password is sealed, never shown, and
// the login goes with the tenant.
func TestTenantDatabaseLogins(t *testing.T) {
	server := mysqlServer(t)
	e := newEnv(t, backends(t)[1])
	planID := e.createPlan(starter)
	ctx := context.Background()
	login := func(sub string) (*sql.DB, core.Tenant) {
		r := e.createTenant(planID, sub).want(t, http.StatusCreated)
		if strings.Contains(r.raw, "db_secret") || strings.Contains(r.raw, "db_user") {
			t.Fatalf("credentials in the answer: %s", r.raw)
		}
		tn, err := e.app.tenants.Get(ctx, int64(r.body["tenant_id"].(float64)))
		if err != nil || tn.DBUser == "" || tn.DBSecret == "" {
			t.Fatalf("tenant = %+v, %v", tn, err)
		}
		password, err := e.app.sealer.Open(tn.DBSecret)
		if err != nil || strings.Contains(tn.DBSecret, password) {
			t.Fatalf("secret not sealed: %v", err)
		}
		mc := server.Clone()
		mc.User, mc.Passwd, mc.DBName = tn.DBUser, password, ""
		db, err := sql.Open("mysql", mc.FormatDSN())
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		return db, tn
	}
	dbA, a := login("alpha")
	_, b := login("beta")
	var n int
	if err := dbA.QueryRow("SELECT COUNT(*) FROM `" + a.Database + "`.customers").Scan(&n); err != nil {
		t.Fatalf("A cannot read its own schema: %v", err)
	}
	if err := dbA.QueryRow("SELECT COUNT(*) FROM `" + b.Database + "`.customers").Scan(&n); err == nil {
		t.Fatal("A's login reads B's schema")
	}
	if _, err := dbA.Exec("CREATE DATABASE `" + a.Database + "_x`"); err == nil {
		dbA.Exec("DROP DATABASE `" + a.Database + "_x`")
		t.Fatal("A's login creates databases")
	}
	if err := dbA.QueryRow("SELECT COUNT(*) FROM " + e.cfg.Database.DSN[strings.LastIndex(e.cfg.Database.DSN, "/")+1:strings.Index(e.cfg.Database.DSN, "?")] + ".tenants").Scan(&n); err == nil {
		t.Fatal("A's login reads the control database")
	}
	e.do("DELETE", "/api/saas/tenants/"+strconv.FormatInt(a.ID, 10), nil).want(t, http.StatusOK)
	if err := dbA.Ping(); err == nil {
		var one int
		if dbA.QueryRow("SELECT 1").Scan(&one) == nil {
			// An open connection may survive; a new login must not.
			mc := server.Clone()
			password, _ := e.app.sealer.Open(a.DBSecret)
			mc.User, mc.Passwd = a.DBUser, password
			fresh, _ := sql.Open("mysql", mc.FormatDSN())
			defer fresh.Close()
			if fresh.Ping() == nil {
				t.Fatal("the deleted tenant's login still works")
			}
		}
	}
}

// TestCompensationTouchesOnlyMarkedDatabases: a signup that crashed before
// its database name was recorded is undone, but a database that merely has
// the name it would have had (another installation's, unmarked) stays.
func TestCompensationTouchesOnlyMarkedDatabases(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		e := newEnv(t, b)
		planID := e.createPlan(starter)
		ctx := context.Background()
		tn := core.Tenant{CompanyName: "Crashed", Email: "c@x.io", FirstName: "C", LastName: "D", Subdomain: "crashed",
			PlanID: planID, Status: core.StatusProvisioning, StartedAt: time.Now()}
		if err := gormstore.NewTenantStore(e.app.db).CreateTenant(ctx, &tn); err != nil {
			t.Fatal(err)
		}
		squatter := e.strayDatabase(strconv.FormatInt(tn.ID, 10), "theirs")
		rec, err := e.app.tenants.Reconcile(ctx, true, 0)
		if err != nil || !slices.Equal(rec.Compensated, []int64{tn.ID}) || !slices.Equal(rec.Foreign, []string{squatter}) {
			t.Fatalf("reconcile = %+v, %v", rec, err)
		}
		if dbs := e.databases(); !slices.Equal(dbs, []string{squatter}) {
			t.Fatalf("databases = %v, want the squatter kept", dbs)
		}
	})
}

// killAt restarts e with its process "killed" at step: the fault hook
// blocks there until the test ends, as a dead process never goes on.
// The channel is closed when the step is reached.
func (e *env) killAt(t *testing.T, step string) <-chan struct{} {
	reached, release := make(chan struct{}), make(chan struct{})
	var once sync.Once
	e.opts = append(e.opts, withFault(func(_ context.Context, s string) error {
		if s != step {
			return nil
		}
		once.Do(func() { close(reached) })
		<-release // the process is "dead" from here on
		return errors.New("process killed")
	}))
	e.restart()
	t.Cleanup(func() { close(release) })
	return reached
}

// crashCreate starts creating tenant "acme" on planID and, once
// provisioning is frozen at step (reached, from killAt), restarts saasd on
// the same databases without the fault, as after a crash.
func (e *env) crashCreate(t *testing.T, reached <-chan struct{}, planID int64, step string) {
	t.Helper()
	go e.app.tenants.Create(context.Background(), core.NewTenant{
		CompanyName: "Acme", Email: "a@acme.example.com", FirstName: "A", LastName: "B", PlanID: planID, Subdomain: "acme",
	})
	select {
	case <-reached:
	case <-time.After(30 * time.Second):
		t.Fatal("provisioning never reached " + step)
	}
	e.opts = e.opts[:1]
	e.restart()
}
