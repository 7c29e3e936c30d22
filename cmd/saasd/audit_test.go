package main

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/saasd/saasd/core"
	"github.com/saasd/saasd/core/tenant"
)

// auditEntries returns the audit trail through the API, newest first.
func (e *env) auditEntries(query string) []map[string]any {
	e.t.Helper()
	r := e.do("GET", "/api/saas/audit?per_page=100"+query, nil).want(e.t, http.StatusOK)
	list, _ := r.data()["entries"].([]any)
	out := make([]map[string]any, len(list))
	for i, v := range list {
		out[i] = v.(map[string]any)
	}
	return out
}

// TestAuditTrail: every superadmin change endpoint leaves exactly one
// audit row, written with the change, naming the token, the action, the
// target, the request id and the changed fields (never a secret); a failed
// change leaves none.
func TestAuditTrail(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		var failProvisioning atomic.Bool
		start := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
		clock := &fakeClock{now: start}
		e := newEnv(t, b)
		e.opts = append(e.opts, func(o *appOptions) {
			o.clock = clock
			o.tenant = append(o.tenant, tenant.WithFaultHook(func(_ context.Context, step string) error {
				if step == "migrate" && failProvisioning.Load() {
					return errors.New("injected fault")
				}
				return nil
			}))
		})
		e.restart()
		seen := len(e.auditEntries(""))
		// change sends one request and checks the one new audit entry.
		change := func(method, path string, body any, status int, action, target string) map[string]any {
			t.Helper()
			r := e.request(method, path, body, map[string]string{"Authorization": "Bearer " + e.token, "X-Request-ID": "req-" + action})
			r.want(t, status)
			all := e.auditEntries("")
			if len(all) != seen+1 {
				t.Fatalf("%s %s: %d new audit entries, want 1: %v", method, path, len(all)-seen, all[:len(all)-seen])
			}
			seen++
			got := all[0]
			if got["action"] != action || got["actor"] != "test" || got["token_id"] == 0.0 || got["request_id"] != "req-"+action {
				t.Fatalf("%s %s: audit entry %v", method, path, got)
			}
			if target != "" && got["target_id"] != target {
				t.Fatalf("%s %s: target %v, want %s", method, path, got["target_id"], target)
			}
			return r.data()
		}
		// refused sends a request that fails and checks no entry appeared.
		refused := func(method, path string, body any, status int) {
			t.Helper()
			e.do(method, path, body).want(t, status)
			if n := len(e.auditEntries("")); n != seen {
				t.Fatalf("refused %s %s left %d audit entries", method, path, n-seen)
			}
		}

		plan := change("POST", "/api/saas/plans", map[string]any{"name": "Basic", "price_monthly": "7.50", "limits": map[string]any{"staff": 3}}, 201, "plan.create", "")
		planID := fmt.Sprint(plan["id"])
		change("PUT", "/api/saas/plans/"+planID, map[string]any{"name": "Basic 2"}, 200, "plan.update", planID)
		spare := fmt.Sprint(change("POST", "/api/saas/plans", map[string]any{"name": "Spare", "price_monthly": "1"}, 201, "plan.create", "")["id"])
		change("DELETE", "/api/saas/plans/"+spare, nil, 200, "plan.delete", spare)
		made := e.request("POST", "/api/saas/tenants", map[string]any{"company_name": "Acme", "email": "a@acme.example.com", "first_name": "A",
			"last_name": "B", "plan_id": plan["id"], "subdomain": "acme", "password": "Sup3r-secret-pw"},
			map[string]string{"Authorization": "Bearer " + e.token, "X-Request-ID": "req-tenant.create"}).want(t, 201)
		seen++
		id := fmt.Sprint(made.body["tenant_id"])
		if got := e.auditEntries("&action=tenant.create"); len(got) != 1 || got[0]["target_id"] != id || got[0]["request_id"] != "req-tenant.create" ||
			got[0]["changes"].(map[string]any)["subdomain"] != "acme" {
			t.Fatalf("tenant.create entries: %v", got)
		}
		tpath := "/api/saas/tenants/" + id
		change("PUT", tpath, map[string]any{"company_name": "Acme 2"}, 200, "tenant.update", id)
		change("PUT", tpath+"/subscription", map[string]any{"expires_at": "2030-01-01T00:00:00Z"}, 200, "subscription.update", id)
		e.runBilling()
		invs := e.invoices(int64(made.body["tenant_id"].(float64)))
		if len(invs) != 1 {
			t.Fatalf("invoices %v", invs)
		}
		number := invs[0]["number"].(string)
		change("POST", tpath+"/invoices/"+number+"/pay", map[string]any{"payment_ref": "wire-1"}, 200, "invoice.pay", number)
		refused("POST", tpath+"/invoices/"+number+"/void", nil, http.StatusConflict)
		clock.Add(40 * 24 * time.Hour)
		e.runBilling()
		for _, inv := range e.invoices(int64(made.body["tenant_id"].(float64))) {
			if inv["state"] == "open" {
				change("POST", tpath+"/invoices/"+inv["number"].(string)+"/void", nil, 200, "invoice.void", inv["number"].(string))
			}
		}
		change("POST", tpath+"/subscription/cancel", map[string]any{"at_period_end": true}, 200, "subscription.cancel", id)
		hook := fmt.Sprint(change("POST", "/api/saas/webhooks", map[string]any{"url": "https://hooks.example.com/x", "events": []string{"*"}}, 201, "webhook.create", "")["id"])
		change("DELETE", "/api/saas/webhooks/"+hook, nil, 200, "webhook.delete", hook)

		// Refused changes leave no entry.
		refused("POST", "/api/saas/plans", map[string]any{"name": ""}, 422)
		refused("PUT", "/api/saas/plans/999", map[string]any{"name": "x"}, 404)
		refused("DELETE", "/api/saas/plans/"+planID, nil, 409)
		refused("POST", "/api/saas/tenants", map[string]any{"company_name": "Dup", "email": "d@acme.example.com", "first_name": "A", "last_name": "B", "plan_id": plan["id"], "subdomain": "acme"}, 409)
		refused("PUT", tpath, map[string]any{"status": "bogus"}, 422)
		refused("DELETE", "/api/saas/tenants/999", nil, 404)
		refused("POST", "/api/saas/webhooks", map[string]any{"url": "ftp://x", "events": []string{"*"}}, 422)
		refused("DELETE", "/api/saas/webhooks/999", nil, 404)
		refused("POST", tpath+"/invoices/"+number+"/pay", map[string]any{"payment_ref": "again"}, 409)
		// A create whose provisioning fails and is undone leaves none either.
		failProvisioning.Store(true)
		e.do("POST", "/api/saas/tenants", map[string]any{"company_name": "Doomed", "email": "d@doomed.example.com", "first_name": "A", "last_name": "B", "plan_id": plan["id"], "subdomain": "doomed"}).want(t, 500)
		failProvisioning.Store(false)
		if n := len(e.auditEntries("")); n != seen {
			t.Fatalf("a failed provisioning left %d audit entries", n-seen)
		}

		change("DELETE", tpath, nil, 200, "tenant.delete", id)

		// Tokens made and revoked by the CLI are the CLI's.
		cli := core.WithActor(context.Background(), core.APIToken{Name: core.CLIActor})
		if _, _, err := e.app.auth.Create(cli, "ops"); err != nil {
			t.Fatal(err)
		}
		if err := e.app.auth.Revoke(cli, "ops"); err != nil {
			t.Fatal(err)
		}
		if err := e.app.auth.Revoke(cli, "ops"); core.KindOf(err) != core.NotFound {
			t.Fatalf("revoking twice: %v", err)
		}
		tokens := e.auditEntries("&target_type=token&token=cli")
		if len(tokens) != 2 || tokens[0]["action"] != "token.revoke" || tokens[1]["action"] != "token.create" || tokens[0]["target_id"] != tokens[1]["target_id"] {
			t.Fatalf("token entries: %v", tokens)
		}

		// Filters and paging.
		if got := e.auditEntries("&target_type=tenant&target_id=" + id); len(got) != 3 { // create, update, delete
			t.Fatalf("tenant %s entries: %v", id, got)
		}
		if got := e.auditEntries("&action=plan.create"); len(got) != 2 {
			t.Fatalf("plan.create entries: %v", got)
		}
		if got := e.auditEntries("&until=2000-01-01"); len(got) != 0 {
			t.Fatalf("entries before 2000: %v", got)
		}
		if got := e.auditEntries("&since=2000-01-01&token=test"); len(got) == 0 {
			t.Fatal("no entries since 2000 by the test token")
		}
		page := e.do("GET", "/api/saas/audit?per_page=2&page=2", nil).want(t, 200).data()
		if len(page["entries"].([]any)) != 2 || page["total"].(float64) < 10 {
			t.Fatalf("page 2: %v", page)
		}
		for _, q := range []string{"page=0", "page=9223372036854775807", "per_page=101", "since=yesterday", "since=2030-01-01&until=2020-01-01"} {
			e.do("GET", "/api/saas/audit?"+q, nil).want(t, 422)
		}
		// Nothing secret is recorded.
		var dump strings.Builder
		dumpRows(t, e.app.db.SQL(), "audit_log", &dump)
		for _, secret := range []string{"Sup3r-secret-pw", "whsec_", "saasd_"} {
			if strings.Contains(dump.String(), secret) {
				t.Fatalf("audit_log holds %q:\n%s", secret, dump.String())
			}
		}
	})
}

// saasd audit prints the trail; token create and revoke from the CLI are
// recorded as the CLI's.
func TestAuditCommand(t *testing.T) {
	dir := t.TempDir()
	config := filepath.Join(dir, "saasd.yaml")
	yaml := "database:\n  dsn: " + filepath.Join(dir, "control.db") + "\ntenants:\n  data_dir: " + filepath.Join(dir, "tenants") +
		"\n  key_file: " + filepath.Join(dir, "secret.key") + "\nlog:\n  level: error\n"
	if err := os.WriteFile(config, []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := run(t, config, "token", "create", "--name", "ops"); err != nil {
		t.Fatal(err)
	}
	if _, err := run(t, config, "token", "revoke", "--name", "ops"); err != nil {
		t.Fatal(err)
	}
	out, err := run(t, config, "audit")
	if err != nil || !strings.Contains(out, "token.create") || !strings.Contains(out, "token.revoke") || !strings.Contains(out, "cli") || !strings.Contains(out, "2 of 2 entries") {
		t.Fatalf("audit: %v\n%s", err, out)
	}
	out, err = run(t, config, "audit", "--action", "token.revoke", "--since", "1h")
	if err != nil || strings.Contains(out, "token.create") || !strings.Contains(out, "1 of 1 entries") {
		t.Fatalf("audit --action: %v\n%s", err, out)
	}
	if _, err := run(t, config, "audit", "--since", "whenever"); err == nil {
		t.Fatal("a bad --since was accepted")
	}
}
