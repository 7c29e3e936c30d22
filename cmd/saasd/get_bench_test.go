package main

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/saasd/saasd/config"
)

// BenchmarkSuperadminGet: GET /api/saas/tenants/{id} through the Gin
// engine on MariaDB, in process, for a CPU profile of the request path
// (make bench measures it over the network, next to its ceiling); with
// tracing off and on (every request sampled, spans exported to a
// collector in the test), for what tracing costs.
// go test -run '^$' -bench SuperadminGet -cpuprofile cpu.out ./cmd/saasd
func BenchmarkSuperadminGet(b *testing.B) {
	b.Run("tracing off", func(b *testing.B) { benchmarkSuperadminGet(b, newEnv(b, backends(b)[1])) })
	b.Run("tracing on", func(b *testing.B) {
		rcv := newOTLPReceiver(b)
		benchmarkSuperadminGet(b, newEnv(b, backends(b)[1], func(c *config.Config) { c.Tracing.Endpoint = rcv.URL }))
	})
}

func benchmarkSuperadminGet(b *testing.B, e *env) {
	id := fmt.Sprint(e.createTenant(e.createPlan(starter), "bench").want(b, http.StatusCreated).body["tenant_id"])
	h := e.app.server.Handler()
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			req := httptest.NewRequest("GET", "/api/saas/tenants/"+id, nil)
			req.Header.Set("Authorization", "Bearer "+e.token)
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			if rec.Code != http.StatusOK {
				b.Fatalf("status %d: %s", rec.Code, rec.Body)
			}
		}
	})
}

// BenchmarkTenantGet: GET /api/v2/customers/{id} of one tenant through
// the Gin engine on MariaDB, in process, for a CPU profile of the
// tenant-side path.
// go test -run '^$' -bench TenantGet -cpuprofile cpu.out ./cmd/saasd
func BenchmarkTenantGet(b *testing.B) {
	e := newEnv(b, backends(b)[1])
	sub, token := e.signup("Bench", "bench", e.createPlan(starter))
	id := fmt.Sprint(e.asTenant(sub, token, "POST", "/api/v2/customers", map[string]any{"account": "A"}).want(b, http.StatusCreated).data()["id"])
	h := e.app.server.Handler()
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			req := httptest.NewRequest("GET", "/api/v2/customers/"+id, nil)
			req.Header.Set("Authorization", "Bearer "+token)
			req.Header.Set("X-Tenant", sub)
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			if rec.Code != http.StatusOK {
				b.Fatalf("status %d: %s", rec.Code, rec.Body)
			}
		}
	})
}
