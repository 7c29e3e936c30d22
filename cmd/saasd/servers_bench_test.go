package main

import (
	"context"
	"fmt"
	"net/http"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/saasd/saasd/core"
)

// BenchmarkMoveTenant: a tenant with 100,000 customers moves between the
// two test servers; reported: the wall time, how long its writes were
// refused, rows/s and MB/s.
// go test -run '^$' -bench MoveTenant -benchtime 1x ./cmd/saasd
func BenchmarkMoveTenant(b *testing.B) {
	e, id, _, _, _ := movable(b, 100_000)
	to := []string{"db2", "default"}
	b.ResetTimer()
	for i := range b.N {
		m, err := e.app.tenants.Move(context.Background(), id, to[i%2])
		if err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(m.Took.Seconds(), "s/move")
		b.ReportMetric(m.ReadOnly.Seconds(), "s-read-only")
		b.ReportMetric(float64(m.Rows)/m.Took.Seconds(), "rows/s")
		b.ReportMetric(float64(m.Bytes)/1e6/m.Took.Seconds(), "MB/s")
		b.Logf("%d tables, %d rows, %.1f MB in %s, read-only %s", m.Tables, m.Rows, float64(m.Bytes)/1e6, m.Took, m.ReadOnly)
	}
}

// BenchmarkPlacement: 1,000 tenants signed up over the two test servers
// (capacity 600 each), then one request each; reported: tenants per
// server and the connections saasd holds open to each.
// go test -run '^$' -bench Placement -benchtime 1x -timeout 30m ./cmd/saasd
func BenchmarkPlacement(b *testing.B) {
	const n = 1000
	for range b.N {
		e := newTwoServers(b, 600, 600)
		planID := e.createPlan(starter)
		start := time.Now()
		var wg sync.WaitGroup
		work := make(chan int)
		for range 4 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := range work {
					if _, err := e.app.tenants.Create(context.Background(), core.NewTenant{CompanyName: "Co", Email: fmt.Sprintf("a%d@x.example.com", i),
						FirstName: "A", LastName: "B", PlanID: planID, Subdomain: fmt.Sprintf("place%d", i), Password: "s3cret-pass1"}); err != nil {
						b.Error(err)
					}
				}
			}()
		}
		for i := range n {
			work <- i
		}
		close(work)
		wg.Wait()
		took := time.Since(start)
		list := e.serverList()
		for name, s := range list {
			b.ReportMetric(s["tenants"].(float64), "tenants-"+name)
		}
		// One login each: the tenant logins' pools fill up to their bound.
		for i := range n {
			e.asTenant(fmt.Sprintf("place%d", i), "", "POST", "/api/login", map[string]any{"email": fmt.Sprintf("a%d@x.example.com", i), "password": "s3cret-pass1"}).want(b, http.StatusOK)
		}
		conns := e.app.mysqlDBs.ServerConns()
		names := make([]string, 0, len(conns))
		for name := range conns {
			names = append(names, name)
		}
		sort.Strings(names)
		for _, name := range names {
			b.ReportMetric(float64(conns[name]), "conns-"+name)
		}
		b.Logf("%d tenants in %s: %v; open connections per server %v", n, took, list, conns)
	}
}
