package main

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/saasd/saasd/config"
)

// redisURL is the machine's Redis (SAAS_TEST_REDIS_URL overrides). The
// test skips when it is unreachable, or fails with SAAS_TEST_REQUIRE_REDIS.
func redisURL(t *testing.T) string {
	t.Helper()
	u := os.Getenv("SAAS_TEST_REDIS_URL")
	if u == "" {
		u = "redis://127.0.0.1:6379/0"
	}
	c, err := net.DialTimeout("tcp", "127.0.0.1:6379", time.Second)
	if err == nil {
		c.Close()
	} else if os.Getenv("SAAS_TEST_REQUIRE_REDIS") != "" {
		t.Fatalf("Redis required but unreachable: %v", err)
	} else {
		t.Skipf("Redis unreachable (set SAAS_TEST_REQUIRE_REDIS=1 to fail instead): %v", err)
	}
	return u
}

// replica opens a second saasd on e's configuration: the same control
// database and, when configured, the same Redis and key prefix.
func (e *env) replica() *env {
	e.t.Helper()
	r := &env{t: e.t, cfg: e.cfg, opts: e.opts, token: e.token}
	r.open()
	e.t.Cleanup(func() { r.app.Close() })
	return r
}

// withRedis shares limits and invalidations through the machine's Redis.
func withRedis(t *testing.T) func(*config.Config) {
	url := redisURL(t)
	return func(c *config.Config) { c.RateLimit.RedisURL = url }
}

// One budget of 100 a minute across two replicas: the 101st request is
// refused by either.
func TestReplicasShareRateLimit(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		a := newEnv(t, b, withRedis(t), func(c *config.Config) { c.RateLimit.RequestsPerMinute = 100 })
		r := a.replica()
		start, allowed := time.Now(), 0
		for i := 0; i < 110; i++ {
			on := a
			if i%2 == 1 {
				on = r
			}
			if res := on.do("GET", "/api/saas/plans", nil); res.status == http.StatusOK {
				allowed++
			} else {
				res.want(t, http.StatusTooManyRequests)
			}
		}
		// GCRA refills one request every 600ms, so a slow run earns a few more.
		if extra := int(time.Since(start) / (600 * time.Millisecond)); allowed < 100 || allowed > 100+extra {
			t.Fatalf("%d of 110 requests allowed in %v across two replicas, want 100 (+%d refilled)", allowed, time.Since(start), extra)
		}
		for _, on := range []*env{a, r} {
			res := on.do("GET", "/api/saas/plans", nil).want(t, http.StatusTooManyRequests)
			if res.header.Get("X-RateLimit-Limit") != "100" || res.header.Get("X-RateLimit-Remaining") != "0" || res.header.Get("Retry-After") != "1" {
				t.Fatalf("429 headers: %v", res.header)
			}
		}
	})
}

// seenWithin polls until check holds, failing after limit.
func seenWithin(t *testing.T, limit time.Duration, what string, check func() bool) time.Duration {
	t.Helper()
	start := time.Now()
	for !check() {
		if time.Since(start) > limit {
			t.Fatalf("%s not seen within %v", what, limit)
		}
		time.Sleep(20 * time.Millisecond)
	}
	return time.Since(start)
}

// A token revoked through one replica is refused by the other within a
// second: at once through Redis pub/sub, or when the 1s cache expires.
func TestReplicasSeeRevocation(t *testing.T) {
	run := func(t *testing.T, b backend, opts ...func(*config.Config)) {
		a := newEnv(t, b, opts...)
		r := a.replica()
		secret, _, err := a.app.auth.Create(context.Background(), "short-lived")
		if err != nil {
			t.Fatal(err)
		}
		for range 3 { // cached on both
			a.doAs(secret, "GET", "/api/saas/plans", nil).want(t, http.StatusOK)
			r.doAs(secret, "GET", "/api/saas/plans", nil).want(t, http.StatusOK)
		}
		if err := a.app.auth.Revoke(context.Background(), "short-lived"); err != nil {
			t.Fatal(err)
		}
		a.doAs(secret, "GET", "/api/saas/plans", nil).want(t, http.StatusUnauthorized)
		took := seenWithin(t, time.Second, "revocation on the other replica", func() bool {
			return r.doAs(secret, "GET", "/api/saas/plans", nil).status == http.StatusUnauthorized
		})
		t.Logf("revocation seen by the other replica after %v", took)
	}
	forEachBackend(t, func(t *testing.T, b backend) { run(t, b, withRedis(t)) })
	t.Run("without redis", func(t *testing.T) { t.Parallel(); run(t, backends(t)[0]) })
}

// A tenant suspended (and re-planned) through one replica is refused (and
// limited anew) by both within a second.
func TestReplicasSeeSuspension(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		a := newEnv(t, b, withRedis(t))
		r := a.replica()
		a.createPlan(starter)
		sub, tok := a.signup("Gamma", "gamma", 0)
		for _, on := range []*env{a, r} {
			on.asTenant(sub, tok, "GET", "/api/v2/customers", nil).want(t, http.StatusOK)
		}
		list := a.do("GET", "/api/saas/tenants?per_page=100", nil).want(t, http.StatusOK)
		id := int64(list.data()["tenants"].([]any)[0].(map[string]any)["id"].(float64))
		r.do("PUT", fmt.Sprintf("/api/saas/tenants/%d", id), map[string]any{"status": "inactive"}).want(t, http.StatusOK)
		for _, on := range []*env{r, a} {
			seenWithin(t, time.Second, "suspension", func() bool {
				return on.asTenant(sub, tok, "GET", "/api/v2/customers", nil).status == http.StatusForbidden
			})
		}
		a.do("PUT", fmt.Sprintf("/api/saas/tenants/%d", id), map[string]any{"status": "active"}).want(t, http.StatusOK)
		seenWithin(t, time.Second, "reactivation", func() bool {
			return r.asTenant(sub, tok, "GET", "/api/v2/customers", nil).status == http.StatusOK
		})
		// A plan without customers: the other replica enforces the new limit.
		p := a.createPlan(limitedPlan(map[string]any{"customers": 0}))
		a.do("PUT", fmt.Sprintf("/api/saas/tenants/%d", id), map[string]any{"plan_id": p}).want(t, http.StatusOK)
		seenWithin(t, time.Second, "new plan's limit", func() bool {
			return r.asTenant(sub, tok, "POST", "/api/v2/customers", map[string]any{"account": "one"}).status == http.StatusForbidden
		})
	})
}

// Behind a trusted proxy the signup limit is per real client; an untrusted
// peer cannot choose its address with X-Forwarded-For.
func TestTrustedProxies(t *testing.T) {
	t.Parallel()
	e := newEnv(t, backends(t)[0], func(c *config.Config) {
		c.RateLimit.SignupsPerHour = 1
		c.HTTP.TrustedProxies = []string{"10.0.0.0/8"}
	})
	signup := func(peer, forwarded string) int {
		h := map[string]string{"RemoteAddr": peer + ":40000"}
		if forwarded != "" {
			h["X-Forwarded-For"] = forwarded
		}
		return e.request("POST", "/api/register", map[string]any{}, h).status
	}
	// Through the proxy, each client has its own budget.
	if got := signup("10.0.0.2", "203.0.113.5"); got != http.StatusUnprocessableEntity {
		t.Fatalf("first client: %d", got)
	}
	if got := signup("10.0.0.3", "203.0.113.5"); got != http.StatusTooManyRequests {
		t.Fatalf("first client again, through another proxy: %d, want 429", got)
	}
	if got := signup("10.0.0.2", "203.0.113.6"); got != http.StatusUnprocessableEntity {
		t.Fatalf("second client behind the same proxy: %d, want its own budget", got)
	}
	// An untrusted peer is the client, whatever it forwards.
	if got := signup("198.51.100.7", "203.0.113.99"); got != http.StatusUnprocessableEntity {
		t.Fatalf("untrusted peer: %d", got)
	}
	if got := signup("198.51.100.7", "203.0.113.100"); got != http.StatusTooManyRequests {
		t.Fatalf("untrusted peer with another X-Forwarded-For: %d, want 429", got)
	}
}

// Redis down: open lets requests through and /readyz says degraded;
// closed answers 503 and /readyz fails.
func TestRedisDownPolicy(t *testing.T) {
	t.Parallel()
	for _, policy := range []string{"open", "closed"} {
		t.Run(policy, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, backends(t)[0], func(c *config.Config) {
				c.RateLimit.RedisURL = "redis://127.0.0.1:1/0" // nothing listens there
				c.RateLimit.RedisFail = policy
			})
			ready := e.doAs("", "GET", "/readyz", nil)
			if policy == "open" {
				ready.want(t, http.StatusOK)
				checks, _ := ready.data()["checks"].(map[string]any)
				if ready.data()["status"] != "degraded" || !strings.HasPrefix(fmt.Sprint(checks["redis"]), "unavailable") {
					t.Fatalf("readyz: %s", ready.raw)
				}
				e.do("GET", "/api/saas/plans", nil).want(t, http.StatusOK)
				return
			}
			if r := ready.want(t, http.StatusServiceUnavailable); !strings.Contains(r.raw, "redis") {
				t.Fatalf("readyz: %s", r.raw)
			}
			e.do("GET", "/api/saas/plans", nil).want(t, http.StatusServiceUnavailable)
		})
	}
}

// Tenant sessions are cached by each replica, yet a logout, a deleted user
// and a promoted one through one replica are seen by the other within a
// second: through Redis at once (its cached sessions otherwise live 30s),
// or when the 750ms cache expires without Redis.
func TestReplicasSeeLogout(t *testing.T) {
	run := func(t *testing.T, b backend, opts ...func(*config.Config)) {
		a := newEnv(t, b, opts...)
		r := a.replica()
		sub, admin := a.signup("Delta", "delta", a.createPlan(limitedPlan(map[string]any{"staff": 5})))
		login := func(on *env, email string) string {
			t.Helper()
			return on.asTenant(sub, "", "POST", "/api/login", map[string]any{"email": email, "password": "staff-pass1"}).want(t, http.StatusOK).data()["token"].(string)
		}
		user := func(name string) string {
			t.Helper()
			return fmt.Sprint(a.asTenant(sub, admin, "POST", "/api/v2/users", map[string]any{
				"name": name, "email": name + "@delta.example.com", "password": "staff-pass1",
			}).want(t, http.StatusCreated).data()["id"])
		}
		bob, cy := user("bob"), user("cy")
		bobTok, cyTok := login(a, "bob@delta.example.com"), login(r, "cy@delta.example.com")
		// Users are for admins: staff is refused, on both replicas, with every session cached on both.
		status := func(on *env, token string) int {
			return on.asTenant(sub, token, "GET", "/api/v2/users", nil).status
		}
		for range 3 {
			for _, on := range []*env{a, r} {
				if s := status(on, admin); s != http.StatusOK {
					t.Fatalf("admin: %d", s)
				}
				for _, tok := range []string{bobTok, cyTok} {
					if s := status(on, tok); s != http.StatusForbidden {
						t.Fatalf("staff: %d, want 403", s)
					}
				}
			}
		}
		seen := func(on *env, what string, check func() bool) {
			t.Helper()
			took := seenWithin(t, time.Second, what, check)
			t.Logf("%s seen by the other replica after %v", what, took)
		}
		// Bob promoted through a: r lets him in.
		a.asTenant(sub, admin, "PUT", "/api/v2/users/"+bob, map[string]any{"role": "admin"}).want(t, http.StatusOK)
		seen(r, "promotion", func() bool { return status(r, bobTok) == http.StatusOK })
		// Each change below comes right after the other replica cached what it changes.
		// Cy deleted through r: a refuses her session.
		if s := status(a, cyTok); s != http.StatusForbidden {
			t.Fatalf("cy before: %d", s)
		}
		r.asTenant(sub, admin, "DELETE", "/api/v2/users/"+cy, nil).want(t, http.StatusOK)
		seen(a, "deleted user", func() bool { return status(a, cyTok) == http.StatusUnauthorized })
		// The admin logs out through a: refused there at once, and by r.
		if s := status(r, admin); s != http.StatusOK {
			t.Fatalf("admin before: %d", s)
		}
		a.asTenant(sub, admin, "POST", "/api/logout", nil).want(t, http.StatusOK)
		if s := status(a, admin); s != http.StatusUnauthorized {
			t.Fatalf("after logout, on the same replica: %d", s)
		}
		seen(r, "logout", func() bool { return status(r, admin) == http.StatusUnauthorized })
		// Bob, untouched, still works on both.
		for _, on := range []*env{a, r} {
			if s := status(on, bobTok); s != http.StatusOK {
				t.Fatalf("bob after the others' changes: %d", s)
			}
		}
	}
	for _, b := range backends(t) {
		t.Run(b.name, func(t *testing.T) {
			t.Parallel()
			t.Run("redis", func(t *testing.T) { t.Parallel(); run(t, b, withRedis(t)) })
			t.Run("without redis", func(t *testing.T) { t.Parallel(); run(t, b) })
		})
	}
}
