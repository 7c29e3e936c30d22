package ginhttp

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/gin-gonic/gin"
	"go.uber.org/zap"
	"go.uber.org/zap/zaptest/observer"
)

// A panic in a handler is logged with the request id and answered 500 in
// the envelope; the server goes on serving.
func TestPanicRecovered(t *testing.T) {
	t.Parallel()
	obs, logs := observer.New(zap.InfoLevel)
	s := New(Config{RequestsPerMinute: 10}, Deps{Logger: zap.New(obs)})
	s.engine.GET("/boom", func(*gin.Context) { panic("kaboom") })

	req := httptest.NewRequest("GET", "/boom", nil)
	req.Header.Set("X-Request-ID", "req-123")
	rec := httptest.NewRecorder()
	s.Handler().ServeHTTP(rec, req)
	if rec.Code != http.StatusInternalServerError {
		t.Fatalf("status = %d", rec.Code)
	}
	var body map[string]any
	if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil || body["success"] != false || body["code"] != 500.0 {
		t.Fatalf("body = %s", rec.Body)
	}
	if strings.Contains(rec.Body.String(), "kaboom") {
		t.Fatal("panic value leaked to the client")
	}
	entries := logs.FilterMessage("panic recovered").All()
	if len(entries) != 1 || entries[0].ContextMap()["request_id"] != "req-123" {
		t.Fatalf("panic log = %v", entries)
	}
	req = httptest.NewRequest("GET", "/healthz", nil)
	rec = httptest.NewRecorder()
	s.Handler().ServeHTTP(rec, req)
	if rec.Code != http.StatusOK {
		t.Fatalf("after panic: %d", rec.Code)
	}
}

// Every request is logged once with its route and status, and the token is
// never written to the log.
func TestRequestLog(t *testing.T) {
	t.Parallel()
	obs, logs := observer.New(zap.InfoLevel)
	s := New(Config{RequestsPerMinute: 10}, Deps{Logger: zap.New(obs)})
	req := httptest.NewRequest("POST", "/api/saas/tenants", bytes.NewReader(nil))
	req.Header.Set("Authorization", "Bearer secret-value")
	rec := httptest.NewRecorder()
	s.Handler().ServeHTTP(rec, req)
	entries := logs.FilterMessage("request").All()
	if len(entries) != 1 {
		t.Fatalf("%d request lines", len(entries))
	}
	f := entries[0].ContextMap()
	for _, k := range []string{"request_id", "method", "route", "status", "latency"} {
		if _, ok := f[k]; !ok {
			t.Errorf("request line lacks %s: %v", k, f)
		}
	}
	for _, e := range logs.All() {
		for _, v := range e.ContextMap() {
			if s, ok := v.(string); ok && strings.Contains(s, "secret-value") {
				t.Fatal("token written to the log")
			}
		}
	}
}
