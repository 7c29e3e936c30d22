package portstest

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/saasd/saasd/ports"
)

// TestRateLimiter runs the rate-limiter contract against limiters built by
// open, each of which must start with no key spent (a fresh key prefix for
// a shared store). It runs on the real clock, since a shared limiter keeps
// its store's time, and takes about half a second.
func TestRateLimiter(t *testing.T, open func(t *testing.T) ports.RateLimiter) {
	ctx := context.Background()
	t.Run("a whole budget at once, then refused", func(t *testing.T) {
		t.Parallel()
		l := open(t)
		const limit, window = 10, 10 * time.Second
		start := time.Now()
		for i := 1; i <= limit; i++ {
			d, err := l.Allow(ctx, "k", limit, window)
			if err != nil {
				t.Fatal(err)
			}
			if !d.Allowed || d.Limit != limit || d.Remaining != limit-i {
				t.Fatalf("request %d: %+v, want allowed with %d remaining", i, d, limit-i)
			}
			if d.Reset.Before(start) || d.Reset.After(time.Now().Add(window+time.Second)) {
				t.Fatalf("request %d: reset %v is not within the window", i, d.Reset)
			}
		}
		d, err := l.Allow(ctx, "k", limit, window)
		if err != nil {
			t.Fatal(err)
		}
		if d.Allowed || d.Remaining != 0 {
			t.Fatalf("request %d allowed: %+v", limit+1, d)
		}
		if d.RetryAfter <= 0 || d.RetryAfter > window/limit {
			t.Fatalf("retry after %v, want within one request's share of the window (%v)", d.RetryAfter, window/limit)
		}
		if d, _ := l.Allow(ctx, "other", limit, window); !d.Allowed || d.Remaining != limit-1 {
			t.Fatalf("another key is limited too: %+v", d)
		}
	})
	t.Run("refills smoothly, never twice the budget", func(t *testing.T) {
		t.Parallel()
		l := open(t)
		const limit, window = 5, time.Second // one request every 200ms
		for i := 0; i < limit; i++ {
			if d, err := l.Allow(ctx, "k", limit, window); err != nil || !d.Allowed {
				t.Fatalf("request %d: %+v, %v", i+1, d, err)
			}
		}
		time.Sleep(300 * time.Millisecond)
		if d, err := l.Allow(ctx, "k", limit, window); err != nil || !d.Allowed {
			t.Fatalf("after one share of the window: %+v, %v", d, err)
		}
		if d, err := l.Allow(ctx, "k", limit, window); err != nil || d.Allowed {
			t.Fatalf("second request after one share of the window allowed: %+v, %v", d, err)
		}
	})
	t.Run("concurrent requests spend one budget", func(t *testing.T) {
		t.Parallel()
		l := open(t)
		const limit, racers = 10, 30
		var wg sync.WaitGroup
		var mu sync.Mutex
		allowed := 0
		for range racers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				d, err := l.Allow(ctx, "k", limit, time.Hour)
				if err != nil {
					t.Error(err)
					return
				}
				if d.Allowed {
					mu.Lock()
					allowed++
					mu.Unlock()
				}
			}()
		}
		wg.Wait()
		if allowed != limit {
			t.Fatalf("%d of %d racers allowed, want %d", allowed, racers, limit)
		}
	})
}
