package ginhttp

import (
	"context"
	"errors"
	"net"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"
	"go.uber.org/zap"

	"github.com/saasd/saasd/core/account"
	"github.com/saasd/saasd/core/audit"
	"github.com/saasd/saasd/core/auth"
	"github.com/saasd/saasd/core/kernel"
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
	BaseDomain        string        // tenant hosts are <subdomain>.<BaseDomain>

	TenantRequestsPerHour int // per tenant session token
	SignupsPerHour        int // per client IP
	LoginsPerMinute       int // per client IP
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
	Logger   *zap.Logger
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
	audit    *audit.Service
	ready    func(context.Context) error
	logger   *zap.Logger
	engine   *gin.Engine
}

// New builds the Gin engine with every route.
func New(cfg Config, d Deps) *Server {
	gin.SetMode(gin.ReleaseMode)
	s := &Server{cfg: cfg, tenants: d.Tenants, billing: d.Billing, auth: d.Auth, accounts: d.Accounts, limiter: d.Limiter, idem: d.Idem, webhooks: d.Webhooks, audit: d.Audit, ready: d.Ready, logger: d.Logger}
	e := gin.New()
	e.HandleMethodNotAllowed = true
	e.ContextWithFallback = true
	_ = e.SetTrustedProxies(nil) // X-Forwarded-For is not believed unless configured
	e.Use(s.requestID, s.logRequests, s.recover)
	e.NoRoute(func(c *gin.Context) { failStatus(c, http.StatusNotFound, "route not found") })
	e.NoMethod(func(c *gin.Context) { failStatus(c, http.StatusMethodNotAllowed, "method not allowed") })

	e.GET("/healthz", func(c *gin.Context) { ok(c, http.StatusOK, gin.H{"status": "ok"}, "up") })
	e.GET("/readyz", s.readyz)

	api := e.Group("/api/saas", s.limitBody, s.timeout, s.authenticate, s.rateLimit)
	api.GET("/tenants", s.listTenants)
	api.POST("/tenants", s.idempotent, s.createTenant)
	api.GET("/tenants/:id", s.getTenant)
	api.PUT("/tenants/:id", s.updateTenant)
	api.DELETE("/tenants/:id", s.deleteTenant)
	api.GET("/tenants/:id/subscription", s.getSubscription)
	api.PUT("/tenants/:id/subscription", s.updateSubscription)
	api.GET("/tenants/:id/usage", s.getUsage)
	api.GET("/tenants/:id/invoices", s.listInvoices)
	api.GET("/tenants/:id/invoices/:number", s.getInvoice)
	api.POST("/tenants/:id/invoices/:number/pay", s.payInvoice)
	api.POST("/tenants/:id/invoices/:number/void", s.voidInvoice)
	api.POST("/tenants/:id/subscription/cancel", s.cancelSubscription)
	api.GET("/plans", s.listPlans)
	api.POST("/plans", s.idempotent, s.createPlan)
	api.GET("/plans/:id", s.getPlan)
	api.PUT("/plans/:id", s.updatePlan)
	api.DELETE("/plans/:id", s.deletePlan)
	if d.Webhooks != nil {
		api.POST("/webhooks", s.createWebhook)
		api.GET("/webhooks", s.listWebhooks)
		api.DELETE("/webhooks/:id", s.deleteWebhook)
		api.GET("/webhooks/:id/deliveries", s.listDeliveries)
	}
	if d.Audit != nil {
		api.GET("/audit", s.listAudit)
	}
	if d.Accounts != nil && d.Kernel != nil {
		s.mountTenantAPI(e, d.Kernel)
	}
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
		IdleTimeout:       2 * time.Minute,
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

func (s *Server) readyz(c *gin.Context) {
	ctx, cancel := context.WithTimeout(c.Request.Context(), 2*time.Second)
	defer cancel()
	if err := s.ready(ctx); err != nil {
		s.logger.Warn("not ready", zap.Error(err))
		failStatus(c, http.StatusServiceUnavailable, "control database unavailable")
		return
	}
	ok(c, http.StatusOK, gin.H{"status": "ready"}, "ready")
}
