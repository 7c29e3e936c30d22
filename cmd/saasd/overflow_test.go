package main

import (
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// The overflow inputs, end to end: each is a clear 422, never a
// wrapped number.
func TestOverflowInputs(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		e := newEnv(t, b)
		// A plan whose year (12 × price_monthly) would not fit in int64 cents.
		if r := e.do("POST", "/api/saas/plans", map[string]any{"name": "Huge", "price_monthly": "768614336404564650.00", "billing_cycle": "yearly"}).want(t, 422); r.field("price_monthly") == "" {
			t.Fatalf("huge plan: %s", r.raw)
		}
		planID := e.createPlan(map[string]any{"name": "Big", "price_monthly": "10", "limits": map[string]any{"customers": 9223372036854775807 / 50}})
		e.do("PUT", "/api/saas/plans/"+strconv.FormatInt(planID, 10), map[string]any{"price_yearly": "1000000000.01"}).want(t, 422)
		sub, tok := e.signup("Acme", "acme", planID)

		// limit × 80 overflows int64: creating one customer is not 80% of it.
		e.asTenant(sub, tok, "POST", "/api/v2/customers", map[string]any{"account": "C1"}).want(t, 201)
		var alerts int
		if err := e.app.db.SQL().QueryRow("SELECT COUNT(*) FROM outbox WHERE type = 'quota.threshold'").Scan(&alerts); err != nil || alerts != 0 {
			t.Fatalf("%d quota alerts after one customer of a huge limit (%v)", alerts, err)
		}

		// An invoice of 93 items of 1,000,000 × 1,000,000,000.00.
		cust := e.asTenant(sub, tok, "GET", "/api/v2/customers", nil).want(t, 200).body["data"].([]any)[0].(map[string]any)["id"]
		items := make([]any, 93)
		for i := range items {
			items[i] = map[string]any{"description": "Big", "qty": 1000000, "amount": "1000000000.00"}
		}
		r := e.asTenant(sub, tok, "POST", "/api/v2/invoices", map[string]any{"customer_id": cust, "items": items}).want(t, 422)
		if r.field("items") == "" || strings.Contains(r.raw, "-91") {
			t.Fatalf("overflowing invoice: %s", r.raw)
		}
		ok := e.asTenant(sub, tok, "POST", "/api/v2/invoices", map[string]any{"customer_id": cust, "items": items[:92]}).want(t, 201)
		if amount := ok.data()["amount"]; amount != 9.2e18/100 {
			t.Fatalf("92 items: amount %v", amount)
		}

		// Pages that would wrap page × size are refused, on every list.
		for _, path := range []string{"/api/saas/tenants?page=9223372036854775807", "/api/saas/tenants?page=1000001", "/api/saas/audit?page=9223372036854775807"} {
			e.do("GET", path, nil).want(t, 422)
		}
		for _, path := range []string{"/api/v2/customers?page=9223372036854775807", "/api/v2/invoices?page=1000001&limit=100", "/api/v2/customers?limit=9223372036854775807"} {
			e.asTenant(sub, tok, "GET", path, nil).want(t, 422)
		}
		e.do("GET", "/api/saas/tenants?page=1000000", nil).want(t, 200)
	})
}

// TestListBounds: every list the API document says is paged (page,
// per_page or limit), superadmin and tenant side, v1 and v2, refuses a page
// or a size out of bounds with a 422 naming the parameter, never wrapping
// or answering everything.
func TestListBounds(t *testing.T) {
	e := newEnv(t, sqliteOnly(t))
	sub, tok := e.signup("Acme", "acme", e.createPlan(starter))
	doc, _ := openAPIDoc(t, e)
	bad := map[string][]string{
		"page":     {"0", "-1", "9223372036854775807", "99999999999999999999", "x"},
		"per_page": {"0", "-1", "9223372036854775807", "x"},
		"limit":    {"0", "-1", "9223372036854775807", "x"},
		"sort":     {"0", "-1", "9223372036854775807", "x"}, // seed 003's v1 lists: an integer "sort" is the count
	}
	bound := regexp.MustCompile(`(?:from 1 to|between 1 and) (\d+)`)
	var paged []string
	paths := doc["paths"].(map[string]any)
	for path, item := range paths {
		op, ok := item.(map[string]any)["get"].(map[string]any)
		if !ok {
			continue
		}
		params, _ := op["parameters"].([]any)
		concrete := path
		for _, p := range params {
			p := p.(map[string]any)
			if p["in"] == "path" {
				concrete = strings.ReplaceAll(concrete, "{"+p["name"].(string)+"}", "1")
			}
		}
		for _, p := range params {
			p := p.(map[string]any)
			name, _ := p["name"].(string)
			schema, _ := p["schema"].(map[string]any)
			if p["in"] != "query" || bad[name] == nil || (name == "sort" && !strings.Contains(fmt.Sprint(schema["type"]), "integer")) {
				continue
			}
			paged = append(paged, "GET "+path+" "+name)
			get := func(v string) response {
				url := concrete + "?" + name + "=" + v
				if strings.HasPrefix(path, "/api/saas/") {
					return e.do("GET", url, nil)
				}
				return e.asTenant(sub, tok, "GET", url, nil)
			}
			for _, v := range bad[name] {
				if r := get(v); r.status != 422 || r.field(name) == "" {
					t.Errorf("GET %s?%s=%s = %d, want 422 naming %s: %.300s", concrete, name, v, r.status, name, r.raw)
				}
			}
			if name == "page" {
				continue
			}
			// A size one past the bound the 422 states is refused too.
			m := bound.FindStringSubmatch(get("0").field(name))
			if m == nil {
				t.Errorf("GET %s: the 422 for %s=0 states no bound", path, name)
				continue
			}
			max, _ := strconv.Atoi(m[1])
			if max > 1000 {
				t.Errorf("GET %s: %s up to %d", path, name, max)
			}
			if r := get(strconv.Itoa(max + 1)); r.status != 422 {
				t.Errorf("GET %s?%s=%d = %d, want 422", concrete, name, max+1, r.status)
			}
		}
	}
	// The lists the issue names are among them.
	for _, want := range []string{"GET /api/saas/tenants page", "GET /api/saas/tenants per_page", "GET /api/saas/audit per_page", "GET /api/v2/customers limit", "GET /api/v1/companies sort"} {
		if !slices.Contains(paged, want) {
			t.Errorf("%s is not a documented paged list (have %v)", want, paged)
		}
	}
	t.Logf("%d paging parameters checked", len(paged))
}
