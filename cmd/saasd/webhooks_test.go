package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/saasd/saasd/adapters/webhookhttp"
	"github.com/saasd/saasd/config"
)

// receiver is a local webhook endpoint that checks signatures and counts
// deliveries by ID; failFirst answers 500 to each delivery's first attempt.
type receiver struct {
	t         *testing.T
	secret    string
	failFirst bool

	mu       sync.Mutex
	attempts map[string]int
	events   map[string]string // delivery ID -> event type, for accepted ones
}

func (rc *receiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	ts, _ := strconv.ParseInt(r.Header.Get("X-Saasd-Timestamp"), 10, 64)
	if r.Header.Get("X-Saasd-Signature") != webhookhttp.Sign(rc.secret, ts, body) {
		rc.t.Errorf("bad signature on delivery %s", r.Header.Get("X-Saasd-Delivery"))
		w.WriteHeader(http.StatusUnauthorized)
		return
	}
	var msg struct {
		Type string `json:"type"`
	}
	if err := json.Unmarshal(body, &msg); err != nil || msg.Type != r.Header.Get("X-Saasd-Event") {
		rc.t.Errorf("body %s", body)
	}
	id := r.Header.Get("X-Saasd-Delivery")
	rc.mu.Lock()
	defer rc.mu.Unlock()
	rc.attempts[id]++
	if rc.failFirst && rc.attempts[id] == 1 {
		w.WriteHeader(http.StatusInternalServerError)
		return
	}
	if _, dup := rc.events[id]; dup {
		rc.t.Errorf("delivery %s accepted twice", id)
	}
	rc.events[id] = msg.Type
	w.WriteHeader(http.StatusNoContent)
}

func (rc *receiver) types() map[string]int {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	out := map[string]int{}
	for _, typ := range rc.events {
		out[typ]++
	}
	return out
}

func TestWebhooks(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		clock := &fakeClock{now: time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)}
		e := newEnv(t, b, allowLoopback)
		e.opts = append(e.opts, func(o *appOptions) { o.clock = clock })
		e.restart()
		rc := &receiver{t: t, failFirst: true, attempts: map[string]int{}, events: map[string]string{}}
		srv := httptest.NewServer(rc)
		defer srv.Close()

		for name, body := range map[string]map[string]any{
			"url":    {"url": "ftp://x", "events": []string{"*"}},
			"events": {"url": srv.URL, "events": []string{"tenant.exploded"}},
		} {
			if r := e.do("POST", "/api/saas/webhooks", body).want(t, http.StatusUnprocessableEntity); r.field(name) == "" {
				t.Fatalf("no reason for %s: %s", name, r.raw)
			}
		}
		created := e.do("POST", "/api/saas/webhooks", map[string]any{"url": srv.URL, "events": []string{"*"}}).want(t, http.StatusCreated).data()
		rc.secret = created["secret"].(string)
		hookID := int64(created["id"].(float64))
		if list := e.do("GET", "/api/saas/webhooks", nil).want(t, http.StatusOK).raw; json.Valid([]byte(list)) && contains(list, rc.secret) {
			t.Fatal("secret shown again in the list")
		}

		planID := e.createPlan(map[string]any{"name": "Basic", "price_monthly": "5.00"})
		id := int64(e.createTenant(planID, "acme").want(t, http.StatusCreated).body["tenant_id"].(float64))
		e.runBilling() // the first period's invoice
		inv := e.invoices(id)[0]["number"].(string)
		e.do("POST", fmt.Sprintf("/api/saas/tenants/%d/invoices/%s/pay", id, inv), map[string]any{"payment_ref": "x"}).want(t, http.StatusOK)
		e.do("PUT", fmt.Sprintf("/api/saas/tenants/%d", id), map[string]any{"status": "inactive"}).want(t, http.StatusOK)
		e.do("DELETE", fmt.Sprintf("/api/saas/tenants/%d", id), nil).want(t, http.StatusOK)

		ctx := context.Background()
		if _, err := e.app.webhooks.Dispatch(ctx); err != nil { // every first attempt fails
			t.Fatal(err)
		}
		if n := len(rc.types()); n != 0 {
			t.Fatalf("accepted on a failing first attempt: %v", rc.types())
		}
		deliveries := e.do("GET", fmt.Sprintf("/api/saas/webhooks/%d/deliveries", hookID), nil).want(t, http.StatusOK).data()["deliveries"].([]any)
		if len(deliveries) != 5 {
			t.Fatalf("deliveries = %v", deliveries)
		}
		for _, d := range deliveries {
			d := d.(map[string]any)
			if d["status"] != "pending" || d["attempts"] != 1.0 || d["response_code"] != 500.0 {
				t.Fatalf("after a failed attempt: %v", d)
			}
		}
		// Not yet due: backoff.
		e.app.webhooks.Dispatch(ctx)
		if n := len(rc.types()); n != 0 {
			t.Fatal("retried before the backoff")
		}
		clock.Add(11 * time.Second)
		e.app.webhooks.Dispatch(ctx)
		e.app.webhooks.Dispatch(ctx) // nothing more to send
		want := map[string]int{"tenant.created": 1, "invoice.created": 1, "invoice.paid": 1, "tenant.suspended": 1, "tenant.deleted": 1}
		if got := rc.types(); fmt.Sprint(got) != fmt.Sprint(want) {
			t.Fatalf("received %v, want %v", got, want)
		}
		deliveries = e.do("GET", fmt.Sprintf("/api/saas/webhooks/%d/deliveries", hookID), nil).data()["deliveries"].([]any)
		for _, d := range deliveries {
			if d := d.(map[string]any); d["status"] != "delivered" || d["attempts"] != 2.0 {
				t.Fatalf("delivery log: %v", d)
			}
		}
		e.do("DELETE", fmt.Sprintf("/api/saas/webhooks/%d", hookID), nil).want(t, http.StatusOK)
		e.do("DELETE", fmt.Sprintf("/api/saas/webhooks/%d", hookID), nil).want(t, http.StatusNotFound)
		e.do("GET", fmt.Sprintf("/api/saas/webhooks/%d/deliveries", hookID), nil).want(t, http.StatusNotFound)
	})
}

// allowLoopback lets webhooks reach the tests' receivers on 127.0.0.1,
// which saasd refuses by default.
func allowLoopback(cfg *config.Config) { cfg.Webhooks.AllowedCIDRs = []string{"127.0.0.0/8"} }

func contains(s, sub string) bool { return strings.Contains(s, sub) }

// TestQuotaThresholdEvents: creates that take a tenant to 80% and to 100% of
// a limit each send one quota.threshold event.
func TestQuotaThresholdEvents(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		e := newEnv(t, b, allowLoopback)
		rc := &receiver{t: t, attempts: map[string]int{}, events: map[string]string{}}
		srv := httptest.NewServer(rc)
		defer srv.Close()
		rc.secret = e.do("POST", "/api/saas/webhooks", map[string]any{"url": srv.URL, "events": []string{"quota.threshold"}}).want(t, http.StatusCreated).data()["secret"].(string)
		planID := e.createPlan(limitedPlan(map[string]any{"customers": 5}))
		sub, tok := e.signup("Acme", "acme", planID)
		for i := 0; i < 6; i++ {
			e.asTenant(sub, tok, "POST", "/api/v2/customers", map[string]any{"account": "c"})
		}
		if _, err := e.app.webhooks.Dispatch(context.Background()); err != nil {
			t.Fatal(err)
		}
		if got := rc.types(); got["quota.threshold"] != 2 || len(got) != 1 {
			t.Fatalf("received %v, want two quota.threshold", got)
		}
	})
}
