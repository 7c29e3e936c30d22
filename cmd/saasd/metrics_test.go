package main

import (
	"context"
	"net"
	"net/http"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/saasd/saasd/config"
)

// scrape reads addr's /metrics and parses it with Prometheus's own parser.
func scrape(t *testing.T, addr string) map[string]*dto.MetricFamily {
	t.Helper()
	res, err := http.Get("http://" + addr + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		t.Fatalf("GET /metrics: %d", res.StatusCode)
	}
	p := expfmt.NewTextParser(model.UTF8Validation)
	families, err := p.TextToMetricFamilies(res.Body)
	if err != nil {
		t.Fatalf("parse /metrics: %v", err)
	}
	return families
}

// value is the sum of family's samples whose labels include want.
func value(families map[string]*dto.MetricFamily, name string, want map[string]string) (float64, bool) {
	f, ok := families[name]
	if !ok {
		return 0, false
	}
	sum, found := 0.0, false
next:
	for _, m := range f.GetMetric() {
		labels := map[string]string{}
		for _, l := range m.GetLabel() {
			labels[l.GetName()] = l.GetValue()
		}
		for k, v := range want {
			if labels[k] != v {
				continue next
			}
		}
		found = true
		switch {
		case m.Counter != nil:
			sum += m.GetCounter().GetValue()
		case m.Gauge != nil:
			sum += m.GetGauge().GetValue()
		case m.Histogram != nil:
			sum += float64(m.GetHistogram().GetSampleCount())
		}
	}
	return sum, found
}

// serveMetrics serves e's metrics on a loopback port of their own until
// ctx ends, and returns its address.
func (e *env) serveMetrics(ctx context.Context) string {
	e.t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		e.t.Fatal(err)
	}
	go e.app.metrics.Serve(ctx, ln)
	return ln.Addr().String()
}

func TestMetrics(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		e := newEnv(t, b, func(c *config.Config) {
			c.Metrics.Addr = "127.0.0.1:0"
			c.RateLimit.SignupsPerHour = 2
		})
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		addr := e.serveMetrics(ctx)

		e.createPlan(starter)
		e.signup("Metered", "metered", 0)
		e.doAs("", "POST", "/api/register", map[string]any{}).want(t, http.StatusUnprocessableEntity)
		e.doAs("", "POST", "/api/register", map[string]any{}).want(t, http.StatusTooManyRequests)
		for range 3 {
			e.do("GET", "/api/saas/plans", nil).want(t, http.StatusOK)
		}
		e.app.background(ctx) // one billing, webhook and migration pass each
		time.Sleep(200 * time.Millisecond)

		m := scrape(t, addr)
		checks := []struct {
			name   string
			labels map[string]string
			min    float64
		}{
			{"saasd_http_requests_total", map[string]string{"route": "/api/saas/plans", "method": "GET", "status": "200"}, 3},
			{"saasd_http_request_duration_seconds", map[string]string{"route": "/api/saas/plans", "method": "GET"}, 3},
			{"saasd_http_requests_total", map[string]string{"route": "/api/register", "status": "429"}, 1},
			{"saasd_ratelimit_rejections_total", map[string]string{"limit": "register"}, 1},
			{"saasd_provisioning_step_duration_seconds", map[string]string{"step": "create_database", "outcome": "ok"}, 1},
			{"saasd_provisioning_step_duration_seconds", map[string]string{"step": "migrate", "outcome": "ok"}, 1},
			{"saasd_provisioning_steps_total", map[string]string{"step": "activate"}, 1},
			{"saasd_tenants", map[string]string{"status": "trial", "server": "default"}, 1},
			{"go_sql_open_connections", map[string]string{"db_name": "control"}, 1},
			{"saasd_billing_runs_total", nil, 1},
			{"saasd_webhook_deliveries_total", map[string]string{"outcome": "sent"}, 0},
		}
		for _, c := range checks {
			v, ok := value(m, c.name, c.labels)
			if !ok || v < c.min {
				t.Errorf("%s%v = %v (present %v), want at least %v", c.name, c.labels, v, ok, c.min)
			}
		}
	})
}

// TestWarmPoolMetrics: the warm pool's databases are counted by server and
// state at scrape.
func TestWarmPoolMetrics(t *testing.T) {
	t.Parallel()
	e := newEnv(t, backends(t)[0], withWarmPool(2), func(c *config.Config) { c.Metrics.Addr = "127.0.0.1:0" })
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	addr := e.serveMetrics(ctx)
	e.refill()
	if v, ok := value(scrape(t, addr), "saasd_warm_databases", map[string]string{"server": "default", "state": "ready"}); !ok || v != 2 {
		t.Fatalf("saasd_warm_databases{ready} = %v (present %v), want 2", v, ok)
	}
	e.createTenant(e.createPlan(starter), "acme").want(t, http.StatusCreated)
	if v, _ := value(scrape(t, addr), "saasd_warm_databases", map[string]string{"server": "default", "state": "ready"}); v != 1 {
		t.Fatalf("after a claim saasd_warm_databases{ready} = %v, want 1", v)
	}
}
