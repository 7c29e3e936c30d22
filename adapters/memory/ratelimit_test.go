package memory_test

import (
	"context"
	"testing"
	"time"

	"github.com/saasd/saasd/adapters/clock"
	"github.com/saasd/saasd/adapters/memory"
	"github.com/saasd/saasd/ports"
	"github.com/saasd/saasd/ports/portstest"
)

func TestRateLimiterContract(t *testing.T) {
	t.Parallel()
	portstest.TestRateLimiter(t, func(*testing.T) ports.RateLimiter { return memory.NewRateLimiter(clock.System{}) })
}

// A fixed window let 2×limit through around its edge; GCRA does not.
func TestRateLimiterWindowEdge(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 1, 1, 10, 0, 59, 900_000_000, time.UTC)
	l := memory.NewRateLimiter(clock.Func(func() time.Time { return now }))
	ctx := context.Background()
	allowed := func(n int) int {
		got := 0
		for range n {
			if d, _ := l.Allow(ctx, "a", 100, time.Minute); d.Allowed {
				got++
			}
		}
		return got
	}
	if got := allowed(150); got != 100 {
		t.Fatalf("first burst: %d allowed, want 100", got)
	}
	now = now.Add(200 * time.Millisecond) // past the minute
	if got := allowed(150); got != 0 {
		t.Fatalf("just past the minute: %d allowed, want 0", got)
	}
	now = now.Add(6 * time.Second) // ten requests' share
	if got := allowed(150); got != 10 {
		t.Fatalf("after 6s: %d allowed, want 10", got)
	}
	d, _ := l.Allow(ctx, "a", 100, time.Minute)
	if d.Allowed || d.RetryAfter != 400*time.Millisecond {
		t.Fatalf("refused request: %+v, want retry after 400ms", d)
	}
	if want := time.Date(2026, 1, 1, 10, 2, 5, 900_000_000, time.UTC); !d.Reset.Equal(want) {
		t.Fatalf("reset = %v, want %v (when the budget is whole)", d.Reset, want)
	}
}
