package main

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// signIn exchanges the test token for a console session and returns the
// Cookie header and the CSRF token.
func (e *env) signIn() (cookie, csrf string) {
	e.t.Helper()
	r := e.doAs("", "POST", "/api/saas/session", map[string]any{"token": e.token}).want(e.t, http.StatusCreated)
	sc := r.header.Get("Set-Cookie")
	for _, want := range []string{"saasd_session=saasds_", "HttpOnly", "SameSite=Strict", "Path=/"} {
		if !strings.Contains(sc, want) {
			e.t.Fatalf("Set-Cookie %q lacks %q", sc, want)
		}
	}
	csrf, _ = r.data()["csrf_token"].(string)
	if csrf == "" || r.data()["token_name"] != "test" {
		e.t.Fatalf("sign-in answer: %s", r.raw)
	}
	return strings.SplitN(sc, ";", 2)[0], csrf
}

func TestConsoleSession(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		e := newEnv(t, b)
		e.doAs("", "POST", "/api/saas/session", map[string]any{"token": "saasd_wrong"}).want(t, http.StatusUnauthorized)
		if r := e.doAs("", "POST", "/api/saas/session", map[string]any{}).want(t, http.StatusUnprocessableEntity); r.field("token") == "" {
			t.Fatalf("no reason for token: %s", r.raw)
		}
		// A form or text post (what another site can send unasked) is refused.
		e.request("POST", "/api/saas/session", "token="+e.token, map[string]string{"Content-Type": "application/x-www-form-urlencoded"}).want(t, http.StatusUnsupportedMediaType)
		e.request("POST", "/api/saas/session", `{"token":"`+e.token+`"}`, map[string]string{"Content-Type": "text/plain"}).want(t, http.StatusUnsupportedMediaType)
		cookie, csrf := e.signIn()
		as := func(method, path string, body any, headers map[string]string) response {
			h := map[string]string{"Cookie": cookie}
			for k, v := range headers {
				h[k] = v
			}
			return e.request(method, path, body, h)
		}
		r := as("GET", "/api/saas/session", nil, nil).want(t, http.StatusOK)
		if r.data()["csrf_token"] != csrf || r.header.Get("X-RateLimit-Limit") == "" {
			t.Fatalf("session: %s, headers %v", r.raw, r.header)
		}
		as("GET", "/api/saas/plans", nil, nil).want(t, http.StatusOK)
		// A change needs the CSRF header, and the right one.
		as("POST", "/api/saas/plans", starter, nil).want(t, http.StatusForbidden)
		as("POST", "/api/saas/plans", starter, map[string]string{"X-CSRF-Token": csrf + "x"}).want(t, http.StatusForbidden)
		as("POST", "/api/saas/plans", starter, map[string]string{"X-CSRF-Token": csrf}).want(t, http.StatusCreated)
		// A Bearer request needs no CSRF header, and a bad Bearer is not
		// rescued by a cookie.
		e.do("GET", "/api/saas/session", nil).want(t, http.StatusOK)
		as("GET", "/api/saas/plans", nil, map[string]string{"Authorization": "Bearer saasd_wrong"}).want(t, http.StatusUnauthorized)
		e.request("GET", "/api/saas/plans", nil, map[string]string{"Cookie": "saasd_session=saasds_forged"}).want(t, http.StatusUnauthorized)

		// Sign-out ends this session only.
		other, otherCSRF := e.signIn()
		as("DELETE", "/api/saas/session", nil, nil).want(t, http.StatusForbidden)
		r = as("DELETE", "/api/saas/session", nil, map[string]string{"X-CSRF-Token": csrf}).want(t, http.StatusOK)
		if sc := r.header.Get("Set-Cookie"); !strings.Contains(sc, "saasd_session=;") || !strings.Contains(sc, "Max-Age=0") {
			t.Fatalf("sign-out does not clear the cookie: %q", sc)
		}
		as("GET", "/api/saas/plans", nil, nil).want(t, http.StatusUnauthorized)
		e.request("GET", "/api/saas/plans", nil, map[string]string{"Cookie": other}).want(t, http.StatusOK)

		// Revoking the token ends the sessions made with it.
		if err := e.app.auth.Revoke(context.Background(), "test"); err != nil {
			t.Fatal(err)
		}
		e.request("GET", "/api/saas/plans", nil, map[string]string{"Cookie": other}).want(t, http.StatusUnauthorized)
		e.request("DELETE", "/api/saas/session", nil, map[string]string{"Cookie": other, "X-CSRF-Token": otherCSRF}).want(t, http.StatusUnauthorized)
	})
}

func TestConsoleFiles(t *testing.T) {
	e := newEnv(t, backends(t)[0])
	for path, want := range map[string]int{"/console/": 200, "/console/app.js": 200, "/console/style.css": 200, "/console": 301, "/console/nope.js": 404} {
		rec := httptest.NewRecorder()
		e.app.server.Handler().ServeHTTP(rec, httptest.NewRequest("GET", path, nil))
		if rec.Code != want {
			t.Errorf("GET %s = %d, want %d", path, rec.Code, want)
		}
		if want == 200 && !strings.Contains(rec.Header().Get("Content-Security-Policy"), "default-src 'none'") {
			t.Errorf("GET %s has no CSP", path)
		}
	}
}

func TestTenantSearchAndSort(t *testing.T) {
	e := newEnv(t, backends(t)[0])
	planID := e.createPlan(starter)
	for _, sub := range []string{"bravo", "alpha", "charlie"} {
		e.createTenant(planID, sub).want(t, http.StatusCreated)
	}
	subs := func(query string) string {
		list := e.do("GET", "/api/saas/tenants?"+query, nil).want(t, http.StatusOK).data()["tenants"].([]any)
		var out []string
		for _, tn := range list {
			out = append(out, tn.(map[string]any)["subdomain"].(string))
		}
		return strings.Join(out, ",")
	}
	for query, want := range map[string]string{
		"":                              "charlie,alpha,bravo",
		"sort=subdomain":                "alpha,bravo,charlie",
		"sort=-company_name&per_page=2": "charlie,bravo",
		"search=ALPHA":                  "alpha",
		"search=acme%20br":              "bravo",
	} {
		if got := subs(query); got != want {
			t.Errorf("?%s = %s, want %s", query, got, want)
		}
	}
	r := e.do("GET", "/api/saas/tenants?sort=password", nil).want(t, http.StatusUnprocessableEntity)
	if r.field("sort") == "" {
		t.Fatalf("no reason for sort: %s", r.raw)
	}
	e.do("GET", "/api/saas/tenants?search="+strings.Repeat("x", 101), nil).want(t, http.StatusUnprocessableEntity)
}

func TestStatsAndTenantDetail(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		e := newEnv(t, b)
		paid := e.createPlan(map[string]any{"name": "Paid", "price_monthly": "30.00", "trial_enabled": false})
		yearly := e.createPlan(map[string]any{"name": "Yearly", "price_monthly": "10.00", "price_yearly": "120.00", "billing_cycle": "yearly", "trial_enabled": false})
		a := int64(e.createTenant(paid, "acme").want(t, http.StatusCreated).body["tenant_id"].(float64))
		e.createTenant(yearly, "globex").want(t, http.StatusCreated)
		e.createTenant(paid, "initech").want(t, http.StatusCreated)
		e.do("PUT", fmt.Sprintf("/api/saas/tenants/%d", a), map[string]any{"status": "inactive"}).want(t, http.StatusOK)
		e.runBilling()

		s := e.do("GET", "/api/saas/stats", nil).want(t, http.StatusOK)
		d := s.data()
		tenants := d["tenants"].(map[string]any)
		if tenants["active"] != 2.0 || tenants["inactive"] != 1.0 || d["tenants_total"] != 3.0 {
			t.Fatalf("tenants by status: %s", s.raw)
		}
		// initech 30.00 a month, globex 120.00 a year = 10.00 a month.
		if !strings.Contains(s.raw, `"mrr":40.00`) {
			t.Fatalf("mrr: %s", s.raw)
		}
		days := d["signups_per_day"].([]any)
		if len(days) != 30 || days[29].(map[string]any)["count"] != 3.0 {
			t.Fatalf("signups per day: %v", days)
		}
		inv := d["invoices"].(map[string]any)
		if inv["open"].(float64) < 1 || inv["overdue"] != 0.0 {
			t.Fatalf("invoices: %v", inv)
		}

		steps := e.do("GET", fmt.Sprintf("/api/saas/tenants/%d/provisioning", a), nil).want(t, http.StatusOK).data()["steps"].([]any)
		if len(steps) < 3 || steps[0].(map[string]any)["outcome"] != "done" {
			t.Fatalf("steps: %v", steps)
		}
		events := e.do("GET", fmt.Sprintf("/api/saas/tenants/%d/events", a), nil).want(t, http.StatusOK).data()["events"].([]any)
		types := map[string]bool{}
		for _, ev := range events {
			types[ev.(map[string]any)["type"].(string)] = true
		}
		if !types["tenant.created"] || !types["tenant.suspended"] {
			t.Fatalf("events: %v", events)
		}
		e.do("GET", "/api/saas/tenants/999/events", nil).want(t, http.StatusNotFound)
		e.do("GET", "/api/saas/tenants/999/provisioning", nil).want(t, http.StatusNotFound)
	})
}

func TestRedeliver(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		e := newEnv(t, b, allowLoopback)
		hook := int64(e.do("POST", "/api/saas/webhooks", map[string]any{"url": "http://127.0.0.1:9/hook", "events": []string{"*"}}).
			want(t, http.StatusCreated).data()["id"].(float64))
		planID := e.createPlan(starter)
		e.createTenant(planID, "acme").want(t, http.StatusCreated)
		if _, err := e.app.webhooks.Dispatch(context.Background()); err != nil {
			t.Fatal(err)
		}
		list := e.do("GET", fmt.Sprintf("/api/saas/webhooks/%d/deliveries", hook), nil).want(t, http.StatusOK).data()["deliveries"].([]any)
		if len(list) == 0 {
			t.Fatal("no delivery")
		}
		id := int64(list[0].(map[string]any)["id"].(float64))
		path := fmt.Sprintf("/api/saas/webhooks/%d/deliveries/%d/redeliver", hook, id)
		// Still being retried: not failed yet.
		e.do("POST", path, nil).want(t, http.StatusConflict)
		// Give up on it as the dispatcher does after the last attempt.
		if _, err := e.app.db.SQL().Exec("UPDATE webhook_deliveries SET status = 'failed', attempts = 8 WHERE id = ?", id); err != nil {
			t.Fatal(err)
		}
		d := e.do("POST", path, nil).want(t, http.StatusOK).data()
		if d["status"] != "pending" || d["attempts"] != 0.0 || d["id"] != float64(id) {
			t.Fatalf("redelivered: %v", d)
		}
		e.do("POST", path, nil).want(t, http.StatusConflict)
		e.do("POST", fmt.Sprintf("/api/saas/webhooks/%d/deliveries/%d/redeliver", hook, id+100), nil).want(t, http.StatusNotFound)
		e.do("POST", fmt.Sprintf("/api/saas/webhooks/%d/deliveries/x/redeliver", hook), nil).want(t, http.StatusNotFound)
	})
}

// TestPlanChangePreview: the preview shows the proration the change then
// applies ($10 → $49 halfway through April: -5.00 and +24.50) and changes
// nothing by itself.
func TestPlanChangePreview(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		start := time.Date(2026, 4, 1, 0, 0, 0, 0, time.UTC)
		e, clock, id := billingEnv(t, b, start, map[string]any{"name": "Small", "price_monthly": "10.00"})
		big := e.createPlan(map[string]any{"name": "Big", "price_monthly": "49.00"})
		e.runBilling()
		first := e.invoices(id)[0]["number"].(string)
		e.do("POST", fmt.Sprintf("/api/saas/tenants/%d/invoices/%s/pay", id, first), map[string]any{"payment_ref": "p1"}).want(t, http.StatusOK)
		clock.Add(15 * 24 * time.Hour)

		preview := fmt.Sprintf("/api/saas/tenants/%d/subscription/preview?plan_id=%d", id, big)
		r := e.do("GET", preview, nil).want(t, http.StatusOK)
		if !strings.Contains(r.raw, `"amount":-5.00`) || !strings.Contains(r.raw, `"amount":24.50`) || !strings.Contains(r.raw, `"total":19.50`) {
			t.Fatalf("preview: %s", r.raw)
		}
		if again := e.do("GET", preview, nil).want(t, http.StatusOK).raw; again != r.raw {
			t.Fatalf("a preview changed something: %s then %s", r.raw, again)
		}
		if got := e.subscription(id)["plan_id"]; got == float64(big) || len(e.invoices(id)) != 1 {
			t.Fatalf("the preview changed the subscription: plan %v, %d invoices", got, len(e.invoices(id)))
		}
		e.do("GET", fmt.Sprintf("/api/saas/tenants/%d/subscription/preview?plan_id=999", id), nil).want(t, http.StatusUnprocessableEntity)
		e.do("GET", fmt.Sprintf("/api/saas/tenants/%d/subscription/preview", id), nil).want(t, http.StatusUnprocessableEntity)
		e.do("GET", fmt.Sprintf("/api/saas/tenants/999/subscription/preview?plan_id=%d", big), nil).want(t, http.StatusNotFound)

		e.do("PUT", fmt.Sprintf("/api/saas/tenants/%d/subscription", id), map[string]any{"plan_id": big}).want(t, http.StatusOK)
		raw := e.do("GET", fmt.Sprintf("/api/saas/tenants/%d/invoices", id), nil).raw
		if !strings.Contains(raw, `"amount":-5.00`) || !strings.Contains(raw, `"amount":24.50`) {
			t.Fatalf("the change did not apply what the preview showed: %s", raw)
		}
	})
}
