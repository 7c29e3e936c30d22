package ginhttp

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/trace"

	"github.com/saasd/saasd/core"
)

// tenantIDKey names the tenant a request was for, on its span.
const tenantIDKey = attribute.Key("saas.tenant_id")

// tracing makes each request a server span, the child of the caller's
// when it sent a W3C traceparent. It runs first, so that the request id,
// the request log line and everything below see the span.
type tracing struct {
	tracer     trace.Tracer
	propagator propagation.TextMapPropagator
}

func newTracing(tp trace.TracerProvider) *tracing {
	return &tracing{tracer: tp.Tracer("github.com/saasd/saasd/adapters/ginhttp"), propagator: propagation.TraceContext{}}
}

func (tr *tracing) handle(c *gin.Context) {
	ctx := tr.propagator.Extract(c.Request.Context(), propagation.HeaderCarrier(c.Request.Header))
	route := c.FullPath()
	name := c.Request.Method + " " + route
	if route == "" {
		name = c.Request.Method + " unmatched"
	}
	ctx, span := tr.tracer.Start(ctx, name, trace.WithSpanKind(trace.SpanKindServer), trace.WithAttributes(
		attribute.String("http.request.method", c.Request.Method),
		attribute.String("http.route", route),
		attribute.String("url.path", c.Request.URL.Path),
		attribute.String("client.address", c.ClientIP()),
	))
	defer span.End()
	c.Request = c.Request.WithContext(ctx)
	c.Next()
	status := c.Writer.Status()
	span.SetAttributes(attribute.Int("http.response.status_code", status), attribute.String("saas.request_id", requestID(c)))
	if id := tenantOf(c, route); id > 0 {
		span.SetAttributes(tenantIDKey.Int64(id))
	}
	if status >= http.StatusInternalServerError {
		span.SetStatus(codes.Error, http.StatusText(status))
	}
}

// tenantOf is the tenant a request was for: the one a tenant-side request
// resolved, or the :id of a superadmin route under /api/saas/tenants/.
func tenantOf(c *gin.Context, route string) int64 {
	if t, ok := core.TenantFrom(c.Request.Context()); ok {
		return t.ID
	}
	if strings.HasPrefix(route, "/api/saas/tenants/:id") {
		if id, err := strconv.ParseInt(c.Param("id"), 10, 64); err == nil {
			return id
		}
	}
	return 0
}

// traceID is the trace of the request's span, "" when it has none.
func traceID(c *gin.Context) string {
	if sc := trace.SpanContextFromContext(c.Request.Context()); sc.IsValid() {
		return sc.TraceID().String()
	}
	return ""
}
