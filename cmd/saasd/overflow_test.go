package main

import (
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
