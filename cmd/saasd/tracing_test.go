package main

import (
	"context"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"
	"google.golang.org/protobuf/proto"

	coltrace "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	commonpb "go.opentelemetry.io/proto/otlp/common/v1"
	tracepb "go.opentelemetry.io/proto/otlp/trace/v1"

	"github.com/saasd/saasd/config"
	"github.com/saasd/saasd/core/kernel"
	"github.com/saasd/saasd/core/tenant"
	"github.com/saasd/saasd/ports"
)

// span is one exported span, flattened for assertions.
type span struct {
	name, traceID, spanID, parentID string
	kind                            tracepb.Span_SpanKind
	attrs                           map[string]string
	service                         string
	failed                          bool
}

// otlpReceiver is an OTLP/HTTP collector in the test: it decodes every
// export request the SDK posts to /v1/traces, as a real collector would.
type otlpReceiver struct {
	*httptest.Server
	mu       sync.Mutex
	spans    []span
	requests int
}

func newOTLPReceiver(t testing.TB) *otlpReceiver {
	r := &otlpReceiver{}
	r.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		if req.URL.Path != "/v1/traces" || req.Header.Get("Content-Type") != "application/x-protobuf" {
			http.Error(w, "want protobuf on /v1/traces", http.StatusNotFound)
			return
		}
		body, err := io.ReadAll(req.Body)
		var export coltrace.ExportTraceServiceRequest
		if err == nil {
			err = proto.Unmarshal(body, &export)
		}
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		r.mu.Lock()
		r.requests++
		for _, rs := range export.GetResourceSpans() {
			service := attrMap(rs.GetResource().GetAttributes())["service.name"]
			for _, ss := range rs.GetScopeSpans() {
				for _, s := range ss.GetSpans() {
					r.spans = append(r.spans, span{
						name: s.GetName(), traceID: hex.EncodeToString(s.GetTraceId()), spanID: hex.EncodeToString(s.GetSpanId()),
						parentID: hex.EncodeToString(s.GetParentSpanId()), kind: s.GetKind(), attrs: attrMap(s.GetAttributes()),
						service: service, failed: s.GetStatus().GetCode() == tracepb.Status_STATUS_CODE_ERROR,
					})
				}
			}
		}
		r.mu.Unlock()
		out, _ := proto.Marshal(&coltrace.ExportTraceServiceResponse{})
		w.Header().Set("Content-Type", "application/x-protobuf")
		_, _ = w.Write(out)
	}))
	t.Cleanup(r.Close)
	return r
}

func attrMap(kvs []*commonpb.KeyValue) map[string]string {
	m := map[string]string{}
	for _, kv := range kvs {
		v := kv.GetValue()
		switch {
		case v.GetStringValue() != "":
			m[kv.GetKey()] = v.GetStringValue()
		default:
			m[kv.GetKey()] = fmt.Sprint(v.GetIntValue())
		}
	}
	return m
}

// got returns the spans received so far and how many export requests
// brought them.
func (r *otlpReceiver) got() ([]span, int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]span(nil), r.spans...), r.requests
}

// find returns the spans that match: name (a prefix when it ends in *),
// trace ("" any) and attrs.
func find(spans []span, name, trace string, attrs map[string]string) []span {
	var out []span
next:
	for _, s := range spans {
		if p, ok := strings.CutSuffix(name, "*"); ok && !strings.HasPrefix(s.name, p) || !ok && s.name != name {
			continue
		}
		if trace != "" && s.traceID != trace {
			continue
		}
		for k, v := range attrs {
			if got, ok := s.attrs[k]; !ok || (v != "" && got != v) {
				continue next
			}
		}
		out = append(out, s)
	}
	return out
}

// TestTracing: with tracing.endpoint set, a tenant create sent with a W3C
// traceparent is one trace, exported over OTLP/HTTP to a collector: the
// request's server span (the caller's child), a span per provisioning
// step and the SQL of the control and tenant databases, the steps and the
// tenant's SQL naming the tenant; the request id and the request's log
// line carry the trace id. After an upgrade, the lazy migration of a
// tenant's first request and the fleet migration are spans too.
func TestTracing(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		rcv := newOTLPReceiver(t)
		e := newEnv(t, b, func(c *config.Config) { c.Tracing.Endpoint = rcv.URL })
		logs, observed := observer.New(zapcore.InfoLevel)
		e.logger = zap.New(logs)
		e.restart()

		const traceID, parentID = "4bf92f3577b34da6a3ce929d0e0e4736", "00f067aa0ba902b7"
		planID := e.createPlan(starter)
		created := e.request("POST", "/api/saas/tenants", map[string]any{
			"company_name": "Traced", "email": "t@traced.example.com", "first_name": "T", "last_name": "R",
			"plan_id": planID, "subdomain": "traced",
		}, map[string]string{"Authorization": "Bearer " + e.token, "traceparent": "00-" + traceID + "-" + parentID + "-01"})
		created.want(t, http.StatusCreated)
		id := fmt.Sprint(created.body["tenant_id"])
		if got := created.header.Get("X-Request-ID"); got != traceID {
			t.Errorf("X-Request-ID = %q, want the trace id %s", got, traceID)
		}
		read := e.do("GET", "/api/saas/tenants/"+id, nil).want(t, http.StatusOK)
		sub, token := e.signup("Lazy", "lazy", planID)

		// The next release adds a tenant migration: the first tenant-side
		// request migrates its tenant, the fleet migration the other.
		e.opts = append(e.opts, func(o *appOptions) {
			o.modules = append(o.modules, func(ports.RecordStore) kernel.Module { return nickname{} })
		})
		e.restart()
		e.asTenant(sub, token, "GET", "/api/v2/customers", nil).want(t, http.StatusOK)
		run, err := e.app.tenants.MigrateFleet(context.Background(), tenant.MigrateOptions{Concurrency: 2})
		if err != nil || len(run.Migrated) != 1 || fmt.Sprint(run.Migrated[0]) != id {
			t.Fatalf("fleet migration = %+v, %v", run, err)
		}
		if d := fmt.Sprintf("%T", e.app.db.SQL().Driver()); !strings.Contains(d, "otelsql") {
			t.Errorf("the control pool runs on %s with tracing on", d)
		}
		if err := e.app.tracing.Flush(context.Background()); err != nil {
			t.Fatal(err)
		}
		spans, _ := rcv.got()

		server := find(spans, "POST /api/saas/tenants", traceID, map[string]string{"http.response.status_code": "201", "saas.request_id": traceID})
		if len(server) != 1 || server[0].parentID != parentID || server[0].kind != tracepb.Span_SPAN_KIND_SERVER || server[0].service != "saasd" {
			t.Fatalf("server span of the create = %+v; all: %v", server, names(spans))
		}
		for _, step := range []string{"create_database", "record_database", "migrate", "seed_admin", "activate"} {
			if len(find(spans, "tenant.provision."+step, traceID, map[string]string{"saas.tenant_id": id})) != 1 {
				t.Errorf("no span of step %s for tenant %s in the trace; all: %v", step, id, names(spans))
			}
		}
		if b.name == "mysql" && len(find(spans, "tenant.provision.create_user", traceID, map[string]string{"saas.tenant_id": id})) != 1 {
			t.Errorf("no span of step create_user")
		}
		// GORM's statements on the control database, in the create's trace.
		if len(find(spans, "sql.*", traceID, map[string]string{"db.system.name": "", "db.query.text": ""})) == 0 {
			t.Errorf("no SQL span in the create's trace; all: %v", names(spans))
		}
		// The read: its server span names the tenant, and so does the usage
		// read on the tenant's own database.
		readTrace := read.header.Get("X-Request-ID")
		if len(find(spans, "GET /api/saas/tenants/:id", readTrace, map[string]string{"saas.tenant_id": id})) != 1 {
			t.Errorf("no server span of the read (trace %s) naming tenant %s", readTrace, id)
		}
		usage := find(spans, "sql.*", readTrace, map[string]string{"saas.tenant_id": id})
		if len(usage) == 0 || !strings.Contains(usage[0].attrs["db.query.text"], "usage_counters") {
			t.Errorf("usage read spans = %+v, want one on usage_counters naming tenant %s", usage, id)
		}
		if len(find(spans, "tenant.migrate.lazy", "", map[string]string{"saas.tenant_id": ""})) != 1 {
			t.Errorf("no span of the lazy migration; all: %v", names(spans))
		}
		fleet := find(spans, "tenant.migrate_fleet", "", nil)
		if len(fleet) != 1 || len(find(spans, "tenant.migrate.fleet", fleet[0].traceID, map[string]string{"saas.tenant_id": id})) != 1 {
			t.Errorf("fleet migration spans = %+v; all: %v", fleet, names(spans))
		}
		// (A statement may fail as planned: goose asks SQLite for versions
		// it has not applied yet.)
		for _, s := range spans {
			if s.failed && !strings.HasPrefix(s.name, "sql.") {
				t.Errorf("span %s failed: %v", s.name, s.attrs)
			}
		}
		// The request's log line ties it to the trace.
		lines := observed.FilterMessage("request").FilterField(zap.String("trace_id", traceID)).All()
		if len(lines) != 1 || lines[0].ContextMap()["request_id"] != traceID {
			t.Errorf("request log lines with trace_id %s: %v", traceID, lines)
		}
	})
}

// TestTracingOff: without tracing.endpoint nothing is built (no tracer
// provider; pools opened by sql.Open) and nothing is sent, even to a
// collector that listens and a request that carries a traceparent.
func TestTracingOff(t *testing.T) {
	rcv := newOTLPReceiver(t)
	b := backends(t)[0] // SQLite: the wiring is the same on both
	e := newEnv(t, b)
	logs, observed := observer.New(zapcore.InfoLevel)
	e.logger = zap.New(logs)
	e.restart()
	if e.app.tracing != nil {
		t.Fatal("a tracer was built with tracing off")
	}
	planID := e.createPlan(starter)
	r := e.request("POST", "/api/saas/tenants", map[string]any{
		"company_name": "Dark", "email": "d@dark.example.com", "first_name": "D", "last_name": "K", "plan_id": planID, "subdomain": "dark",
	}, map[string]string{"Authorization": "Bearer " + e.token, "traceparent": "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"})
	r.want(t, http.StatusCreated)
	if id := r.header.Get("X-Request-ID"); id == "4bf92f3577b34da6a3ce929d0e0e4736" || len(id) != 24 {
		t.Errorf("X-Request-ID = %q, want one of its own", id)
	}
	for _, l := range observed.FilterMessage("request").All() {
		if _, ok := l.ContextMap()["trace_id"]; ok {
			t.Errorf("request logged with a trace id: %v", l.ContextMap())
		}
	}
	if d := fmt.Sprintf("%T", e.app.db.SQL().Driver()); strings.Contains(d, "otel") {
		t.Errorf("the control pool runs on %s with tracing off", d)
	}
	if spans, n := rcv.got(); n != 0 || len(spans) != 0 {
		t.Fatalf("tracing off exported %d requests: %v", n, names(spans))
	}
}

func names(spans []span) []string {
	var out []string
	for _, s := range spans {
		out = append(out, s.name)
	}
	return out
}
