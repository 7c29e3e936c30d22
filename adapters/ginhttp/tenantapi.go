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
	"github.com/saasd/saasd/core/quota"
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
	s.handle(public, "POST", "/register", doc{Summary: "Sign up: create a tenant, its database and its first user", Tag: "tenant", Request: registerRequest{}, Response: registered{}, Status: http.StatusCreated},
		s.limitByIP("register", s.cfg.SignupsPerHour, time.Hour), s.idempotent, s.register)
	s.handle(public, "POST", "/login", doc{Summary: "Sign in to a tenant", Tag: "tenant", Access: tenantHost, Request: loginRequest{}, Response: loggedIn{}},
		s.resolveTenant, s.limitByIP("login", s.cfg.LoginsPerMinute, time.Minute), s.login)
	s.handle(public, "POST", "/logout", doc{Summary: "End this session", Tag: "tenant", Access: tenantUser}, s.resolveTenant, s.tenantAuth, s.logout)

	v2 := e.Group("/api/v2", s.limitBody, s.timeout, s.resolveTenant, s.tenantAuth, s.tenantRateLimit)
	s.handle(v2, "GET", "/usage", doc{Summary: "The tenant's own usage against its plan", Tag: "tenant", Access: tenantUser, Response: quota.Usage{}}, s.tenantUsage)
	v1 := e.Group("/api/v1", s.limitBody, s.timeout, s.resolveTenant)
	for _, ep := range k.Endpoints() {
		d := endpointDoc(ep)
		if ep.API == kernel.V1 {
			s.mountV1(v1, ep, d)
			continue
		}
		s.handle(v2, ep.Method, ep.Path, d, s.endpoint(ep))
	}
}

// endpointDoc is the API document's view of a kernel endpoint.
func endpointDoc(ep kernel.Endpoint) doc {
	d := doc{Summary: ep.Doc.Summary, Access: tenantUser, Record: ep.Doc.Record, List: ep.Doc.List,
		Request: ep.Doc.Request, Response: ep.Doc.Response, Status: ep.Status, Tag: "v2 " + ep.Module,
		Body: ep.Body, Fields: ep.Query}
	if ep.API == kernel.V1 {
		d.Tag = "v1 " + ep.Module
		if d.Response == nil && d.Record == nil && ep.Method != "DELETE" {
			d.Response = obj{} // the FinCRM shapes vary by route; see docs/api.md
		}
	}
	if ep.Public {
		d.Access = tenantHost
	}
	if d.Summary == "" {
		d.Summary = ep.Message
	}
	return d
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
	// While its database is copied to another server the tenant is
	// read-only: reads are served from the old copy, writes wait.
	if t.Moving() && c.Request.Method != http.MethodGet && c.Request.Method != http.MethodHead {
		c.Header("Retry-After", "5")
		s.fail(c, core.Errorf(core.Unavailable, "this tenant is being moved to another database server and is read-only for a moment; retry shortly"))
		return
	}
	c.Request = c.Request.WithContext(core.WithTenant(c.Request.Context(), t))
	c.Next()
}

// tenantToken is the token of an Authorization header: "Bearer <token>",
// or the token alone, as seed 003 sends it ("Authorization: {auth_token}"),
// known by the prefix every tenant session token and API key has.
func tenantToken(header string) (string, bool) {
	scheme, token, found := strings.Cut(strings.TrimSpace(header), " ")
	if !found {
		bare := strings.HasPrefix(scheme, account.TokenPrefix) || strings.HasPrefix(scheme, account.KeyPrefix)
		return scheme, bare
	}
	token = strings.TrimSpace(token)
	return token, strings.EqualFold(scheme, "Bearer") && token != ""
}

func (s *Server) tenantAuth(c *gin.Context) {
	token, ok := tenantToken(c.GetHeader("Authorization"))
	if !ok {
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
	c.Request = c.Request.WithContext(core.WithSession(core.WithUser(ctx, u), account.SessionHash(token)))
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
	var req registerRequest
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
	ok(c, http.StatusCreated, registered{
		Token:  r.Token,
		Tenant: registeredTenant{ID: r.Tenant.ID, Domain: s.tenants.Domain(r.Tenant), Subdomain: r.Tenant.Subdomain, Status: string(r.Tenant.Status)},
		User:   userOf(r.User),
	}, "Registration successful")
}

type registerRequest struct {
	Name            string `json:"name"`
	Email           string `json:"email"`
	Mobile          any    `json:"mobile"` // seed 003 types it as Integer; a string is taken too
	Company         string `json:"company"`
	Password        string `json:"password"`
	ConfirmPassword string `json:"c_password"`
	Subdomain       string `json:"subdomain,omitempty"`
	PlanID          int64  `json:"plan_id,omitempty"`
}

type registered struct {
	Token  string           `json:"token"`
	Tenant registeredTenant `json:"tenant"`
	User   userJSON         `json:"user"`
}

type registeredTenant struct {
	ID        int64  `json:"id"`
	Domain    string `json:"domain"`
	Subdomain string `json:"subdomain"`
	Status    string `json:"status"`
}

type userJSON struct {
	ID    int64  `json:"id"`
	Name  string `json:"name"`
	Email string `json:"email"`
	Role  string `json:"role"`
}

func userOf(u core.User) userJSON {
	return userJSON{ID: u.ID, Name: u.Name, Email: u.Email, Role: u.Role}
}

type loginRequest struct {
	Email    string `json:"email"`
	Password string `json:"password"`
}

type loggedIn struct {
	Token string   `json:"token"`
	User  userJSON `json:"user"`
}

func (s *Server) login(c *gin.Context) {
	var req loginRequest
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
	ok(c, http.StatusOK, loggedIn{Token: token, User: userOf(u)}, "Login successful")
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
