package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sort"
	"strings"
	"testing"

	"github.com/gin-gonic/gin"
	"github.com/pb33f/libopenapi"
	validator "github.com/pb33f/libopenapi-validator"

	"github.com/saasd/saasd/core"
)

// openAPIDoc fetches /openapi.json and builds a validator for it; the
// document itself must validate against the OpenAPI 3.1 schema.
func openAPIDoc(t *testing.T, e *env) (map[string]any, validator.Validator) {
	t.Helper()
	raw := e.doAs("", "GET", "/openapi.json", nil)
	if raw.status != http.StatusOK || raw.body["openapi"] != "3.1.0" {
		t.Fatalf("GET /openapi.json = %d %.200s", raw.status, raw.raw)
	}
	doc, err := libopenapi.NewDocument([]byte(raw.raw))
	if err != nil {
		t.Fatal(err)
	}
	v, errs := validator.NewValidator(doc)
	if len(errs) > 0 {
		t.Fatalf("validator: %v", errs)
	}
	if valid, verrs := v.ValidateDocument(); !valid {
		for _, ve := range verrs {
			t.Errorf("document: %s: %s %v", ve.Message, ve.Reason, ve.SchemaValidationErrors)
		}
		t.FailNow()
	}
	return raw.body, v
}

// TestOpenAPIDocumentsEveryRoute: every route the engine serves is in the
// document and every documented operation is served.
func TestOpenAPIDocumentsEveryRoute(t *testing.T) {
	e := newEnv(t, backends(t)[0])
	doc, _ := openAPIDoc(t, e)
	documented := map[string]bool{}
	for path, item := range doc["paths"].(map[string]any) {
		for method := range item.(map[string]any) {
			documented[strings.ToUpper(method)+" "+path] = true
		}
	}
	served := map[string]bool{}
	for _, r := range e.app.server.Handler().(*gin.Engine).Routes() {
		parts := strings.Split(r.Path, "/")
		for i, p := range parts {
			if name, ok := strings.CutPrefix(p, ":"); ok {
				parts[i] = "{" + name + "}"
			}
		}
		served[r.Method+" "+strings.Join(parts, "/")] = true
	}
	var missing, extra []string
	for op := range served {
		if !documented[op] {
			missing = append(missing, op)
		}
	}
	for op := range documented {
		if !served[op] {
			extra = append(extra, op)
		}
	}
	sort.Strings(missing)
	sort.Strings(extra)
	if len(missing) > 0 || len(extra) > 0 {
		t.Fatalf("served but not documented: %v\ndocumented but not served: %v", missing, extra)
	}
	if len(served) < 80 {
		t.Fatalf("only %d routes", len(served))
	}
	rec := httptest.NewRecorder()
	e.app.server.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/docs", nil))
	if rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), "/docs/assets/swagger-ui-bundle.js") || strings.Contains(rec.Body.String(), "https://") {
		t.Fatalf("/docs = %d %s", rec.Code, rec.Body.String())
	}
	for _, asset := range []string{"swagger-ui-bundle.js", "swagger-ui.css", "init.js"} {
		rec := httptest.NewRecorder()
		e.app.server.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/docs/assets/"+asset, nil))
		if rec.Code != http.StatusOK || rec.Body.Len() < 100 {
			t.Fatalf("%s = %d (%d bytes)", asset, rec.Code, rec.Body.Len())
		}
	}
}

// TestResponsesMatchOpenAPI runs the superadmin and tenant APIs, every
// module's five routes included, and validates each answer (successes and
// errors) against the document.
func TestResponsesMatchOpenAPI(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		e := newEnv(t, b)
		_, v := openAPIDoc(t, e)
		checked := 0
		call := func(method, path string, body any, headers map[string]string) response {
			t.Helper()
			var r io.Reader
			if body != nil {
				buf, _ := json.Marshal(body)
				r = bytes.NewReader(buf)
			}
			req := httptest.NewRequest(method, path, r)
			req.Header.Set("Content-Type", "application/json")
			for k, val := range headers {
				req.Header.Set(k, val)
			}
			rec := httptest.NewRecorder()
			e.app.server.Handler().ServeHTTP(rec, req)
			res := rec.Result()
			if valid, errs := v.ValidateHttpResponse(httptest.NewRequest(method, path, nil), res); !valid {
				for _, ve := range errs {
					t.Errorf("%s %s (%d): %s: %s %v", method, path, rec.Code, ve.Message, ve.Reason, ve.SchemaValidationErrors)
				}
				t.Fatalf("answer: %s", rec.Body.String())
			}
			checked++
			out := response{status: rec.Code, raw: rec.Body.String()}
			_ = json.Unmarshal(rec.Body.Bytes(), &out.body)
			return out
		}
		admin := map[string]string{"Authorization": "Bearer " + e.token}
		call("GET", "/healthz", nil, nil)
		call("GET", "/readyz", nil, nil)
		plan := call("POST", "/api/saas/plans", starter, admin).want(t, http.StatusCreated).data()["id"]
		call("POST", "/api/saas/plans", map[string]any{"name": ""}, admin).want(t, http.StatusUnprocessableEntity)
		call("GET", "/api/saas/plans", nil, admin)
		call("GET", fmt.Sprintf("/api/saas/plans/%v", plan), nil, admin)
		call("PUT", fmt.Sprintf("/api/saas/plans/%v", plan), map[string]any{"price_monthly": 12}, admin)
		call("GET", "/api/saas/plans/999", nil, admin).want(t, http.StatusNotFound)
		tid := call("POST", "/api/saas/tenants", map[string]any{"company_name": "Acme", "email": "a@acme.example", "first_name": "A",
			"last_name": "B", "plan_id": plan, "subdomain": "acme"}, admin).want(t, http.StatusCreated).body["tenant_id"]
		for _, p := range []string{"", "/subscription", "/usage", "/invoices"} {
			call("GET", fmt.Sprintf("/api/saas/tenants/%v%s", tid, p), nil, admin).want(t, http.StatusOK)
		}
		call("GET", "/api/saas/tenants?per_page=5", nil, admin).want(t, http.StatusOK)
		call("PUT", fmt.Sprintf("/api/saas/tenants/%v", tid), map[string]any{"company_name": "Acme Inc"}, admin).want(t, http.StatusOK)
		call("GET", "/api/saas/tenants", nil, nil).want(t, http.StatusUnauthorized)
		wh := call("POST", "/api/saas/webhooks", map[string]any{"url": "https://hooks.example.com/x", "events": []string{"tenant.created"}}, admin).want(t, http.StatusCreated).data()["id"]
		call("GET", "/api/saas/webhooks", nil, admin)
		call("GET", fmt.Sprintf("/api/saas/webhooks/%v/deliveries", wh), nil, admin)

		reg := call("POST", "/api/register", map[string]any{"name": "Jane", "email": "jane@beta.example", "mobile": "5550100", "company": "Beta",
			"password": "s3cret-pass", "c_password": "s3cret-pass", "subdomain": "beta"}, nil).want(t, http.StatusCreated)
		tenant := map[string]string{"X-Tenant": "beta", "Authorization": "Bearer " + reg.data()["token"].(string)}
		call("POST", "/api/login", map[string]any{"email": "jane@beta.example", "password": "s3cret-pass"}, map[string]string{"X-Tenant": "beta"}).want(t, http.StatusOK)
		call("GET", "/api/v2/usage", nil, tenant).want(t, http.StatusOK)

		// Every module: create (its references first), list, get, update, delete.
		endpoints := e.app.kernel.Endpoints()
		byTable := map[string]*core.Schema{}
		pathOf := map[*core.Schema]string{}
		for _, ep := range endpoints {
			if s := ep.Doc.Record; s != nil && ep.Method == "POST" {
				byTable[s.Table], pathOf[s] = s, ep.Path
			}
		}
		ids := map[*core.Schema]any{}
		var create func(s *core.Schema) any
		create = func(s *core.Schema) any {
			if id, done := ids[s]; done {
				return id
			}
			body := map[string]any{}
			for _, f := range s.Fields {
				if !f.Required || f.Computed {
					continue
				}
				switch f.Type {
				case core.EmailField:
					body[f.Name] = "x" + randomHex(3) + "@example.com"
				case core.EnumField:
					body[f.Name] = f.Values[0]
				case core.IntField:
					body[f.Name] = 1
				case core.MoneyField:
					body[f.Name] = "1.50"
				case core.DateField:
					body[f.Name] = "2024-01-15"
				case core.RefField:
					body[f.Name] = create(byTable[f.Ref])
				default:
					body[f.Name] = "Sample " + randomHex(3)
				}
			}
			if s.Items != nil {
				body["items"] = []any{map[string]any{"description": "One", "amount": 2, "qty": 3}}
			}
			for _, in := range s.Inputs {
				body[in] = "s3cret-pass"
			}
			ids[s] = call("POST", "/api/v2"+pathOf[s], body, tenant).want(t, http.StatusCreated).data()["id"]
			return ids[s]
		}
		for s := range pathOf {
			id, p := create(s), "/api/v2"+pathOf[s]
			call("GET", p, nil, tenant).want(t, http.StatusOK)
			call("GET", fmt.Sprintf("%s/%v", p, id), nil, tenant).want(t, http.StatusOK)
			call("PUT", fmt.Sprintf("%s/%v", p, id), map[string]any{}, tenant).want(t, http.StatusOK)
			call("POST", p, map[string]any{"no_such_field": 1}, tenant).want(t, http.StatusUnprocessableEntity)
			call("GET", p+"/999999", nil, tenant).want(t, http.StatusNotFound)
		}
		for s, id := range ids {
			if s.Table != "users" {
				call("DELETE", fmt.Sprintf("/api/v2%s/%v", pathOf[s], id), nil, tenant)
			}
		}
		call("POST", "/api/v2/batch/customers", map[string]any{"customers": []any{map[string]any{"account": "B1"}}}, tenant).want(t, http.StatusCreated)
		call("POST", "/api/logout", nil, tenant).want(t, http.StatusOK)
		call("GET", "/api/v2/usage", nil, tenant).want(t, http.StatusUnauthorized)
		if checked < 60 {
			t.Fatalf("only %d answers checked", checked)
		}
	})
}
