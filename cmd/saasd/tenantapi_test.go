package main

import (
	"fmt"
	"maps"
	"net/http"
	"strings"
	"sync"
	"testing"
	"testing/fstest"

	"github.com/saasd/saasd/config"
	"github.com/saasd/saasd/core"
	"github.com/saasd/saasd/core/crud"
	"github.com/saasd/saasd/core/kernel"
	"github.com/saasd/saasd/ports"
)

// signup registers a tenant through the public API and returns its
// subdomain and the admin's token.
func (e *env) signup(company, subdomain string, planID int64) (string, string) {
	e.t.Helper()
	body := map[string]any{
		"name": "Jane Admin", "email": "jane@" + subdomain + ".example.com", "mobile": "+1 555 0100",
		"company": company, "password": "s3cret-pass", "c_password": "s3cret-pass", "subdomain": subdomain,
	}
	if planID != 0 {
		body["plan_id"] = planID
	}
	r := e.doAs("", "POST", "/api/register", body).want(e.t, http.StatusCreated)
	d := r.data()
	tn := d["tenant"].(map[string]any)
	if d["token"] == "" || tn["domain"] != subdomain+".localhost" || tn["id"] == nil {
		e.t.Fatalf("register answer = %s", r.raw)
	}
	return subdomain, d["token"].(string)
}

func limitedPlan(limits map[string]any) map[string]any {
	return map[string]any{"name": "Limited " + randomHex(3), "price_monthly": 5, "trial_enabled": true, "limits": limits}
}

func TestSignupLoginLogout(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		e := newEnv(t, b)
		// Signup with no plan yet is refused clearly.
		r := e.doAs("", "POST", "/api/register", map[string]any{
			"name": "Jane", "email": "jane@x.example.com", "mobile": "5550100", "company": "X", "password": "s3cret-pass", "c_password": "s3cret-pass",
		}).want(t, http.StatusUnprocessableEntity)
		if r.field("plan_id") == "" {
			t.Fatalf("no plan: %s", r.raw)
		}
		e.createPlan(starter)
		sub, token := e.signup("Acme Corp", "acme", 0)

		// The tenant is on the trial plan and its admin is in its own database.
		list := e.do("GET", "/api/saas/tenants", nil).want(t, http.StatusOK).data()["tenants"].([]any)
		if len(list) != 1 || list[0].(map[string]any)["status"] != "trial" {
			t.Fatalf("tenants = %v", list)
		}
		e.asTenant(sub, token, "GET", "/api/v2/customers", nil).want(t, http.StatusOK)

		login := e.asTenant(sub, "", "POST", "/api/login", map[string]any{"email": "JANE@acme.example.com", "password": "s3cret-pass"}).want(t, http.StatusOK)
		second := login.data()["token"].(string)
		if second == token || login.data()["user"].(map[string]any)["role"] != "administrator" {
			t.Fatalf("login = %s", login.raw)
		}
		for name, body := range map[string]any{
			"wrong password": map[string]any{"email": "jane@acme.example.com", "password": "wrong-pass1"},
			"unknown email":  map[string]any{"email": "nobody@acme.example.com", "password": "s3cret-pass"},
		} {
			t.Run(name, func(t *testing.T) {
				r := e.asTenant(sub, "", "POST", "/api/login", body).want(t, http.StatusUnauthorized)
				if r.body["error"] != "invalid email or password" {
					t.Fatalf("login error leaks which part was wrong: %s", r.raw)
				}
			})
		}
		e.asTenant(sub, second, "POST", "/api/logout", nil).want(t, http.StatusOK)
		e.asTenant(sub, second, "GET", "/api/v2/customers", nil).want(t, http.StatusUnauthorized)
		e.asTenant(sub, token, "GET", "/api/v2/customers", nil).want(t, http.StatusOK)

		// Host header resolution works as X-Tenant does.
		e.request("GET", "/api/v2/customers", nil, map[string]string{"Host": "acme.localhost:8080", "Authorization": "Bearer " + token}).want(t, http.StatusOK)
		e.request("GET", "/api/v2/customers", nil, map[string]string{"Host": "nope.localhost", "Authorization": "Bearer " + token}).want(t, http.StatusNotFound)
		e.asTenant("", token, "GET", "/api/v2/customers", nil).want(t, http.StatusNotFound)
		e.asTenant(sub, "", "GET", "/api/v2/customers", nil).want(t, http.StatusUnauthorized)
		e.asTenant(sub, "saasd_t_forged", "GET", "/api/v2/customers", nil).want(t, http.StatusUnauthorized)
		// Seed 003 sends the token alone, without "Bearer"; other schemes stay refused.
		e.request("GET", "/api/v2/customers", nil, map[string]string{"X-Tenant": sub, "Authorization": token}).want(t, http.StatusOK)
		e.request("GET", "/api/v2/customers", nil, map[string]string{"X-Tenant": sub, "Authorization": "Basic " + token}).want(t, http.StatusUnauthorized)
		e.request("GET", "/api/v2/customers", nil, map[string]string{"X-Tenant": sub, "Authorization": "saasd_t_forged"}).want(t, http.StatusUnauthorized)

		// A one-word name is the admin's name as given (the tenant's contact
		// has it as first and last name).
		r = e.doAs("", "POST", "/api/register", map[string]any{
			"name": "Jane", "email": "jane@solo.example.com", "mobile": 5550100, "company": "Solo", "password": "s3cret-pass", "c_password": "s3cret-pass",
		}).want(t, http.StatusCreated)
		if name := r.data()["user"].(map[string]any)["name"]; name != "Jane" {
			t.Fatalf("admin name = %v", name)
		}
	})
}

func TestSignupValidation(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		e := newEnv(t, b)
		e.createPlan(starter)
		e.signup("Taken Inc", "taken", 0)
		valid := func(change map[string]any) map[string]any {
			return with(map[string]any{"name": "Jane Doe", "email": "jane@new.example.com", "mobile": "+1 555 0100",
				"company": "New Co", "password": "s3cret-pass", "c_password": "s3cret-pass"}, change)
		}
		tests := []struct {
			name  string
			body  any
			field string
		}{
			{"no name", valid(map[string]any{"name": nil}), "name"},
			{"bad email", valid(map[string]any{"email": "jane"}), "email"},
			{"no mobile", valid(map[string]any{"mobile": nil}), "mobile"},
			{"bad mobile", valid(map[string]any{"mobile": "call me"}), "mobile"},
			{"no company", valid(map[string]any{"company": nil}), "company"},
			{"passwords differ", valid(map[string]any{"c_password": "other-pass1"}), "c_password"},
			{"short password", valid(map[string]any{"password": "a1", "c_password": "a1"}), "password"},
			{"no digit", valid(map[string]any{"password": "onlyletters", "c_password": "onlyletters"}), "password"},
			{"bad subdomain", valid(map[string]any{"subdomain": "-bad"}), "subdomain"},
			{"reserved subdomain", valid(map[string]any{"subdomain": "admin"}), "subdomain"},
			{"unknown plan", valid(map[string]any{"plan_id": 999}), "plan_id"},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				r := e.doAs("", "POST", "/api/register", tt.body).want(t, http.StatusUnprocessableEntity)
				if r.field(tt.field) == "" {
					t.Fatalf("no reason for %s: %s", tt.field, r.raw)
				}
			})
		}
		e.doAs("", "POST", "/api/register", valid(map[string]any{"subdomain": "taken"})).want(t, http.StatusConflict)
		// A subdomain derived from a taken company name gets a suffix.
		r := e.doAs("", "POST", "/api/register", valid(map[string]any{"company": "Taken Inc", "email": "b@taken2.example.com"})).want(t, http.StatusCreated)
		if d := r.data()["tenant"].(map[string]any)["domain"]; d != "taken-inc.localhost" {
			t.Fatalf("derived domain = %v", d)
		}
		if total := e.do("GET", "/api/saas/tenants", nil).want(t, http.StatusOK).data()["total"]; total != 2.0 {
			t.Fatalf("refused signups left tenants: %v", total)
		}
		if n := len(e.databases()); n != 2 {
			t.Fatalf("refused signups left databases: %d", n)
		}
	})
}

func TestSignupRateLimitedPerIP(t *testing.T) {
	e := newEnv(t, backends(t)[0], func(c *config.Config) { c.RateLimit.SignupsPerHour = 2 })
	for i := 0; i < 2; i++ {
		r := e.doAs("", "POST", "/api/register", map[string]any{})
		if r.status != http.StatusUnprocessableEntity || r.header.Get("X-RateLimit-Limit") != "2" {
			t.Fatalf("signup %d: %d %v", i, r.status, r.header)
		}
	}
	r := e.doAs("", "POST", "/api/register", map[string]any{}).want(t, http.StatusTooManyRequests)
	if r.header.Get("Retry-After") == "" {
		t.Fatal("no Retry-After")
	}
}

func TestTenantIsolationAndSuspension(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		e := newEnv(t, b)
		e.createPlan(starter)
		a, tokA := e.signup("Alpha", "alpha", 0)
		bsub, tokB := e.signup("Beta", "beta", 0)
		r := e.asTenant(a, tokA, "POST", "/api/v2/customers", map[string]any{"account": "Alpha's customer"}).want(t, http.StatusCreated)
		id := int64(r.data()["id"].(float64))

		// A's token is not valid for B, whatever the path.
		e.asTenant(bsub, tokA, "GET", "/api/v2/customers", nil).want(t, http.StatusUnauthorized)
		e.asTenant(bsub, tokA, "GET", fmt.Sprintf("/api/v2/customers/%d", id), nil).want(t, http.StatusUnauthorized)
		// B sees none of A's records.
		list := e.asTenant(bsub, tokB, "GET", "/api/v2/customers", nil).want(t, http.StatusOK)
		if len(list.body["data"].([]any)) != 0 {
			t.Fatalf("B sees %s", list.raw)
		}
		e.asTenant(bsub, tokB, "GET", fmt.Sprintf("/api/v2/customers/%d", id), nil).want(t, http.StatusNotFound)

		// Suspended: 403 with a clear message; data untouched and back on reactivation.
		tenantID := e.do("GET", "/api/saas/tenants?per_page=100", nil).data()["tenants"].([]any)[1].(map[string]any)["id"]
		path := fmt.Sprintf("/api/saas/tenants/%d", int64(tenantID.(float64)))
		e.do("PUT", path, map[string]any{"status": "inactive"}).want(t, http.StatusOK)
		if r := e.asTenant(a, tokA, "GET", "/api/v2/customers", nil).want(t, http.StatusForbidden); !strings.Contains(r.body["error"].(string), "suspended") {
			t.Fatalf("suspended message: %s", r.raw)
		}
		e.asTenant(a, "", "POST", "/api/login", map[string]any{"email": "jane@alpha.example.com", "password": "s3cret-pass"}).want(t, http.StatusForbidden)
		e.do("PUT", path, map[string]any{"status": "active"}).want(t, http.StatusOK)
		if n := len(e.asTenant(a, tokA, "GET", "/api/v2/customers", nil).want(t, http.StatusOK).body["data"].([]any)); n != 1 {
			t.Fatalf("after reactivation: %d customers", n)
		}
		// Expired subscription: 403 too.
		e.do("PUT", path+"/subscription", map[string]any{"expires_at": "2020-01-01T00:00:00Z"}).want(t, http.StatusOK)
		if r := e.asTenant(a, tokA, "GET", "/api/v2/customers", nil).want(t, http.StatusForbidden); !strings.Contains(r.body["error"].(string), "expired") {
			t.Fatalf("expired message: %s", r.raw)
		}
		e.asTenant("nosuch", tokA, "GET", "/api/v2/customers", nil).want(t, http.StatusNotFound)
	})
}

func TestCustomersCRUD(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		e := newEnv(t, b)
		e.createPlan(starter)
		sub, tok := e.signup("Acme", "acme", 0)
		do := func(method, path string, body any) response { return e.asTenant(sub, tok, method, path, body) }

		r := do("POST", "/api/v2/customers", map[string]any{
			"account": "Jane Smith", "email": "jane@example.com", "phone": "1234567890", "address": "123 Business St",
			"city": "New York", "state": "NY", "zip": "10001", "country": "US",
		}).want(t, http.StatusCreated)
		c := r.data()
		id := int64(c["id"].(float64))
		if c["account"] != "Jane Smith" || c["city"] != "New York" || c["created_at"] == nil || c["updated_at"] == nil {
			t.Fatalf("created = %v", c)
		}
		for i := 0; i < 24; i++ {
			do("POST", "/api/v2/customers", map[string]any{"account": fmt.Sprintf("Customer %02d", i)}).want(t, http.StatusCreated)
		}
		page := do("GET", "/api/v2/customers", nil).want(t, http.StatusOK)
		meta := page.body["meta"].(map[string]any)
		if len(page.body["data"].([]any)) != 20 || meta["total_records"] != 25.0 || meta["total_pages"] != 2.0 || meta["current_page"] != 1.0 {
			t.Fatalf("page 1 meta = %v", meta)
		}
		page = do("GET", "/api/v2/customers?page=2&limit=20", nil).want(t, http.StatusOK)
		if len(page.body["data"].([]any)) != 5 {
			t.Fatalf("page 2 = %d", len(page.body["data"].([]any)))
		}
		page = do("GET", "/api/v2/customers?search=smith", nil).want(t, http.StatusOK)
		if page.body["meta"].(map[string]any)["total_records"] != 1.0 {
			t.Fatalf("search = %s", page.raw)
		}
		page = do("GET", "/api/v2/customers?search="+strings.Repeat("%25", 3), nil).want(t, http.StatusOK)
		if page.body["meta"].(map[string]any)["total_records"] != 0.0 {
			t.Fatalf("%% is not escaped in search: %s", page.raw)
		}
		got := do("GET", fmt.Sprintf("/api/v2/customers/%d", id), nil).want(t, http.StatusOK).data()
		if got["email"] != "jane@example.com" {
			t.Fatalf("get = %v", got)
		}
		up := do("PUT", fmt.Sprintf("/api/v2/customers/%d", id), map[string]any{"city": "Boston"}).want(t, http.StatusOK).data()
		if up["city"] != "Boston" || up["account"] != "Jane Smith" {
			t.Fatalf("update = %v", up)
		}
		do("DELETE", fmt.Sprintf("/api/v2/customers/%d", id), nil).want(t, http.StatusOK)
		do("GET", fmt.Sprintf("/api/v2/customers/%d", id), nil).want(t, http.StatusNotFound)
		do("PUT", fmt.Sprintf("/api/v2/customers/%d", id), map[string]any{"city": "x"}).want(t, http.StatusNotFound)
		do("DELETE", fmt.Sprintf("/api/v2/customers/%d", id), nil).want(t, http.StatusNotFound)

		for name, tc := range map[string]struct {
			method, path string
			body         any
			status       int
			field        string
		}{
			"no account":       {"POST", "/api/v2/customers", map[string]any{"email": "a@b.co"}, 422, "account"},
			"bad email":        {"POST", "/api/v2/customers", map[string]any{"account": "A", "email": "nope"}, 422, "email"},
			"account a number": {"POST", "/api/v2/customers", map[string]any{"account": 5}, 422, "account"},
			"too long":         {"POST", "/api/v2/customers", map[string]any{"account": strings.Repeat("x", 300)}, 422, "account"},
			"empty account":    {"PUT", "/api/v2/customers/2", map[string]any{"account": ""}, 422, "account"},
			"malformed":        {"POST", "/api/v2/customers", `{"account":`, 400, ""},
			"bad page":         {"GET", "/api/v2/customers?page=0", nil, 422, "page"},
			"limit too big":    {"GET", "/api/v2/customers?limit=1000", nil, 422, "limit"},
			"bad id":           {"GET", "/api/v2/customers/abc", nil, 404, ""},
			"unknown module":   {"GET", "/api/v2/widgets", nil, 404, ""},
			"wrong method":     {"PATCH", "/api/v2/customers", nil, 405, ""},
		} {
			t.Run(name, func(t *testing.T) {
				r := do(tc.method, tc.path, tc.body).want(t, tc.status)
				if tc.field != "" && r.field(tc.field) == "" {
					t.Fatalf("no reason for %s: %s", tc.field, r.raw)
				}
			})
		}
		r = do("GET", "/api/v2/customers", nil)
		for _, h := range []string{"X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset"} {
			if r.header.Get(h) == "" {
				t.Fatalf("tenant answer lacks %s", h)
			}
		}
	})
}

func TestInvoicesComputeTotals(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		e := newEnv(t, b)
		e.createPlan(starter)
		sub, tok := e.signup("Acme", "acme", 0)
		do := func(method, path string, body any) response { return e.asTenant(sub, tok, method, path, body) }
		cust := int64(do("POST", "/api/v2/customers", map[string]any{"account": "C"}).want(t, 201).data()["id"].(float64))

		body := map[string]any{
			"customer_id": cust, "date": "2024-01-15", "due_date": "2024-02-15", "amount": 1, "notes": "Payment due within 30 days",
			"items": []any{
				map[string]any{"description": "Web Development", "amount": 1500.00, "qty": 1},
				map[string]any{"description": "Hosting", "amount": "0.10", "qty": 3},
				map[string]any{"description": "Domain", "amount": 2e-1, "qty": 1},
			},
		}
		// The total is the server's to compute: sending one is refused, not ignored.
		if r := do("POST", "/api/v2/invoices", body).want(t, http.StatusUnprocessableEntity); r.field("amount") == "" {
			t.Fatalf("a client-set total: %s", r.raw)
		}
		delete(body, "amount")
		r := do("POST", "/api/v2/invoices", body).want(t, http.StatusCreated)
		inv := r.data()
		if !strings.Contains(r.raw, `"amount":1500.50`) || inv["status"] != "Unpaid" || inv["date"] != "2024-01-15" ||
			len(inv["items"].([]any)) != 3 || !strings.HasPrefix(inv["invoice_number"].(string), "INV-") {
			t.Fatalf("invoice = %s", r.raw)
		}
		id := int64(inv["id"].(float64))
		r = do("PUT", fmt.Sprintf("/api/v2/invoices/%d", id), map[string]any{"status": "paid", "items": []any{map[string]any{"description": "Only", "amount": 10, "qty": 2}}}).want(t, http.StatusOK)
		if !strings.Contains(r.raw, `"amount":20.00`) || r.data()["status"] != "Paid" {
			t.Fatalf("updated invoice = %s", r.raw)
		}
		do("POST", "/api/v2/invoices", map[string]any{"customer_id": cust, "date": "2024-03-01", "items": []any{map[string]any{"description": "X", "amount": 5}}}).want(t, 201)
		for q, want := range map[string]float64{
			"status=Paid": 1, "status=unpaid": 1, fmt.Sprintf("customer_id=%d", cust): 2,
			"date_from=2024-02-01": 1, "date_to=2024-02-01": 1, "date_from=2024-01-01&date_to=2024-12-31": 2,
		} {
			if got := do("GET", "/api/v2/invoices?"+q, nil).want(t, 200).body["meta"].(map[string]any)["total_records"]; got != want {
				t.Errorf("%s: %v records, want %v", q, got, want)
			}
		}
		for name, body := range map[string]map[string]any{
			"customer_id": {"customer_id": 999, "items": []any{map[string]any{"description": "X", "amount": 1}}},
			"items":       {"customer_id": cust, "items": []any{}},
			"date":        {"customer_id": cust, "date": "15/01/2024", "items": []any{map[string]any{"description": "X", "amount": 1}}},
		} {
			if r := do("POST", "/api/v2/invoices", body).want(t, 422); r.field(name) == "" {
				t.Errorf("no reason for %s: %s", name, r.raw)
			}
		}
		do("POST", "/api/v2/invoices", map[string]any{"customer_id": cust, "items": []any{map[string]any{"description": "X", "amount": -1}}}).want(t, 422)
		do("POST", "/api/v2/invoices", map[string]any{"customer_id": cust, "items": []any{map[string]any{"description": "X", "amount": 1, "qty": 0}}}).want(t, 422)
		do("GET", "/api/v2/invoices?date_from=yesterday", nil).want(t, 422)
		do("DELETE", fmt.Sprintf("/api/v2/invoices/%d", id), nil).want(t, 200)
	})
}

// TestQuotaCannotBeRaced fires 50 parallel creates at a limit of 10.
func TestQuotaCannotBeRaced(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		e := newEnv(t, b)
		planID := e.createPlan(limitedPlan(map[string]any{"customers": 10, "projects": 1}))
		sub, tok := e.signup("Acme", "acme", planID)
		var wg sync.WaitGroup
		statuses := make([]int, 50)
		for i := range statuses {
			wg.Add(1)
			go func() {
				defer wg.Done()
				statuses[i] = e.asTenant(sub, tok, "POST", "/api/v2/customers", map[string]any{"account": fmt.Sprintf("c%d", i)}).status
			}()
		}
		wg.Wait()
		created := 0
		for _, s := range statuses {
			switch s {
			case http.StatusCreated:
				created++
			case http.StatusForbidden:
			default:
				t.Fatalf("status %d among %v", s, statuses)
			}
		}
		if created != 10 {
			t.Fatalf("%d created, want 10", created)
		}
		r := e.asTenant(sub, tok, "POST", "/api/v2/customers", map[string]any{"account": "one more"}).want(t, http.StatusForbidden)
		if msg := r.body["error"].(string); !strings.Contains(msg, "customers") || !strings.Contains(msg, "10") {
			t.Fatalf("quota error does not name resource and limit: %s", msg)
		}
		if n := e.asTenant(sub, tok, "GET", "/api/v2/customers", nil).body["meta"].(map[string]any)["total_records"]; n != 10.0 {
			t.Fatalf("%v rows", n)
		}
		// The superadmin sees the same count, and so does the tenant.
		tenantID := int64(e.do("GET", "/api/saas/tenants", nil).data()["tenants"].([]any)[0].(map[string]any)["id"].(float64))
		u := e.do("GET", fmt.Sprintf("/api/saas/tenants/%d/usage", tenantID), nil).want(t, 200).data()["customers"].(map[string]any)
		own := e.asTenant(sub, tok, "GET", "/api/v2/usage", nil).want(t, 200).data()["customers"].(map[string]any)
		if u["used"] != 10.0 || u["limit"] != 10.0 || u["percentage"] != 100.0 || own["used"] != 10.0 {
			t.Fatalf("usage = %v, own = %v", u, own)
		}

		// Batch: all or none, within the limit.
		e.asTenant(sub, tok, "POST", "/api/v2/batch/customers", map[string]any{"customers": []any{map[string]any{"account": "x"}}}).want(t, http.StatusForbidden)
		list := e.asTenant(sub, tok, "GET", "/api/v2/customers", nil).body["data"].([]any)
		first := int64(list[0].(map[string]any)["id"].(float64))
		e.asTenant(sub, tok, "DELETE", fmt.Sprintf("/api/v2/customers/%d", first), nil).want(t, 200)
		e.asTenant(sub, tok, "POST", "/api/v2/batch/customers", map[string]any{"customers": []any{map[string]any{"account": "x"}, map[string]any{"account": "y"}}}).want(t, http.StatusForbidden)
		e.asTenant(sub, tok, "POST", "/api/v2/batch/customers", map[string]any{"customers": []any{map[string]any{"account": "x"}}}).want(t, http.StatusCreated)

		// A downgrade below usage blocks creates but deletes nothing.
		small := e.createPlan(limitedPlan(map[string]any{"customers": 3}))
		e.do("PUT", fmt.Sprintf("/api/saas/tenants/%d", tenantID), map[string]any{"plan_id": small}).want(t, 200)
		e.asTenant(sub, tok, "POST", "/api/v2/customers", map[string]any{"account": "z"}).want(t, http.StatusForbidden)
		if n := e.asTenant(sub, tok, "GET", "/api/v2/customers", nil).body["meta"].(map[string]any)["total_records"]; n != 10.0 {
			t.Fatalf("downgrade changed rows: %v", n)
		}
		// Unlimited resources are not limited.
		for i := 0; i < 3; i++ {
			e.asTenant(sub, tok, "POST", "/api/v2/tasks", map[string]any{"name": "t"}).want(t, http.StatusCreated)
		}
	})
}

func TestBatchAllOrNone(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		e := newEnv(t, b)
		e.createPlan(starter)
		sub, tok := e.signup("Acme", "acme", 0)
		r := e.asTenant(sub, tok, "POST", "/api/v2/batch/customers", map[string]any{"customers": []any{
			map[string]any{"account": "Customer 1", "email": "customer1@example.com"},
			map[string]any{"email": "bad"},
		}}).want(t, http.StatusUnprocessableEntity)
		if r.field("customers.1.account") == "" || r.field("customers.1.email") == "" {
			t.Fatalf("batch errors = %s", r.raw)
		}
		if n := e.asTenant(sub, tok, "GET", "/api/v2/customers", nil).body["meta"].(map[string]any)["total_records"]; n != 0.0 {
			t.Fatalf("half a batch written: %v", n)
		}
		r = e.asTenant(sub, tok, "POST", "/api/v2/batch/customers", map[string]any{"customers": []any{
			map[string]any{"account": "Customer 1", "email": "customer1@example.com"},
			map[string]any{"account": "Customer 2", "email": "customer2@example.com"},
		}}).want(t, http.StatusCreated)
		if r.data()["count"] != 2.0 {
			t.Fatalf("batch = %s", r.raw)
		}
		e.asTenant(sub, tok, "POST", "/api/v2/batch/customers", map[string]any{"customers": []any{}}).want(t, 422)
	})
}

func TestUsersAdminOnly(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		e := newEnv(t, b)
		planID := e.createPlan(limitedPlan(map[string]any{"staff": 2}))
		sub, admin := e.signup("Acme", "acme", planID)
		r := e.asTenant(sub, admin, "POST", "/api/v2/users", map[string]any{"name": "Sam", "email": "sam@acme.example.com", "password": "staff-pass1"}).want(t, 201)
		if r.data()["role"] != "staff" || strings.Contains(r.raw, "password") {
			t.Fatalf("user = %s", r.raw)
		}
		e.asTenant(sub, admin, "POST", "/api/v2/users", map[string]any{"name": "Sam", "email": "sam@acme.example.com", "password": "staff-pass1"}).want(t, http.StatusForbidden) // staff limit 2 (admin + Sam)
		staff := e.asTenant(sub, "", "POST", "/api/login", map[string]any{"email": "sam@acme.example.com", "password": "staff-pass1"}).want(t, 200).data()["token"].(string)
		e.asTenant(sub, staff, "GET", "/api/v2/users", nil).want(t, http.StatusForbidden)
		e.asTenant(sub, staff, "POST", "/api/v2/users", map[string]any{"name": "X", "email": "x@acme.example.com", "password": "staff-pass1"}).want(t, http.StatusForbidden)
		e.asTenant(sub, staff, "GET", "/api/v2/customers", nil).want(t, 200)
		list := e.asTenant(sub, admin, "GET", "/api/v2/users", nil).want(t, 200)
		if list.body["meta"].(map[string]any)["total_records"] != 2.0 || strings.Contains(list.raw, "password") {
			t.Fatalf("users = %s", list.raw)
		}
		e.do("PUT", "/api/saas/plans/"+fmt.Sprint(planID), map[string]any{"limits": map[string]any{"staff": 5}}).want(t, 200)
		for name, body := range map[string]map[string]any{
			"password": {"name": "Y", "email": "y@acme.example.com", "password": "weak"},
			"email":    {"name": "Y", "email": "not-an-email", "password": "staff-pass1"},
			"role":     {"name": "Y", "email": "y@acme.example.com", "password": "staff-pass1", "role": "owner"},
		} {
			if r := e.asTenant(sub, admin, "POST", "/api/v2/users", body).want(t, 422); r.field(name) == "" {
				t.Errorf("no reason for %s: %s", name, r.raw)
			}
		}
		e.asTenant(sub, admin, "POST", "/api/v2/users", map[string]any{"name": "Sam2", "email": "SAM@acme.example.com", "password": "staff-pass1"}).want(t, http.StatusConflict)
	})
}

// TestEveryModule creates, lists, reads, updates and deletes one record in
// each module with a minimal body.
func TestEveryModule(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		e := newEnv(t, b)
		e.createPlan(starter)
		sub, tok := e.signup("Acme", "acme", 0)
		do := func(method, path string, body any) response { return e.asTenant(sub, tok, method, path, body) }
		cust := do("POST", "/api/v2/customers", map[string]any{"account": "C"}).want(t, 201).data()["id"]
		proj := do("POST", "/api/v2/projects", map[string]any{"name": "P", "customer_id": cust}).want(t, 201).data()["id"]
		lead := do("POST", "/api/v2/leads", map[string]any{"first_name": "John", "last_name": "Smith", "email": "john@example.com", "company": "Acme Corp", "phone": "1234567890", "source": "Website"}).want(t, 201).data()["id"]
		prod := do("POST", "/api/v2/products", map[string]any{"name": "Web Hosting", "price": 99.99, "description": "Annual web hosting package", "type": "service", "tax_rate": 10}).want(t, 201).data()["id"]
		bodies := map[string]map[string]any{
			"quotes":       {"customer_id": cust, "valid_until": "2024-02-15", "items": []any{map[string]any{"description": "Consulting Services", "amount": 2000.00, "qty": 1}}},
			"tasks":        {"name": "T", "project_id": proj, "due_date": "2024-05-01"},
			"contracts":    {"subject": "Support", "customer_id": cust, "value": "1200.00"},
			"contacts":     {"first_name": "Ann", "customer_id": cust},
			"deals":        {"name": "Big deal", "lead_id": lead, "product_id": prod, "value": 5000},
			"tickets":      {"customer_id": cust, "subject": "Technical Support Required", "message": "Need assistance with installation", "department_id": 1, "priority": "High"},
			"transactions": {"type": "Income", "account_id": 1, "amount": 1500.00, "category_id": 1, "description": "Website Development Payment", "date": "2024-01-15"},
			"companies":    {"c_name": "Acme Corp", "c_email": "info@acme.example.com"},
			"services":     {"title": "Website Design", "price": 1500},
		}
		for module, body := range bodies {
			t.Run(module, func(t *testing.T) {
				id := int64(do("POST", "/api/v2/"+module, body).want(t, 201).data()["id"].(float64))
				if n := do("GET", "/api/v2/"+module, nil).want(t, 200).body["meta"].(map[string]any)["total_records"]; n != 1.0 {
					t.Fatalf("list: %v", n)
				}
				do("GET", fmt.Sprintf("/api/v2/%s/%d", module, id), nil).want(t, 200)
				do("PUT", fmt.Sprintf("/api/v2/%s/%d", module, id), map[string]any{}).want(t, 200)
				do("DELETE", fmt.Sprintf("/api/v2/%s/%d", module, id), nil).want(t, 200)
				do("POST", "/api/v2/"+module, map[string]any{}).want(t, 422)
			})
		}
		// A task's project must exist; filters of seed 004 work.
		if r := do("POST", "/api/v2/tasks", map[string]any{"name": "T", "project_id": 999}).want(t, 422); r.field("project_id") == "" {
			t.Fatalf("task with a missing project: %s", r.raw)
		}
		do("POST", "/api/v2/transactions", map[string]any{"type": "Expense", "account_id": 2, "amount": 10, "date": "2024-02-01"}).want(t, 201)
		if n := do("GET", "/api/v2/transactions?type=Expense&account_id=2&date_from=2024-01-01", nil).want(t, 200).body["meta"].(map[string]any)["total_records"]; n != 1.0 {
			t.Fatalf("transaction filters: %v", n)
		}
		if r := do("POST", "/api/v2/quotes", bodies["quotes"]).want(t, 201); !strings.Contains(r.raw, `"amount":2000.00`) {
			t.Fatalf("quote total: %s", r.raw)
		}
	})
}

func TestTenantRateLimit(t *testing.T) {
	e := newEnv(t, backends(t)[0], func(c *config.Config) { c.RateLimit.TenantRequestsPerHour = 3 })
	e.createPlan(starter)
	sub, tok := e.signup("Acme", "acme", 0)
	for i := 0; i < 3; i++ {
		r := e.asTenant(sub, tok, "GET", "/api/v2/customers", nil).want(t, 200)
		if r.header.Get("X-RateLimit-Limit") != "3" {
			t.Fatalf("limit header = %q", r.header.Get("X-RateLimit-Limit"))
		}
	}
	r := e.asTenant(sub, tok, "GET", "/api/v2/customers", nil).want(t, http.StatusTooManyRequests)
	if r.header.Get("Retry-After") == "" {
		t.Fatal("no Retry-After")
	}
}

// notes is a counted module that lives only in this test: adding it takes
// its tables, its schema and one registration — no change to the kernel or
// the core, no counter rows by hand — and plans can limit it at once.
func notesModule(store ports.RecordStore) kernel.Module {
	schema := &core.Schema{Table: "notes", Counts: "notes", Fields: []core.Field{{Name: "body", Type: core.TextField, Required: true, Search: true}}}
	migrations := fstest.MapFS{
		"mysql/00001_notes.sql":  {Data: []byte("-- +goose Up\nCREATE TABLE notes (id BIGINT UNSIGNED AUTO_INCREMENT PRIMARY KEY, body VARCHAR(191) NOT NULL, created_at DATETIME(6) NOT NULL, updated_at DATETIME(6) NOT NULL);\n")},
		"sqlite/00001_notes.sql": {Data: []byte("-- +goose Up\nCREATE TABLE notes (id INTEGER PRIMARY KEY AUTOINCREMENT, body TEXT NOT NULL, created_at DATETIME NOT NULL, updated_at DATETIME NOT NULL);\n")},
	}
	return crud.NewModule("notes", migrations, &crud.Endpoints{Schema: schema, Store: store, Label: "Note"})
}

func TestModuleAddedWithoutKernelChange(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		e := newEnvWith(t, b, []func(ports.RecordStore) kernel.Module{notesModule})
		plan := e.createPlan(with(maps.Clone(starter), map[string]any{"limits": map[string]any{"notes": 1}}))
		sub, tok := e.signup("Acme", "acme", plan)
		e.asTenant(sub, tok, "POST", "/api/v2/notes", map[string]any{"body": "hello"}).want(t, 201)
		if n := e.asTenant(sub, tok, "GET", "/api/v2/notes?search=hell", nil).want(t, 200).body["meta"].(map[string]any)["total_records"]; n != 1.0 {
			t.Fatalf("notes: %v", n)
		}
		if r := e.asTenant(sub, tok, "POST", "/api/v2/notes", map[string]any{"body": "two"}).want(t, 403); !strings.Contains(r.raw, "notes") {
			t.Fatalf("over the notes limit: %s", r.raw)
		}
		u := e.asTenant(sub, tok, "GET", "/api/v2/usage", nil).want(t, 200).data()["notes"].(map[string]any)
		if u["used"] != 1.0 || u["limit"] != 1.0 {
			t.Fatalf("usage of notes = %v", u)
		}
		// Plans know the resource only because the module counts it.
		e.do("POST", "/api/saas/plans", with(maps.Clone(starter), map[string]any{"name": "Typo", "limits": map[string]any{"notez": 1}})).want(t, 422)
	})
}
