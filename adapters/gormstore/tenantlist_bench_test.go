package gormstore_test

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/saasd/saasd/adapters/gormstore"
	"github.com/saasd/saasd/core"
)

// seedTenants inserts n tenants on one plan in one transaction, a tenth of
// them deleted and a tenth inactive, as a large installation has.
func seedTenants(tb testing.TB, db *gormstore.DB, n int) {
	tb.Helper()
	ctx := context.Background()
	sqlDB := db.SQL()
	now := time.Now().UTC()
	if _, err := sqlDB.ExecContext(ctx, "INSERT INTO plans (name, limits, created_at, updated_at) VALUES ('Bench', '{}', ?, ?)", now, now); err != nil {
		tb.Fatal(err)
	}
	tx, err := sqlDB.BeginTx(ctx, nil)
	if err != nil {
		tb.Fatal(err)
	}
	stmt, err := tx.PrepareContext(ctx, "INSERT INTO tenants (company_name, email, first_name, last_name, subdomain, plan_id, status, database_name, started_at, created_at, updated_at) "+
		"VALUES (?, ?, 'A', 'B', ?, (SELECT id FROM plans WHERE name = 'Bench'), ?, ?, ?, ?, ?)")
	if err != nil {
		tb.Fatal(err)
	}
	for i := range n {
		status := core.StatusActive
		switch i % 10 {
		case 3:
			status = core.StatusDeleted
		case 7:
			status = core.StatusInactive
		}
		sub := fmt.Sprintf("t%06d", i)
		if _, err := stmt.ExecContext(ctx, "Co "+sub, sub+"@example.com", sub, string(status), "tenant_"+sub, now, now, now); err != nil {
			tb.Fatal(err)
		}
	}
	stmt.Close()
	if err := tx.Commit(); err != nil {
		tb.Fatal(err)
	}
}

// BenchmarkTenantList100k is the superadmin list of tenants on a SQLite
// control database of 100,000 tenants: the first page, a deep page and a
// status filter. Run: go test -run '^$' -bench TenantList100k ./adapters/gormstore
func BenchmarkTenantList100k(b *testing.B) {
	db := mustOpen(b, sqliteConfig(filepath.Join(b.TempDir(), "control.db")))
	start := time.Now()
	seedTenants(b, db, 100_000)
	b.Logf("seeded 100,000 tenants in %v", time.Since(start))
	store := gormstore.NewTenantStore(db)
	for _, tc := range []struct {
		name string
		f    core.TenantFilter
	}{
		{"first_page", core.TenantFilter{Page: 1, PerPage: 100}},
		{"page_500", core.TenantFilter{Page: 500, PerPage: 100}},
		{"last_page", core.TenantFilter{Page: 800, PerPage: 100}},
		{"status_inactive", core.TenantFilter{Status: core.StatusInactive, Page: 50, PerPage: 100}},
	} {
		b.Run(tc.name, func(b *testing.B) {
			ctx := context.Background()
			for b.Loop() {
				list, total, err := store.Tenants(ctx, tc.f)
				if err != nil || len(list) == 0 || total == 0 {
					b.Fatalf("list = %d rows, total %d, %v", len(list), total, err)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N)/1000, "ms/list")
		})
	}
}

// TestTenantListPages: every page, read from either end, is the right
// slice of the newest-first list, with and without a status filter.
func TestTenantListPages(t *testing.T) {
	for name, open := range backends(t) {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			db := open(t)
			seedTenants(t, db, 253)
			store := gormstore.NewTenantStore(db)
			ctx := context.Background()
			for _, status := range []core.Status{"", core.StatusInactive} {
				var want []int64
				for p := 1; ; p++ {
					list, total, err := store.Tenants(ctx, core.TenantFilter{Status: status, Page: p, PerPage: 100})
					if err != nil {
						t.Fatal(err)
					}
					for _, tn := range list {
						want = append(want, tn.ID)
					}
					if int64(len(want)) >= total || len(list) == 0 {
						break
					}
				}
				for _, per := range []int{1, 7, 25, 100} {
					var got []int64
					for p := 1; ; p++ {
						list, total, err := store.Tenants(ctx, core.TenantFilter{Status: status, Page: p, PerPage: per})
						if err != nil {
							t.Fatal(err)
						}
						if len(list) == 0 {
							if int64(len(got)) != total {
								t.Fatalf("status %q per %d: %d listed of %d", status, per, len(got), total)
							}
							break
						}
						for _, tn := range list {
							got = append(got, tn.ID)
						}
					}
					if fmt.Sprint(got) != fmt.Sprint(want) {
						t.Fatalf("status %q per %d: pages give %v, want %v", status, per, got, want)
					}
					for i := 1; i < len(got); i++ {
						if got[i] >= got[i-1] {
							t.Fatalf("not newest first at %d: %v", i, got)
						}
					}
				}
				if n := len(want); (status == "" && n != 253-25) || (status == core.StatusInactive && n != 25) {
					t.Fatalf("status %q: %d tenants listed", status, n)
				}
			}
		})
	}
}
