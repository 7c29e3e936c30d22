package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	mysqldrv "github.com/go-sql-driver/mysql"
	"go.uber.org/zap"

	"github.com/saasd/saasd/config"
	"github.com/saasd/saasd/core/kernel"
	"github.com/saasd/saasd/ports"
)

// backend is a control database for the end-to-end tests: SQLite files in
// a temporary directory, or a fresh schema on the real MariaDB.
type backend struct {
	name string
	// configure fills cfg for one test and registers the cleanup.
	configure func(t testing.TB, cfg *config.Config)
}

func backends(t testing.TB) []backend {
	bs := []backend{{name: "sqlite", configure: func(t testing.TB, cfg *config.Config) {
		dir := t.TempDir()
		cfg.Database.Driver = "sqlite"
		cfg.Database.DSN = filepath.Join(dir, "control.db")
		cfg.Tenants.DataDir = filepath.Join(dir, "tenants")
		cfg.Tenants.KeyFile = filepath.Join(dir, "secret.key")
	}}}
	// The MySQL case is always there: it skips (or, with
	// SAAS_TEST_REQUIRE_MYSQL, fails) when MariaDB is unreachable, rather
	// than vanishing from the run.
	bs = append(bs, backend{name: "mysql", configure: func(t testing.TB, cfg *config.Config) {
		server := mysqlServer(t)
		name := "test_" + randomHex(6)
		mc := server.Clone()
		mc.DBName = name
		mc.ParseTime = true
		cfg.Database.Driver = "mysql"
		cfg.Database.DSN = mc.FormatDSN()
		cfg.Tenants.DBPrefix = name + "_t"
		cfg.Tenants.SecretKeys = []string{testSecretKey}
		t.Cleanup(func() { dropSchemas(t, server, name) })
	}})
	return bs
}

var (
	mysqlOnce sync.Once
	mysqlCfg  *mysqldrv.Config
	mysqlErr  error
)

// mysqlServer returns the MariaDB test server from SAAS_TEST_MYSQL_DSN
// (default root@tcp(127.0.0.1:3306)/). When it is unreachable the test
// skips, or fails if SAAS_TEST_REQUIRE_MYSQL is set.
func mysqlServer(t testing.TB) *mysqldrv.Config {
	mysqlOnce.Do(func() {
		dsn := os.Getenv("SAAS_TEST_MYSQL_DSN")
		if dsn == "" {
			dsn = "root@tcp(127.0.0.1:3306)/"
		}
		if mysqlCfg, mysqlErr = mysqldrv.ParseDSN(dsn); mysqlErr != nil {
			return
		}
		db, err := sql.Open("mysql", mysqlCfg.FormatDSN())
		if err == nil {
			err = db.Ping()
			db.Close()
		}
		mysqlErr = err
	})
	if mysqlErr != nil {
		if os.Getenv("SAAS_TEST_REQUIRE_MYSQL") != "" {
			t.Fatalf("MariaDB required but unreachable: %v", mysqlErr)
		}
		t.Skipf("MariaDB unreachable (set SAAS_TEST_REQUIRE_MYSQL=1 to fail instead): %v", mysqlErr)
	}
	return mysqlCfg
}

// testSecretKey seals tenant database passwords in tests.
const testSecretKey = "dGVzdC1rZXktdGVzdC1rZXktdGVzdC1rZXktdGVzdC0="

// dropSchemas drops the test's control schema and every tenant schema and
// tenant login it made.
func dropSchemas(t testing.TB, server *mysqldrv.Config, name string) {
	db, err := sql.Open("mysql", server.FormatDSN())
	if err != nil {
		t.Errorf("cleanup: %v", err)
		return
	}
	defer db.Close()
	if rows, err := db.Query("SELECT user, host FROM mysql.user WHERE user LIKE ?", strings.ReplaceAll(name, "_", `\_`)+"%"); err == nil {
		var users [][2]string
		for rows.Next() {
			var u [2]string
			if rows.Scan(&u[0], &u[1]) == nil {
				users = append(users, u)
			}
		}
		rows.Close()
		for _, u := range users {
			if u[1] == "" { // a tenant role
				db.Exec("DROP ROLE IF EXISTS `" + u[0] + "`")
			} else {
				db.Exec("DROP USER IF EXISTS '" + u[0] + "'@'" + u[1] + "'")
			}
		}
	}
	names := mysqlSchemas(t, db, name)
	for _, n := range names {
		if _, err := db.Exec("DROP DATABASE IF EXISTS `" + n + "`"); err != nil {
			t.Errorf("cleanup %s: %v", n, err)
		}
	}
}

// mysqlSchemas lists schemas whose names start with prefix.
func mysqlSchemas(t testing.TB, db *sql.DB, prefix string) []string {
	t.Helper()
	rows, err := db.Query("SELECT schema_name FROM information_schema.schemata WHERE schema_name LIKE ? ORDER BY schema_name",
		strings.ReplaceAll(prefix, "_", `\_`)+"%")
	if err != nil {
		t.Fatalf("list schemas: %v", err)
	}
	defer rows.Close()
	var names []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			t.Fatal(err)
		}
		names = append(names, n)
	}
	return names
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// env is one running saasd, driven over HTTP through the real Gin engine.
type env struct {
	t     testing.TB
	cfg   config.Config
	app   *app
	token string
	opts  []appOption
	// logger is the app's, for tests that read its lines; nil: none.
	logger *zap.Logger
}

// newEnv builds saasd on b with the defaults of the contract, changed by opts.
func newEnv(t testing.TB, b backend, opts ...func(*config.Config)) *env {
	return newEnvWith(t, b, nil, opts...)
}

// newEnvWith is newEnv with extra kernel modules registered.
func newEnvWith(t testing.TB, b backend, extra []func(ports.RecordStore) kernel.Module, opts ...func(*config.Config)) *env {
	t.Helper()
	cfg, err := config.Load("")
	if err != nil {
		t.Fatal(err)
	}
	cfg.RateLimit.RequestsPerMinute = 100000
	cfg.RateLimit.TenantRequestsPerHour = 100000
	cfg.RateLimit.SignupsPerHour = 100000
	cfg.RateLimit.LoginsPerMinute = 100000
	b.configure(t, &cfg)
	for _, o := range opts {
		o(&cfg)
	}
	// Redis keys of a test of its own, shared by its replicas and restarts.
	prefix := "test_" + randomHex(6) + ":"
	e := &env{t: t, cfg: cfg, opts: []appOption{func(o *appOptions) { o.modules, o.redisPrefix = extra, prefix }}}
	e.open()
	t.Cleanup(func() { e.app.Close() })
	secret, _, err := e.app.auth.Create(context.Background(), "test")
	if err != nil {
		t.Fatal(err)
	}
	e.token = secret
	return e
}

func (e *env) open() {
	e.t.Helper()
	logger := e.logger
	if logger == nil {
		logger = zap.NewNop()
	}
	a, err := openApp(context.Background(), e.cfg, logger, e.opts...)
	if err != nil {
		e.t.Fatalf("openApp: %v", err)
	}
	e.app = a
}

// restart closes saasd and opens it again on the same databases.
func (e *env) restart() {
	e.t.Helper()
	if err := e.app.Close(); err != nil {
		e.t.Fatal(err)
	}
	e.open()
}

// response is an answer with its body decoded.
type response struct {
	status int
	header http.Header
	raw    string
	body   map[string]any
}

// do sends a request with the test token; body is marshalled unless it is a string.
func (e *env) do(method, path string, body any) response {
	return e.doAs(e.token, method, path, body)
}

func (e *env) doAs(token, method, path string, body any) response {
	e.t.Helper()
	h := map[string]string{}
	if token != "" {
		h["Authorization"] = "Bearer " + token
	}
	return e.request(method, path, body, h)
}

// asTenant sends a tenant-side request for subdomain with a session token.
func (e *env) asTenant(sub, token, method, path string, body any) response {
	e.t.Helper()
	h := map[string]string{"X-Tenant": sub}
	if token != "" {
		h["Authorization"] = "Bearer " + token
	}
	return e.request(method, path, body, h)
}

// request sends a request with the given headers through the Gin engine.
func (e *env) request(method, path string, body any, headers map[string]string) response {
	e.t.Helper()
	var r io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		r = strings.NewReader(b)
	default:
		buf, err := json.Marshal(b)
		if err != nil {
			e.t.Fatal(err)
		}
		r = bytes.NewReader(buf)
	}
	req := httptest.NewRequest(method, path, r)
	req.Header.Set("Content-Type", "application/json")
	for k, v := range headers {
		switch k {
		case "Host":
			req.Host = v
		case "RemoteAddr": // the peer, as the listener would see it
			req.RemoteAddr = v
			continue
		}
		req.Header.Set(k, v)
	}
	rec := httptest.NewRecorder()
	e.app.server.Handler().ServeHTTP(rec, req)
	res := response{status: rec.Code, header: rec.Header(), raw: rec.Body.String()}
	if err := json.Unmarshal(rec.Body.Bytes(), &res.body); err != nil {
		e.t.Fatalf("%s %s: answer is not a JSON object (%d): %q", method, path, rec.Code, rec.Body.String())
	}
	return res
}

// want fails unless the status is code; for errors it also checks the envelope.
func (r response) want(t testing.TB, code int) response {
	t.Helper()
	if r.status != code {
		t.Fatalf("status = %d, want %d; body %s", r.status, code, r.raw)
	}
	if code >= 400 {
		// Both seed shapes: {success, error, code} and {success, message, errors}.
		if r.body["success"] != false || r.body["code"] != float64(code) || r.body["error"] == "" || r.body["error"] == nil ||
			r.body["message"] != r.body["error"] {
			t.Fatalf("error envelope wrong: %s", r.raw)
		}
	} else if r.body["success"] != true {
		t.Fatalf("success envelope wrong: %s", r.raw)
	}
	return r
}

// data returns the "data" object.
func (r response) data() map[string]any {
	d, _ := r.body["data"].(map[string]any)
	return d
}

// field returns the reason given for one field of a 422.
func (r response) field(name string) string {
	errs, _ := r.body["errors"].(map[string]any)
	s, _ := errs[name].(string)
	return s
}

func (e *env) createPlan(body map[string]any) int64 {
	e.t.Helper()
	r := e.do("POST", "/api/saas/plans", body).want(e.t, http.StatusCreated)
	return int64(r.data()["id"].(float64))
}

func (e *env) createTenant(planID int64, subdomain string) response {
	e.t.Helper()
	return e.do("POST", "/api/saas/tenants", map[string]any{
		"company_name": "Acme " + subdomain, "email": "john@" + subdomain + ".example.com",
		"first_name": "John", "last_name": "Doe", "plan_id": planID, "subdomain": subdomain,
	})
}

// databases lists the tenant databases that exist for this env.
func (e *env) databases() []string {
	e.t.Helper()
	if e.cfg.Database.Driver == "mysql" {
		return mysqlSchemas(e.t, e.app.db.SQL(), e.cfg.Tenants.DBPrefix)
	}
	entries, err := os.ReadDir(e.cfg.Tenants.DataDir)
	if err != nil {
		e.t.Fatal(err)
	}
	var names []string
	for _, en := range entries {
		if strings.HasSuffix(en.Name(), ".db") {
			names = append(names, en.Name())
		}
	}
	return names
}

// tenantExec runs a statement inside a tenant's own database.
func (e *env) tenantExec(database, stmt string) {
	e.t.Helper()
	var err error
	if e.cfg.Database.Driver == "mysql" {
		_, err = e.app.db.SQL().Exec(strings.Replace(stmt, "{db}.", "`"+database+"`.", 1))
	} else {
		var db *sql.DB
		db, err = sql.Open("sqlite", filepath.Join(e.cfg.Tenants.DataDir, database))
		if err == nil {
			_, err = db.Exec(strings.Replace(stmt, "{db}.", "", 1))
			db.Close()
		}
	}
	if err != nil {
		e.t.Fatalf("tenant exec: %v", err)
	}
}

// forEachBackend runs fn as a subtest on every backend.
func forEachBackend(t *testing.T, fn func(t *testing.T, b backend)) {
	for _, b := range backends(t) {
		t.Run(b.name, func(t *testing.T) {
			t.Parallel()
			fn(t, b)
		})
	}
}

// replaceAddr points a MySQL DSN at another address.
func replaceAddr(t *testing.T, dsn, addr string) string {
	mc, err := mysqldrv.ParseDSN(dsn)
	if err != nil {
		t.Fatal(err)
	}
	mc.Addr = addr
	return mc.FormatDSN()
}

// strayDatabase makes a database named like tenant id's, with one table,
// behind saasd's back, and returns its name.
func (e *env) strayDatabase(id, table string) string {
	e.t.Helper()
	name := e.app.prefix + id
	if e.cfg.Database.Driver == "mysql" {
		for _, stmt := range []string{"CREATE DATABASE `" + name + "`", "CREATE TABLE `" + name + "`." + table + " (id INT)"} {
			if _, err := e.app.db.SQL().Exec(stmt); err != nil {
				e.t.Fatal(err)
			}
		}
		return name
	}
	name += ".db"
	e.tenantExec(name, "CREATE TABLE "+table+" (id INT)")
	return name
}

// with returns body changed by change: a nil value removes the key.
func with(body, change map[string]any) map[string]any {
	for k, v := range change {
		if v == nil {
			delete(body, k)
		} else {
			body[k] = v
		}
	}
	return body
}
