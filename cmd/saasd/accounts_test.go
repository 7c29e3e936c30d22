package main

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
)

// A password change ends the user's other sessions; the last admin can be
// neither demoted nor deleted; one password policy on every path.
func TestAccountHardening(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		e := newEnv(t, b)
		planID := e.createPlan(limitedPlan(map[string]any{"staff": 10}))
		sub, admin := e.signup("Acme", "acme", planID)
		login := func(email, password string) string {
			return e.asTenant(sub, "", "POST", "/api/login", map[string]any{"email": email, "password": password}).want(t, 200).data()["token"].(string)
		}
		me := e.asTenant(sub, admin, "GET", "/api/v2/users", nil).want(t, 200).body["data"].([]any)[0].(map[string]any)
		adminID := fmt.Sprint(me["id"])
		laptop := login("jane@acme.example.com", "s3cret-pass")

		// The admin changes her own password: this session stays, the laptop's ends.
		e.asTenant(sub, admin, "PUT", "/api/v2/users/"+adminID, map[string]any{"password": "n3w-secret-pass"}).want(t, 200)
		e.asTenant(sub, admin, "GET", "/api/v2/customers", nil).want(t, 200)
		e.asTenant(sub, laptop, "GET", "/api/v2/customers", nil).want(t, http.StatusUnauthorized)
		login("jane@acme.example.com", "n3w-secret-pass")

		// A reset by the admin ends all of the user's sessions.
		sam := fmt.Sprint(e.asTenant(sub, admin, "POST", "/api/v2/users", map[string]any{"name": "Sam", "email": "sam@acme.example.com", "password": "staff-pass1"}).want(t, 201).data()["id"])
		samTok := login("sam@acme.example.com", "staff-pass1")
		e.asTenant(sub, admin, "PUT", "/api/v2/users/"+sam, map[string]any{"password": "reset-pass1"}).want(t, 200)
		e.asTenant(sub, samTok, "GET", "/api/v2/customers", nil).want(t, http.StatusUnauthorized)

		// The last admin: neither demoted nor deleted.
		if r := e.asTenant(sub, admin, "PUT", "/api/v2/users/"+adminID, map[string]any{"role": "staff"}).want(t, http.StatusConflict); r.body["error"] == "" {
			t.Fatal(r.raw)
		}
		e.asTenant(sub, admin, "DELETE", "/api/v2/users/"+adminID, nil).want(t, http.StatusConflict)
		// With Sam made admin, she may step down.
		e.asTenant(sub, admin, "PUT", "/api/v2/users/"+sam, map[string]any{"role": "admin"}).want(t, 200)
		e.asTenant(sub, admin, "PUT", "/api/v2/users/"+adminID, map[string]any{"role": "staff"}).want(t, 200)

		// One policy: what signup refuses, every other path refuses too
		// (the account's own email included: sam's here, Globex's below).
		for _, weak := range []string{"password", "12345678", "short1", "1234567890123", "sam@acme.example.com"} {
			if r := e.asTenant(sub, login("sam@acme.example.com", "reset-pass1"), "PUT", "/api/v2/users/"+sam, map[string]any{"email": "sam@acme.example.com", "password": weak}).want(t, 422); r.field("password") == "" {
				t.Errorf("user update with %q: %s", weak, r.raw)
			}
			if strings.Contains(weak, "@") {
				continue // a long passphrase for any other account
			}
			if r := e.do("POST", "/api/saas/tenants", map[string]any{"company_name": "Globex", "email": "a@globex.example.com",
				"first_name": "A", "last_name": "B", "plan_id": planID, "subdomain": "globex", "password": weak}).want(t, 422); r.field("password") == "" {
				t.Errorf("superadmin create with %q: %s", weak, r.raw)
			}
		}
		if r := e.do("POST", "/api/saas/tenants", map[string]any{"company_name": "Globex", "email": "a@globex.example.com",
			"first_name": "A", "last_name": "B", "plan_id": planID, "subdomain": "globex", "password": "a@globex.example.com"}).want(t, 422); r.field("password") == "" {
			t.Errorf("superadmin create with the email as password: %s", r.raw)
		}
	})
}
