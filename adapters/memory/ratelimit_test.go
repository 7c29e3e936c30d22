package memory_test

import (
	"context"
	"testing"
	"time"

	"github.com/saasd/saasd/adapters/clock"
	"github.com/saasd/saasd/adapters/memory"
)

func TestRateLimiter(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 1, 1, 10, 0, 30, 0, time.UTC)
	l := memory.NewRateLimiter(clock.Func(func() time.Time { return now }))
	ctx := context.Background()
	for i := 1; i <= 3; i++ {
		d, _ := l.Allow(ctx, "a", 3, time.Minute)
		if !d.Allowed || d.Remaining != 3-i {
			t.Fatalf("request %d: %+v", i, d)
		}
		if want := time.Date(2026, 1, 1, 10, 1, 0, 0, time.UTC); !d.Reset.Equal(want) {
			t.Fatalf("reset = %v, want %v", d.Reset, want)
		}
	}
	if d, _ := l.Allow(ctx, "a", 3, time.Minute); d.Allowed || d.Remaining != 0 {
		t.Fatalf("4th request allowed: %+v", d)
	}
	if d, _ := l.Allow(ctx, "b", 3, time.Minute); !d.Allowed {
		t.Fatal("another key is limited too")
	}
	now = now.Add(30 * time.Second)
	if d, _ := l.Allow(ctx, "a", 3, time.Minute); !d.Allowed || d.Remaining != 2 {
		t.Fatalf("new window: %+v", d)
	}
}
