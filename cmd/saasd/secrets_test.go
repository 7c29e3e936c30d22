package main

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/saasd/saasd/config"
)

// controlRows returns every value of every row of every table of the
// control database as text, for tests that look for what must not be there,
// leaving out the tables named in skip.
func (e *env) controlRows(skip ...string) string {
	e.t.Helper()
	db := e.app.db.SQL()
	q := "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name"
	if e.cfg.Database.Driver == "mysql" {
		q = "SELECT table_name FROM information_schema.tables WHERE table_schema = DATABASE() ORDER BY table_name"
	}
	var tables []string
	rows, err := db.Query(q)
	if err != nil {
		e.t.Fatal(err)
	}
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			e.t.Fatal(err)
		}
		if !slices.Contains(skip, n) {
			tables = append(tables, n)
		}
	}
	rows.Close()
	var out strings.Builder
	for _, table := range tables {
		dumpRows(e.t, db, table, &out)
	}
	return out.String()
}

func dumpRows(t testing.TB, db *sql.DB, table string, out *strings.Builder) {
	rows, err := db.Query("SELECT * FROM `" + table + "`")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	cols, _ := rows.Columns()
	vals := make([]any, len(cols))
	dest := make([]any, len(cols))
	for i := range vals {
		dest[i] = &vals[i]
	}
	for rows.Next() {
		if err := rows.Scan(dest...); err != nil {
			t.Fatal(err)
		}
		for _, v := range vals {
			if b, ok := v.([]byte); ok {
				v = string(b)
			}
			fmt.Fprintf(out, "%s: %v\n", table, v)
		}
	}
}

// Nothing secret at rest in clear: the answers stored for a signup (live
// session token) and a tenant create (generated admin password) are
// sealed, and still replay.
func TestIdempotentAnswersSealed(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		e := newEnv(t, b)
		planID := e.createPlan(starter)
		signup := map[string]any{"name": "Jane Doe", "email": "jane@acme.example.com", "mobile": "5550100",
			"company": "Acme", "password": "s3cret-pass", "c_password": "s3cret-pass"}
		key := map[string]string{"Idempotency-Key": "signup-sealed"}
		first := e.request("POST", "/api/register", signup, key).want(t, http.StatusCreated)
		token, _ := first.data()["token"].(string)
		create := map[string]string{"Authorization": "Bearer " + e.token, "Idempotency-Key": "create-sealed"}
		made := e.request("POST", "/api/saas/tenants", map[string]any{"company_name": "Globex", "email": "a@globex.example.com",
			"first_name": "A", "last_name": "B", "plan_id": planID, "subdomain": "globex"}, create).want(t, http.StatusCreated)
		password, _ := made.data()["admin_password"].(string)
		if token == "" || password == "" {
			t.Fatalf("token %q, password %q", token, password)
		}
		dump := e.controlRows()
		for what, secret := range map[string]string{"session token": token, "admin password": password, "signup password": "s3cret-pass"} {
			if strings.Contains(dump, secret) {
				t.Errorf("the %s is in the control database in clear", what)
			}
		}
		if again := e.request("POST", "/api/register", signup, key).want(t, http.StatusCreated); again.raw != first.raw {
			t.Fatalf("sealed answer replays differently:\n%s\n%s", first.raw, again.raw)
		}
	})
}

// TestNoSecretInControlDatabase: after every path that makes or answers a
// secret (a signup with an Idempotency-Key, a tenant create with a
// generated password, webhooks of the operator and of a tenant, an API
// token, a console sign-in), no secret is readable in any row of the
// control database; the webhook secrets still sign.
func TestNoSecretInControlDatabase(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		e := newEnv(t, b, allowLoopback)
		planID := e.createPlan(starter)
		secrets := map[string]string{"superadmin token": e.token}
		signup := map[string]any{"name": "Jane Doe", "email": "jane@acme.example.com", "mobile": "5550100",
			"company": "Acme", "password": "s3cret-pass", "c_password": "s3cret-pass", "subdomain": "acme"}
		r := e.request("POST", "/api/register", signup, map[string]string{"Idempotency-Key": "signup-1"}).want(t, http.StatusCreated)
		secrets["session token"], secrets["signup password"] = r.data()["token"].(string), "s3cret-pass"
		made := e.request("POST", "/api/saas/tenants", map[string]any{"company_name": "Globex", "email": "a@globex.example.com",
			"first_name": "A", "last_name": "B", "plan_id": planID, "subdomain": "globex"},
			map[string]string{"Authorization": "Bearer " + e.token, "Idempotency-Key": "create-1"}).want(t, http.StatusCreated)
		secrets["admin password"] = made.data()["admin_password"].(string)
		rc := &hookReceiver{t: t} // checks each delivery's signature
		srv := httptest.NewServer(rc)
		defer srv.Close()
		rc.secret = e.do("POST", "/api/saas/webhooks", map[string]any{"url": srv.URL + "/op", "events": []string{"tenant.suspended"}}).
			want(t, http.StatusCreated).data()["secret"].(string)
		secrets["operator webhook secret"] = rc.secret
		secrets["tenant webhook secret"] = e.asTenant("acme", secrets["session token"], "POST", "/api/v2/webhooks",
			map[string]any{"url": "https://hooks.example.com/tenant", "events": []string{"*"}}).want(t, http.StatusCreated).data()["secret"].(string)
		token, _, err := e.app.auth.Create(context.Background(), "ops")
		if err != nil {
			t.Fatal(err)
		}
		secrets["API token"] = token
		cookie, csrf := e.signIn()
		secrets["console session"], secrets["console CSRF token"] = strings.TrimPrefix(cookie, "saasd_session="), csrf

		dump := e.controlRows()
		for what, secret := range secrets {
			if secret == "" || strings.Contains(dump, secret) {
				t.Errorf("the %s (%q) is in the control database in clear", what, secret)
			}
		}
		for _, marker := range []string{"whsec_", "saasd_", "saasds_", "$2a$"} {
			if strings.Contains(dump, marker) {
				t.Errorf("the control database holds something starting %q", marker)
			}
		}
		// Sealed, the operator's secret still signs its deliveries.
		e.do("PUT", "/api/saas/tenants/"+fmt.Sprint(made.body["tenant_id"]), map[string]any{"status": "inactive"}).want(t, http.StatusOK)
		if _, err := e.app.webhooks.Dispatch(context.Background()); err != nil {
			t.Fatal(err)
		}
		if got := rc.types(); len(got) != 1 {
			t.Fatalf("the operator's webhook got %v", got)
		}
	})
}

// A request that claimed a key and died (a crash) blocks its retries only
// until the request timeout: then the retry runs.
func TestIdempotencyClaimAfterCrash(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		e := newEnv(t, b, func(c *config.Config) { c.HTTP.RequestTimeout = 5 * time.Second })
		planID := e.createPlan(starter)
		tok, err := e.app.auth.Authenticate(context.Background(), e.token)
		if err != nil {
			t.Fatal(err)
		}
		body := map[string]any{"company_name": "Acme", "email": "a@acme.example.com", "first_name": "J", "last_name": "D", "plan_id": planID, "subdomain": "acme"}
		// What the edge hashes: method, path and the canonical JSON body.
		canon, _ := json.Marshal(body)
		sum := sha256.Sum256(append([]byte("POST /api/saas/tenants\n"), canon...))
		hash := sum[:]
		claim := func(key string, age time.Duration) {
			if _, err := e.app.db.SQL().Exec("INSERT INTO idempotency_keys (scope, idem_key, request_hash, status, created_at) VALUES (?, ?, ?, 0, ?)",
				"saas:"+strconv.FormatInt(tok.ID, 10), key, hash, time.Now().UTC().Add(-age)); err != nil {
				t.Fatal(err)
			}
		}
		h := map[string]string{"Authorization": "Bearer " + e.token}
		// Still within the request timeout: the first request may be running.
		claim("recent", time.Second)
		h["Idempotency-Key"] = "recent"
		e.request("POST", "/api/saas/tenants", body, h).want(t, http.StatusConflict)
		// Past it: the request that claimed the key is gone.
		claim("crashed", time.Minute)
		h["Idempotency-Key"] = "crashed"
		e.request("POST", "/api/saas/tenants", body, h).want(t, http.StatusCreated)
		if r := e.request("POST", "/api/saas/tenants", body, h).want(t, http.StatusCreated); r.header.Get("Idempotent-Replayed") != "true" {
			t.Fatal("the retried request's answer was not kept")
		}
	})
}

// tenants export leaves password hashes, sessions and API key hashes out
// unless --include-secrets, on both control databases.
func TestExportSecrets(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		e := newEnv(t, b)
		e.createPlan(starter)
		signup := map[string]any{"name": "Jane Doe", "email": "jane@acme.example.com", "mobile": "5550100",
			"company": "Acme", "password": "s3cret-pass", "c_password": "s3cret-pass", "subdomain": "acme"}
		r := e.request("POST", "/api/register", signup, nil).want(t, http.StatusCreated)
		id := int64(r.data()["tenant"].(map[string]any)["id"].(float64))
		session := r.data()["token"].(string)
		e.asTenant("acme", session, "POST", "/api/v2/api-keys", map[string]any{"name": "CI"}).want(t, http.StatusCreated)
		config := e.configFile(t)
		plain, err := run(t, config, "tenants", "export", strconv.FormatInt(id, 10))
		if err != nil || !strings.Contains(plain, "jane@acme.example.com") || !strings.Contains(plain, `"table":"api_keys"`) {
			t.Fatalf("export: %v\n%s", err, plain)
		}
		for _, secret := range []string{"password_hash", "key_hash", "token_hash", `"table":"sessions"`, "$2a$"} {
			if strings.Contains(plain, secret) {
				t.Fatalf("export without --include-secrets holds %s:\n%s", secret, plain)
			}
		}
		full, err := run(t, config, "tenants", "export", strconv.FormatInt(id, 10), "--include-secrets")
		if err != nil || !strings.Contains(full, `"password_hash":"$2a$`) || !strings.Contains(full, `"table":"sessions"`) || !strings.Contains(full, `"key_hash"`) {
			t.Fatalf("export --include-secrets: %v\n%s", err, full)
		}
	})
}
