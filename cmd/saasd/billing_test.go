package main

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/saasd/saasd/adapters/manualpay"
	"github.com/saasd/saasd/config"
	"github.com/saasd/saasd/core/billing"
	"github.com/saasd/saasd/core/subscription"
)

// billingEnv is saasd on a clock the test moves, with a plan and a tenant.
func billingEnv(t *testing.T, b backend, start time.Time, plan map[string]any) (*env, *fakeClock, int64) {
	clock := &fakeClock{now: start}
	e := newEnv(t, b, func(c *config.Config) { c.Billing.GraceDays, c.Billing.SuspendDays = 3, 5 })
	e.opts = append(e.opts, func(o *appOptions) { o.clock = clock })
	e.restart()
	planID := e.createPlan(plan)
	r := e.createTenant(planID, "acme").want(t, http.StatusCreated)
	return e, clock, int64(r.body["tenant_id"].(float64))
}

func (e *env) runBilling() subscription.Run {
	e.t.Helper()
	run, err := e.app.worker.RunOnce(context.Background())
	if err != nil {
		e.t.Fatal(err)
	}
	return run
}

func (e *env) invoices(id int64) []map[string]any {
	e.t.Helper()
	list := e.do("GET", fmt.Sprintf("/api/saas/tenants/%d/invoices", id), nil).want(e.t, http.StatusOK).data()["invoices"].([]any)
	out := make([]map[string]any, len(list))
	for i, v := range list {
		out[i] = v.(map[string]any)
	}
	return out
}

func (e *env) subscription(id int64) map[string]any {
	e.t.Helper()
	return e.do("GET", fmt.Sprintf("/api/saas/tenants/%d/subscription", id), nil).want(e.t, http.StatusOK).data()
}

// TestBillingYear follows a monthly subscription with a trial through a
// year on a fake clock: the trial ends, an invoice appears each cycle with
// the exact amount, an unpaid one leads to past_due then suspension, and
// paying reactivates.
func TestBillingYear(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		start := time.Date(2026, 1, 31, 9, 0, 0, 0, time.UTC)
		e, clock, id := billingEnv(t, b, start, map[string]any{"name": "Pro", "price_monthly": "10.00", "trial_enabled": true, "trial_days": 14})
		path := fmt.Sprintf("/api/saas/tenants/%d", id)
		e.runBilling()
		if s := e.subscription(id); s["state"] != "trialing" || s["status"] != "trial" {
			t.Fatalf("start: %v", s)
		}
		if n := len(e.invoices(id)); n != 0 {
			t.Fatalf("%d invoices during the trial", n)
		}

		clock.Add(15 * 24 * time.Hour) // the trial has ended
		if run := e.runBilling(); run.Invoices != 1 {
			t.Fatalf("trial end: %+v", run)
		}
		if s := e.subscription(id); s["state"] != "active" || s["status"] != "active" {
			t.Fatalf("after trial: %v", s)
		}
		inv := e.invoices(id)[0]
		if inv["state"] != "open" || inv["currency"] != "USD" || !strings.Contains(fmt.Sprint(inv["total"]), "10") {
			t.Fatalf("first invoice: %v", inv)
		}
		e.do("POST", path+"/invoices/"+inv["number"].(string)+"/pay", map[string]any{}).want(t, http.StatusUnprocessableEntity)
		paid := e.do("POST", path+"/invoices/"+inv["number"].(string)+"/pay", map[string]any{"payment_ref": "wire-001"}).want(t, http.StatusOK).data()
		if paid["state"] != "paid" || paid["payment_ref"] != "wire-001" || paid["paid_at"] == nil {
			t.Fatalf("paid: %v", paid)
		}
		e.do("POST", path+"/invoices/"+inv["number"].(string)+"/pay", map[string]any{"payment_ref": "again"}).want(t, http.StatusConflict)
		e.do("POST", path+"/invoices/"+inv["number"].(string)+"/void", nil).want(t, http.StatusConflict)
		e.do("GET", path+"/invoices/INV-nope", nil).want(t, http.StatusNotFound)

		// To the end of each period in turn, paying: one invoice a month, never two.
		toPeriodEnd := func() {
			end, err := time.Parse(time.RFC3339, e.subscription(id)["expires_at"].(string))
			if err != nil {
				t.Fatal(err)
			}
			clock.mu.Lock()
			clock.now = end.Add(time.Hour)
			clock.mu.Unlock()
		}
		for month := 0; month < 11; month++ {
			toPeriodEnd()
			e.runBilling()
			e.runBilling() // a second pass bills nothing more
			for _, inv := range e.invoices(id) {
				if inv["state"] == "open" {
					e.do("POST", path+"/invoices/"+inv["number"].(string)+"/pay", map[string]any{"payment_ref": "m"}).want(t, http.StatusOK)
				}
			}
		}
		invs := e.invoices(id)
		if len(invs) != 12 {
			t.Fatalf("%d invoices after a year", len(invs))
		}
		seen := map[string]bool{}
		for _, inv := range invs {
			period := inv["period_start"].(string)
			if seen[period] {
				t.Fatalf("period %s billed twice", period)
			}
			seen[period] = true
			if inv["total"] != 10.0 {
				t.Fatalf("invoice %v: total %v, want 10.00", inv["number"], inv["total"])
			}
		}

		// Unpaid: past_due after the grace days, suspended after that; paying lifts it.
		toPeriodEnd()
		e.runBilling()
		open := e.invoices(id)[0]
		if open["state"] != "open" {
			t.Fatalf("newest invoice: %v", open)
		}
		clock.Add(4 * 24 * time.Hour) // grace is 3 days
		e.runBilling()
		if s := e.subscription(id); s["state"] != "past_due" || s["status"] != "active" {
			t.Fatalf("past due: %v", s)
		}
		clock.Add(5 * 24 * time.Hour) // then 5 more days past due
		e.runBilling()
		if s := e.subscription(id); s["state"] != "suspended" || s["status"] != "inactive" {
			t.Fatalf("suspended: %v", s)
		}
		e.do("POST", path+"/invoices/"+open["number"].(string)+"/pay", map[string]any{"payment_ref": "late"}).want(t, http.StatusOK)
		if s := e.subscription(id); s["state"] != "active" || s["status"] != "active" {
			t.Fatalf("after paying: %v", s)
		}
	})
}

// TestBillingCatchUpAndRacingWorkers: after downtime one pass renews every
// missed period once, and two workers racing never bill a period twice.
func TestBillingCatchUpAndRacingWorkers(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		start := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
		e, clock, id := billingEnv(t, b, start, map[string]any{"name": "Basic", "price_monthly": "7.50"})
		e.runBilling()
		if n := len(e.invoices(id)); n != 1 {
			t.Fatalf("%d invoices at the start of a plan without trial", n)
		}
		clock.Add(92 * 24 * time.Hour) // three months of downtime
		var wg sync.WaitGroup
		workers := []*subscription.Worker{e.app.worker, subscription.NewWorker(e.app.billingStore, manualpay.Gateway{}, clock, billing.DefaultTerms(), "other-replica")}
		for _, w := range workers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := 0; i < 3; i++ {
					if _, err := w.RunOnce(context.Background()); err != nil {
						t.Error(err)
					}
				}
			}()
		}
		wg.Wait()
		invs := e.invoices(id)
		if len(invs) != 4 {
			t.Fatalf("%d invoices after three missed months, want 4", len(invs))
		}
		periods := map[string]bool{}
		for _, inv := range invs {
			periods[inv["period_start"].(string)] = true
		}
		if len(periods) != 4 {
			t.Fatalf("periods billed twice: %v", invs)
		}
	})
}

// TestProrationOnPlanChange: $10.00/month changed to $49.00/month halfway
// through a 30-day period puts a credit of 5.00 and a charge of 24.50 on
// the next invoice, whether the change comes through the subscription
// endpoint or the tenant update: there is one path to change a plan.
func TestProrationOnPlanChange(t *testing.T) {
	for _, via := range []string{"subscription", "tenant"} {
		t.Run(via, func(t *testing.T) {
			forEachBackend(t, func(t *testing.T, b backend) {
				start := time.Date(2026, 4, 1, 0, 0, 0, 0, time.UTC) // April has 30 days
				e, clock, id := billingEnv(t, b, start, map[string]any{"name": "Small", "price_monthly": "10.00"})
				pro := e.createPlan(map[string]any{"name": "Big", "price_monthly": "49.00"})
				e.runBilling()
				first := e.invoices(id)[0]["number"].(string)
				e.do("POST", fmt.Sprintf("/api/saas/tenants/%d/invoices/%s/pay", id, first), map[string]any{"payment_ref": "p1"}).want(t, http.StatusOK)
				clock.Add(15 * 24 * time.Hour)
				path := fmt.Sprintf("/api/saas/tenants/%d/subscription", id)
				if via == "tenant" {
					path = fmt.Sprintf("/api/saas/tenants/%d", id)
				}
				e.do("PUT", path, map[string]any{"plan_id": pro}).want(t, http.StatusOK)
				if got := e.subscription(id)["plan_id"]; got != float64(pro) {
					t.Fatalf("plan after the change = %v, want %d", got, pro)
				}
				clock.Add(16 * 24 * time.Hour)
				e.runBilling()
				raw := e.do("GET", fmt.Sprintf("/api/saas/tenants/%d/invoices", id), nil).raw
				if !strings.Contains(raw, `"amount":-5.00`) || !strings.Contains(raw, `"amount":24.50`) {
					t.Fatalf("no proration lines of -5.00 and 24.50: %s", raw)
				}
			})
		})
	}
}

// TestExpiryFromTheAPI: an expires_at in the past suspends the tenant;
// moving it later reactivates.
func TestExpiryFromTheAPI(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		e, clock, id := billingEnv(t, b, time.Now().UTC(), map[string]any{"name": "Basic", "price_monthly": "5"})
		path := fmt.Sprintf("/api/saas/tenants/%d/subscription", id)
		past := clock.Now().Add(-time.Hour).Format(time.RFC3339)
		if s := e.do("PUT", path, map[string]any{"expires_at": past}).want(t, http.StatusOK).data(); s["status"] != "inactive" {
			t.Fatalf("expired: %v", s)
		}
		e.runBilling()
		if s := e.subscription(id); s["status"] != "inactive" {
			t.Fatalf("after a pass: %v", s)
		}
		future := clock.Now().Add(90 * 24 * time.Hour).Format(time.RFC3339)
		if s := e.do("PUT", path, map[string]any{"expires_at": future}).want(t, http.StatusOK).data(); s["status"] != "active" {
			t.Fatalf("extended: %v", s)
		}
	})
}

// instantGateway takes every payment at once, as a card gateway would.
type instantGateway struct{}

func (instantGateway) Name() string { return "instant" }
func (instantGateway) Collect(_ context.Context, inv *billing.Invoice) (string, error) {
	return "ch_" + inv.Number, nil
}

// TestGatewayCollects: with a gateway that takes payment at once, invoices
// are paid as they are issued and the subscription never falls due.
func TestGatewayCollects(t *testing.T) {
	b := backends(t)[0]
	clock := &fakeClock{now: time.Date(2026, 5, 1, 0, 0, 0, 0, time.UTC)}
	e := newEnv(t, b)
	e.opts = append(e.opts, func(o *appOptions) { o.clock, o.gateway = clock, instantGateway{} })
	e.restart()
	planID := e.createPlan(map[string]any{"name": "Card", "price_monthly": "12.34"})
	id := int64(e.createTenant(planID, "acme").want(t, http.StatusCreated).body["tenant_id"].(float64))
	for i := 0; i < 3; i++ {
		e.runBilling()
		clock.Add(31 * 24 * time.Hour)
	}
	for _, inv := range e.invoices(id) {
		if inv["state"] != "paid" || !strings.HasPrefix(inv["payment_ref"].(string), "ch_") {
			t.Fatalf("invoice not collected: %v", inv)
		}
	}
	if s := e.subscription(id); s["state"] != "active" {
		t.Fatalf("subscription = %v", s)
	}
}

// TestCancelSubscription: canceling at period end serves the tenant until
// then and bills no more; canceling at once suspends now; a second cancel
// is a conflict.
func TestCancelSubscription(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		start := time.Date(2026, 7, 1, 0, 0, 0, 0, time.UTC)
		e, clock, id := billingEnv(t, b, start, map[string]any{"name": "Basic", "price_monthly": "5.00"})
		path := fmt.Sprintf("/api/saas/tenants/%d/subscription/cancel", id)
		e.runBilling()
		first := e.invoices(id)[0]["number"].(string)
		e.do("POST", fmt.Sprintf("/api/saas/tenants/%d/invoices/%s/pay", id, first), map[string]any{"payment_ref": "p"}).want(t, http.StatusOK)
		e.do("POST", path, `{"at_period_end":"soon"}`).want(t, http.StatusUnprocessableEntity)
		if s := e.do("POST", path, nil).want(t, http.StatusOK).data(); s["state"] != "active" || s["status"] != "active" {
			t.Fatalf("scheduled cancel: %v", s)
		}
		clock.Add(40 * 24 * time.Hour)
		e.runBilling()
		if s := e.subscription(id); s["state"] != "canceled" || s["status"] != "inactive" {
			t.Fatalf("after the period: %v", s)
		}
		if n := len(e.invoices(id)); n != 1 {
			t.Fatalf("%d invoices: a canceled subscription was billed again", n)
		}
		e.do("POST", path, map[string]any{"at_period_end": false}).want(t, http.StatusConflict)

		other := e.createTenant(e.createPlan(map[string]any{"name": "Other", "price_monthly": "1"}), "globex").want(t, http.StatusCreated)
		oid := int64(other.body["tenant_id"].(float64))
		if s := e.do("POST", fmt.Sprintf("/api/saas/tenants/%d/subscription/cancel", oid), map[string]any{"at_period_end": false}).want(t, http.StatusOK).data(); s["state"] != "canceled" || s["status"] != "inactive" {
			t.Fatalf("cancel at once: %v", s)
		}
		e.do("POST", "/api/saas/tenants/999/subscription/cancel", nil).want(t, http.StatusNotFound)
	})
}
