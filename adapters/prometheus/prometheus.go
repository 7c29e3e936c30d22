// Package prometheus exposes saasd's metrics with client_golang on a
// listener of their own (metrics.addr). The core knows nothing of it: the
// HTTP edge reports through ports.EdgeObserver, the provisioner and the
// step log are decorated, and cmd reports the background workers' runs.
package prometheus

import (
	"context"
	"database/sql"
	"errors"
	"net"
	"net/http"
	"strconv"
	"time"

	prom "github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"go.uber.org/zap"

	"github.com/saasd/saasd/core"
	"github.com/saasd/saasd/ports"
)

// Metrics is one registry with every saasd metric.
type Metrics struct {
	reg    *prom.Registry
	logger *zap.Logger

	requests     *prom.CounterVec
	latency      *prom.HistogramVec
	limited      *prom.CounterVec
	stepDuration *prom.HistogramVec
	steps        *prom.CounterVec
	migrated     *prom.CounterVec
	migPending   prom.Gauge
	billingRuns  *prom.CounterVec
	invoices     prom.Counter
	deliveries   *prom.CounterVec
}

var _ ports.EdgeObserver = (*Metrics)(nil)

// New registers every metric, with the Go runtime's and the process's.
func New(logger *zap.Logger) *Metrics {
	m := &Metrics{reg: prom.NewRegistry(), logger: logger}
	m.requests = prom.NewCounterVec(prom.CounterOpts{Name: "saasd_http_requests_total",
		Help: "HTTP requests answered, by route pattern, method and status."}, []string{"route", "method", "status"})
	m.latency = prom.NewHistogramVec(prom.HistogramOpts{Name: "saasd_http_request_duration_seconds",
		Help: "Time to answer HTTP requests, by route pattern and method.", Buckets: prom.DefBuckets}, []string{"route", "method"})
	m.limited = prom.NewCounterVec(prom.CounterOpts{Name: "saasd_ratelimit_rejections_total",
		Help: "Requests refused with 429, by limit (saas, tenant, register, login)."}, []string{"limit"})
	m.stepDuration = prom.NewHistogramVec(prom.HistogramOpts{Name: "saasd_provisioning_step_duration_seconds",
		Help:    "Time of the tenant database steps (create_database, migrate, drop), by step and outcome.",
		Buckets: []float64{.01, .05, .1, .25, .5, 1, 2.5, 5, 10, 30, 60}}, []string{"step", "outcome"})
	m.steps = prom.NewCounterVec(prom.CounterOpts{Name: "saasd_provisioning_steps_total",
		Help: "Provisioning saga steps recorded, by step and outcome (done, failed, undone, undo_failed)."}, []string{"step", "outcome"})
	m.migrated = prom.NewCounterVec(prom.CounterOpts{Name: "saasd_tenant_migrations_total",
		Help: "Tenant databases brought to the current schema by fleet migrations, by outcome (migrated, failed)."}, []string{"outcome"})
	m.migPending = prom.NewGauge(prom.GaugeOpts{Name: "saasd_tenant_migrations_pending",
		Help: "Tenants the last fleet migration found behind the current schema and did not migrate."})
	m.billingRuns = prom.NewCounterVec(prom.CounterOpts{Name: "saasd_billing_runs_total",
		Help: "Billing worker passes, by outcome (ok, error, not_leased)."}, []string{"outcome"})
	m.invoices = prom.NewCounter(prom.CounterOpts{Name: "saasd_billing_invoices_issued_total", Help: "Invoices issued by the billing worker."})
	m.deliveries = prom.NewCounterVec(prom.CounterOpts{Name: "saasd_webhook_deliveries_total",
		Help: "Webhook delivery attempts, by outcome (sent, failed)."}, []string{"outcome"})
	m.reg.MustRegister(m.requests, m.latency, m.limited, m.stepDuration, m.steps, m.migrated, m.migPending,
		m.billingRuns, m.invoices, m.deliveries,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// Handler serves the registry in the Prometheus text format.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{ErrorLog: zap.NewStdLog(m.logger)})
}

// Serve answers GET /metrics on ln until ctx ends.
func (m *Metrics) Serve(ctx context.Context, ln net.Listener) error {
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", m.Handler())
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go func() {
		<-ctx.Done()
		shutdown, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(shutdown)
	}()
	if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// Request counts one answered request.
func (m *Metrics) Request(route, method string, status int, took time.Duration) {
	m.requests.WithLabelValues(route, method, strconv.Itoa(status)).Inc()
	m.latency.WithLabelValues(route, method).Observe(took.Seconds())
}

// RateLimited counts one request refused by limit.
func (m *Metrics) RateLimited(limit string) { m.limited.WithLabelValues(limit).Inc() }

// BillingRun records one pass of the billing worker.
func (m *Metrics) BillingRun(leased bool, invoices int, err error) {
	switch {
	case err != nil:
		m.billingRuns.WithLabelValues("error").Inc()
	case !leased:
		m.billingRuns.WithLabelValues("not_leased").Inc()
	default:
		m.billingRuns.WithLabelValues("ok").Inc()
	}
	m.invoices.Add(float64(invoices))
}

// WebhookDeliveries records the attempts of one dispatch.
func (m *Metrics) WebhookDeliveries(sent, failed int) {
	m.deliveries.WithLabelValues("sent").Add(float64(sent))
	m.deliveries.WithLabelValues("failed").Add(float64(failed))
}

// FleetMigration records one fleet migration: tenants migrated, failed,
// and still behind.
func (m *Metrics) FleetMigration(migrated, failed, pending int) {
	m.migrated.WithLabelValues("migrated").Add(float64(migrated))
	m.migrated.WithLabelValues("failed").Add(float64(failed))
	m.migPending.Set(float64(pending))
}

// Pool reports a connection pool's db.Stats (go_sql_* with db_name=name),
// read at scrape.
func (m *Metrics) Pool(name string, db *sql.DB) {
	m.reg.MustRegister(collectors.NewDBStatsCollector(db, name))
}

// Conns reports a count of open connections under pool name, read at scrape
// (the tenant logins' pools together).
func (m *Metrics) Conns(name string, open func() int) {
	m.reg.MustRegister(prom.NewGaugeFunc(prom.GaugeOpts{Name: "saasd_tenant_pool_open_connections",
		Help: "Connections open in the tenant logins' pools together.", ConstLabels: prom.Labels{"pool": name}},
		func() float64 { return float64(open()) }))
}

// Tenants reports tenant counts by status and server, read at scrape by
// count (one query, bounded by a timeout), keyed {status, server}.
func (m *Metrics) Tenants(count func(context.Context) (map[[2]string]int64, error)) {
	m.reg.MustRegister(&countCollector{desc: tenantsDesc, what: "tenants", count: count, logger: m.logger})
}

// WarmDatabases reports the warm pool's databases by server and state
// (creating, ready, claimed), read at scrape by count, keyed {server, state}.
func (m *Metrics) WarmDatabases(count func(context.Context) (map[[2]string]int64, error)) {
	m.reg.MustRegister(&countCollector{desc: warmDesc, what: "warm databases", count: count, logger: m.logger})
}

var (
	tenantsDesc = prom.NewDesc("saasd_tenants", "Tenants by status and database server.", []string{"status", "server"}, nil)
	warmDesc    = prom.NewDesc("saasd_warm_databases", "Warm pool databases by database server and state.", []string{"server", "state"}, nil)
)

// countCollector reports counts read at scrape, one gauge per key (the
// desc's two labels, in order).
type countCollector struct {
	desc   *prom.Desc
	what   string
	count  func(context.Context) (map[[2]string]int64, error)
	logger *zap.Logger
}

func (c *countCollector) Describe(ch chan<- *prom.Desc) { ch <- c.desc }

func (c *countCollector) Collect(ch chan<- prom.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	counts, err := c.count(ctx)
	if err != nil {
		c.logger.Warn("metrics: count "+c.what, zap.Error(err))
		ch <- prom.NewInvalidMetric(c.desc, err)
		return
	}
	for key, n := range counts {
		ch <- prom.MustNewConstMetric(c.desc, prom.GaugeValue, float64(n), key[0], key[1])
	}
}

// Provisioner decorates p with step durations and outcomes.
func (m *Metrics) Provisioner(p ports.Provisioner) ports.Provisioner { return provisioner{p, m} }

type provisioner struct {
	ports.Provisioner
	m *Metrics
}

func (p provisioner) observe(step string, start time.Time, err error) {
	outcome := "ok"
	if err != nil {
		outcome = "error"
	}
	p.m.stepDuration.WithLabelValues(step, outcome).Observe(time.Since(start).Seconds())
}

func (p provisioner) Create(ctx context.Context, t core.Tenant) (string, error) {
	start := time.Now()
	db, err := p.Provisioner.Create(ctx, t)
	p.observe("create_database", start, err)
	return db, err
}

func (p provisioner) Migrate(ctx context.Context, t core.Tenant) error {
	start := time.Now()
	err := p.Provisioner.Migrate(ctx, t)
	p.observe("migrate", start, err)
	return err
}

func (p provisioner) Drop(ctx context.Context, t core.Tenant) error {
	start := time.Now()
	err := p.Provisioner.Drop(ctx, t)
	p.observe("drop", start, err)
	return err
}

// ProvisioningLog decorates a step log with a count of steps by outcome.
func (m *Metrics) ProvisioningLog(l ports.ProvisioningLog) ports.ProvisioningLog {
	return stepLog{l, m}
}

type stepLog struct {
	ports.ProvisioningLog
	m *Metrics
}

func (l stepLog) RecordStep(ctx context.Context, s core.ProvisioningStep) error {
	l.m.steps.WithLabelValues(s.Step, s.Outcome).Inc()
	return l.ProvisioningLog.RecordStep(ctx, s)
}

func (l stepLog) RecordSteps(ctx context.Context, steps []core.ProvisioningStep) error {
	for _, s := range steps {
		l.m.steps.WithLabelValues(s.Step, s.Outcome).Inc()
	}
	return l.ProvisioningLog.RecordSteps(ctx, steps)
}
