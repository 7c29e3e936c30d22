package main

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/saasd/saasd/core"
)

// moveSteps are a move's recorded steps with tenant logins (MySQL).
var moveSteps = []string{"move_create", "move_migrate", "move_copy", "move_verify", "move_login", "move_switch"}

// quickMoves makes moves wait only briefly for replicas (the test has one).
func quickMoves(o *appOptions) { o.moveSettle = 50 * time.Millisecond }

// movable is a two-server env with one tenant on "default" holding rows
// customers (the admin's own writes through the API and the rest by SQL).
func movable(t testing.TB, rows int) (e *twoServers, id int64, sub, token, db string) {
	t.Helper()
	e = newTwoServers(t, 10, 10)
	e.opts = append(e.opts, quickMoves)
	e.restart()
	planID := e.createPlan(limitedPlan(map[string]any{"customers": -1}))
	sub, token = e.signup("Mover", "mover", planID)
	tn := e.do("GET", "/api/saas/tenants?search=mover", nil).want(t, http.StatusOK).data()["tenants"].([]any)[0].(map[string]any)
	id, db = int64(tn["id"].(float64)), tn["database"].(string)
	if tn["server"] != "default" {
		t.Fatalf("tenant on %v, want default", tn["server"])
	}
	e.asTenant(sub, token, "POST", "/api/v2/customers", map[string]any{"account": "First"}).want(t, http.StatusCreated)
	if rows > 1 {
		if _, err := e.app.db.SQL().Exec("INSERT INTO `" + db + "`.customers (account, created_at, updated_at) " +
			"SELECT CONCAT('Bulk ', seq), NOW(), NOW() FROM seq_1_to_" + fmt.Sprint(rows-1)); err != nil {
			t.Fatal(err)
		}
	}
	return e, id, sub, token, db
}

// customersOn counts the customers of database on the given server's handle.
func (e *twoServers) customersOn(second bool, db string) int {
	e.t.Helper()
	conn := e.app.db.SQL()
	if second {
		conn = e.second
	}
	var n int
	if err := conn.QueryRow("SELECT COUNT(*) FROM `" + db + "`.customers").Scan(&n); err != nil {
		return -1
	}
	return n
}

// TestMoveTenant: a tenant under read and write traffic moves to the other
// server: no read fails, writes during the copy answer 503 with
// Retry-After (other tenants keep writing), every row arrives verified,
// the login moves with it, the old copy is gone; and back again through
// the API. Bad requests are refused with clear 4xx.
func TestMoveTenant(t *testing.T) {
	t.Parallel()
	e, id, sub, token, db := movable(t, 2000)
	other, otherToken := e.signup("Bystander", "bystander", 0)

	var stop atomic.Bool
	var wg sync.WaitGroup
	var readFail, written, refused, otherFail atomic.Int64
	var failure atomic.Value
	wg.Add(3)
	go func() { // reads never fail
		defer wg.Done()
		for !stop.Load() {
			if r := e.asTenantQuiet(sub, token, "GET", "/api/v2/customers?limit=5"); r.status != http.StatusOK {
				readFail.Add(1)
				failure.Store(r.raw)
			}
		}
	}()
	go func() { // writes are refused while copying, never lost
		defer wg.Done()
		for i := 0; !stop.Load(); i++ {
			r := e.asTenantQuiet(sub, token, "POST", "/api/v2/customers", map[string]any{"account": fmt.Sprintf("During %d", i)})
			switch {
			case r.status == http.StatusCreated:
				written.Add(1)
			case r.status == http.StatusServiceUnavailable && r.header.Get("Retry-After") != "":
				refused.Add(1)
			default:
				failure.Store(r.raw)
				readFail.Add(1)
			}
			time.Sleep(5 * time.Millisecond)
		}
	}()
	go func() { // another tenant is not affected
		defer wg.Done()
		for !stop.Load() {
			if r := e.asTenantQuiet(other, otherToken, "POST", "/api/v2/customers", map[string]any{"account": "Other"}); r.status != http.StatusCreated {
				otherFail.Add(1)
			}
			time.Sleep(10 * time.Millisecond)
		}
	}()
	time.Sleep(100 * time.Millisecond)
	moved, err := e.app.tenants.Move(context.Background(), id, "db2")
	time.Sleep(100 * time.Millisecond)
	stop.Store(true)
	wg.Wait()
	if err != nil {
		t.Fatal(err)
	}
	if readFail.Load() != 0 || otherFail.Load() != 0 || refused.Load() == 0 {
		t.Fatalf("failed reads %d, other tenant's failed writes %d, refused writes %d (last failure %v)", readFail.Load(), otherFail.Load(), refused.Load(), failure.Load())
	}
	t.Logf("moved %d tables, %d rows, %d bytes in %s (read-only %s): %.0f rows/s", moved.Tables, moved.Rows, moved.Bytes, moved.Took, moved.ReadOnly, float64(moved.Rows)/moved.Took.Seconds())
	got := e.do("GET", fmt.Sprintf("/api/saas/tenants/%d", id), nil).want(t, http.StatusOK).data()
	if got["server"] != "db2" || got["moving_to"] != nil || got["database"] != db {
		t.Fatalf("after the move: %v", got)
	}
	want := 2000 + int(written.Load())
	if n := e.customersOn(true, db); n != want {
		t.Fatalf("customers on db2 = %d, want %d (2000 + %d written during the move)", n, want, written.Load())
	}
	if first, _ := e.on(); slices.Contains(first, db) || slices.Contains(e.logins(e.app.db.SQL()), db) || !slices.Contains(e.logins(e.second), db) {
		t.Fatalf("old copy or login left on default (%v, %v), or no login on db2 (%v)", first, e.logins(e.app.db.SQL()), e.logins(e.second))
	}
	// Served from db2 with the moved login: sessions moved too.
	e.asTenant(sub, token, "POST", "/api/v2/customers", map[string]any{"account": "After"}).want(t, http.StatusCreated)
	e.asTenant(sub, "", "POST", "/api/login", map[string]any{"email": "jane@mover.example.com", "password": "s3cret-pass"}).want(t, http.StatusOK)
	if rec, err := e.app.tenants.Reconcile(context.Background(), false, 0); err != nil || !rec.Clean() {
		t.Fatalf("reconcile after the move = %+v, %v", rec, err)
	}

	// Refused: clear 4xx, nothing changed.
	path := fmt.Sprintf("/api/saas/tenants/%d/move", id)
	e.do("POST", path, map[string]any{}).want(t, http.StatusUnprocessableEntity)
	if r := e.do("POST", path, map[string]any{"to": "nowhere"}).want(t, http.StatusUnprocessableEntity); r.field("to") == "" {
		t.Fatalf("unknown server: %s", r.raw)
	}
	e.do("POST", path, map[string]any{"to": "db2"}).want(t, http.StatusUnprocessableEntity)
	e.do("POST", path, map[string]any{"to": "db2", "extra": 1}).want(t, http.StatusUnprocessableEntity)
	e.do("POST", "/api/saas/tenants/99999/move", map[string]any{"to": "default"}).want(t, http.StatusNotFound)

	// Back through the API: 202 at once, done in the background.
	r := e.do("POST", path, map[string]any{"to": "default"}).want(t, http.StatusAccepted)
	if r.data()["moving_to"] != "default" {
		t.Fatalf("202 answer: %s", r.raw)
	}
	e.do("DELETE", fmt.Sprintf("/api/saas/tenants/%d", id), nil).want(t, http.StatusConflict)
	deadline := time.Now().Add(60 * time.Second)
	for {
		got := e.do("GET", fmt.Sprintf("/api/saas/tenants/%d", id), nil).want(t, http.StatusOK).data()
		if got["server"] == "default" && got["moving_to"] == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("move back never finished: %v", got)
		}
		time.Sleep(50 * time.Millisecond)
	}
	if n := e.customersOn(false, db); n != want+1 {
		t.Fatalf("customers on default after moving back = %d, want %d", n, want+1)
	}
	e.asTenant(sub, token, "GET", "/api/v2/customers", nil).want(t, http.StatusOK)
	// The API's move is audited with the change that begins it (the route
	// has no case in TestAuditEveryRoute: that needs a second server).
	moves := e.auditEntries(fmt.Sprintf("&action=tenant.move&target_id=%d", id))
	if len(moves) != 2 { // the first move's, made through the service, and the API's
		t.Fatalf("audit entries of the moves = %v, want two", moves)
	}
	if ch, _ := moves[0]["changes"].(map[string]any); ch["from"] != "db2" || ch["to"] != "default" || moves[0]["actor"] != "test" || moves[0]["request_id"] == "" {
		t.Fatalf("audited move = %v", moves[0])
	}
}

// asTenantQuiet is asTenant from a goroutine other than the test's: a body
// that is not JSON is reported in raw, not by failing the test.
func (e *env) asTenantQuiet(sub, token, method, path string, body ...any) response {
	var b any
	if len(body) > 0 {
		b = body[0]
	}
	h := map[string]string{"X-Tenant": sub, "Authorization": "Bearer " + token}
	defer func() { _ = recover() }()
	return e.request(method, path, b, h)
}

// TestMoveKilledAtEachStep: a move whose process dies after each step in
// turn is repaired by reconcile after a restart: undone before the switch
// (served from the old server, the copy and its login gone), finished after
// it (served from the new one, the old copy gone); the tenant is served
// from exactly one complete copy and writable again.
func TestMoveKilledAtEachStep(t *testing.T) {
	t.Parallel()
	for _, step := range moveSteps {
		t.Run(step, func(t *testing.T) {
			t.Parallel()
			e, id, sub, token, db := movable(t, 50)
			reached := e.killAt(t, step)
			go e.app.tenants.Move(context.Background(), id, "db2") //nolint:errcheck // killed
			select {
			case <-reached:
			case <-time.After(60 * time.Second):
				t.Fatal("the move never reached " + step)
			}
			// Meanwhile reads are served and writes wait.
			e.asTenant(sub, token, "GET", "/api/v2/customers", nil).want(t, http.StatusOK)
			if step != "move_switch" {
				if r := e.asTenantQuiet(sub, token, "POST", "/api/v2/customers", map[string]any{"account": "x"}); r.status != http.StatusServiceUnavailable || r.header.Get("Retry-After") == "" {
					t.Fatalf("write during the move: %d %s", r.status, r.raw)
				}
			}

			e.opts = e.opts[:len(e.opts)-1] // restarted without the fault, as after a crash
			e.restart()
			rec, err := e.app.tenants.Reconcile(context.Background(), false, 0)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(rec.Moves, []int64{id}) || len(rec.Orphans) != 0 || len(rec.Missing) != 0 {
				t.Fatalf("reconcile = %+v", rec)
			}
			want := "default"
			if step == "move_switch" {
				want = "db2"
			}
			got := e.do("GET", fmt.Sprintf("/api/saas/tenants/%d", id), nil).want(t, http.StatusOK).data()
			if got["server"] != want || got["moving_to"] != nil {
				t.Fatalf("after reconcile: %v, want on %s", got, want)
			}
			first, second := e.on()
			onFirst, onSecond := slices.Contains(first, db), slices.Contains(second, db)
			if onFirst == onSecond || onSecond != (want == "db2") {
				t.Fatalf("copies after reconcile: default %v, db2 %v", first, second)
			}
			if n := e.customersOn(want == "db2", db); n != 50 {
				t.Fatalf("customers on %s = %d, want 50", want, n)
			}
			logins := e.logins(e.app.db.SQL())
			if want == "db2" {
				logins = e.logins(e.second)
			}
			if !slices.Contains(logins, db) {
				t.Fatalf("no login %s on %s", db, want)
			}
			e.asTenant(sub, token, "POST", "/api/v2/customers", map[string]any{"account": "After"}).want(t, http.StatusCreated)
			if rec, err := e.app.tenants.Reconcile(context.Background(), false, 0); err != nil || !rec.Clean() {
				t.Fatalf("second reconcile = %+v, %v", rec, err)
			}
		})
	}
}

// TestMoveVerifyCatchesADifference: a row that reaches the source after
// the snapshot (a write that was in flight) fails the verification; the
// move is undone and the tenant stays, writable, on its server.
func TestMoveVerifyCatchesADifference(t *testing.T) {
	t.Parallel()
	e, id, sub, token, db := movable(t, 10)
	e.opts = append(e.opts, withFault(func(_ context.Context, s string) error {
		if s == "move_copy" {
			_, err := e.app.db.SQL().Exec("INSERT INTO `" + db + "`.customers (account, created_at, updated_at) VALUES ('Late', NOW(), NOW())")
			return err
		}
		return nil
	}))
	e.restart()
	_, err := e.app.tenants.Move(context.Background(), id, "db2")
	if err == nil || core.KindOf(err) != core.Internal {
		t.Fatalf("Move = %v, want a failed verification", err)
	}
	got := e.do("GET", fmt.Sprintf("/api/saas/tenants/%d", id), nil).want(t, http.StatusOK).data()
	if got["server"] != "default" || got["moving_to"] != nil {
		t.Fatalf("after a failed move: %v", got)
	}
	if _, second := e.on(); slices.Contains(second, db) || slices.Contains(e.logins(e.second), db) {
		t.Fatalf("the copy was left on db2: %v", second)
	}
	e.asTenant(sub, token, "POST", "/api/v2/customers", map[string]any{"account": "After"}).want(t, http.StatusCreated)
}

// TestMoveCLI: `saasd tenants move ID --to SERVER` moves and reports its
// figures; `tenants list` names each tenant's server; a bad target fails
// naming the servers.
func TestMoveCLI(t *testing.T) {
	t.Parallel()
	e, id, _, _, _ := movable(t, 10)
	s := e.cfg.Database.Servers
	yaml := fmt.Sprintf("database:\n  driver: mysql\n  dsn: %s\n  servers:\n    - name: default\n      capacity: %d\n    - name: db2\n      dsn: %s\n      capacity: %d\n"+
		"tenants:\n  db_prefix: %s\n  secret_keys: [%s]\nlog:\n  level: error\n", e.cfg.Database.DSN, s[0].Capacity, s[1].DSN, s[1].Capacity, e.cfg.Tenants.DBPrefix, testSecretKey)
	config := filepath.Join(t.TempDir(), "saasd.yaml")
	if err := os.WriteFile(config, []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}
	ids := strconv.FormatInt(id, 10)
	if out, err := run(t, config, "tenants", "move", ids, "--to", "elsewhere"); err == nil || !strings.Contains(err.Error(), "default, db2") {
		t.Fatalf("move to an unknown server: %q, %v", out, err)
	}
	out, err := run(t, config, "tenants", "move", ids, "--to", "db2")
	if err != nil || !strings.Contains(out, "moved from default to db2") || !strings.Contains(out, "rows/s") || !strings.Contains(out, "read-only for") {
		t.Fatalf("tenants move: %q, %v", out, err)
	}
	if out, err = run(t, config, "tenants", "list"); err != nil || !regexp.MustCompile(ids+`\s+mover\s+\S+\s+db2\s`).MatchString(out) {
		t.Fatalf("tenants list: %q, %v", out, err)
	}
}
