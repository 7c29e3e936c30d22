package redis_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"os"
	"sync/atomic"
	"testing"
	"time"

	"go.uber.org/zap"

	"github.com/saasd/saasd/adapters/redis"
	"github.com/saasd/saasd/core"
	"github.com/saasd/saasd/ports"
	"github.com/saasd/saasd/ports/portstest"
)

// URL is the machine's Redis, as in the README; SAAS_TEST_REDIS_URL overrides.
func URL() string {
	if u := os.Getenv("SAAS_TEST_REDIS_URL"); u != "" {
		return u
	}
	return "redis://127.0.0.1:6379/0"
}

// open returns a client on a key prefix of its own; it skips when Redis is
// unreachable unless SAAS_TEST_REQUIRE_REDIS is set.
func open(t *testing.T, failOpen bool) *redis.Client {
	t.Helper()
	var b [6]byte
	_, _ = rand.Read(b[:])
	c, err := redis.New(redis.Config{URL: URL(), Prefix: "test_" + hex.EncodeToString(b[:]) + ":", FailOpen: failOpen}, zap.NewNop())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	if err := c.Ping(context.Background()); err != nil {
		if os.Getenv("SAAS_TEST_REQUIRE_REDIS") != "" {
			t.Fatalf("redis: %v", err)
		}
		t.Skipf("redis unreachable: %v", err)
	}
	return c
}

func TestRateLimiterContract(t *testing.T) {
	t.Parallel()
	portstest.TestRateLimiter(t, func(t *testing.T) ports.RateLimiter { return open(t, true) })
}

// Two clients on one prefix are two replicas: they spend one budget.
func TestRateLimiterShared(t *testing.T) {
	t.Parallel()
	a := open(t, true)
	ctx := context.Background()
	for i := 0; i < 3; i++ {
		if d, err := a.Allow(ctx, "k", 3, time.Minute); err != nil || !d.Allowed {
			t.Fatalf("request %d: %+v %v", i, d, err)
		}
	}
	// The prefix is in the client's config; a second client with the same one:
	b, err := redis.New(redis.Config{URL: URL(), Prefix: a.Prefix()}, zap.NewNop())
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	if d, err := b.Allow(ctx, "k", 3, time.Minute); err != nil || d.Allowed || d.RetryAfter <= 0 {
		t.Fatalf("other replica: %+v %v, want refused with a retry time", d, err)
	}
}

func TestRedisDown(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	for _, failOpen := range []bool{true, false} {
		c, err := redis.New(redis.Config{URL: "redis://127.0.0.1:1/0", Prefix: "x:", FailOpen: failOpen}, zap.NewNop())
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		if c.Ping(ctx) == nil {
			t.Fatal("ping of nothing answered")
		}
		d, err := c.Allow(ctx, "k", 3, time.Minute)
		switch {
		case failOpen && (err != nil || !d.Allowed):
			t.Fatalf("fail open: %+v %v, want allowed", d, err)
		case !failOpen && core.KindOf(err) != core.Unavailable:
			t.Fatalf("fail closed: %+v %v, want unavailable", d, err)
		}
	}
}

func TestInvalidations(t *testing.T) {
	t.Parallel()
	pub := open(t, true)
	sub, err := redis.New(redis.Config{URL: URL(), Prefix: pub.Prefix()}, zap.NewNop())
	if err != nil {
		t.Fatal(err)
	}
	defer sub.Close()
	ctx, cancel := context.WithCancel(context.Background())
	got := make(chan string, 10)
	var live atomic.Bool
	done := make(chan struct{})
	go func() { defer close(done); sub.Subscribe(ctx, func(topic string) { got <- topic }, &live) }()
	defer func() { cancel(); <-done }()
	select {
	case topic := <-got:
		if topic != "" {
			t.Fatalf("first call: %q, want \"\" (drop everything on subscribe)", topic)
		}
	case <-time.After(3 * time.Second):
		t.Fatal("not subscribed")
	}
	if !live.Load() {
		t.Fatal("subscription not live")
	}
	if err := pub.Invalidate(ctx, "tokens"); err != nil {
		t.Fatal(err)
	}
	select {
	case topic := <-got:
		if topic != "tokens" {
			t.Fatalf("got %q", topic)
		}
	case <-time.After(time.Second):
		t.Fatal("invalidation not heard within 1s")
	}
}
