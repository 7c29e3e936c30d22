package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/saasd/saasd/adapters/clock"
	"github.com/saasd/saasd/adapters/gormstore"
	"github.com/saasd/saasd/adapters/webhookhttp"
	"github.com/saasd/saasd/config"
	"github.com/saasd/saasd/core"
	"github.com/saasd/saasd/core/egress"
	"github.com/saasd/saasd/core/webhook"
)

// sqliteOnly is the SQLite backend, for tests of webhook delivery that do
// not depend on the control database (TestWebhooks covers both).
func sqliteOnly(t *testing.T) backend { return backends(t)[0] }

// TestWebhookDestinationsRefused: every internal address class and URL
// credentials are refused at registration with a reason on the url field;
// listing a range in webhooks.allowed_cidrs lets it through.
func TestWebhookDestinationsRefused(t *testing.T) {
	t.Parallel()
	e := newEnv(t, sqliteOnly(t))
	for _, url := range []string{
		"http://127.0.0.1:8080/", "http://[::1]/", "http://localhost:22/", "http://10.0.0.1/", "http://172.16.5.4/",
		"http://192.168.0.1/", "http://169.254.169.254/latest/meta-data/", "http://[fe80::1]/", "http://0.0.0.0/",
		"http://[::]/", "http://100.64.0.1/", "http://224.0.0.1/", "http://[ff02::1]/", "http://[::ffff:127.0.0.1]/",
		"http://[fd00:ec2::254]/", "http://2130706433/", "https://user:pass@example.com/hook",
	} {
		r := e.do("POST", "/api/saas/webhooks", map[string]any{"url": url, "events": []string{"*"}}).want(t, http.StatusUnprocessableEntity)
		if r.field("url") == "" {
			t.Errorf("%s: no reason on url: %s", url, r.raw)
		}
	}
	e.do("POST", "/api/saas/webhooks", map[string]any{"url": "https://hooks.example.com/saasd", "events": []string{"*"}}).want(t, http.StatusCreated)

	allowed := newEnv(t, sqliteOnly(t), func(c *config.Config) { c.Webhooks.AllowedCIDRs = []string{"10.0.0.0/8"} })
	allowed.do("POST", "/api/saas/webhooks", map[string]any{"url": "http://10.1.2.3/hook", "events": []string{"*"}}).want(t, http.StatusCreated)
	allowed.do("POST", "/api/saas/webhooks", map[string]any{"url": "http://127.0.0.1/hook", "events": []string{"*"}}).want(t, http.StatusUnprocessableEntity)
}

// TestTenantWebhookDestinationsRefused: a tenant's own webhooks
// (/api/v2/webhooks) go through the same checks as the operator's, at
// registration and when the connection is made.
func TestTenantWebhookDestinationsRefused(t *testing.T) {
	t.Parallel()
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { hits.Add(1) }))
	defer srv.Close()
	e := newEnv(t, sqliteOnly(t))
	sub, tok := e.signup("Acme", "acme", e.createPlan(starter))
	for _, url := range []string{
		"http://127.0.0.1:8080/", "http://[::1]/", "http://localhost:22/", "http://10.0.0.1/", "http://192.168.0.1/",
		"http://169.254.169.254/latest/meta-data/", "http://0.0.0.0/", "http://[fd00:ec2::254]/", "https://user:pass@example.com/hook",
	} {
		r := e.asTenant(sub, tok, "POST", "/api/v2/webhooks", map[string]any{"url": url, "events": []string{"*"}}).want(t, http.StatusUnprocessableEntity)
		if r.field("url") == "" {
			t.Errorf("%s: no reason on url: %s", url, r.raw)
		}
	}
	e.asTenant(sub, tok, "POST", "/api/v2/webhooks", map[string]any{"url": "https://hooks.example.com/acme", "events": []string{"*"}}).want(t, http.StatusCreated)

	// Registered while loopback was allowed, sent with the default policy.
	e.cfg.Webhooks.AllowedCIDRs = []string{"127.0.0.0/8"}
	e.restart()
	e.asTenant(sub, tok, "POST", "/api/v2/webhooks", map[string]any{"url": srv.URL + "/hook", "events": []string{"*"}}).want(t, http.StatusCreated)
	e.cfg.Webhooks.AllowedCIDRs = nil
	e.restart()
	e.asTenant(sub, tok, "POST", "/api/v2/customers", map[string]any{"account": "Customer 1"}).want(t, http.StatusCreated)
	if _, err := e.app.webhooks.Dispatch(context.Background()); err != nil {
		t.Fatal(err)
	}
	if hits.Load() != 0 {
		t.Fatal("the tenant's receiver on loopback was reached")
	}
	var lastErr string
	if err := e.app.db.SQL().QueryRow("SELECT d.last_error FROM webhook_deliveries d JOIN webhooks w ON w.id = d.webhook_id WHERE w.url = ?",
		srv.URL+"/hook").Scan(&lastErr); err != nil || lastErr != "refused: the destination address is not allowed" {
		t.Fatalf("the tenant's delivery to loopback: %q, %v", lastErr, err)
	}
}

// hookEnv is saasd with webhooks registered on the given URLs and one
// tenant.created event fanned out to each of them (nothing sent yet).
func hookEnv(t *testing.T, urls []string, opts ...func(*config.Config)) (*env, []int64) {
	t.Helper()
	e := newEnv(t, sqliteOnly(t), append([]func(*config.Config){allowLoopback}, opts...)...)
	var ids []int64
	for _, u := range urls {
		ids = append(ids, int64(e.do("POST", "/api/saas/webhooks", map[string]any{"url": u, "events": []string{"tenant.created"}}).want(t, http.StatusCreated).data()["id"].(float64)))
	}
	e.createTenant(e.createPlan(map[string]any{"name": "Basic", "price_monthly": "5.00"}), "acme").want(t, http.StatusCreated)
	return e, ids
}

func (e *env) lastDelivery(hookID int64) map[string]any {
	e.t.Helper()
	list := e.do("GET", fmt.Sprintf("/api/saas/webhooks/%d/deliveries", hookID), nil).want(e.t, http.StatusOK).data()["deliveries"].([]any)
	if len(list) == 0 {
		e.t.Fatalf("webhook %d has no delivery", hookID)
	}
	return list[0].(map[string]any)
}

// TestWebhookConnectTimeCheck: a host name that resolves to 127.0.0.1 is
// refused when the connection is made, whatever was allowed when it was
// registered, and the delivery log says "refused" without the address or
// the system's message; a closed port says "refused" the same way.
func TestWebhookConnectTimeCheck(t *testing.T) {
	t.Parallel()
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { hits.Add(1) }))
	defer srv.Close()
	port := srv.URL[strings.LastIndex(srv.URL, ":")+1:]
	closed, _ := net.Listen("tcp", "127.0.0.1:0")
	closedURL := "http://" + closed.Addr().String() + "/"
	closed.Close()

	// Registered while loopback was allowed (or by a name that later
	// resolves inward), then sent with the default policy.
	e, ids := hookEnv(t, []string{"http://localhost:" + port + "/hook", closedURL})
	e.cfg.Webhooks.AllowedCIDRs = nil
	e.restart()
	if _, err := e.app.webhooks.Dispatch(context.Background()); err != nil {
		t.Fatal(err)
	}
	if hits.Load() != 0 {
		t.Fatal("the receiver on localhost was reached")
	}
	d := e.lastDelivery(ids[0])
	if d["last_error"] != "refused: the destination address is not allowed" || d["status"] != "pending" {
		t.Fatalf("delivery to localhost: %v", d)
	}

	// With loopback allowed, the closed port is reached and refuses, and
	// the log still does not name it.
	e.cfg.Webhooks.AllowedCIDRs = []string{"127.0.0.0/8"}
	e.restart()
	sender := webhookhttp.New(time.Second, egress.New(nil))
	if _, err := sender.Send(context.Background(), deliveryTo(closedURL), time.Now()); err == nil || err.Error() != "refused: the destination address is not allowed" {
		t.Fatalf("default policy on a loopback address: %v", err)
	}
	allowed, _ := egress.ParseCIDRs([]string{"127.0.0.0/8"})
	_, err := webhookhttp.New(time.Second, egress.New(allowed)).Send(context.Background(), deliveryTo(closedURL), time.Now())
	if err == nil || err.Error() != "refused: the receiver did not accept the connection" {
		t.Fatalf("closed port: %v", err)
	}
	for _, d := range []map[string]any{d, e.lastDelivery(ids[1])} {
		msg := fmt.Sprint(d["last_error"])
		for _, leak := range []string{"127.0.0.1", "localhost", "connect:", "dial", port} {
			if strings.Contains(msg, leak) {
				t.Errorf("delivery log %q shows %q", msg, leak)
			}
		}
	}
}

// TestWebhookRedirectNotFollowed: a 307 is the receiver's answer; the body
// and signature do not go to the host it names.
func TestWebhookRedirectNotFollowed(t *testing.T) {
	t.Parallel()
	var other atomic.Int32
	target := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { other.Add(1) }))
	defer target.Close()
	redirect := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, target.URL+"/stolen", http.StatusTemporaryRedirect)
	}))
	defer redirect.Close()
	e, ids := hookEnv(t, []string{redirect.URL})
	if _, err := e.app.webhooks.Dispatch(context.Background()); err != nil {
		t.Fatal(err)
	}
	if other.Load() != 0 {
		t.Fatal("the redirect was followed")
	}
	if d := e.lastDelivery(ids[0]); d["response_code"] != 307.0 || d["status"] != "pending" || d["last_error"] != "receiver answered 307" {
		t.Fatalf("delivery: %v", d)
	}
}

// TestSlowReceiversDelayNoOne: six receivers that never answer within the
// timeout do not hold up a healthy one, and the run ends after about one
// timeout rather than six.
func TestSlowReceiversDelayNoOne(t *testing.T) {
	t.Parallel()
	const timeout = time.Second
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body) // so that the client's hang-up ends r.Context()
		select {
		case <-time.After(5 * timeout):
		case <-r.Context().Done():
		}
	}))
	defer slow.Close()
	start := time.Now()
	var healthyAt atomic.Int64
	healthy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		healthyAt.Store(int64(time.Since(start)))
		w.WriteHeader(http.StatusNoContent)
	}))
	defer healthy.Close()
	urls := []string{}
	for i := range 6 {
		urls = append(urls, fmt.Sprintf("%s/slow%d", slow.URL, i))
	}
	urls = append(urls, healthy.URL) // registered last: sent after the slow ones when one at a time
	e, ids := hookEnv(t, urls, func(c *config.Config) { c.Webhooks.Timeout = timeout })

	start = time.Now()
	out, err := e.app.webhooks.Dispatch(context.Background())
	took := time.Since(start)
	if err != nil {
		t.Fatal(err)
	}
	got := time.Duration(healthyAt.Load())
	t.Logf("healthy receiver got its delivery after %v; the run with six slow receivers (timeout %v) took %v", got, timeout, took)
	if got == 0 || got > timeout/2 {
		t.Fatalf("healthy receiver delayed: %v", got)
	}
	if took > 2*timeout+timeout/2 {
		t.Fatalf("run took %v", took)
	}
	if out.Sent != 1 || out.Failed != 6 {
		t.Fatalf("dispatched %+v", out)
	}
	for _, id := range ids[:6] {
		if d := e.lastDelivery(id); d["last_error"] != "timed out" {
			t.Fatalf("slow delivery: %v", d)
		}
	}
}

// TestDispatchRenewsItsLease: a run that outlives its lease's time to live
// keeps it, so a second replica sends nothing meanwhile and no delivery
// is sent twice.
func TestDispatchRenewsItsLease(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	got := map[string]int{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		got[r.Header.Get("X-Saasd-Delivery")]++
		mu.Unlock()
		time.Sleep(1200 * time.Millisecond) // four times the lease
		w.WriteHeader(http.StatusNoContent)
	}))
	defer srv.Close()
	e, _ := hookEnv(t, []string{srv.URL + "/a", srv.URL + "/b"})
	allowed, _ := egress.ParseCIDRs([]string{"127.0.0.0/8"})
	replica := func(holder string) *webhook.Service {
		return webhook.New(gormstore.NewWebhookStore(e.app.db, e.app.sealer), webhookhttp.New(5*time.Second, egress.New(allowed)), clock.System{}, holder,
			webhook.WithLease(300*time.Millisecond))
	}
	first, second := replica("replica-1"), replica("replica-2")
	done := make(chan webhook.Dispatched)
	go func() {
		out, err := first.Dispatch(context.Background())
		if err != nil {
			t.Error(err)
		}
		done <- out
	}()
	deadline := time.After(5 * time.Second)
	for {
		select {
		case out := <-done:
			if out.Sent != 2 {
				t.Fatalf("first replica: %+v", out)
			}
			mu.Lock()
			defer mu.Unlock()
			if len(got) != 2 {
				t.Fatalf("received %v", got)
			}
			for id, n := range got {
				if n != 1 {
					t.Fatalf("delivery %s sent %d times", id, n)
				}
			}
			return
		case <-deadline:
			t.Fatal("first replica did not finish")
		case <-time.After(100 * time.Millisecond):
			if out, err := second.Dispatch(context.Background()); err != nil || out.Sent+out.Failed != 0 {
				t.Fatalf("second replica sent during the first one's run: %+v, %v", out, err)
			}
		}
	}
}

func deliveryTo(url string) core.Delivery {
	return core.Delivery{ID: 1, URL: url, Secret: "whsec_test", Event: core.Event{ID: 1, Type: "tenant.created", At: time.Now()}}
}
