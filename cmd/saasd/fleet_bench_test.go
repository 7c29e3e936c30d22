package main

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/saasd/saasd/config"
	"github.com/saasd/saasd/core"
	"github.com/saasd/saasd/core/kernel"
	"github.com/saasd/saasd/core/tenant"
	"github.com/saasd/saasd/ports"
)

// BenchmarkMigrateNothingToDo: `tenants migrate` over a fleet already at
// the current schema version decides from the control database alone, so
// it costs a scan of the tenants table, not a visit to each database.
// go test -run '^$' -bench MigrateNothingToDo -benchtime 5x ./cmd/saasd
func BenchmarkMigrateNothingToDo(b *testing.B) {
	for _, n := range []int{1000} {
		b.Run(fmt.Sprintf("%d tenants on %s", n, "mysql"), func(b *testing.B) {
			e := newEnv(b, backends(b)[1])
			planID := e.createPlan(starter)
			version := e.app.tenantDB.Version()
			var values []string
			for i := 1; i <= n; i++ {
				values = append(values, fmt.Sprintf("('Co %d','a%d@x.io','A','B','s%d',%d,'active','%s%d',NOW(),NOW(),NOW(),%d)",
					i, i, i, planID, e.app.prefix, i, version))
			}
			if _, err := e.app.db.SQL().Exec("INSERT INTO tenants (company_name,email,first_name,last_name,subdomain,plan_id,status,database_name,started_at,created_at,updated_at,schema_version) VALUES " +
				strings.Join(values, ",")); err != nil {
				b.Fatal(err)
			}
			b.ResetTimer()
			start := time.Now()
			for range b.N {
				run, err := e.app.tenants.MigrateFleet(context.Background(), tenant.MigrateOptions{Concurrency: 4})
				if err != nil || run.Current != n || len(run.Pending) != 0 {
					b.Fatalf("run = current %d pending %d, %v", run.Current, len(run.Pending), err)
				}
			}
			b.ReportMetric(float64(time.Since(start).Milliseconds())/float64(b.N), "ms/run")
		})
	}
}

// BenchmarkFleetAddColumn: one ADD COLUMN migration over a fleet of real
// tenant schemas, by the fleet migration (8 at once) against the floor: the
// same ALTER statements sent one by one on one connection, as a script
// through the mysql client would.
// go test -run '^$' -bench FleetAddColumn -benchtime 1x ./cmd/saasd
func BenchmarkFleetAddColumn(b *testing.B) {
	const n = 200
	e := newEnv(b, backends(b)[1], func(c *config.Config) { c.Tenants.DBUsers = false })
	ctx := context.Background()
	dbs := make([]string, n)
	sem := make(chan struct{}, 4)
	var wg sync.WaitGroup
	for i := 1; i <= n; i++ {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			tn := core.Tenant{ID: int64(i)}
			name, err := e.app.tenantDB.Create(ctx, tn)
			if err == nil {
				tn.Database = name
				err = e.app.tenantDB.Migrate(ctx, tn)
			}
			if err != nil {
				b.Error(err)
				return
			}
			dbs[i-1] = name
		}()
	}
	wg.Wait()
	planID := e.createPlan(starter)
	var values []string
	for i, db := range dbs {
		values = append(values, fmt.Sprintf("(%d,'Co','a@x.io','A','B','s%d',%d,'active','%s',NOW(),NOW(),NOW(),%d)", i+1, i+1, planID, db, e.app.tenantDB.Version()))
	}
	if _, err := e.app.db.SQL().Exec("INSERT INTO tenants (id,company_name,email,first_name,last_name,subdomain,plan_id,status,database_name,started_at,created_at,updated_at,schema_version) VALUES " +
		strings.Join(values, ",")); err != nil {
		b.Fatal(err)
	}
	// The floor: the statements alone, one by one, then undone.
	start := time.Now()
	for _, db := range dbs {
		if _, err := e.app.db.SQL().Exec("ALTER TABLE `" + db + "`.customers ADD COLUMN floor_probe VARCHAR(50) NOT NULL DEFAULT ''"); err != nil {
			b.Fatal(err)
		}
	}
	floor := time.Since(start)
	for _, db := range dbs {
		e.app.db.SQL().Exec("ALTER TABLE `" + db + "`.customers DROP COLUMN floor_probe")
	}
	e.opts = append(e.opts, func(o *appOptions) {
		o.modules = append(o.modules, func(ports.RecordStore) kernel.Module { return nickname{} })
	})
	e.restart()
	b.ResetTimer()
	start = time.Now()
	run, err := e.app.tenants.MigrateFleet(ctx, tenant.MigrateOptions{Concurrency: 8})
	took := time.Since(start)
	if err != nil || len(run.Migrated) != n {
		for id, ferr := range run.Failed {
			b.Fatalf("fleet migration: %d migrated, %d failed (tenant %d: %v), %v", len(run.Migrated), len(run.Failed), id, ferr, err)
		}
		b.Fatalf("fleet migration: %d migrated, %v", len(run.Migrated), err)
	}
	b.ReportMetric(float64(took.Milliseconds()), "fleet_ms")
	b.ReportMetric(float64(floor.Milliseconds()), "floor_ms")
	b.ReportMetric(took.Seconds()/floor.Seconds(), "fleet/floor")
}
