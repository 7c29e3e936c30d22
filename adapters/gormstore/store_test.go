package gormstore_test

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"os"
	"path/filepath"
	"testing"
	"time"

	gormsqlite "github.com/glebarez/sqlite"
	mysqldrv "github.com/go-sql-driver/mysql"
	"go.uber.org/zap"
	gormmysql "gorm.io/driver/mysql"

	"github.com/saasd/saasd/adapters/aesgcm"
	"github.com/saasd/saasd/adapters/gormstore"
	"github.com/saasd/saasd/ports/portstest"
)

// mustOpen opens and migrates a fresh control database, closed at cleanup.
func mustOpen(t testing.TB, cfg gormstore.Config) *gormstore.DB {
	t.Helper()
	db, err := gormstore.Open(context.Background(), cfg, zap.NewNop())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if _, err := db.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	return db
}

func storesOf(db *gormstore.DB) portstest.Stores {
	return portstest.Stores{
		Tenants: gormstore.NewTenantStore(db),
		Plans:   gormstore.NewPlanStore(db),
		Tokens:  gormstore.NewTokenStore(db),
	}
}

// sqliteConfig is a control database in a file, opened as adapters/sqlite
// opens it (the test builds the dialector itself: adapters never import
// each other, tests included).
func sqliteConfig(path string) gormstore.Config {
	return gormstore.Config{Dialect: gormstore.SQLite, Dialector: gormsqlite.Open(path + "?_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)&_pragma=foreign_keys(1)")}
}

// backend opens a fresh, migrated control database for each call.
type backend func(t *testing.T) *gormstore.DB

// backends are the control databases every suite runs against: SQLite, and
// MariaDB when it is reachable.
func backends(t *testing.T) map[string]backend {
	out := map[string]backend{
		"sqlite": func(t *testing.T) *gormstore.DB {
			return mustOpen(t, sqliteConfig(filepath.Join(t.TempDir(), "control.db")))
		},
	}
	if open := mysqlBackend(t); open != nil {
		out["mysql"] = open
	}
	return out
}

// mysqlBackend returns a backend making a test_<random> schema per call on
// the server of SAAS_TEST_MYSQL_DSN, or nil when the server is unreachable
// (a failure instead when SAAS_TEST_REQUIRE_MYSQL is set).
func mysqlBackend(t *testing.T) backend {
	t.Helper()
	dsn := os.Getenv("SAAS_TEST_MYSQL_DSN")
	if dsn == "" {
		dsn = "root@tcp(127.0.0.1:3306)/"
	}
	server, err := mysqldrv.ParseDSN(dsn)
	if err != nil {
		t.Fatal(err)
	}
	root, err := sql.Open("mysql", server.FormatDSN())
	if err == nil {
		err = root.Ping()
	}
	if err != nil {
		if os.Getenv("SAAS_TEST_REQUIRE_MYSQL") != "" {
			t.Fatalf("MariaDB required: %v", err)
		}
		t.Logf("MariaDB unreachable, MySQL cases skipped: %v", err)
		return nil
	}
	t.Cleanup(func() { root.Close() })
	return func(t *testing.T) *gormstore.DB {
		b := make([]byte, 6)
		_, _ = rand.Read(b)
		mc := server.Clone()
		mc.DBName = "test_" + hex.EncodeToString(b)
		if _, err := root.Exec("CREATE DATABASE `" + mc.DBName + "`"); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { root.Exec("DROP DATABASE IF EXISTS `" + mc.DBName + "`") })
		mc.ParseTime, mc.Loc = true, time.UTC
		return mustOpen(t, gormstore.Config{Dialect: gormstore.MySQL, Dialector: gormmysql.Open(mc.FormatDSN()), MaxOpenConns: 10, MaxIdleConns: 10})
	}
}

func TestSQLiteStores(t *testing.T) {
	portstest.TestStores(t, func(t *testing.T) portstest.Stores {
		return storesOf(mustOpen(t, sqliteConfig(filepath.Join(t.TempDir(), "control.db"))))
	})
}

func TestMySQLStores(t *testing.T) {
	open := mysqlBackend(t)
	if open == nil {
		t.Skip("MariaDB unreachable")
	}
	portstest.TestStores(t, func(t *testing.T) portstest.Stores { return storesOf(open(t)) })
}

func TestBillingStore(t *testing.T) {
	for name, open := range backends(t) {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			portstest.TestBillingStore(t, func(t *testing.T) portstest.BillingStores {
				db := open(t)
				return portstest.BillingStores{Stores: storesOf(db), Billing: gormstore.NewBillingStore(db)}
			})
		})
	}
}

func TestWebhookStore(t *testing.T) {
	for name, open := range backends(t) {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			portstest.TestWebhookStore(t, func(t *testing.T) portstest.WebhookStores {
				db := open(t)
				ring, err := aesgcm.New([]string{testKey})
				if err != nil {
					t.Fatal(err)
				}
				hooks := gormstore.NewWebhookStore(db, ring)
				return portstest.WebhookStores{Stores: storesOf(db), Webhooks: hooks, TenantHooks: hooks, Outbox: gormstore.NewOutbox(db)}
			})
		})
	}
}

func TestMigrateIsIdempotent(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "control.db")
	entries, _ := os.ReadDir("migrations/sqlite")
	for i, want := range []int{len(entries), 0} {
		db, err := gormstore.Open(context.Background(), sqliteConfig(path), zap.NewNop())
		if err != nil {
			t.Fatal(err)
		}
		n, err := db.Migrate(context.Background())
		db.Close()
		if err != nil || n != want {
			t.Fatalf("run %d: applied %d, %v; want %d", i, n, err, want)
		}
	}
}

func TestSessionStore(t *testing.T) {
	for name, open := range backends(t) {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			portstest.TestSessionStore(t, func(t *testing.T) portstest.SessionStores {
				db := open(t)
				return portstest.SessionStores{Tokens: gormstore.NewTokenStore(db), Sessions: gormstore.NewSessionStore(db)}
			})
		})
	}
}

func TestWarmPool(t *testing.T) {
	for name, open := range backends(t) {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			portstest.TestWarmPool(t, func(t *testing.T) portstest.WarmStores {
				db := open(t)
				return portstest.WarmStores{Stores: storesOf(db), Pool: gormstore.NewWarmPool(db)}
			})
		})
	}
}
