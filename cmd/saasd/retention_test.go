package main

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/saasd/saasd/config"
	"github.com/saasd/saasd/ports"
)

// fakeClock is a clock a test moves by hand.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *fakeClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *fakeClock) Add(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

var _ ports.Clock = (*fakeClock)(nil)

func TestDeleteWithRetentionRestoreExport(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		clock := &fakeClock{now: time.Now().UTC()}
		e := newEnv(t, b, func(c *config.Config) { c.Tenants.DeleteRetention = 24 * time.Hour })
		e.opts = append(e.opts, func(o *appOptions) { o.clock = clock })
		e.restart()
		ctx := context.Background()
		e.createPlan(starter)
		sub, tok := e.signup("Acme", "acme", 0)
		e.asTenant(sub, tok, "POST", "/api/v2/customers", map[string]any{"account": "Keep me"}).want(t, http.StatusCreated)
		list := e.do("GET", "/api/saas/tenants", nil).data()["tenants"].([]any)
		id := int64(list[0].(map[string]any)["id"].(float64))
		database := list[0].(map[string]any)["database"].(string)
		path := fmt.Sprintf("/api/saas/tenants/%d", id)

		e.do("DELETE", path, nil).want(t, http.StatusOK)
		// Gone for the API at once, everywhere.
		e.do("GET", path, nil).want(t, http.StatusNotFound)
		e.do("GET", path+"/usage", nil).want(t, http.StatusNotFound)
		e.do("DELETE", path, nil).want(t, http.StatusNotFound)
		if total := e.do("GET", "/api/saas/tenants", nil).data()["total"]; total != 0.0 {
			t.Fatalf("deleted tenant listed: %v", total)
		}
		e.asTenant(sub, tok, "GET", "/api/v2/customers", nil).want(t, http.StatusNotFound)
		// Its database is kept, and can be exported.
		if dbs := e.databases(); len(dbs) != 1 || dbs[0] != database {
			t.Fatalf("databases = %v", dbs)
		}
		var out bytes.Buffer
		if err := e.app.tenants.Export(ctx, id, &out, false); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(out.String(), `"table":"customers"`) || !strings.Contains(out.String(), "Keep me") || strings.Contains(out.String(), `"table":"sessions"`) {
			t.Fatalf("export = %s", out.String())
		}

		// While another tenant holds the subdomain, restore is refused.
		other := e.createTenant(e.createPlan(limitedPlan(nil)), "acme").want(t, http.StatusCreated)
		if _, err := e.app.tenants.Restore(ctx, id); err == nil || !strings.Contains(err.Error(), "taken") {
			t.Fatalf("restore over a taken subdomain: %v", err)
		}
		e.do("DELETE", fmt.Sprintf("/api/saas/tenants/%d", int64(other.body["tenant_id"].(float64))), nil).want(t, http.StatusOK)

		restored, err := e.app.tenants.Restore(ctx, id)
		if err != nil || restored.Subdomain != "acme" || restored.Status != "trial" {
			t.Fatalf("restore = %+v, %v", restored, err)
		}
		e.do("GET", path, nil).want(t, http.StatusOK)
		if n := e.asTenant(sub, tok, "GET", "/api/v2/customers", nil).want(t, http.StatusOK).body["meta"].(map[string]any)["total_records"]; n != 1.0 {
			t.Fatalf("after restore: %v customers", n)
		}

		// Past the retention, reconcile drops it for good.
		e.do("DELETE", path, nil).want(t, http.StatusOK)
		clock.Add(25 * time.Hour)
		if _, err := e.app.tenants.Restore(ctx, id); err == nil {
			t.Fatal("restored past the retention")
		}
		rec, err := e.app.tenants.Reconcile(ctx, false, time.Hour)
		if err != nil || len(rec.Purged) != 2 {
			t.Fatalf("reconcile = %+v, %v", rec, err)
		}
		if dbs := e.databases(); len(dbs) != 0 {
			t.Fatalf("databases after purge: %v", dbs)
		}
		if _, err := e.app.tenants.Restore(ctx, id); err == nil {
			t.Fatal("restored a purged tenant")
		}
	})
}
