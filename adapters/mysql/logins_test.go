package mysql_test

import (
	"context"
	"errors"
	"testing"

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

func tenantTraffic(t *testing.T, roles bool) {
	db, dsn, prefix := mustServer(t)
	const capConns = 4 // two pools of two
	ts, err := mysql.NewTenants(mysql.Config{DSN: dsn, Prefix: prefix, Installation: installation, Logins: plain{}, MaxTenantConns: capConns, TenantPoolSize: 2, Roles: roles}, db)
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
	for id := int64(1); id <= 5; id++ {
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
}
