package main

import (
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/saasd/saasd/config"
)

// database.tenant_pool_size is how many connections one tenant's login may
// have open: a burst of one tenant's requests reaches it, never more.
func TestTenantPoolSize(t *testing.T) {
	t.Parallel()
	const size = 3
	e := newEnv(t, backends(t)[1], func(c *config.Config) { c.Database.TenantPoolSize = size })
	sub, tok := e.signup("Pool", "pool", e.createPlan(starter))
	e.asTenant(sub, tok, "POST", "/api/v2/customers", map[string]any{"account": "one"}).want(t, http.StatusCreated)
	most := 0
	deadline := time.Now().Add(5 * time.Second)
	for most < size && time.Now().Before(deadline) {
		var wg sync.WaitGroup
		failed := make(chan int, 32)
		for range 32 {
			wg.Go(func() {
				if r := e.asTenant(sub, tok, "GET", "/api/v2/customers", nil); r.status != http.StatusOK {
					failed <- r.status
				}
			})
		}
		for range 20 { // watch while the burst runs
			most = max(most, e.app.mysqlDBs.TenantConns())
			time.Sleep(time.Millisecond)
		}
		wg.Wait()
		most = max(most, e.app.mysqlDBs.TenantConns())
		close(failed)
		for s := range failed {
			t.Fatalf("a request of the burst answered %d", s)
		}
		if most > size {
			t.Fatalf("%d tenant connections open, want at most database.tenant_pool_size %d", most, size)
		}
	}
	if most != size {
		t.Fatalf("bursts of 32 requests opened at most %d tenant connections, want database.tenant_pool_size %d", most, size)
	}
}
