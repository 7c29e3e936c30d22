package ginhttp

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/gin-gonic/gin"
	"go.opentelemetry.io/otel/trace"
	"go.uber.org/zap"

	"github.com/saasd/saasd/core/account"
	"github.com/saasd/saasd/core/audit"
	"github.com/saasd/saasd/core/auth"
	"github.com/saasd/saasd/core/kernel"
	"github.com/saasd/saasd/core/quota"
	"github.com/saasd/saasd/core/stats"
	"github.com/saasd/saasd/core/subscription"
	"github.com/saasd/saasd/core/tenant"
	"github.com/saasd/saasd/core/webhook"
	"github.com/saasd/saasd/ports"
)

// MaxBodyBytes bounds every request body; larger ones are answered 413.
const MaxBodyBytes = 1 << 20

// Config configures the HTTP edge.
type Config struct {
	Addr              string
	RequestsPerMinute int           // per superadmin token
	RequestTimeout    time.Duration // bounds each request's work; 0 for none
	ReadTimeout       time.Duration // bounds reading a request, body included; 0 for none
	BaseDomain        string        // tenant hosts are <subdomain>.<BaseDomain>

	TenantRequestsPerHour int // per tenant session token
	SignupsPerHour        int // per client IP
	LoginsPerMinute       int // per client IP

	// TrustedProxies are the CIDRs whose X-Forwarded-For / X-Real-IP are
	// believed for the client IP; none: the peer is the client.
	TrustedProxies []string
}

// ReadyCheck is one dependency /readyz reports on.
type ReadyCheck struct {
	Name  string                      // e.g. "redis"
	Check func(context.Context) error // nil when it answers
	// Degraded is what /readyz says when Check fails but the replica
	// still serves (a fail-open rate limiter); empty: it makes the replica
	// not ready (503).
	Degraded string
}

// Deps are the services and ports the edge calls.
type Deps struct {
	Tenants  *tenant.Service
	Billing  *subscription.Service
	Auth     *auth.Service
	Accounts *account.Service // nil: no tenant-side API
	Kernel   *kernel.Kernel
	Limiter  ports.RateLimiter
	Idem     ports.IdempotencyStore      // nil: Idempotency-Key is ignored
	Webhooks *webhook.Service            // nil: no webhook endpoints
	Audit    *audit.Service              // nil: no audit endpoint
	Ready    func(context.Context) error // nil error when the control database answers
	Console  http.Handler                // nil: no web console; else served at /console/
	Stats    *stats.Service              // nil: no GET /api/saas/stats
	Checks   []ReadyCheck                // more dependencies for /readyz
	Observer ports.EdgeObserver          // nil: no metrics
	Tracing  trace.TracerProvider        // nil: no spans, and nothing of tracing runs
	// Busy reports a database's refusal that passes with time (MySQL's
	// too many connections: mysql.Busy), answered 503 like a database
	// that does not answer; nil: none is.
	Busy   func(error) bool
	Logger *zap.Logger
}

// Server serves the API.
type Server struct {
	cfg      Config
	tenants  *tenant.Service
	billing  *subscription.Service
	auth     *auth.Service
	accounts *account.Service
	limiter  ports.RateLimiter
	idem     ports.IdempotencyStore
	webhooks *webhook.Service
	stats    *stats.Service
	audit    *audit.Service
	ready    func(context.Context) error
	checks   []ReadyCheck
	observer ports.EdgeObserver
	busy     func(error) bool
	logger   *zap.Logger
	engine   *gin.Engine

	routes  []documented // every route, for the API document
	docOnce sync.Once
	docJSON []byte
}

// statusJSON is the answer of the health checks.
type statusJSON struct {
	Status string            `json:"status"`
	Checks map[string]string `json:"checks,omitempty"` // readyz: each dependency's state
}

// New builds the Gin engine with every route.
func New(cfg Config, d Deps) *Server {
	gin.SetMode(gin.ReleaseMode)
	s := &Server{cfg: cfg, tenants: d.Tenants, billing: d.Billing, auth: d.Auth, accounts: d.Accounts, limiter: d.Limiter, idem: d.Idem, webhooks: d.Webhooks, stats: d.Stats, audit: d.Audit, ready: d.Ready, checks: d.Checks, observer: d.Observer, busy: d.Busy, logger: d.Logger}
	e := gin.New()
	e.HandleMethodNotAllowed = true
	e.ContextWithFallback = true
	// X-Forwarded-For is believed only from configured proxies; config
	// validated the list, so an error here is a bug worth a panic.
	if err := e.SetTrustedProxies(cfg.TrustedProxies); err != nil {
		panic(fmt.Sprintf("ginhttp: trusted proxies: %v", err))
	}
	if d.Tracing != nil {
		e.Use(newTracing(d.Tracing).handle)
	}
	e.Use(s.requestID, s.logRequests, s.recover)
	e.NoRoute(func(c *gin.Context) { failStatus(c, http.StatusNotFound, "route not found") })
	e.NoMethod(func(c *gin.Context) { failStatus(c, http.StatusMethodNotAllowed, "method not allowed") })

	root := &e.RouterGroup
	s.handle(root, "GET", "/healthz", doc{Summary: "The process is up", Tag: "meta", Response: statusJSON{}}, func(c *gin.Context) {
		ok(c, http.StatusOK, statusJSON{Status: "ok"}, "up")
	})
	s.handle(root, "GET", "/readyz", doc{Summary: "The control database answers", Tag: "meta", Response: statusJSON{}}, s.readyz)

	// Sign-in comes before authentication; it is rate-limited per client IP.
	s.handle(root, "POST", "/api/saas/session", doc{Summary: "Exchange a superadmin token for a console session (HttpOnly cookie) and its CSRF token",
		Tag: "superadmin", Request: signInRequest{}, Response: obj{}, Status: http.StatusCreated},
		s.limitBody, s.timeout, s.limitByIP("console_signin", s.cfg.LoginsPerMinute, time.Minute), s.signIn)
	api := e.Group("/api/saas", s.limitBody, s.timeout, s.authenticate, s.rateLimit)
	saas := func(method, path string, d doc, h ...gin.HandlerFunc) {
		d.Access, d.Tag = superadmin, "superadmin"
		s.handle(api, method, path, d, h...)
	}
	saas("GET", "/session", doc{Summary: "The console session of this request", Response: obj{}}, s.session)
	saas("DELETE", "/session", doc{Summary: "Sign out of the console"}, s.signOut)
	saas("GET", "/tenants", doc{Summary: "List tenants", Response: tenantList{}, Query: []query{
		{"page", "integer", "from 1"}, {"per_page", "integer", "1 to 100"}, {"status", "string", "active, suspended, …"},
		{"schema_version", "integer", "tenants whose database is at this schema version"}, {"migration", "string", "failed: tenants whose last migration failed"},
	}}, s.listTenants)
	saas("POST", "/tenants", doc{Summary: "Create a tenant and provision its database", Request: createTenantRequest{}, Response: tenantCreated{}, Status: http.StatusCreated, Bare: true}, s.idempotent, s.createTenant)
	saas("GET", "/tenants/:id", doc{Summary: "Get a tenant with its usage", Response: tenantJSON{}}, s.getTenant)
	saas("PUT", "/tenants/:id", doc{Summary: "Update a tenant (status, plan, contact)", Request: updateTenantRequest{}, Response: tenantJSON{}}, s.updateTenant)
	saas("DELETE", "/tenants/:id", doc{Summary: "Delete a tenant and its database"}, s.deleteTenant)
	saas("POST", "/tenants/:id/move", doc{Summary: "Move a tenant's database to another database server (read-only meanwhile; runs in the background)",
		Request: moveRequest{}, Response: tenantJSON{}, Status: http.StatusAccepted}, s.moveTenant)
	saas("GET", "/tenants/:id/subscription", doc{Summary: "Get a tenant's subscription", Response: subscriptionJSON{}}, s.getSubscription)
	saas("PUT", "/tenants/:id/subscription", doc{Summary: "Change a tenant's subscription", Request: updateSubscriptionRequest{}, Response: subscriptionJSON{}}, s.updateSubscription)
	saas("GET", "/tenants/:id/subscription/preview", doc{Summary: "The proration a plan change would apply (query plan_id), changing nothing", Response: obj{},
		Query: []query{{"plan_id", "integer", "the plan to change to"}}}, s.previewSubscription)
	saas("GET", "/tenants/:id/usage", doc{Summary: "A tenant's usage against its plan's limits", Response: quota.Usage{}}, s.getUsage)
	saas("GET", "/tenants/:id/provisioning", doc{Summary: "A tenant's provisioning steps log", Response: obj{}}, s.provisioningSteps)
	saas("GET", "/tenants/:id/invoices", doc{Summary: "A tenant's invoices", Response: invoiceList{}}, s.listInvoices)
	saas("GET", "/tenants/:id/invoices/:number", doc{Summary: "One invoice", Response: invoiceJSON{}}, s.getInvoice)
	saas("POST", "/tenants/:id/invoices/:number/pay", doc{Summary: "Mark an invoice paid", Request: payRequest{}, Response: invoiceJSON{}}, s.payInvoice)
	saas("POST", "/tenants/:id/invoices/:number/void", doc{Summary: "Void an open invoice", Response: invoiceJSON{}}, s.voidInvoice)
	saas("POST", "/tenants/:id/subscription/cancel", doc{Summary: "Cancel a subscription (body optional)", Request: cancelRequest{}, Response: subscriptionJSON{}}, s.cancelSubscription)
	saas("GET", "/servers", doc{Summary: "The database servers tenants are placed on, with their tenants, capacity and state", Response: serverList{}}, s.listServers)
	saas("GET", "/plans", doc{Summary: "List plans", Response: planList{}}, s.listPlans)
	saas("POST", "/plans", doc{Summary: "Create a plan", Request: planRequest{}, Response: planJSON{}, Status: http.StatusCreated}, s.idempotent, s.createPlan)
	saas("GET", "/plans/:id", doc{Summary: "Get a plan", Response: planJSON{}}, s.getPlan)
	saas("PUT", "/plans/:id", doc{Summary: "Update a plan (fields sent are changed)", Request: planRequest{}, Response: planJSON{}}, s.updatePlan)
	saas("DELETE", "/plans/:id", doc{Summary: "Delete a plan no tenant uses"}, s.deletePlan)
	if d.Webhooks != nil {
		saas("POST", "/webhooks", doc{Summary: "Register a webhook endpoint (its secret is answered once)", Request: webhookRequest{}, Response: webhookJSON{}, Status: http.StatusCreated}, s.createWebhook)
		saas("GET", "/webhooks", doc{Summary: "List webhook endpoints", Response: webhookList{}}, s.listWebhooks)
		saas("DELETE", "/webhooks/:id", doc{Summary: "Delete a webhook endpoint"}, s.deleteWebhook)
		saas("GET", "/webhooks/:id/deliveries", doc{Summary: "An endpoint's delivery log", Response: deliveryList{}}, s.listDeliveries)
		saas("POST", "/webhooks/:id/deliveries/:delivery/redeliver", doc{Summary: "Queue a delivery again", Response: deliveryJSON{}}, s.redeliver)
		saas("GET", "/tenants/:id/events", doc{Summary: "The webhook events about a tenant", Response: eventList{}}, s.tenantEvents)
	}
	if d.Stats != nil {
		saas("GET", "/stats", doc{Summary: "Figures for the console's overview", Response: obj{}}, s.getStats)
	}
	if d.Audit != nil {
		saas("GET", "/audit", doc{Summary: "The audit trail of superadmin changes, newest first", Response: auditList{}, Query: []query{
			{"action", "string", "tenant.create, plan.update, …"}, {"target_type", "string", "tenant, plan, …"}, {"target_id", "string", ""},
			{"token", "string", "the token's name"}, {"since", "string", "RFC 3339 time or date"}, {"until", "string", "RFC 3339 time or date"},
			{"page", "integer", "from 1"}, {"per_page", "integer", "1 to 100"},
		}}, s.listAudit)
	}
	if d.Accounts != nil && d.Kernel != nil {
		s.mountTenantAPI(e, d.Kernel)
	}
	if d.Console != nil {
		s.mountConsole(e, d.Console)
	}
	s.serveDocs(e)
	s.engine = e
	return s
}

// Handler returns the HTTP handler, for tests and for embedding.
func (s *Server) Handler() http.Handler { return s.engine }

// Serve answers on ln until ctx ends, then drains requests for up to 10 seconds.
func (s *Server) Serve(ctx context.Context, ln net.Listener) error {
	srv := &http.Server{
		Handler:           s.engine,
		ReadHeaderTimeout: 10 * time.Second,
		// A body that trickles in is cut off here and answered 408 (bind),
		// before it can hold a connection and the request's deadline.
		ReadTimeout: s.cfg.ReadTimeout,
		IdleTimeout: 2 * time.Minute,
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	shutdown, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdown); err != nil {
		return err
	}
	if err := <-errc; !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// readyz answers 200 while the control database and every other required
// dependency answer; a failing dependency the replica can serve without
// (Redis with ratelimit.redis_fail=open) is named in checks, with status
// "degraded".
func (s *Server) readyz(c *gin.Context) {
	ctx, cancel := context.WithTimeout(c.Request.Context(), 2*time.Second)
	defer cancel()
	if err := s.ready(ctx); err != nil {
		s.logger.Warn("not ready", zap.Error(err))
		failStatus(c, http.StatusServiceUnavailable, "control database unavailable")
		return
	}
	checks, status := map[string]string{"control_database": "ok"}, "ready"
	for _, ch := range s.checks {
		err := ch.Check(ctx)
		switch {
		case err == nil:
			checks[ch.Name] = "ok"
		case ch.Degraded == "":
			s.logger.Warn("not ready", zap.String("check", ch.Name), zap.Error(err))
			failStatus(c, http.StatusServiceUnavailable, ch.Name+" unavailable")
			return
		default:
			s.logger.Warn("degraded", zap.String("check", ch.Name), zap.Error(err))
			checks[ch.Name], status = "unavailable: "+ch.Degraded, "degraded"
		}
	}
	ok(c, http.StatusOK, statusJSON{Status: status, Checks: checks}, status)
}
