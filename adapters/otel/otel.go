// Package otel implements tracing with OpenTelemetry: a tracer provider
// that exports spans to a collector over OTLP/HTTP, the tenant service's
// ports.Tracer (provisioning steps, tenant migrations), and database pools
// whose statements are spans. Nothing of it is built when tracing is off:
// the callers then run without a tracer provider at all.
package otel

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/XSAM/otelsql"
	otelglobal "go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	metricnoop "go.opentelemetry.io/otel/metric/noop"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"
	"go.uber.org/zap"

	"github.com/saasd/saasd/core"
	"github.com/saasd/saasd/ports"
)

// TenantID is the attribute that names the tenant a span worked for.
const TenantID = attribute.Key("saas.tenant_id")

// scope names the spans this package starts itself.
const scope = "github.com/saasd/saasd"

// Config configures tracing.
type Config struct {
	// Endpoint is the collector: host:port (plain HTTP) or an http(s) URL;
	// without a path, spans go to the OTLP path /v1/traces.
	Endpoint    string
	ServiceName string // service.name of every span
	// SampleRatio is the share of new traces kept (0 to 1); a request
	// that carries a traceparent follows its caller's decision.
	SampleRatio float64
}

// Tracing is the process's tracer provider and what is built on it.
type Tracing struct {
	provider *sdktrace.TracerProvider
	tracer   trace.Tracer
}

var _ ports.Tracer = (*Tracing)(nil)

// New builds the tracer provider, exporting in batches to cfg.Endpoint.
// Nothing is sent until a span ends; a collector that is down costs
// logged warnings, never a request.
func New(cfg Config, logger *zap.Logger) (*Tracing, error) {
	endpoint, err := EndpointURL(cfg.Endpoint)
	if err != nil {
		return nil, err
	}
	exp, err := otlptracehttp.New(context.Background(), otlptracehttp.WithEndpointURL(endpoint))
	if err != nil {
		return nil, fmt.Errorf("otlp exporter: %w", err)
	}
	res := resource.NewSchemaless(attribute.String("service.name", cfg.ServiceName))
	tp := sdktrace.NewTracerProvider(
		sdktrace.WithBatcher(exp),
		sdktrace.WithResource(res),
		sdktrace.WithSampler(sdktrace.ParentBased(sdktrace.TraceIDRatioBased(cfg.SampleRatio))),
	)
	// The SDK reports failed exports (a collector that is down) to the
	// process-wide handler, the one global it has: into our log, once per
	// failed batch, rather than its own stderr format.
	otelglobal.SetErrorHandler(otelglobal.ErrorHandlerFunc(func(err error) {
		logger.Warn("tracing export", zap.Error(err))
	}))
	logger.Info("tracing", zap.String("endpoint", endpoint), zap.String("service_name", cfg.ServiceName), zap.Float64("sample_ratio", cfg.SampleRatio))
	return &Tracing{provider: tp, tracer: tp.Tracer(scope)}, nil
}

// EndpointURL is the URL spans are posted to for endpoint (see
// Config.Endpoint). Returns an error for anything else.
func EndpointURL(endpoint string) (string, error) {
	raw := endpoint
	if !strings.Contains(raw, "://") {
		raw = "http://" + raw
	}
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return "", fmt.Errorf("tracing endpoint %q is not host:port or an http(s) URL", endpoint)
	}
	if u.Path == "" || u.Path == "/" {
		u.Path = "/v1/traces"
	}
	return u.String(), nil
}

// Provider is the tracer provider, for the HTTP edge.
func (t *Tracing) Provider() trace.TracerProvider { return t.provider }

// Start begins a span of the tenant service's own work (ports.Tracer).
func (t *Tracing) Start(ctx context.Context, name string, tenantID int64) (context.Context, func(error)) {
	var opts []trace.SpanStartOption
	if tenantID > 0 {
		opts = append(opts, trace.WithAttributes(TenantID.Int64(tenantID)))
	}
	ctx, span := t.tracer.Start(ctx, name, opts...)
	return ctx, func(err error) {
		if err != nil {
			span.RecordError(err)
			span.SetStatus(codes.Error, err.Error())
		}
		span.End()
	}
}

// OpenSQL opens a pool as sql.Open does, whose statements, connections and
// transactions are spans with the statement text; tenantID names the
// tenant a pool serves alone (0: the tenant of the request, when it has
// one). A statement outside any span (the billing worker's polls, say)
// starts no trace of its own.
func (t *Tracing) OpenSQL(driverName, dsn string, tenantID int64) (*sql.DB, error) {
	attrs := []attribute.KeyValue{attribute.String("db.system.name", driverName)}
	if tenantID > 0 {
		attrs = append(attrs, TenantID.Int64(tenantID))
	}
	opts := []otelsql.Option{
		otelsql.WithTracerProvider(t.provider),
		otelsql.WithMeterProvider(metricnoop.NewMeterProvider()), // metrics are Prometheus's
		otelsql.WithAttributes(attrs...),
		otelsql.WithSpanOptions(otelsql.SpanOptions{
			OmitConnResetSession: true, OmitRows: true, OmitConnectorConnect: true,
			// driver.ErrSkip only says "prepare it first": no failure.
			DisableErrSkip: true,
			SpanFilter: func(ctx context.Context, _ otelsql.Method, _ string, _ []driver.NamedValue) bool {
				return trace.SpanContextFromContext(ctx).IsValid()
			},
		}),
	}
	if tenantID == 0 {
		opts = append(opts, otelsql.WithAttributesGetter(func(ctx context.Context, _ otelsql.Method, _ string, _ []driver.NamedValue) []attribute.KeyValue {
			if t, ok := core.TenantFrom(ctx); ok && t.ID > 0 {
				return []attribute.KeyValue{TenantID.Int64(t.ID)}
			}
			return nil
		}))
	}
	return otelsql.Open(driverName, dsn, opts...)
}

// Flush exports the spans that have ended, for tests and before exit.
func (t *Tracing) Flush(ctx context.Context) error { return t.provider.ForceFlush(ctx) }

// Close exports what is left (waiting at most 5 seconds for the
// collector) and stops the provider.
func (t *Tracing) Close() error {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := t.provider.Shutdown(ctx); err != nil && !errors.Is(err, context.DeadlineExceeded) {
		return fmt.Errorf("tracing shutdown: %w", err)
	}
	return nil
}
