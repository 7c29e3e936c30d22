package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/saasd/saasd/config"
)

// unaudited are the superadmin routes that change nothing the audit trail
// covers (tenants, plans, subscriptions, invoices, webhooks, tokens), with
// the reason. Every other POST, PUT, PATCH or DELETE under /api/saas must
// have a case in TestAuditEveryRoute.
var unaudited = map[string]string{
	"POST /api/saas/session":   "signs a console session in: a credential exchange, not a change",
	"DELETE /api/saas/session": "signs a console session out",
	// Audited (tenant.move, with the change that begins it) but it needs a
	// second database server: TestMoveTenant checks its entry.
	"POST /api/saas/tenants/:id/move": "checked in TestMoveTenant",
}

// auditCase is one superadmin change and the audit entry it must leave.
type auditCase struct {
	route  string             // "METHOD /path/:param" as the engine registers it
	path   func() string      // the path to send it to
	body   func() any         // nil: none
	status int                // the answer of the change
	action string             // the entry's action and target type
	ttype  string             //
	target func(response) any // the entry's target id (from the answer, for creates)
	fields []string           // fields the entry's changes must name
	then   func(response)     // checks the change itself; may set up the next case
}

// auditDown makes every insert into audit_log fail, until the returned
// function is called: a change whose entry cannot be written must not be
// made either.
func (e *env) auditDown(t *testing.T) (restore func()) {
	t.Helper()
	create, drop := "CREATE TRIGGER audit_down BEFORE INSERT ON audit_log BEGIN SELECT RAISE(ABORT, 'audit down'); END", "DROP TRIGGER audit_down"
	if e.cfg.Database.Driver == "mysql" {
		create = "CREATE TRIGGER audit_down BEFORE INSERT ON audit_log FOR EACH ROW SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'audit down'"
	}
	if _, err := e.app.db.SQL().Exec(create); err != nil {
		t.Fatal(err)
	}
	return func() {
		if _, err := e.app.db.SQL().Exec(drop); err != nil {
			t.Fatal(err)
		}
	}
}

// configFile writes a config file for saasd's commands on e's databases.
func (e *env) configFile(t *testing.T) string {
	t.Helper()
	c := e.cfg
	yaml := fmt.Sprintf("database:\n  driver: %s\n  dsn: %q\ntenants:\n  data_dir: %q\n  key_file: %q\n  delete_retention: %s\n",
		c.Database.Driver, c.Database.DSN, c.Tenants.DataDir, c.Tenants.KeyFile, c.Tenants.DeleteRetention)
	if c.Tenants.DBPrefix != "" {
		yaml += fmt.Sprintf("  db_prefix: %s\n", c.Tenants.DBPrefix)
	}
	if len(c.Tenants.SecretKeys) > 0 {
		yaml += fmt.Sprintf("  secret_keys: [%q]\n", c.Tenants.SecretKeys[0])
	}
	path := filepath.Join(t.TempDir(), "saasd.yaml")
	if err := os.WriteFile(path, []byte(yaml+"log:\n  level: error\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestAuditEveryRoute walks every superadmin route that changes something,
// taken from the engine (a new route without a case fails here): each
// change leaves one entry naming when, the token, the action, the target,
// the request id and the changed fields, and no secret; with the audit
// table refusing writes, the same request fails and changes nothing, so
// entry and change share one transaction. Changes made with saasd's
// commands (tenants restore, token create and revoke) are the CLI's.
func TestAuditEveryRoute(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		clock := &fakeClock{now: time.Now().UTC()}
		e := newEnv(t, b, allowLoopback, func(c *config.Config) { c.Tenants.DeleteRetention = 24 * time.Hour })
		e.opts = append(e.opts, func(o *appOptions) { o.clock = clock })
		e.restart()
		pro := e.createPlan(map[string]any{"name": "Pro", "price_monthly": "49.00"})

		var planID, spareID, tenantID, hookID, deliveryID, paid, open string
		var seen int         // audit entries so far
		var secrets []string // what the changes answered that must never be recorded
		id := func(r response) any { return fmt.Sprint(r.data()["id"]) }
		body := func(v map[string]any) func() any { return func() any { return v } }
		num := func(s string) int64 { n, _ := strconv.ParseInt(s, 10, 64); return n }
		cases := []auditCase{
			{route: "POST /api/saas/plans", path: func() string { return "/api/saas/plans" }, status: 201,
				body:   body(map[string]any{"name": "Basic", "price_monthly": "7.50", "limits": map[string]any{"staff": 3}}),
				action: "plan.create", ttype: "plan", target: id, fields: []string{"name", "price_monthly", "limits"},
				then: func(r response) { planID = fmt.Sprint(r.data()["id"]) }},
			{route: "PUT /api/saas/plans/:id", path: func() string { return "/api/saas/plans/" + planID }, status: 200,
				body: body(map[string]any{"name": "Basic 2"}), action: "plan.update", ttype: "plan", fields: []string{"name"},
				target: func(response) any { return planID }},
			{route: "POST /api/saas/plans", path: func() string { return "/api/saas/plans" }, status: 201,
				body: body(map[string]any{"name": "Spare", "price_monthly": "1"}), action: "plan.create", ttype: "plan", target: id,
				then: func(r response) { spareID = fmt.Sprint(r.data()["id"]) }},
			{route: "DELETE /api/saas/plans/:id", path: func() string { return "/api/saas/plans/" + spareID }, status: 200,
				action: "plan.delete", ttype: "plan", target: func(response) any { return spareID }},
			{route: "POST /api/saas/tenants", path: func() string { return "/api/saas/tenants" }, status: 201,
				body: func() any {
					return map[string]any{"company_name": "Acme", "email": "a@acme.example.com", "first_name": "A", "last_name": "B",
						"plan_id": num(planID), "subdomain": "acme", "password": "Sup3r-secret-pw"}
				},
				action: "tenant.create", ttype: "tenant", target: func(r response) any { return fmt.Sprint(r.body["tenant_id"]) },
				fields: []string{"company_name", "email", "subdomain", "plan_id", "status"},
				then: func(r response) {
					tenantID = fmt.Sprint(r.body["tenant_id"])
					secrets = append(secrets, "Sup3r-secret-pw")
				}},
			{route: "PUT /api/saas/tenants/:id", path: func() string { return "/api/saas/tenants/" + tenantID }, status: 200,
				body: body(map[string]any{"company_name": "Acme 2"}), action: "tenant.update", ttype: "tenant", fields: []string{"company_name"},
				target: func(response) any { return tenantID }},
			// A plan change through the tenant update: one change, one entry.
			{route: "PUT /api/saas/tenants/:id", path: func() string { return "/api/saas/tenants/" + tenantID }, status: 200,
				body: body(map[string]any{"plan_id": pro, "company_name": "Acme 3", "status": "active"}), action: "tenant.update", ttype: "tenant",
				fields: []string{"plan_id", "company_name", "status"}, target: func(response) any { return tenantID },
				then: func(r response) {
					got := e.do("GET", "/api/saas/tenants/"+tenantID, nil).want(t, 200).data()
					if got["plan_id"] != float64(pro) || got["company_name"] != "Acme 3" {
						t.Fatalf("tenant after the plan change: %v", got)
					}
				}},
			{route: "PUT /api/saas/tenants/:id/subscription", path: func() string { return "/api/saas/tenants/" + tenantID + "/subscription" }, status: 200,
				body: func() any { return map[string]any{"plan_id": num(planID), "expires_at": "2030-01-01T00:00:00Z"} }, action: "subscription.update", ttype: "subscription",
				fields: []string{"plan_id", "expires_at"}, target: func(response) any { return tenantID },
				then: func(response) {
					e.runBilling()
					clock.Add(40 * 24 * time.Hour)
					e.runBilling()
					for _, inv := range e.invoices(num(tenantID)) {
						if inv["state"] == "open" && paid == "" {
							paid = inv["number"].(string)
						} else if inv["state"] == "open" {
							open = inv["number"].(string)
						}
					}
					if paid == "" || open == "" {
						t.Fatalf("want two open invoices: %v", e.invoices(num(tenantID)))
					}
				}},
			{route: "POST /api/saas/tenants/:id/invoices/:number/pay", path: func() string { return "/api/saas/tenants/" + tenantID + "/invoices/" + paid + "/pay" },
				status: 200, body: body(map[string]any{"payment_ref": "wire-1"}), action: "invoice.pay", ttype: "invoice",
				fields: []string{"tenant_id", "payment_ref"}, target: func(response) any { return paid }},
			{route: "POST /api/saas/tenants/:id/invoices/:number/void", path: func() string { return "/api/saas/tenants/" + tenantID + "/invoices/" + open + "/void" },
				status: 200, action: "invoice.void", ttype: "invoice", fields: []string{"tenant_id"}, target: func(response) any { return open }},
			{route: "POST /api/saas/tenants/:id/subscription/cancel", path: func() string { return "/api/saas/tenants/" + tenantID + "/subscription/cancel" },
				status: 200, body: body(map[string]any{"at_period_end": true}), action: "subscription.cancel", ttype: "subscription",
				fields: []string{"at_period_end"}, target: func(response) any { return tenantID }},
			{route: "POST /api/saas/webhooks", path: func() string { return "/api/saas/webhooks" }, status: 201,
				body:   body(map[string]any{"url": "http://127.0.0.1:9/hook", "events": []string{"*"}}),
				action: "webhook.create", ttype: "webhook", target: id, fields: []string{"url", "events"},
				then: func(r response) {
					hookID = fmt.Sprint(r.data()["id"])
					secrets = append(secrets, r.data()["secret"].(string))
					// A tenant event for it, sent to a closed port and given up on.
					e.do("PUT", "/api/saas/tenants/"+tenantID, map[string]any{"company_name": "Acme 4"}).want(t, 200)
					seen++
					if _, err := e.app.webhooks.Dispatch(context.Background()); err != nil {
						t.Fatal(err)
					}
					deliveryID = fmt.Sprint(e.lastDelivery(num(hookID))["id"])
					if _, err := e.app.db.SQL().Exec("UPDATE webhook_deliveries SET status = 'failed' WHERE id = ?", deliveryID); err != nil {
						t.Fatal(err)
					}
				}},
			{route: "POST /api/saas/webhooks/:id/deliveries/:delivery/redeliver", path: func() string {
				return "/api/saas/webhooks/" + hookID + "/deliveries/" + deliveryID + "/redeliver"
			}, status: 200, action: "webhook.redeliver", ttype: "webhook", fields: []string{"delivery_id"}, target: func(response) any { return hookID }},
			{route: "DELETE /api/saas/webhooks/:id", path: func() string { return "/api/saas/webhooks/" + hookID }, status: 200,
				action: "webhook.delete", ttype: "webhook", target: func(response) any { return hookID }},
			{route: "DELETE /api/saas/tenants/:id", path: func() string { return "/api/saas/tenants/" + tenantID }, status: 200,
				action: "tenant.delete", ttype: "tenant", fields: []string{"retention"}, target: func(response) any { return tenantID }},
		}

		// Every changing superadmin route has a case.
		covered := map[string]bool{}
		for _, c := range cases {
			covered[c.route] = true
		}
		var missing []string
		for _, r := range e.app.server.Handler().(*gin.Engine).Routes() {
			route := r.Method + " " + r.Path
			if !strings.HasPrefix(r.Path, "/api/saas/") || r.Method == "GET" || r.Method == "HEAD" || r.Method == "OPTIONS" {
				continue
			}
			if !covered[route] && unaudited[route] == "" {
				missing = append(missing, route)
			}
			delete(covered, route)
		}
		sort.Strings(missing)
		if len(missing) > 0 {
			t.Errorf("superadmin routes without an audit case (add one, or a reason to unaudited): %v", missing)
		}
		if len(covered) > 0 {
			t.Errorf("audit cases for routes the engine does not serve: %v", covered)
		}

		// Tables a failed request may touch without having changed anything:
		// the audit trail itself, SQLite's id counters and the provisioning
		// log of the create that was undone.
		volatile := []string{"audit_log", "sqlite_sequence", "provisioning_steps"}
		seen = len(e.auditEntries(""))
		for i, c := range cases {
			reqID := fmt.Sprintf("req-%d-%s", i, c.action)
			headers := map[string]string{"Authorization": "Bearer " + e.token, "X-Request-ID": reqID}
			name := c.route + " (" + c.action + ")"

			before := e.controlRows(volatile...)
			restore := e.auditDown(t)
			var reqBody any
			if c.body != nil {
				reqBody = c.body()
			}
			r := e.request(strings.Fields(c.route)[0], c.path(), reqBody, headers)
			restore()
			if r.status < 500 {
				t.Fatalf("%s with the audit trail down: %d %s", name, r.status, r.raw)
			}
			if after := e.controlRows(volatile...); after != before {
				t.Fatalf("%s with the audit trail down changed the control database:\n%s", name, lineDiff(before, after))
			}

			start := time.Now().Add(-time.Second)
			r = e.request(strings.Fields(c.route)[0], c.path(), reqBody, headers).want(t, c.status)
			all := e.auditEntries("")
			if len(all) != seen+1 {
				t.Fatalf("%s: %d new audit entries, want 1: %v", name, len(all)-seen, all[:len(all)-seen])
			}
			seen++
			got := all[0]
			at, err := time.Parse(time.RFC3339Nano, fmt.Sprint(got["at"]))
			if err != nil || at.Before(start) || at.After(time.Now().Add(time.Second)) {
				t.Errorf("%s: at %v (%v), want about now", name, got["at"], err)
			}
			if got["action"] != c.action || got["target_type"] != c.ttype || got["target_id"] != c.target(r) ||
				got["actor"] != "test" || got["token_id"] == 0.0 || got["request_id"] != reqID {
				t.Errorf("%s: entry %v", name, got)
			}
			changes, _ := got["changes"].(map[string]any)
			for _, f := range c.fields {
				if _, ok := changes[f]; !ok {
					t.Errorf("%s: changes %v lack %s", name, changes, f)
				}
			}
			if c.then != nil {
				c.then(r)
			}
		}

		// saasd's commands: a restore and a token made and revoked.
		config := e.configFile(t)
		if out, err := run(t, config, "tenants", "restore", tenantID); err != nil {
			t.Fatalf("tenants restore: %v\n%s", err, out)
		}
		out, err := run(t, config, "token", "create", "--name", "ops")
		if err != nil {
			t.Fatal(err)
		}
		lines := strings.Split(strings.TrimSpace(out), "\n")
		secrets = append(secrets, lines[len(lines)-1], e.token)
		if _, err := run(t, config, "token", "revoke", "--name", "ops"); err != nil {
			t.Fatal(err)
		}
		cli := e.auditEntries("&token=cli")
		var actions []string
		for _, en := range cli {
			actions = append(actions, fmt.Sprint(en["action"]))
		}
		if !slices.Equal(actions, []string{"token.revoke", "token.create", "tenant.restore"}) || cli[2]["target_id"] != tenantID || cli[2]["token_id"] != 0.0 {
			t.Fatalf("the commands' entries: %v", cli)
		}

		var dump strings.Builder
		dumpRows(t, e.app.db.SQL(), "audit_log", &dump)
		for _, s := range append(secrets, "whsec_", "saasd_", "$2a$") {
			if strings.Contains(dump.String(), s) {
				t.Fatalf("audit_log holds %q:\n%s", s, dump.String())
			}
		}
	})
}

// lineDiff lists the lines only in a or only in b.
func lineDiff(a, b string) string {
	count := map[string]int{}
	for _, l := range strings.Split(a, "\n") {
		count[l]++
	}
	for _, l := range strings.Split(b, "\n") {
		count[l]--
	}
	var out []string
	for l, n := range count {
		switch {
		case n > 0:
			out = append(out, "- "+l)
		case n < 0:
			out = append(out, "+ "+l)
		}
	}
	sort.Strings(out)
	return strings.Join(out, "\n")
}
