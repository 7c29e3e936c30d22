package main

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/saasd/saasd/config"
)

var starter = map[string]any{
	"name": "Starter", "price_monthly": 10.00, "price_yearly": 100.00, "billing_cycle": "monthly",
	"is_popular": false, "trial_enabled": true,
	"limits": map[string]any{"customers": 50, "invoices": 100, "projects": 5, "staff": 2},
}

func TestHealth(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		e := newEnv(t, b)
		e.doAs("", "GET", "/healthz", nil).want(t, http.StatusOK)
		e.doAs("", "GET", "/readyz", nil).want(t, http.StatusOK)
		e.app.db.Close()
		e.doAs("", "GET", "/readyz", nil).want(t, http.StatusServiceUnavailable)
		e.doAs("", "GET", "/healthz", nil).want(t, http.StatusOK)
		e.open() // so that cleanup closes a live app
	})
}

func TestAuthentication(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		e := newEnv(t, b)
		for name, token := range map[string]string{"missing": "", "garbage": "nope", "unknown": "saasd_" + randomHex(32)} {
			t.Run(name, func(t *testing.T) {
				r := e.doAs(token, "GET", "/api/saas/plans", nil).want(t, http.StatusUnauthorized)
				if r.header.Get("X-RateLimit-Limit") != "" {
					t.Error("unauthenticated answer carries rate-limit headers")
				}
			})
		}
		r := e.do("GET", "/api/saas/plans", nil).want(t, http.StatusOK)
		for _, h := range []string{"X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset", "X-Request-ID"} {
			if r.header.Get(h) == "" {
				t.Errorf("missing header %s", h)
			}
		}
		// A token revoked elsewhere (another process: the CLI) fails at once.
		if err := e.app.auth.Revoke(context.Background(), "test"); err != nil {
			t.Fatal(err)
		}
		e.do("GET", "/api/saas/plans", nil).want(t, http.StatusUnauthorized)
	})
}

func TestRequestIDEchoed(t *testing.T) {
	e := newEnv(t, backends(t)[0])
	req := "/healthz"
	r := e.doAs("", "GET", req, nil)
	if len(r.header.Get("X-Request-ID")) < 16 {
		t.Fatalf("no generated request id: %q", r.header.Get("X-Request-ID"))
	}
}

func TestRateLimit(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		e := newEnv(t, b, func(c *config.Config) { c.RateLimit.RequestsPerMinute = 3 })
		for i := 1; i <= 3; i++ {
			r := e.do("GET", "/api/saas/plans", nil).want(t, http.StatusOK)
			if got := r.header.Get("X-RateLimit-Remaining"); got != strconv.Itoa(3-i) {
				t.Fatalf("request %d: remaining %s", i, got)
			}
			if r.header.Get("X-RateLimit-Limit") != "3" {
				t.Fatalf("limit header %q", r.header.Get("X-RateLimit-Limit"))
			}
			reset, _ := strconv.ParseInt(r.header.Get("X-RateLimit-Reset"), 10, 64)
			if until := time.Until(time.Unix(reset, 0)); until < 0 || until > time.Minute {
				t.Fatalf("reset %d is not within the next minute", reset)
			}
		}
		r := e.do("GET", "/api/saas/plans", nil).want(t, http.StatusTooManyRequests)
		if ra, err := strconv.Atoi(r.header.Get("Retry-After")); err != nil || ra < 1 || ra > 60 {
			t.Fatalf("Retry-After = %q", r.header.Get("Retry-After"))
		}
		if r.header.Get("X-RateLimit-Remaining") != "0" {
			t.Fatal("429 without remaining 0")
		}
		// Another token has its own budget.
		other, _, err := e.app.auth.Create(context.Background(), "other")
		if err != nil {
			t.Fatal(err)
		}
		e.doAs(other, "GET", "/api/saas/plans", nil).want(t, http.StatusOK)
	})
}

func TestPlans(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		e := newEnv(t, b)
		r := e.do("POST", "/api/saas/plans", starter).want(t, http.StatusCreated)
		if !strings.Contains(r.raw, `"price_monthly":10.00`) || !strings.Contains(r.raw, `"price_yearly":100.00`) {
			t.Fatalf("prices not shown as in the seed: %s", r.raw)
		}
		p := r.data()
		id := int64(p["id"].(float64))
		limits := p["limits"].(map[string]any)
		if limits["customers"] != 50.0 || limits["tasks"] != -1.0 || p["trial_days"] != 14.0 {
			t.Fatalf("plan = %v", p)
		}
		e.do("POST", "/api/saas/plans", starter).want(t, http.StatusConflict)

		e.do("GET", fmt.Sprintf("/api/saas/plans/%d", id), nil).want(t, http.StatusOK)
		list := e.do("GET", "/api/saas/plans", nil).want(t, http.StatusOK).data()["plans"].([]any)
		if len(list) != 1 {
			t.Fatalf("plans = %v", list)
		}
		r = e.do("PUT", fmt.Sprintf("/api/saas/plans/%d", id), map[string]any{
			"price_monthly": "0.30", "is_popular": true, "limits": map[string]any{"tasks": 500},
		}).want(t, http.StatusOK)
		p = r.data()
		if !strings.Contains(r.raw, `"price_monthly":0.30`) || p["is_popular"] != true ||
			p["limits"].(map[string]any)["tasks"] != 500.0 || p["limits"].(map[string]any)["customers"] != 50.0 {
			t.Fatalf("updated plan = %s", r.raw)
		}
		e.do("DELETE", fmt.Sprintf("/api/saas/plans/%d", id), nil).want(t, http.StatusOK)
		e.do("GET", fmt.Sprintf("/api/saas/plans/%d", id), nil).want(t, http.StatusNotFound)
		e.do("PUT", fmt.Sprintf("/api/saas/plans/%d", id), map[string]any{"name": "x"}).want(t, http.StatusNotFound)
		e.do("DELETE", fmt.Sprintf("/api/saas/plans/%d", id), nil).want(t, http.StatusNotFound)
	})
}

func TestPlanValidation(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		e := newEnv(t, b)
		tests := []struct {
			name  string
			body  any
			field string
		}{
			{"no name", map[string]any{"price_monthly": 10}, "name"},
			{"no price", map[string]any{"name": "A"}, "price_monthly"},
			{"negative price", map[string]any{"name": "A", "price_monthly": -1}, "price_monthly"},
			{"three decimals", map[string]any{"name": "A", "price_monthly": 10.005}, "price_monthly"},
			{"bad cycle", map[string]any{"name": "A", "price_monthly": 1, "billing_cycle": "weekly"}, "billing_cycle"},
			{"unknown resource", map[string]any{"name": "A", "price_monthly": 1, "limits": map[string]any{"widgets": 3}}, "limits.widgets"},
			{"limit below -1", map[string]any{"name": "A", "price_monthly": 1, "limits": map[string]any{"staff": -2}}, "limits.staff"},
			{"fractional limit", `{"name":"A","price_monthly":1,"limits":{"staff":1.5}}`, "limits"},
			{"name not a string", `{"name":5,"price_monthly":1}`, "name"},
			{"trial days", map[string]any{"name": "A", "price_monthly": 1, "trial_enabled": true, "trial_days": 400}, "trial_days"},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				r := e.do("POST", "/api/saas/plans", tt.body).want(t, http.StatusUnprocessableEntity)
				if r.field(tt.field) == "" {
					t.Fatalf("no reason for %s: %s", tt.field, r.raw)
				}
			})
		}
		if n := len(e.do("GET", "/api/saas/plans", nil).want(t, http.StatusOK).data()["plans"].([]any)); n != 0 {
			t.Fatalf("%d plans were written by refused requests", n)
		}
	})
}

func TestTenantLifecycle(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		e := newEnv(t, b)
		planID := e.createPlan(starter)
		pro := e.createPlan(map[string]any{"name": "Professional", "price_monthly": "49.00", "limits": map[string]any{"customers": 500}})

		r := e.createTenant(planID, "acme").want(t, http.StatusCreated)
		id := int64(r.body["tenant_id"].(float64))
		if r.body["domain"] != "acme.localhost" || r.body["message"] != "Tenant created successfully" {
			t.Fatalf("create answer = %s", r.raw)
		}
		tn := r.data()
		if tn["status"] != "trial" || tn["database"] == "" || tn["plan_id"] != float64(planID) {
			t.Fatalf("tenant = %v", tn)
		}
		// No password was given: the admin's is generated, shown once, and works.
		pw, _ := tn["admin_password"].(string)
		e.asTenant("acme", "", "POST", "/api/login", map[string]any{"email": "john@acme.example.com", "password": pw}).want(t, http.StatusOK)
		if got := e.do("GET", fmt.Sprintf("/api/saas/tenants/%d", id), nil).raw; strings.Contains(got, "admin_password") {
			t.Fatal("the generated password is shown again")
		}
		database := tn["database"].(string)
		if dbs := e.databases(); !slices.Equal(dbs, []string{database}) {
			t.Fatalf("databases = %v, want [%s]", dbs, database)
		}

		got := e.do("GET", fmt.Sprintf("/api/saas/tenants/%d", id), nil).want(t, http.StatusOK).data()
		usage := got["usage"].(map[string]any)
		if got["plan_name"] != "Starter" || got["domain"] != "acme.localhost" || len(usage) != 7 ||
			usage["customers"].(map[string]any)["limit"] != 50.0 {
			t.Fatalf("get = %v", got)
		}
		if _, err := time.Parse(time.RFC3339, got["created_at"].(string)); err != nil || !strings.HasSuffix(got["created_at"].(string), "Z") {
			t.Fatalf("created_at %v is not RFC 3339 UTC", got["created_at"])
		}

		e.createTenant(pro, "globex").want(t, http.StatusCreated)
		list := e.do("GET", "/api/saas/tenants?page=1&per_page=1", nil).want(t, http.StatusOK).data()
		if list["total"] != 2.0 || len(list["tenants"].([]any)) != 1 || list["per_page"] != 1.0 || list["page"] != 1.0 {
			t.Fatalf("list = %v", list)
		}
		item := list["tenants"].([]any)[0].(map[string]any)
		for _, k := range []string{"id", "company_name", "domain", "plan", "status", "created_at"} {
			if _, ok := item[k]; !ok {
				t.Fatalf("list item lacks %s: %v", k, item)
			}
		}
		list = e.do("GET", "/api/saas/tenants?status=trial", nil).want(t, http.StatusOK).data()
		if list["total"] != 1.0 {
			t.Fatalf("trial tenants = %v", list)
		}

		up := e.do("PUT", fmt.Sprintf("/api/saas/tenants/%d", id), map[string]any{
			"company_name": "Acme Inc", "plan_id": pro, "status": "inactive",
		}).want(t, http.StatusOK).data()
		if up["company_name"] != "Acme Inc" || up["plan_id"] != float64(pro) || up["status"] != "inactive" {
			t.Fatalf("updated = %v", up)
		}
		list = e.do("GET", "/api/saas/tenants?status=inactive", nil).want(t, http.StatusOK).data()
		if list["total"] != 1.0 {
			t.Fatalf("inactive tenants = %v", list)
		}

		e.do("DELETE", fmt.Sprintf("/api/saas/plans/%d", pro), nil).want(t, http.StatusConflict)

		e.do("DELETE", fmt.Sprintf("/api/saas/tenants/%d", id), nil).want(t, http.StatusOK)
		e.do("GET", fmt.Sprintf("/api/saas/tenants/%d", id), nil).want(t, http.StatusNotFound)
		e.do("DELETE", fmt.Sprintf("/api/saas/tenants/%d", id), nil).want(t, http.StatusNotFound)
		if dbs := e.databases(); slices.Contains(dbs, database) || len(dbs) != 1 {
			t.Fatalf("databases after delete = %v", dbs)
		}
	})
}

func TestTenantValidation(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		e := newEnv(t, b)
		planID := e.createPlan(starter)
		e.createTenant(planID, "taken").want(t, http.StatusCreated)
		valid := func(change map[string]any) map[string]any {
			return with(map[string]any{"company_name": "Acme", "email": "a@b.co", "first_name": "J", "last_name": "D", "plan_id": planID, "subdomain": "fresh"}, change)
		}
		tests := []struct {
			name  string
			body  any
			field string
		}{
			{"no company", valid(map[string]any{"company_name": nil}), "company_name"},
			{"no email", valid(map[string]any{"email": nil}), "email"},
			{"bad email", valid(map[string]any{"email": "not-an-email"}), "email"},
			{"no first name", valid(map[string]any{"first_name": nil}), "first_name"},
			{"no last name", valid(map[string]any{"last_name": nil}), "last_name"},
			{"no plan", valid(map[string]any{"plan_id": nil}), "plan_id"},
			{"unknown plan", valid(map[string]any{"plan_id": 999}), "plan_id"},
			{"plan as text", valid(map[string]any{"plan_id": "one"}), "plan_id"},
			{"no subdomain", valid(map[string]any{"subdomain": nil}), "subdomain"},
			{"short subdomain", valid(map[string]any{"subdomain": "ab"}), "subdomain"},
			{"long subdomain", valid(map[string]any{"subdomain": "a" + strings.Repeat("b", 63)}), "subdomain"},
			{"digit first", valid(map[string]any{"subdomain": "1acme"}), "subdomain"},
			{"trailing dash", valid(map[string]any{"subdomain": "acme-"}), "subdomain"},
			{"underscore", valid(map[string]any{"subdomain": "ac_me"}), "subdomain"},
			{"sql", valid(map[string]any{"subdomain": "a`; DROP DATABASE x; --"}), "subdomain"},
			{"reserved www", valid(map[string]any{"subdomain": "www"}), "subdomain"},
			{"reserved mysql", valid(map[string]any{"subdomain": "mysql"}), "subdomain"},
			{"reserved information_schema", valid(map[string]any{"subdomain": "information_schema"}), "subdomain"},
			{"short password", valid(map[string]any{"password": "short"}), "password"},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				r := e.do("POST", "/api/saas/tenants", tt.body).want(t, http.StatusUnprocessableEntity)
				if r.field(tt.field) == "" {
					t.Fatalf("no reason for %s: %s", tt.field, r.raw)
				}
			})
		}
		e.createTenant(planID, "taken").want(t, http.StatusConflict)
		e.createTenant(planID, "TAKEN").want(t, http.StatusConflict)
		if total := e.do("GET", "/api/saas/tenants", nil).want(t, http.StatusOK).data()["total"]; total != 1.0 {
			t.Fatalf("refused requests left tenants behind: total %v", total)
		}
		if dbs := e.databases(); len(dbs) != 1 {
			t.Fatalf("refused requests left databases behind: %v", dbs)
		}

		// Updates are validated too.
		id := e.createTenant(planID, "other").want(t, http.StatusCreated).body["tenant_id"].(float64)
		path := fmt.Sprintf("/api/saas/tenants/%d", int64(id))
		for field, body := range map[string]any{
			"status":       map[string]any{"status": "trial"},
			"plan_id":      map[string]any{"plan_id": 999},
			"company_name": map[string]any{"company_name": "  "},
		} {
			if r := e.do("PUT", path, body).want(t, http.StatusUnprocessableEntity); r.field(field) == "" {
				t.Fatalf("no reason for %s: %s", field, r.raw)
			}
		}
		e.do("PUT", "/api/saas/tenants/9999", map[string]any{"company_name": "x"}).want(t, http.StatusNotFound)
	})
}

func TestProtocolErrors(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		e := newEnv(t, b)
		huge := `{"company_name":"` + strings.Repeat("x", 1<<20) + `"}`
		tests := []struct {
			name         string
			method, path string
			body         any
			status       int
		}{
			{"malformed json", "POST", "/api/saas/tenants", `{"company_name":`, http.StatusBadRequest},
			{"not an object", "POST", "/api/saas/plans", `[1,2]`, http.StatusBadRequest},
			{"trailing garbage", "POST", "/api/saas/plans", `{"name":"a"} x`, http.StatusBadRequest},
			{"empty body", "POST", "/api/saas/tenants", "", http.StatusBadRequest},
			{"too large", "POST", "/api/saas/tenants", huge, http.StatusRequestEntityTooLarge},
			{"unknown route", "GET", "/api/saas/nothing", nil, http.StatusNotFound},
			{"unknown top route", "GET", "/nothing", nil, http.StatusNotFound},
			{"wrong method", "PATCH", "/api/saas/tenants", nil, http.StatusMethodNotAllowed},
			{"wrong method on item", "POST", "/api/saas/plans/1", nil, http.StatusMethodNotAllowed},
			{"id not a number", "GET", "/api/saas/tenants/abc", nil, http.StatusNotFound},
			{"id negative", "GET", "/api/saas/plans/-1", nil, http.StatusNotFound},
			{"id huge", "GET", "/api/saas/tenants/99999999999999999999", nil, http.StatusNotFound},
			{"missing tenant", "GET", "/api/saas/tenants/42", nil, http.StatusNotFound},
			{"missing tenant usage", "GET", "/api/saas/tenants/42/usage", nil, http.StatusNotFound},
			{"missing subscription", "GET", "/api/saas/tenants/42/subscription", nil, http.StatusNotFound},
			{"bad page", "GET", "/api/saas/tenants?page=x", nil, http.StatusUnprocessableEntity},
			{"zero page", "GET", "/api/saas/tenants?page=0", nil, http.StatusUnprocessableEntity},
			{"per_page over 100", "GET", "/api/saas/tenants?per_page=101", nil, http.StatusUnprocessableEntity},
			{"bad status filter", "GET", "/api/saas/tenants?status=gone", nil, http.StatusUnprocessableEntity},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				e.do(tt.method, tt.path, tt.body).want(t, tt.status)
			})
		}
		e.do("GET", "/api/saas/tenants?per_page=100", nil).want(t, http.StatusOK)
	})
}

func TestSubscriptionAndUsage(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		e := newEnv(t, b)
		planID := e.createPlan(starter)
		yearly := e.createPlan(map[string]any{"name": "Yearly", "price_monthly": 20, "price_yearly": 200, "billing_cycle": "yearly", "limits": map[string]any{"customers": 3}})
		r := e.createTenant(planID, "acme").want(t, http.StatusCreated)
		id, database := int64(r.body["tenant_id"].(float64)), r.data()["database"].(string)
		path := fmt.Sprintf("/api/saas/tenants/%d", id)

		sub := e.do("GET", path+"/subscription", nil).want(t, http.StatusOK).data()
		if sub["tenant_id"] != float64(id) || sub["plan_name"] != "Starter" || sub["status"] != "trial" ||
			sub["billing_cycle"] != "monthly" || sub["expires_at"] == nil || sub["next_invoice_at"] == nil || sub["started_at"] == nil {
			t.Fatalf("subscription = %v", sub)
		}

		// A plan change during the trial keeps the trial.
		trialEnd := sub["expires_at"]
		sub = e.do("PUT", path+"/subscription", map[string]any{"plan_id": yearly}).want(t, http.StatusOK).data()
		if sub["plan_id"] != float64(yearly) || sub["billing_cycle"] != "yearly" || sub["status"] != "trial" ||
			sub["state"] != "trialing" || sub["expires_at"] != trialEnd {
			t.Fatalf("after plan change = %v", sub)
		}
		sub = e.do("PUT", path+"/subscription", map[string]any{"expires_at": "2030-01-31T10:30:00+02:00"}).want(t, http.StatusOK).data()
		if sub["expires_at"] != "2030-01-31T08:30:00Z" {
			t.Fatalf("expires_at = %v", sub["expires_at"])
		}
		for body, field := range map[string]string{
			`{"expires_at":"next week"}`: "expires_at",
			`{"plan_id":999}`:            "plan_id",
			`{"plan_id":"x"}`:            "plan_id",
		} {
			if r := e.do("PUT", path+"/subscription", body).want(t, http.StatusUnprocessableEntity); r.field(field) == "" {
				t.Fatalf("%s: no reason for %s: %s", body, field, r.raw)
			}
		}

		// Usage comes from the tenant's own database. Rows written by hand,
		// past the API, show once the counters are recounted.
		now := time.Now().UTC().Format("2006-01-02 15:04:05")
		for i := 0; i < 2; i++ {
			e.tenantExec(database, fmt.Sprintf("INSERT INTO {db}.customers (account, created_at, updated_at) VALUES ('c%d', '%s', '%s')", i, now, now))
		}
		e.tenantExec(database, fmt.Sprintf("INSERT INTO {db}.tasks (name, created_at, updated_at) VALUES ('t', '%s', '%s')", now, now))
		if u := e.do("GET", path+"/usage", nil).want(t, http.StatusOK).data(); u["customers"].(map[string]any)["used"] != 0.0 {
			t.Fatalf("hand-written rows counted before a recount: %v", u)
		}
		changed, err := e.app.tenants.Recount(context.Background(), 0)
		if err != nil || len(changed[id]) != 2 {
			t.Fatalf("Recount = %v, %v", changed, err)
		}
		u := e.do("GET", path+"/usage", nil).want(t, http.StatusOK).data()
		c := u["customers"].(map[string]any)
		if c["used"] != 2.0 || c["limit"] != 3.0 || c["percentage"] != 66.7 {
			t.Fatalf("customers usage = %v", c)
		}
		if tasks := u["tasks"].(map[string]any); tasks["used"] != 1.0 || tasks["limit"] != -1.0 {
			t.Fatalf("tasks usage = %v", tasks)
		}
		if len(u) != 7 {
			t.Fatalf("usage has %d resources: %v", len(u), u)
		}
		got := e.do("GET", path, nil).want(t, http.StatusOK).data()["usage"].(map[string]any)
		if got["customers"].(map[string]any)["used"] != 2.0 {
			t.Fatalf("tenant usage = %v", got)
		}
	})
}

// TestProvisionConflictLeavesNothing: when the tenant's database cannot be
// made (here: one of that name is already there), no tenant row remains and
// the database that was there is left alone.
func TestProvisionConflictLeavesNothing(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		e := newEnv(t, b)
		planID := e.createPlan(starter)
		// The first tenant gets ID 1, so its database is prefix + "1".
		squatter := e.strayDatabase("1", "keepme")
		e.createTenant(planID, "acme").want(t, http.StatusConflict)
		if total := e.do("GET", "/api/saas/tenants", nil).want(t, http.StatusOK).data()["total"]; total != 0.0 {
			t.Fatalf("tenant row left behind: total %v", total)
		}
		if dbs := e.databases(); !slices.Equal(dbs, []string{squatter}) {
			t.Fatalf("databases = %v, want only the one that was there", dbs)
		}
		e.tenantExec(squatter, "INSERT INTO {db}.keepme VALUES (1)")
		// The next attempt gets the next ID and succeeds.
		e.createTenant(planID, "acme").want(t, http.StatusCreated)
	})
}

func TestConcurrentCreates(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		// Twenty provisions at once queue on one MariaDB's DDL; on a loaded
		// test machine the last can pass the default 30s request timeout.
		// This test is about creates not colliding, not about latency.
		e := newEnv(t, b, func(c *config.Config) { c.HTTP.RequestTimeout = 2 * time.Minute })
		planID := e.createPlan(starter)
		var wg sync.WaitGroup
		statuses := make([]int, 20)
		for i := range statuses {
			wg.Add(1)
			go func() {
				defer wg.Done()
				statuses[i] = e.createTenant(planID, fmt.Sprintf("tenant-%02d", i)).status
			}()
		}
		wg.Wait()
		for i, s := range statuses {
			if s != http.StatusCreated {
				t.Fatalf("create %d: status %d", i, s)
			}
		}
		if n := len(e.databases()); n != 20 {
			t.Fatalf("%d databases, want 20", n)
		}

		statuses = make([]int, 8)
		for i := range statuses {
			wg.Add(1)
			go func() {
				defer wg.Done()
				statuses[i] = e.createTenant(planID, "same").status
			}()
		}
		wg.Wait()
		created := 0
		for _, s := range statuses {
			switch s {
			case http.StatusCreated:
				created++
			case http.StatusConflict:
			default:
				t.Fatalf("status %d in %v", s, statuses)
			}
		}
		if created != 1 {
			t.Fatalf("%d creates of the same subdomain succeeded: %v", created, statuses)
		}
		if n := len(e.databases()); n != 21 {
			t.Fatalf("%d databases, want 21", n)
		}
		if total := e.do("GET", "/api/saas/tenants", nil).want(t, http.StatusOK).data()["total"]; total != 21.0 {
			t.Fatalf("total = %v", total)
		}
	})
}

func TestRestartKeepsData(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		e := newEnv(t, b)
		planID := e.createPlan(starter)
		r := e.createTenant(planID, "acme").want(t, http.StatusCreated)
		id := int64(r.body["tenant_id"].(float64))
		e.restart()
		got := e.do("GET", fmt.Sprintf("/api/saas/tenants/%d", id), nil).want(t, http.StatusOK).data()
		if got["company_name"] != "Acme acme" || got["plan_name"] != "Starter" || got["status"] != "trial" {
			t.Fatalf("after restart = %v", got)
		}
		e.do("GET", fmt.Sprintf("/api/saas/plans/%d", planID), nil).want(t, http.StatusOK)
	})
}
