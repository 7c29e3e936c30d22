package main

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/gin-gonic/gin"
)

// TestUnknownFieldsRefused sends a body with a misspelt field to every route
// that takes one, superadmin and tenant side: each answers 422 naming the
// field, in the envelope of both seed shapes, instead of dropping it.
func TestUnknownFieldsRefused(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		e := newEnv(t, b)
		planID := e.createPlan(starter)
		tenantID := int64(e.createTenant(planID, "acme").want(t, http.StatusCreated).body["tenant_id"].(float64))
		sub, tok := e.signup("Beta", "beta", 0)
		path := strings.NewReplacer(":id", "1", ":number", "INV-0").Replace
		checked := 0
		for _, r := range e.app.server.Handler().(*gin.Engine).Routes() {
			if r.Method != "POST" && r.Method != "PUT" {
				continue
			}
			t.Run(r.Method+" "+r.Path, func(t *testing.T) {
				p := path(r.Path)
				if strings.HasPrefix(r.Path, "/api/saas/tenants/:id") {
					p = strings.Replace(r.Path, ":id", fmt.Sprint(tenantID), 1)
				}
				if strings.HasPrefix(r.Path, "/api/saas/plans/:id") {
					p = strings.Replace(r.Path, ":id", fmt.Sprint(planID), 1)
				}
				body := map[string]any{"emial": "a@b.example"}
				var res response
				if strings.HasPrefix(r.Path, "/api/saas/") {
					res = e.do(r.Method, p, body)
				} else {
					res = e.asTenant(sub, tok, r.Method, p, body)
				}
				res.want(t, http.StatusUnprocessableEntity)
				if res.field("emial") == "" {
					t.Fatalf("422 does not name the unknown field: %s", res.raw)
				}
			})
			checked++
		}
		if checked < 20 {
			t.Fatalf("only %d routes take a body", checked)
		}
		// The issue's own cases: nothing is written.
		r := e.do("POST", "/api/saas/plans", map[string]any{"name": "Typo", "price_monthly": 5, "limitz": map[string]any{"customers": 1}})
		if r.want(t, http.StatusUnprocessableEntity); r.field("limitz") == "" {
			t.Fatalf("limitz: %s", r.raw)
		}
		if got := e.do("GET", "/api/saas/plans", nil).want(t, http.StatusOK).raw; strings.Contains(got, "Typo") {
			t.Fatalf("the refused plan was stored: %s", got)
		}
		e.asTenant(sub, tok, "POST", "/api/v2/customers", map[string]any{"account": "C", "emial": "c@d.example"}).want(t, http.StatusUnprocessableEntity)
		// Inside a line item too: "qtty" would otherwise bill one unit.
		r = e.asTenant(sub, tok, "POST", "/api/v2/invoices", map[string]any{"customer_id": 1, "date": "2024-01-15",
			"items": []any{map[string]any{"description": "A", "amount": 5, "qtty": 3}}}).want(t, http.StatusUnprocessableEntity)
		if !strings.Contains(r.field("items"), "qtty") {
			t.Fatalf("item typo: %s", r.raw)
		}
		if got := e.asTenant(sub, tok, "GET", "/api/v2/customers", nil).want(t, http.StatusOK).body["meta"].(map[string]any)["total_records"]; got != float64(0) {
			t.Fatalf("%v customers after a refused create", got)
		}
	})
}

// TestNumberNotations accepts any JSON notation of a number where one is
// taken: 1e2 is 100 and 1.999e1 is 19.99, exactly.
func TestNumberNotations(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		e := newEnv(t, b)
		r := e.do("POST", "/api/saas/plans", `{"name":"Sci","price_monthly":1.999e1,"price_yearly":2E2,"trial_enabled":true,"trial_days":1.4e1,"limits":{"customers":1e2,"staff":-1.0}}`).want(t, http.StatusCreated)
		p := r.data()
		limits := p["limits"].(map[string]any)
		if !strings.Contains(r.raw, `"price_monthly":19.99`) || !strings.Contains(r.raw, `"price_yearly":200.00`) ||
			p["trial_days"] != float64(14) || limits["customers"] != float64(100) || limits["staff"] != float64(-1) {
			t.Fatalf("plan = %s", r.raw)
		}
		for name, body := range map[string]string{
			"fraction where an integer is": `{"name":"X","price_monthly":1,"trial_days":1.5}`,
			"money past two decimals":      `{"name":"X","price_monthly":1e-3}`,
			"huge exponent":                `{"name":"X","price_monthly":1e999999999}`,
		} {
			t.Run(name, func(t *testing.T) {
				e.do("POST", "/api/saas/plans", body).want(t, http.StatusUnprocessableEntity)
			})
		}
		sub, tok := e.signup("Acme", "acme", 0)
		cust := e.asTenant(sub, tok, "POST", "/api/v2/customers", `{"account":"C"}`).want(t, http.StatusCreated).data()["id"].(float64)
		inv := e.asTenant(sub, tok, "POST", "/api/v2/invoices", fmt.Sprintf(`{"customer_id":%g,"date":"2024-01-15","items":[{"description":"A","amount":1.5e3,"qty":2e0}]}`, cust)).want(t, http.StatusCreated)
		if !strings.Contains(inv.raw, `"amount":3000.00`) {
			t.Fatalf("invoice = %s", inv.raw)
		}
	})
}
