package ginhttp

import (
	"crypto/sha256"
	"encoding/hex"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/saasd/saasd/core"
	"github.com/saasd/saasd/core/account"
	"github.com/saasd/saasd/core/kernel"
)

const (
	headerTenant = "X-Tenant"
	keyToken     = "saasd.tenant_token"
)

// mountTenantAPI mounts signup, login, logout and every kernel module under
// /api/v2/<module> (and its v1 routes under /api/v1), behind tenant
// resolution, tenant auth and the per-token hourly rate limit.
func (s *Server) mountTenantAPI(e *gin.Engine, k *kernel.Kernel) {
	public := e.Group("/api", s.limitBody, s.timeout)
	public.POST("/register", s.limitByIP("register", s.cfg.SignupsPerHour, time.Hour), s.idempotent, s.register)
	public.POST("/login", s.resolveTenant, s.limitByIP("login", s.cfg.LoginsPerMinute, time.Minute), s.login)
	public.POST("/logout", s.resolveTenant, s.tenantAuth, s.logout)

	v2 := e.Group("/api/v2", s.limitBody, s.timeout, s.resolveTenant, s.tenantAuth, s.tenantRateLimit)
	v2.GET("/usage", s.tenantUsage)
	v1 := e.Group("/api/v1", s.limitBody, s.timeout, s.resolveTenant)
	for _, ep := range k.Endpoints() {
		if ep.API == kernel.V1 {
			s.mountV1(v1, ep)
			continue
		}
		v2.Handle(ep.Method, ep.Path, s.endpoint(ep))
	}
}

// subdomainOf returns the tenant named by the Host header (acme.<base>) or,
// where no such DNS exists, by X-Tenant.
func (s *Server) subdomainOf(c *gin.Context) string {
	host := c.Request.Host
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	host = strings.ToLower(host)
	if sub, ok := strings.CutSuffix(host, "."+s.cfg.BaseDomain); ok && sub != "" && !strings.Contains(sub, ".") {
		return sub
	}
	return strings.ToLower(strings.TrimSpace(c.GetHeader(headerTenant)))
}

func (s *Server) resolveTenant(c *gin.Context) {
	sub := s.subdomainOf(c)
	if sub == "" {
		s.fail(c, core.Errorf(core.NotFound, "tenant not found; use the tenant's host name or an X-Tenant header"))
		return
	}
	t, err := s.accounts.Resolve(c.Request.Context(), sub)
	if err != nil {
		s.fail(c, err)
		return
	}
	c.Request = c.Request.WithContext(core.WithTenant(c.Request.Context(), t))
	c.Next()
}

func (s *Server) tenantAuth(c *gin.Context) {
	scheme, token, found := strings.Cut(c.GetHeader("Authorization"), " ")
	token = strings.TrimSpace(token)
	if !found || !strings.EqualFold(scheme, "Bearer") || token == "" {
		c.Header("WWW-Authenticate", `Bearer realm="tenant"`)
		s.fail(c, core.Errorf(core.Unauthorized, "missing or malformed Authorization header; want: Bearer TOKEN"))
		return
	}
	ctx := c.Request.Context()
	t, _ := core.TenantFrom(ctx)
	u, err := s.accounts.Authenticate(ctx, t, token)
	if err != nil {
		s.fail(c, err)
		return
	}
	c.Set(keyToken, token)
	c.Set(keyTokenName, "tenant:"+t.Subdomain+":user:"+strconv.FormatInt(u.ID, 10))
	c.Request = c.Request.WithContext(core.WithUser(ctx, u))
	c.Next()
}

// tenantRateLimit allows TenantRequestsPerHour per session token.
func (s *Server) tenantRateLimit(c *gin.Context) {
	sum := sha256.Sum256([]byte(c.GetString(keyToken)))
	s.limit(c, "tenant:"+hex.EncodeToString(sum[:12]), s.cfg.TenantRequestsPerHour, time.Hour)
}

// limitByIP limits public endpoints per client address.
func (s *Server) limitByIP(name string, n int, window time.Duration) gin.HandlerFunc {
	return func(c *gin.Context) { s.limit(c, name+":"+c.ClientIP(), n, window) }
}

func (s *Server) register(c *gin.Context) {
	var req struct {
		Name            string `json:"name"`
		Email           string `json:"email"`
		Mobile          any    `json:"mobile"` // seed 003 types it as Integer
		Company         string `json:"company"`
		Password        string `json:"password"`
		ConfirmPassword string `json:"c_password"`
		Subdomain       string `json:"subdomain"`
		PlanID          int64  `json:"plan_id"`
	}
	if !s.bind(c, &req) {
		return
	}
	mobile := ""
	switch m := req.Mobile.(type) {
	case string:
		mobile = m
	case interface{ String() string }:
		mobile = m.String()
	}
	r, err := s.accounts.Register(c.Request.Context(), account.Signup{
		Name: req.Name, Email: req.Email, Mobile: mobile, Company: req.Company, Password: req.Password,
		ConfirmPassword: req.ConfirmPassword, Subdomain: req.Subdomain, PlanID: req.PlanID,
	})
	if err != nil {
		s.fail(c, err)
		return
	}
	ok(c, http.StatusCreated, gin.H{
		"token":  r.Token,
		"tenant": gin.H{"id": r.Tenant.ID, "domain": s.tenants.Domain(r.Tenant), "subdomain": r.Tenant.Subdomain, "status": r.Tenant.Status},
		"user":   userJSON(r.User),
	}, "Registration successful")
}

func userJSON(u core.User) gin.H {
	return gin.H{"id": u.ID, "name": u.Name, "email": u.Email, "role": u.Role}
}

func (s *Server) login(c *gin.Context) {
	var req struct {
		Email    string `json:"email"`
		Password string `json:"password"`
	}
	if !s.bind(c, &req) {
		return
	}
	ctx := c.Request.Context()
	t, _ := core.TenantFrom(ctx)
	token, u, err := s.accounts.Login(ctx, t, req.Email, req.Password)
	if err != nil {
		s.fail(c, err)
		return
	}
	ok(c, http.StatusOK, gin.H{"token": token, "user": userJSON(u)}, "Login successful")
}

func (s *Server) logout(c *gin.Context) {
	if !s.bindOptional(c, &struct{}{}) { // it takes no fields
		return
	}
	ctx := c.Request.Context()
	t, _ := core.TenantFrom(ctx)
	if err := s.accounts.Logout(ctx, t, c.GetString(keyToken)); err != nil {
		s.fail(c, err)
		return
	}
	ok(c, http.StatusOK, nil, "Logged out")
}

// tenantUsage is the tenant's own view of its usage: the same counts the
// superadmin sees and the quota checks enforce.
func (s *Server) tenantUsage(c *gin.Context) {
	ctx := c.Request.Context()
	t, _ := core.TenantFrom(ctx)
	u, err := s.tenants.UsageOf(ctx, t)
	if err != nil {
		s.fail(c, err)
		return
	}
	ok(c, http.StatusOK, u, "Usage retrieved successfully")
}

// endpoint answers one kernel endpoint in the envelope; the kernel applies
// its policy (role, limits, quota, thresholds) inside ep.Serve.
func (s *Server) endpoint(ep kernel.Endpoint) gin.HandlerFunc {
	return func(c *gin.Context) {
		out, err := ep.Serve(c.Request.Context(), ginInput{c})
		if err != nil {
			s.fail(c, err)
			return
		}
		if page, isPage := out.(kernel.Page); isPage {
			c.JSON(ep.Status, gin.H{"success": true, "data": page.Data, "meta": page.Meta, "message": ep.Message})
			return
		}
		ok(c, ep.Status, out, ep.Message)
	}
}

// ginInput is a request as kernel modules see it.
type ginInput struct{ c *gin.Context }

func (in ginInput) Param(name string) string { return in.c.Param(name) }
func (in ginInput) Query(name string) string { return in.c.Query(name) }
func (in ginInput) Bind(dst any) error       { return decodeJSON(in.c.Request.Body, dst) }

var _ kernel.Input = ginInput{}
