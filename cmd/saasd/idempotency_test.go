package main

import (
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
)

func TestIdempotentTenantCreate(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		e := newEnv(t, b)
		planID := e.createPlan(starter)
		body := map[string]any{"company_name": "Acme", "email": "a@acme.example.com", "first_name": "J", "last_name": "D", "plan_id": planID, "subdomain": "acme", "password": "s3cret-pass"}
		key := map[string]string{"Authorization": "Bearer " + e.token, "Idempotency-Key": "create-acme-1"}

		first := e.request("POST", "/api/saas/tenants", body, key).want(t, http.StatusCreated)
		again := e.request("POST", "/api/saas/tenants", `{"subdomain":"acme", "company_name":"Acme","email":"a@acme.example.com","first_name":"J","last_name":"D","plan_id":`+strconv.FormatInt(planID, 10)+`,"password":"s3cret-pass"}`, key).want(t, http.StatusCreated)
		if again.raw != first.raw || again.header.Get("Idempotent-Replayed") != "true" {
			t.Fatalf("replay differs:\n%s\n%s", first.raw, again.raw)
		}
		if total := e.do("GET", "/api/saas/tenants", nil).data()["total"]; total != 1.0 {
			t.Fatalf("retry created another tenant: %v", total)
		}
		if n := len(e.databases()); n != 1 {
			t.Fatalf("%d databases", n)
		}
		// The same key with another body is refused.
		body["subdomain"] = "other"
		if r := e.request("POST", "/api/saas/tenants", body, key).want(t, http.StatusUnprocessableEntity); r.field("Idempotency-Key") == "" {
			t.Fatalf("reused key: %s", r.raw)
		}
		// A refused request is replayed as refused too.
		bad := map[string]string{"Authorization": "Bearer " + e.token, "Idempotency-Key": "bad-1"}
		e.request("POST", "/api/saas/tenants", map[string]any{"subdomain": "x"}, bad).want(t, http.StatusUnprocessableEntity)
		if r := e.request("POST", "/api/saas/tenants", map[string]any{"subdomain": "x"}, bad); r.header.Get("Idempotent-Replayed") != "true" {
			t.Fatal("a 422 was not replayed")
		}
		// Parallel retries of one new key make one tenant.
		var wg sync.WaitGroup
		statuses := make([]int, 6)
		body["subdomain"] = "parallel"
		par := map[string]string{"Authorization": "Bearer " + e.token, "Idempotency-Key": "parallel-1"}
		for i := range statuses {
			wg.Add(1)
			go func() {
				defer wg.Done()
				statuses[i] = e.request("POST", "/api/saas/tenants", body, par).status
			}()
		}
		wg.Wait()
		for _, s := range statuses {
			if s != http.StatusCreated && s != http.StatusConflict {
				t.Fatalf("statuses %v", statuses)
			}
		}
		if total := e.do("GET", "/api/saas/tenants", nil).data()["total"]; total != 2.0 {
			t.Fatalf("parallel retries made %v tenants in all", total)
		}
		// Keys belong to the token that used them.
		other, _, _ := e.app.auth.Create(t.Context(), "other")
		body["subdomain"] = "acme"
		e.request("POST", "/api/saas/tenants", body, map[string]string{"Authorization": "Bearer " + other, "Idempotency-Key": "create-acme-1"}).want(t, http.StatusConflict)
		long := map[string]string{"Authorization": "Bearer " + e.token, "Idempotency-Key": strings.Repeat("k", 300)}
		e.request("POST", "/api/saas/tenants", body, long).want(t, http.StatusUnprocessableEntity)
	})
}

// A signup retried with its Idempotency-Key makes one tenant, not a second
// one on a derived subdomain.
func TestIdempotentSignup(t *testing.T) {
	e := newEnv(t, backends(t)[0])
	e.createPlan(starter)
	body := map[string]any{"name": "Jane Doe", "email": "jane@acme.example.com", "mobile": "5550100",
		"company": "Acme", "password": "s3cret-pass", "c_password": "s3cret-pass"}
	key := map[string]string{"Idempotency-Key": "signup-1"}
	first := e.request("POST", "/api/register", body, key).want(t, http.StatusCreated)
	again := e.request("POST", "/api/register", body, key).want(t, http.StatusCreated)
	if again.raw != first.raw || again.header.Get("Idempotent-Replayed") != "true" {
		t.Fatal("signup retry not replayed")
	}
	if total := e.do("GET", "/api/saas/tenants", nil).data()["total"]; total != 1.0 {
		t.Fatalf("%v tenants after a retried signup", total)
	}
}
