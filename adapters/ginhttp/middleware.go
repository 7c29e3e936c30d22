package ginhttp

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/http"
	"runtime/debug"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
	"go.uber.org/zap"

	"github.com/saasd/saasd/core"
)

const (
	headerRequestID = "X-Request-ID"
	keyRequestID    = "saasd.request_id"
	keyTokenName    = "saasd.token_name"
)

// requestID echoes a sane X-Request-ID or makes one up: the trace id when
// the request is traced, so that a request id found in a log or an answer
// is also the trace to look up.
func (s *Server) requestID(c *gin.Context) {
	id := c.GetHeader(headerRequestID)
	if id == "" || len(id) > 128 || strings.ContainsFunc(id, func(r rune) bool { return r < 0x21 || r > 0x7e }) {
		if id = traceID(c); id == "" {
			var b [12]byte
			_, _ = rand.Read(b[:])
			id = hex.EncodeToString(b[:])
		}
	}
	c.Set(keyRequestID, id)
	c.Header(headerRequestID, id)
	c.Request = c.Request.WithContext(core.WithRequestID(c.Request.Context(), id)) // for the audit trail
	c.Next()
}

func requestID(c *gin.Context) string { return c.GetString(keyRequestID) }

// logRequests writes one line per request. The token's name is logged,
// never the token.
func (s *Server) logRequests(c *gin.Context) {
	start := time.Now()
	c.Next()
	route := c.FullPath()
	if route == "" {
		route = "unmatched"
	}
	if s.observer != nil {
		s.observer.Request(route, c.Request.Method, c.Writer.Status(), time.Since(start))
	}
	ce := s.logger.Check(zap.InfoLevel, "request")
	if ce == nil {
		return
	}
	fields := []zap.Field{
		zap.String("request_id", requestID(c)),
		zap.String("method", c.Request.Method),
		zap.String("route", route),
		zap.String("path", c.Request.URL.Path),
		zap.Int("status", c.Writer.Status()),
		zap.Duration("latency", time.Since(start)),
		zap.String("client_ip", c.ClientIP()),
		zap.Int("bytes", c.Writer.Size()),
	}
	if name := c.GetString(keyTokenName); name != "" {
		fields = append(fields, zap.String("token_name", name))
	}
	if id := traceID(c); id != "" {
		fields = append(fields, zap.String("trace_id", id))
	}
	ce.Write(fields...)
}

// recover turns a panic into a logged 500 in the envelope.
func (s *Server) recover(c *gin.Context) {
	defer func() {
		if v := recover(); v != nil {
			if v == http.ErrAbortHandler {
				panic(v)
			}
			s.logger.Error("panic recovered", zap.String("request_id", requestID(c)), zap.String("panic", fmt.Sprint(v)), zap.ByteString("stack", debug.Stack()))
			if !c.Writer.Written() {
				failStatus(c, http.StatusInternalServerError, "internal error")
			}
			c.Abort()
		}
	}()
	c.Next()
}

func (s *Server) limitBody(c *gin.Context) {
	if c.Request.Body != nil {
		c.Request.Body = http.MaxBytesReader(c.Writer, c.Request.Body, MaxBodyBytes)
	}
	c.Next()
}

// timeout bounds the work of one request, so that a database that stops
// answering turns into an error rather than a hung client.
func (s *Server) timeout(c *gin.Context) {
	if s.cfg.RequestTimeout <= 0 {
		c.Next()
		return
	}
	ctx, cancel := context.WithTimeout(c.Request.Context(), s.cfg.RequestTimeout)
	defer cancel()
	c.Request = c.Request.WithContext(ctx)
	c.Next()
}

// authenticate requires a live Bearer token, or else a console session
// (session.go) that stands for one.
func (s *Server) authenticate(c *gin.Context) {
	if c.GetHeader("Authorization") == "" {
		if t, ok := s.authenticateSession(c); ok {
			c.Set(keyTokenName, t.Name)
			c.Request = c.Request.WithContext(core.WithActor(c.Request.Context(), t))
			c.Next()
		}
		return
	}
	scheme, secret, found := strings.Cut(c.GetHeader("Authorization"), " ")
	if !found || !strings.EqualFold(scheme, "Bearer") || strings.TrimSpace(secret) == "" {
		c.Header("WWW-Authenticate", `Bearer realm="saasd"`)
		s.fail(c, core.Errorf(core.Unauthorized, "missing or malformed Authorization header; want: Bearer TOKEN"))
		return
	}
	t, err := s.auth.Authenticate(c.Request.Context(), strings.TrimSpace(secret))
	if err != nil {
		if core.KindOf(err) == core.Unauthorized {
			c.Header("WWW-Authenticate", `Bearer realm="saasd", error="invalid_token"`)
		}
		s.fail(c, err)
		return
	}
	c.Set(keyTokenName, t.Name)
	c.Request = c.Request.WithContext(core.WithActor(c.Request.Context(), t))
	c.Next()
}

// rateLimit allows RequestsPerMinute per superadmin token.
func (s *Server) rateLimit(c *gin.Context) {
	t, _ := core.ActorFrom(c.Request.Context())
	s.limit(c, "saas:"+strconv.FormatInt(t.ID, 10), s.cfg.RequestsPerMinute, time.Minute)
}

// limit counts the request against key's budget of n per window, states the
// budget in the X-RateLimit headers and answers 429 with Retry-After past it.
func (s *Server) limit(c *gin.Context, key string, n int, window time.Duration) {
	d, err := s.limiter.Allow(c.Request.Context(), key, n, window)
	if err != nil {
		s.fail(c, err)
		return
	}
	h := c.Writer.Header()
	h.Set("X-RateLimit-Limit", strconv.Itoa(d.Limit))
	h.Set("X-RateLimit-Remaining", strconv.Itoa(d.Remaining))
	h.Set("X-RateLimit-Reset", strconv.FormatInt(d.Reset.Unix(), 10))
	if !d.Allowed {
		retry := d.RetryAfter
		if retry <= 0 {
			retry = time.Until(d.Reset)
		}
		wait := int(retry.Seconds() + 0.999)
		if wait < 1 {
			wait = 1
		}
		if s.observer != nil {
			name, _, _ := strings.Cut(key, ":")
			s.observer.RateLimited(name)
		}
		h.Set("Retry-After", strconv.Itoa(wait))
		s.fail(c, core.Errorf(core.RateLimited, "rate limit of %d requests per %s exceeded; retry after %d seconds", d.Limit, window, wait))
		return
	}
	c.Next()
}
