package main

import (
	"context"
	"database/sql"
	"fmt"
	"net"
	"os"
	"os/exec"
	"strconv"
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
// tenant schemas (SAAS_BENCH_FLEET_TENANTS, default 1,000), by the fleet
// migration at 4, 8 and 16 at once, each against the floor measured just
// before and just after it (their mean): the same ALTER statements as one
// script through the mysql client, sent one by one on one connection
// (through the driver when there is no mysql client). It ends with a table
// of fleet wall time, floor wall time and their ratio per width.
// SAAS_BENCH_TABLE_CACHE=N runs it with the server's table_open_cache and
// table_definition_cache at N (put back after): the README advises about
// twenty per tenant, where Debian's defaults (2000 and 400) make every
// tenant's migration load its tables' definitions again.
// go test -run '^$' -bench FleetAddColumn -benchtime 1x -timeout 30m ./cmd/saasd
func BenchmarkFleetAddColumn(b *testing.B) {
	n := 1000
	if v, err := strconv.Atoi(os.Getenv("SAAS_BENCH_FLEET_TENANTS")); err == nil && v > 0 {
		n = v
	}
	e := newEnv(b, backends(b)[1], func(c *config.Config) { c.Tenants.DBUsers = false })
	if v, err := strconv.Atoi(os.Getenv("SAAS_BENCH_TABLE_CACHE")); err == nil && v > 0 {
		tableCaches(b, e.cfg.Database.DSN, v)
	}
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
	if b.Failed() {
		b.FailNow()
	}
	was := e.app.tenantDB.Version()
	planID := e.createPlan(starter)
	var values []string
	for i, db := range dbs {
		values = append(values, fmt.Sprintf("(%d,'Co','a@x.io','A','B','s%d',%d,'active','%s',NOW(),NOW(),NOW(),%d)", i+1, i+1, planID, db, was))
	}
	if _, err := e.app.db.SQL().Exec("INSERT INTO tenants (id,company_name,email,first_name,last_name,subdomain,plan_id,status,database_name,started_at,created_at,updated_at,schema_version) VALUES " +
		strings.Join(values, ",")); err != nil {
		b.Fatal(err)
	}
	// The floor: the statements alone, one by one, then undone.
	var script, undo strings.Builder
	for _, db := range dbs {
		script.WriteString("ALTER TABLE `" + db + "`.customers ADD COLUMN floor_probe VARCHAR(50) NOT NULL DEFAULT '';\n")
		undo.WriteString("ALTER TABLE `" + db + "`.customers DROP COLUMN floor_probe;\n")
	}
	e.opts = append(e.opts, func(o *appOptions) {
		o.modules = append(o.modules, func(ports.RecordStore) kernel.Module { return nickname{} })
	})
	e.restart()
	// Each width is timed between two floors of its own: the ALTERs' cost
	// on a shared machine drifts by several times within minutes.
	floorOnce := func() (time.Duration, string) {
		floor, how := mysqlScript(b, e.cfg.Database.DSN, e.app.db.SQL(), script.String())
		mysqlScript(b, e.cfg.Database.DSN, e.app.db.SQL(), undo.String())
		return floor, how
	}
	var summary strings.Builder
	fmt.Fprintf(&summary, "one ADD COLUMN over %d tenants:\n%8s %12s %12s %12s %12s\n", n, "at once", "fleet", "floor", "(before", "after)")
	var how string
	for _, c := range []int{4, 8, 16} {
		before, h := floorOnce()
		how = h
		start := time.Now()
		run, err := e.app.tenants.MigrateFleet(ctx, tenant.MigrateOptions{Concurrency: c})
		took := time.Since(start)
		if err != nil || len(run.Migrated) != n {
			for id, ferr := range run.Failed {
				b.Fatalf("fleet migration: %d migrated, %d failed (tenant %d: %v), %v", len(run.Migrated), len(run.Failed), id, ferr, err)
			}
			b.Fatalf("fleet migration: %d migrated, %v", len(run.Migrated), err)
		}
		after, _ := floorOnce()
		floor := (before + after) / 2
		b.ReportMetric(float64(floor.Milliseconds()), fmt.Sprintf("floor%d_ms", c))
		b.ReportMetric(float64(took.Milliseconds()), fmt.Sprintf("fleet%d_ms", c))
		b.ReportMetric(took.Seconds()/floor.Seconds(), fmt.Sprintf("fleet%d/floor", c))
		fmt.Fprintf(&summary, "%8d %12s %12s %12s %12s   fleet/floor %.2f\n", c, took.Round(time.Millisecond), floor.Round(time.Millisecond),
			before.Round(time.Millisecond), after.Round(time.Millisecond), took.Seconds()/floor.Seconds())
		// Undone, for the next width: the column, goose's row, the version.
		var back strings.Builder
		for _, db := range dbs {
			back.WriteString("ALTER TABLE `" + db + "`.customers DROP COLUMN nickname;\nDELETE FROM `" + db + "`.goose_tenant WHERE version_id = 20261201000000;\n")
		}
		mysqlScript(b, e.cfg.Database.DSN, e.app.db.SQL(), back.String())
		if _, err := e.app.db.SQL().Exec("UPDATE tenants SET schema_version = ?", was); err != nil {
			b.Fatal(err)
		}
	}
	b.Logf("%sfloor: the same ALTER statements one by one (%s), the mean of one run just before and one just after the fleet's", summary.String(), how)
}

// tableCaches sets the server's table caches to n for the benchmark and
// puts them back after it, on a connection of its own (the app's is closed
// by a restart).
func tableCaches(b *testing.B, dsn string, n int) {
	b.Helper()
	db, err := sql.Open("mysql", dsn)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	for _, v := range []string{"table_open_cache", "table_definition_cache"} {
		var name, was string
		if err := db.QueryRow("SHOW GLOBAL VARIABLES LIKE '"+v+"'").Scan(&name, &was); err != nil {
			b.Fatal(err)
		}
		if _, err := db.Exec(fmt.Sprintf("SET GLOBAL %s = %d", v, n)); err != nil {
			b.Fatalf("%s: %v", v, err)
		}
		b.Cleanup(func() {
			if _, err := db.Exec("SET GLOBAL " + v + " = " + was); err != nil {
				b.Errorf("put %s back to %s: %v", v, was, err)
			}
		})
		b.Logf("%s %d (was %s)", v, n, was)
	}
}

// mysqlScript runs script, statements ending in ";\n", through the mysql
// client on the server of dsn, or one by one on db when there is no client,
// and says how long it took and how it was sent.
func mysqlScript(b *testing.B, dsn string, db *sql.DB, script string) (time.Duration, string) {
	b.Helper()
	mc, err := mysqldrv.ParseDSN(dsn)
	if err != nil {
		b.Fatal(err)
	}
	client, err := exec.LookPath("mysql")
	if err != nil || mc.Net != "tcp" {
		start := time.Now()
		for _, stmt := range strings.SplitAfter(strings.TrimSpace(script), ";\n") {
			if _, err := db.Exec(strings.TrimSuffix(strings.TrimSpace(stmt), ";")); err != nil {
				b.Fatal(err)
			}
		}
		return time.Since(start), "driver, one connection"
	}
	host, port, err := net.SplitHostPort(mc.Addr)
	if err != nil {
		b.Fatal(err)
	}
	cmd := exec.Command(client, "--batch", "--protocol=tcp", "-h", host, "-P", port, "-u", mc.User)
	cmd.Env = append(os.Environ(), "MYSQL_PWD="+mc.Passwd)
	cmd.Stdin = strings.NewReader(script)
	start := time.Now()
	if out, err := cmd.CombinedOutput(); err != nil {
		b.Fatalf("mysql client: %v: %s", err, out)
	}
	return time.Since(start), "mysql client"
}
