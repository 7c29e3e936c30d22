package ginhttp

import (
	"time"

	"github.com/gin-gonic/gin"

	"github.com/saasd/saasd/core/kernel"
)

// mountV1 mounts one route of the FinCRM API (seed 003) below /api/v1,
// behind the same tenant auth and hourly limit as /api/v2. A public route
// (the reads the seed documents without Authorization) also takes requests
// with no token; those are limited per tenant and client address instead
// of per token. The kernel decides what is public; this only authenticates
// when a token is sent.
func (s *Server) mountV1(g *gin.RouterGroup, ep kernel.Endpoint, d doc) {
	if !ep.Public {
		s.handle(g, ep.Method, ep.Path, d, s.tenantAuth, s.tenantRateLimit, s.endpoint(ep))
		return
	}
	s.handle(g, ep.Method, ep.Path, d, s.optionalTenantAuth, s.optionalTenantRateLimit, s.endpoint(ep))
}

// optionalTenantAuth is tenantAuth when an Authorization header is sent.
func (s *Server) optionalTenantAuth(c *gin.Context) {
	if c.GetHeader("Authorization") != "" {
		s.tenantAuth(c)
		return
	}
	c.Next()
}

// optionalTenantRateLimit limits per token when one was checked, else per
// tenant and client address.
func (s *Server) optionalTenantRateLimit(c *gin.Context) {
	if c.GetString(keyToken) != "" {
		s.tenantRateLimit(c)
		return
	}
	s.limit(c, "tenant-public:"+s.subdomainOf(c)+":"+c.ClientIP(), s.cfg.TenantRequestsPerHour, time.Hour)
}
