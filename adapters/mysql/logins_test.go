package mysql_test

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	mysqldrv "github.com/go-sql-driver/mysql"
	"go.uber.org/zap"

	"github.com/saasd/saasd/adapters/mysql"
	"github.com/saasd/saasd/core"
	"github.com/saasd/saasd/modules/customers"
)

// plain "seals" by leaving text as it is: the test is about grants.
type plain struct{}

func (plain) Seal(s string) (string, error) { return s, nil }
func (plain) Open(s string) (string, error) { return s, nil }

// TestTenantTrafficUnderItsOwnLogin: with logins on, a tenant's handle is
// a connection of its own login (or, with roles, of the pooled login set to
// its role), which MariaDB refuses on another tenant's schema even when the
// statement names it; the connections stay within the cap.
func TestTenantTrafficUnderItsOwnLogin(t *testing.T) {
	t.Parallel()
	for _, roles := range []bool{false, true} {
		t.Run(map[bool]string{false: "login pools", true: "roles"}[roles], func(t *testing.T) {
			t.Parallel()
			tenantTraffic(t, roles)
		})
	}
}

// loginFleet makes n tenants with logins of their own (and, with roles,
// roles) on a Tenants whose tenant connections are capped at capConns, in
// pools of two.
func loginFleet(t *testing.T, roles bool, capConns, n int) (*sql.DB, *mysql.Tenants, []core.Tenant) {
	t.Helper()
	db, dsn, prefix := mustServer(t)
	ts, err := mysql.NewTenants(mysql.Config{DSN: dsn, Prefix: prefix, Installation: installation, Logins: plain{}, MaxTenantConns: capConns, TenantPoolSize: min(2, capConns), Roles: roles}, db)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ts.Close()
		db.Exec("DROP USER IF EXISTS '" + prefix + "pool'@'%'")
	})
	p, err := mysql.NewProvisioner(ts, schemas(), counted, zap.NewNop())
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	var tenants []core.Tenant
	for id := int64(1); id <= int64(n); id++ {
		tn := core.Tenant{ID: id}
		if tn.Database, err = p.Create(ctx, tn); err != nil {
			t.Fatal(err)
		}
		var password string
		if tn.DBUser, password, err = p.CreateUser(ctx, tn); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { p.DropUser(context.Background(), tn) })
		tn.DBSecret = password
		if err := p.Migrate(ctx, tn); err != nil {
			t.Fatal(err)
		}
		tenants = append(tenants, tn)
	}
	return db, ts, tenants
}

func tenantTraffic(t *testing.T, roles bool) {
	const capConns = 4 // two pools of two
	_, ts, tenants := loginFleet(t, roles, capConns, 5)
	ctx := context.Background()
	a, b := tenants[0], tenants[1]
	h, err := ts.Handle(ctx, a)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := h.DB.ExecContext(ctx, "INSERT INTO "+h.Qualifier+"customers (account, created_at, updated_at) VALUES ('a', NOW(), NOW())"); err != nil {
		t.Fatalf("tenant A on its own schema: %v", err)
	}
	var n int
	err = h.DB.QueryRowContext(ctx, "SELECT COUNT(*) FROM `"+b.Database+"`.customers").Scan(&n)
	var me *mysqldrv.MySQLError
	if !errors.As(err, &me) || (me.Number != 1142 && me.Number != 1044) {
		t.Fatalf("tenant A reading tenant B's schema: %v, want access denied", err)
	}
	// Every tenant in turn, twice: pools are evicted, connections stay bounded.
	for range 2 {
		for _, tn := range tenants {
			store := ts.Data(counted)
			if _, _, err := store.List(ctx, tn, customers.Schema, core.ListQuery{Page: 1, Limit: 10}); err != nil {
				t.Fatalf("tenant %d: %v", tn.ID, err)
			}
			if open := ts.TenantConns(); open > capConns {
				t.Fatalf("%d tenant connections open, cap %d", open, capConns)
			}
		}
	}
	// Connections that served A (with roles: set to A's role) now serve B,
	// which still cannot read A's schema.
	hb, err := ts.Handle(ctx, b)
	if err != nil {
		t.Fatal(err)
	}
	err = hb.DB.QueryRowContext(ctx, "SELECT COUNT(*) FROM `"+a.Database+"`.customers").Scan(&n)
	if !errors.As(err, &me) || (me.Number != 1142 && me.Number != 1044) {
		t.Fatalf("tenant B reading tenant A's schema after A's traffic: %v, want access denied", err)
	}
	if err := hb.DB.QueryRowContext(ctx, "SELECT COUNT(*) FROM "+hb.Qualifier+"customers").Scan(&n); err != nil {
		t.Fatalf("tenant B on its own schema after a refused statement: %v", err)
	}
}

// TestRoleChangeStopsAtItsFailure: a shared connection lent to another
// tenant changes role in the same query as the statement it runs, and when
// the change fails the statement does not run in the role the connection
// had before.
func TestRoleChangeStopsAtItsFailure(t *testing.T) {
	t.Parallel()
	db, ts, tenants := loginFleet(t, true, 1, 2) // one shared connection
	a, b := tenants[0], tenants[1]
	ctx := context.Background()
	ha, err := ts.Handle(ctx, a)
	if err != nil {
		t.Fatal(err)
	}
	hb, err := ts.Handle(ctx, b)
	if err != nil {
		t.Fatal(err)
	}
	count := func() int {
		t.Helper()
		var n int
		if err := ha.DB.QueryRowContext(ctx, "SELECT COUNT(*) FROM "+ha.Qualifier+"customers").Scan(&n); err != nil {
			t.Fatalf("tenant A: %v", err)
		}
		return n
	}
	if n := count(); n != 0 { // the connection is in A's role now
		t.Fatalf("%d customers, want 0", n)
	}
	if _, err := db.ExecContext(ctx, "DROP ROLE `"+b.DBUser+"_r`"); err != nil {
		t.Fatal(err)
	}
	_, err = hb.DB.ExecContext(ctx, "INSERT INTO `"+a.Database+"`.customers (account, created_at, updated_at) VALUES ('b', NOW(), NOW())")
	if err == nil {
		t.Fatal("a statement for tenant B whose role is gone ran")
	}
	if n := count(); n != 0 {
		t.Fatalf("tenant B's statement ran in tenant A's role: %d customers in A", n)
	}
	if ts.TenantConns() > 1 {
		t.Fatalf("%d tenant connections, cap 1", ts.TenantConns())
	}
}

// TestTenantPoolsNeverPastTheCap: tenant logins' connections, counted by
// MariaDB, never go past database.max_tenant_conns however many tenants
// are busy at once; a tenant whose pool would go past it waits for a
// release, and gives up with its context.
func TestTenantPoolsNeverPastTheCap(t *testing.T) {
	t.Parallel()
	const capConns = 4 // two pools of two
	db, ts, tenants := loginFleet(t, false, capConns, 5)
	ctx := context.Background()
	h1, err := ts.Handle(ctx, tenants[0])
	if err != nil {
		t.Fatal(err)
	}
	h2, err := ts.Handle(ctx, tenants[1])
	if err != nil {
		t.Fatal(err)
	}
	short, cancel := context.WithTimeout(ctx, 200*time.Millisecond)
	defer cancel()
	if _, err := ts.Handle(short, tenants[2]); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("a third tenant with two pools held: %v, want a wait cut by its deadline", err)
	}
	got := make(chan error, 1)
	go func() {
		h3, err := ts.Handle(ctx, tenants[2])
		if err == nil {
			h3.Release()
		}
		got <- err
	}()
	select {
	case err := <-got:
		t.Fatalf("a third tenant got its pool with two held: %v", err)
	case <-time.After(100 * time.Millisecond):
	}
	h1.Release()
	if err := <-got; err != nil {
		t.Fatalf("a third tenant once a pool was released: %v", err)
	}
	h2.Release()

	// Sixteen clients over five tenants while saasd's pools and MariaDB
	// count the logins' connections. MariaDB may still list a connection
	// just closed (by an evicted pool) for the moment it takes to end its
	// thread: the server may count one pool more.
	user := tenants[0].DBUser // the logins' common prefix
	for !strings.HasPrefix(tenants[1].DBUser, user) {
		user = user[:len(user)-1]
	}
	var held, listed atomic.Int64
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			if n := int64(ts.TenantConns()); n > held.Load() {
				held.Store(n)
			}
			var n int64
			if err := db.QueryRow("SELECT COUNT(*) FROM information_schema.processlist WHERE user LIKE ?", strings.ReplaceAll(user, "_", `\_`)+"%").Scan(&n); err == nil && n > listed.Load() {
				listed.Store(n)
			}
			select {
			case <-stop:
				return
			case <-time.After(2 * time.Millisecond):
			}
		}
	}()
	var clients sync.WaitGroup
	store := ts.Data(counted)
	for c := range 16 {
		clients.Add(1)
		go func() {
			defer clients.Done()
			for i := range 40 {
				tn := tenants[(c+i)%len(tenants)]
				if _, _, err := store.List(ctx, tn, customers.Schema, core.ListQuery{Page: 1, Limit: 10}); err != nil {
					t.Errorf("tenant %d: %v", tn.ID, err)
					return
				}
			}
		}()
	}
	clients.Wait()
	close(stop)
	wg.Wait()
	if n := held.Load(); n > capConns || n == 0 {
		t.Fatalf("saasd held at most %d connections of the tenant logins, cap %d", n, capConns)
	}
	if n := listed.Load(); n > capConns+2 {
		t.Fatalf("MariaDB listed at most %d connections of the tenant logins, cap %d", n, capConns)
	}
	t.Logf("at most %d tenant login connections held, %d listed by MariaDB, cap %d", held.Load(), listed.Load(), capConns)
}
