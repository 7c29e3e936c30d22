package main

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/saasd/saasd/adapters/webhookhttp"
	"github.com/saasd/saasd/config"
)

// staff makes a staff user in the tenant and returns their session token.
func (e *env) staff(sub, adminToken string) string {
	e.t.Helper()
	email := "staff-" + randomHex(3) + "@" + sub + ".example.com"
	e.asTenant(sub, adminToken, "POST", "/api/v2/users", map[string]any{"name": "Sam Staff", "email": email, "password": "s3cret-pass", "role": "staff"}).want(e.t, http.StatusCreated)
	return e.asTenant(sub, "", "POST", "/api/login", map[string]any{"email": email, "password": "s3cret-pass"}).want(e.t, http.StatusOK).data()["token"].(string)
}

// customer makes a customer and returns its id.
func (e *env) customer(sub, token string) float64 {
	e.t.Helper()
	return e.asTenant(sub, token, "POST", "/api/v2/customers", map[string]any{"account": "Jane Smith", "email": "jane@example.com"}).want(e.t, http.StatusCreated).data()["id"].(float64)
}

// TestFinancialReport: income, expenses, profit and what invoices still
// owe, for all time, a year or a month, exactly to the cent.
func TestFinancialReport(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		e := newEnv(t, b)
		planID := e.createPlan(starter)
		sub, tok := e.signup("Acme", "acme", planID)
		cust := e.customer(sub, tok)
		invoice := func(date, status, amount string) {
			e.asTenant(sub, tok, "POST", "/api/v2/invoices", fmt.Sprintf(`{"customer_id":%v,"date":%q,"status":%q,"items":[{"description":"Work","qty":1,"amount":%s}]}`,
				cust, date, status, amount)).want(t, http.StatusCreated)
		}
		invoice("2026-01-15", "Unpaid", "1500.00")
		invoice("2026-01-20", "Paid", "200.10")
		invoice("2026-01-31", "Partially Paid", "0.10")
		invoice("2026-02-03", "Unpaid", "99.99")
		invoice("2025-12-31", "Unpaid", "10")
		invoice("2026-01-10", "Cancelled", "7")
		txn := func(typ, date, amount string) {
			e.asTenant(sub, tok, "POST", "/api/v2/transactions", fmt.Sprintf(`{"type":%q,"account_id":1,"amount":%s,"date":%q}`, typ, amount, date)).want(t, http.StatusCreated)
		}
		txn("Income", "2026-01-15", "1500.00")
		txn("Income", "2026-01-16", "0.10")
		txn("Income", "2026-01-31", "0.20")
		txn("Expense", "2026-01-31", "500.55")
		txn("Income", "2026-02-01", "1000")
		txn("Expense", "2025-06-30", "20.05")

		tests := []struct {
			query, want string
		}{
			{"?year=2026&month=1", `{"income":1500.30,"expenses":500.55,"profit":999.75,"outstanding_invoices":1500.10,"from":"2026-01-01","to":"2026-01-31"}`},
			{"?year=2026&month=02", `{"income":1000.00,"expenses":0.00,"profit":1000.00,"outstanding_invoices":99.99,"from":"2026-02-01","to":"2026-02-28"}`},
			{"?year=2026", `{"income":2500.30,"expenses":500.55,"profit":1999.75,"outstanding_invoices":1600.09,"from":"2026-01-01","to":"2026-12-31"}`},
			{"?year=2025", `{"income":0.00,"expenses":20.05,"profit":-20.05,"outstanding_invoices":10.00,"from":"2025-01-01","to":"2025-12-31"}`},
			{"", `{"income":2500.30,"expenses":520.60,"profit":1979.70,"outstanding_invoices":1610.09,"from":null,"to":null}`},
			{"?year=2024&month=3", `{"income":0.00,"expenses":0.00,"profit":0.00,"outstanding_invoices":0.00,"from":"2024-03-01","to":"2024-03-31"}`},
		}
		for _, tt := range tests {
			t.Run("period"+tt.query, func(t *testing.T) {
				r := e.asTenant(sub, tok, "GET", "/api/v2/reports/financial"+tt.query, nil).want(t, http.StatusOK)
				var raw struct {
					Data json.RawMessage `json:"data"`
				}
				if err := json.Unmarshal([]byte(r.raw), &raw); err != nil || string(raw.Data) != tt.want {
					t.Fatalf("report = %s, want %s", raw.Data, tt.want)
				}
			})
		}
		for query, field := range map[string]string{
			"?year=abc": "year", "?year=10000": "year", "?year=2026&month=13": "month", "?year=2026&month=0": "month",
			"?month=1": "year", "?year=2026&month=x": "month",
		} {
			t.Run("bad "+query, func(t *testing.T) {
				if r := e.asTenant(sub, tok, "GET", "/api/v2/reports/financial"+query, nil).want(t, http.StatusUnprocessableEntity); r.field(field) == "" {
					t.Fatalf("no reason for %s: %s", field, r.raw)
				}
			})
		}
		// Staff see no money summary.
		e.asTenant(sub, e.staff(sub, tok), "GET", "/api/v2/reports/financial", nil).want(t, http.StatusForbidden)

		// Totals beyond int64 cents are refused, never wrapped.
		txn("Income", "2030-01-01", "92233720368547758.07")
		txn("Income", "2030-01-02", "1")
		if r := e.asTenant(sub, tok, "GET", "/api/v2/reports/financial?year=2030", nil).want(t, http.StatusUnprocessableEntity); r.field("period") == "" {
			t.Fatalf("overflow: %s", r.raw)
		}
		txn("Expense", "2031-01-01", "92233720368547758.07")
		txn("Expense", "2031-01-02", "0.01")
		if r := e.asTenant(sub, tok, "GET", "/api/v2/reports/financial?year=2031", nil).want(t, http.StatusUnprocessableEntity); r.field("period") == "" {
			t.Fatalf("expenses overflow: %s", r.raw)
		}
		// Amounts are above 0 (the type gives the sign), so income − expenses
		// always fits once both sums do.
		if r := e.asTenant(sub, tok, "POST", "/api/v2/transactions", `{"type":"Income","account_id":1,"amount":-1,"date":"2031-01-01"}`).want(t, http.StatusUnprocessableEntity); r.field("amount") == "" {
			t.Fatalf("negative amount: %s", r.raw)
		}
	})
}

// TestInvoiceNumbersInSequence: 50 invoices created at once are numbered
// INV-2026-0001 … INV-2026-0050, each once; every year and every tenant
// counts on its own.
func TestInvoiceNumbersInSequence(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		e := newEnv(t, b)
		planID := e.createPlan(limitedPlan(map[string]any{"invoices": -1, "customers": 10}))
		sub, tok := e.signup("Acme", "acme", planID)
		other, otherTok := e.signup("Other", "other", planID)
		cust, otherCust := e.customer(sub, tok), e.customer(other, otherTok)
		body := func(cust float64, date string) map[string]any {
			return map[string]any{"customer_id": cust, "date": date, "items": []any{map[string]any{"description": "Work", "amount": "10.00"}}}
		}
		const n = 50
		numbers := make([]string, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				r := e.asTenant(sub, tok, "POST", "/api/v2/invoices", body(cust, "2026-03-01"))
				if r.status != http.StatusCreated {
					t.Errorf("create %d: %d %s", i, r.status, r.raw)
					return
				}
				numbers[i], _ = r.data()["invoice_number"].(string)
			}()
		}
		wg.Wait()
		slices.Sort(numbers)
		for i, got := range numbers {
			if want := fmt.Sprintf("INV-2026-%04d", i+1); got != want {
				t.Fatalf("numbers[%d] = %q, want %q (all: %v)", i, got, want, numbers)
			}
		}
		next := func(sub, tok string, cust float64, date string) string {
			return e.asTenant(sub, tok, "POST", "/api/v2/invoices", body(cust, date)).want(t, http.StatusCreated).data()["invoice_number"].(string)
		}
		if got := next(sub, tok, cust, "2025-12-31"); got != "INV-2025-0001" {
			t.Fatalf("first of 2025 = %s", got)
		}
		if got := next(other, otherTok, otherCust, "2026-03-01"); got != "INV-2026-0001" {
			t.Fatalf("first of the other tenant = %s", got)
		}
		// A refused create takes no number.
		e.asTenant(sub, tok, "POST", "/api/v2/invoices", body(9999, "2026-03-01")).want(t, http.StatusUnprocessableEntity)
		if got := next(sub, tok, cust, "2026-04-01"); got != "INV-2026-0051" {
			t.Fatalf("after a refused create = %s", got)
		}
		// The number is the server's: a client's is refused, on create and update.
		r := e.asTenant(sub, tok, "POST", "/api/v2/invoices", with(body(cust, "2026-03-01"), map[string]any{"invoice_number": "INV-2026-0099"})).want(t, http.StatusUnprocessableEntity)
		if r.field("invoice_number") == "" {
			t.Fatalf("client number: %s", r.raw)
		}
		e.asTenant(sub, tok, "PUT", "/api/v2/invoices/1", map[string]any{"invoice_number": "X"}).want(t, http.StatusUnprocessableEntity)
		if got := e.asTenant(sub, tok, "GET", "/api/v2/invoices?search=INV-2026-0051", nil).want(t, http.StatusOK).body["meta"].(map[string]any)["total_records"]; got != 1.0 {
			t.Fatalf("search by number: %v", got)
		}
	})
}

// TestRoles: "administrator" as seed 004 writes it, "admin" as its alias,
// and staff kept out of admin-only routes.
func TestRoles(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		e := newEnv(t, b)
		planID := e.createPlan(limitedPlan(map[string]any{"staff": 10}))
		sub, tok := e.signup("Acme", "acme", planID)
		user := func(email, role string) response {
			return e.asTenant(sub, tok, "POST", "/api/v2/users", map[string]any{"name": "Admin User", "email": email, "password": "securepassword1", "role": role})
		}
		for email, role := range map[string]string{"a@acme.example.com": "administrator", "b@acme.example.com": "admin", "c@acme.example.com": "Administrator"} {
			if got := user(email, role).want(t, http.StatusCreated).data()["role"]; got != "administrator" {
				t.Fatalf("role %q stored as %v", role, got)
			}
		}
		if r := user("d@acme.example.com", "root").want(t, http.StatusUnprocessableEntity); !strings.Contains(r.field("role"), "administrator") {
			t.Fatalf("unknown role: %s", r.raw)
		}
		if got := user("e@acme.example.com", "staff").want(t, http.StatusCreated).data()["role"]; got != "staff" {
			t.Fatalf("staff = %v", got)
		}
		// The filter takes the alias too: the signup admin and three more.
		for _, q := range []string{"admin", "administrator"} {
			if got := e.asTenant(sub, tok, "GET", "/api/v2/users?role="+q, nil).want(t, http.StatusOK).body["meta"].(map[string]any)["total_records"]; got != 4.0 {
				t.Fatalf("?role=%s: %v", q, got)
			}
		}
		staffTok := e.asTenant(sub, "", "POST", "/api/login", map[string]any{"email": "e@acme.example.com", "password": "securepassword1"}).want(t, http.StatusOK).data()["token"].(string)
		for _, path := range []string{"/api/v2/users", "/api/v2/api-keys", "/api/v2/webhooks", "/api/v2/reports/financial"} {
			e.asTenant(sub, staffTok, "GET", path, nil).want(t, http.StatusForbidden)
		}
		e.asTenant(sub, staffTok, "GET", "/api/v2/customers", nil).want(t, http.StatusOK)
		// Promoted with the alias, the user is an administrator at once.
		e.asTenant(sub, tok, "PUT", "/api/v2/users/5", map[string]any{"role": "admin"}).want(t, http.StatusOK)
		e.asTenant(sub, staffTok, "GET", "/api/v2/users", nil).want(t, http.StatusOK)
	})
}

// TestAPIKeys: a key is shown once, stored hashed, works as a Bearer token
// with its own hourly budget, and stops at once when revoked.
func TestAPIKeys(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		e := newEnv(t, b, func(c *config.Config) { c.RateLimit.TenantRequestsPerHour = 12 })
		planID := e.createPlan(starter)
		sub, tok := e.signup("Acme", "acme", planID)
		other, _ := e.signup("Other", "other", planID)

		for name, tt := range map[string]struct {
			body  any
			field string
		}{
			"no name":       {map[string]any{}, "name"},
			"unknown field": {map[string]any{"name": "CI", "scopes": "all"}, "scopes"},
			"bad role":      {map[string]any{"name": "CI", "role": "root"}, "role"},
		} {
			t.Run(name, func(t *testing.T) {
				if r := e.asTenant(sub, tok, "POST", "/api/v2/api-keys", tt.body).want(t, http.StatusUnprocessableEntity); r.field(tt.field) == "" {
					t.Fatalf("no reason for %s: %s", tt.field, r.raw)
				}
			})
		}
		created := e.asTenant(sub, tok, "POST", "/api/v2/api-keys", map[string]any{"name": "CI"}).want(t, http.StatusCreated).data()
		key := created["key"].(string)
		if !strings.HasPrefix(key, "saasd_k_") || created["role"] != "administrator" || created["active"] != true || !strings.HasPrefix(key, created["hint"].(string)) {
			t.Fatalf("created = %v", created)
		}
		staffKey := e.asTenant(sub, tok, "POST", "/api/v2/api-keys", map[string]any{"name": "Reader", "role": "staff"}).want(t, http.StatusCreated).data()
		list := e.asTenant(sub, tok, "GET", "/api/v2/api-keys", nil).want(t, http.StatusOK) // 6 of the session's 12
		if keys := list.body["data"].([]any); len(keys) != 2 || strings.Contains(list.raw, key) || strings.Contains(list.raw, staffKey["key"].(string)) {
			t.Fatalf("list shows secrets or misses keys: %s", list.raw)
		}
		// Only the hash is stored.
		for _, raw := range e.tenantRows(t, sub, "SELECT key_hash FROM {db}.api_keys") {
			if strings.Contains(raw, "saasd_k_") || len(raw) != 32 {
				t.Fatalf("stored key %q", raw)
			}
		}

		// The key works instead of a session, with a budget of its own.
		for i := range 12 {
			r := e.asTenant(sub, key, "GET", "/api/v2/customers", nil).want(t, http.StatusOK)
			if r.header.Get("X-RateLimit-Limit") != "12" || r.header.Get("X-RateLimit-Remaining") != strconv.Itoa(11-i) || r.header.Get("X-RateLimit-Reset") == "" {
				t.Fatalf("request %d headers: %v", i, r.header)
			}
		}
		if r := e.asTenant(sub, key, "GET", "/api/v2/customers", nil).want(t, http.StatusTooManyRequests); r.header.Get("Retry-After") == "" {
			t.Fatalf("429 without Retry-After: %v", r.header)
		}
		reader := staffKey["key"].(string)
		if r := e.asTenant(sub, reader, "POST", "/api/v2/customers", map[string]any{"account": "Via key"}).want(t, http.StatusCreated); r.header.Get("X-RateLimit-Remaining") != "11" {
			t.Fatalf("the staff key shares a budget: %v", r.header)
		}
		// A staff key is staff, whoever made it.
		e.asTenant(sub, reader, "GET", "/api/v2/api-keys", nil).want(t, http.StatusForbidden)
		// A key is one tenant's.
		e.asTenant(other, reader, "GET", "/api/v2/customers", nil).want(t, http.StatusUnauthorized)

		// Revoked: refused at once, still listed as revoked.
		e.asTenant(sub, tok, "DELETE", fmt.Sprintf("/api/v2/api-keys/%v", staffKey["id"]), nil).want(t, http.StatusOK)
		e.asTenant(sub, reader, "GET", "/api/v2/customers", nil).want(t, http.StatusUnauthorized)
		e.asTenant(sub, tok, "DELETE", "/api/v2/api-keys/999", nil).want(t, http.StatusNotFound)
		keys := e.asTenant(sub, tok, "GET", "/api/v2/api-keys", nil).want(t, http.StatusOK).body["data"].([]any)
		if k := keys[0].(map[string]any); k["active"] != false || k["revoked_at"] == nil {
			t.Fatalf("revoked key listed as %v", k)
		}
		e.asTenant(sub, "saasd_k_forged", "GET", "/api/v2/customers", nil).want(t, http.StatusUnauthorized)
	})
}

// tenantRows reads the first column of a query in tenant sub's database.
func (e *env) tenantRows(t *testing.T, sub, query string) []string {
	t.Helper()
	ten, err := e.app.account.Resolve(context.Background(), sub)
	if err != nil {
		t.Fatal(err)
	}
	db := e.app.db.SQL()
	if e.cfg.Database.Driver == "mysql" {
		query = strings.Replace(query, "{db}.", "`"+ten.Database+"`.", 1)
	} else {
		query = strings.Replace(query, "{db}.", "", 1)
		db = openSQLite(t, e.cfg.Tenants.DataDir+"/"+ten.Database)
	}
	rows, err := db.Query(query)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var v []byte
		if err := rows.Scan(&v); err != nil {
			t.Fatal(err)
		}
		out = append(out, string(v))
	}
	return out
}

// hookReceiver records signed deliveries by event type.
type hookReceiver struct {
	t      *testing.T
	mu     sync.Mutex
	secret string
	got    []map[string]any
}

func (rc *hookReceiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	ts, _ := strconv.ParseInt(r.Header.Get("X-Saasd-Timestamp"), 10, 64)
	rc.mu.Lock()
	defer rc.mu.Unlock()
	if r.Header.Get("X-Saasd-Signature") != webhookhttp.Sign(rc.secret, ts, body) {
		rc.t.Errorf("bad signature on %s", body)
		w.WriteHeader(http.StatusUnauthorized)
		return
	}
	var msg map[string]any
	_ = json.Unmarshal(body, &msg)
	rc.got = append(rc.got, msg)
	w.WriteHeader(http.StatusNoContent)
}

func (rc *hookReceiver) types() []string {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	var out []string
	for _, m := range rc.got {
		out = append(out, m["type"].(string))
	}
	slices.Sort(out)
	return out
}

// TestTenantWebhooks: a tenant's webhooks receive the tenant's own events,
// signed and sent by the operator's machinery, and nobody else's.
func TestTenantWebhooks(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		e := newEnv(t, b, allowLoopback)
		op, a, bb := &hookReceiver{t: t}, &hookReceiver{t: t}, &hookReceiver{t: t}
		for _, rc := range []*hookReceiver{op, a, bb} {
			srv := httptest.NewServer(rc)
			defer srv.Close()
			rc.secret = srv.URL // replaced by the real secret below
		}
		opURL, aURL, bURL := op.secret, a.secret, bb.secret
		op.secret = e.do("POST", "/api/saas/webhooks", map[string]any{"url": opURL, "events": []string{"*"}}).want(t, http.StatusCreated).data()["secret"].(string)
		planID := e.createPlan(starter)
		sub, tok := e.signup("Acme", "acme", planID)
		other, otherTok := e.signup("Other", "other", planID)

		for name, tt := range map[string]struct {
			body  any
			field string
		}{
			"bad url":        {map[string]any{"url": "ftp://x", "events": []string{"*"}}, "url"},
			"no events":      {map[string]any{"url": aURL}, "events"},
			"unknown event":  {map[string]any{"url": aURL, "events": []string{"tenant.created"}}, "events"},
			"unknown field":  {map[string]any{"url": aURL, "events": []string{"*"}, "secret": "mine"}, "secret"},
			"events not [s]": {`{"url":"https://x.example","events":"invoice.created"}`, "events"},
		} {
			t.Run(name, func(t *testing.T) {
				if r := e.asTenant(sub, tok, "POST", "/api/v2/webhooks", tt.body).want(t, http.StatusUnprocessableEntity); r.field(tt.field) == "" {
					t.Fatalf("no reason for %s: %s", tt.field, r.raw)
				}
			})
		}
		e.asTenant(sub, e.staff(sub, tok), "POST", "/api/v2/webhooks", map[string]any{"url": aURL, "events": []string{"*"}}).want(t, http.StatusForbidden)

		created := e.asTenant(sub, tok, "POST", "/api/v2/webhooks", map[string]any{"url": aURL, "events": []string{"invoice.created", "payment.received", "customer.created"}}).want(t, http.StatusCreated).data()
		a.secret = created["secret"].(string)
		bb.secret = e.asTenant(other, otherTok, "POST", "/api/v2/webhooks", map[string]any{"url": bURL, "events": []string{"*"}}).want(t, http.StatusCreated).data()["secret"].(string)
		if list := e.asTenant(sub, tok, "GET", "/api/v2/webhooks", nil).want(t, http.StatusOK); len(list.body["data"].([]any)) != 1 || strings.Contains(list.raw, a.secret) {
			t.Fatalf("tenant list: %s", list.raw)
		}
		if list := e.do("GET", "/api/saas/webhooks", nil).want(t, http.StatusOK).data()["webhooks"].([]any); len(list) != 1 {
			t.Fatalf("the operator lists tenants' webhooks: %v", list)
		}

		cust := e.customer(sub, tok)
		e.asTenant(sub, tok, "PUT", fmt.Sprintf("/api/v2/customers/%v", cust), map[string]any{"phone": "123"}).want(t, http.StatusOK)
		e.asTenant(sub, tok, "POST", "/api/v2/invoices", map[string]any{"customer_id": cust, "date": "2026-01-15", "items": []any{map[string]any{"description": "Web Development", "amount": 1500.00, "qty": 1}}}).want(t, http.StatusCreated)
		e.asTenant(sub, tok, "POST", "/api/v2/transactions", map[string]any{"type": "Income", "account_id": 1, "amount": 1500.00, "date": "2024-01-15"}).want(t, http.StatusCreated)
		e.asTenant(sub, tok, "POST", "/api/v2/transactions", map[string]any{"type": "Expense", "account_id": 1, "amount": 10, "date": "2024-01-15"}).want(t, http.StatusCreated)
		e.asTenant(sub, tok, "POST", "/api/v2/batch/customers", map[string]any{"customers": []any{map[string]any{"account": "Customer 1"}}}).want(t, http.StatusCreated)
		// A refused create announces nothing.
		e.asTenant(sub, tok, "POST", "/api/v2/customers", map[string]any{"account": ""}).want(t, http.StatusUnprocessableEntity)

		if _, err := e.app.webhooks.Dispatch(context.Background()); err != nil {
			t.Fatal(err)
		}
		if got, want := a.types(), []string{"customer.created", "customer.created", "invoice.created", "payment.received"}; !slices.Equal(got, want) {
			t.Fatalf("tenant webhook got %v, want %v", got, want)
		}
		if got := bb.types(); len(got) != 0 {
			t.Fatalf("the other tenant's webhook got %v", got)
		}
		if got := op.types(); slices.Contains(got, "customer.created") || slices.Contains(got, "payment.received") || !slices.Contains(got, "tenant.created") {
			t.Fatalf("the operator's webhook got %v", got)
		}
		for _, m := range a.got {
			data := m["data"].(map[string]any)
			if m["tenant_id"] == nil || (m["type"] == "invoice.created" && (data["invoice_number"] != "INV-2026-0001" || data["amount"] != 1500.0)) {
				t.Fatalf("delivery %v", m)
			}
		}

		// Another tenant cannot delete it; its owner can, and it gets nothing more.
		id := fmt.Sprint(created["id"])
		e.asTenant(other, otherTok, "DELETE", "/api/v2/webhooks/"+id, nil).want(t, http.StatusNotFound)
		e.do("DELETE", "/api/saas/webhooks/"+id, nil).want(t, http.StatusNotFound)
		e.asTenant(sub, tok, "DELETE", "/api/v2/webhooks/"+id, nil).want(t, http.StatusOK)
		e.asTenant(sub, tok, "DELETE", "/api/v2/webhooks/"+id, nil).want(t, http.StatusNotFound)
		e.customer(sub, tok)
		e.app.webhooks.Dispatch(context.Background())
		if got := a.types(); len(got) != 4 {
			t.Fatalf("deleted webhook got %v", got)
		}
	})
}

// openSQLite opens a tenant's SQLite file behind saasd's back, for reading.
func openSQLite(t *testing.T, path string) *sql.DB {
	t.Helper()
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}
