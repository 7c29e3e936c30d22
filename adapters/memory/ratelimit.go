// Package memory implements ports in process memory: a rate limiter for a
// single replica, and control-database stores for tests and for trying the
// core without a database. Nothing here survives a restart.
package memory

import (
	"context"
	"sync"
	"time"

	"github.com/saasd/saasd/core"
	"github.com/saasd/saasd/ports"
)

var _ ports.RateLimiter = (*RateLimiter)(nil)

// RateLimiter counts requests per key in fixed windows aligned to the clock
// (a 1-minute window resets on the minute), which is what X-RateLimit-Reset
// can state exactly.
type RateLimiter struct {
	clock ports.Clock

	mu      sync.Mutex
	windows map[string]*window
	sweep   time.Time
}

type window struct {
	end   time.Time
	count int
}

// NewRateLimiter returns an empty limiter.
func NewRateLimiter(clock ports.Clock) *RateLimiter {
	return &RateLimiter{clock: clock, windows: map[string]*window{}}
}

// Allow counts one request for key.
func (l *RateLimiter) Allow(_ context.Context, key string, limit int, size time.Duration) (core.RateDecision, error) {
	now := l.clock.Now()
	l.mu.Lock()
	defer l.mu.Unlock()
	if now.After(l.sweep) { // forget ended windows now and then, so keys do not pile up
		for k, w := range l.windows {
			if !now.Before(w.end) {
				delete(l.windows, k)
			}
		}
		l.sweep = now.Add(size)
	}
	w, ok := l.windows[key]
	if !ok || !now.Before(w.end) {
		w = &window{end: now.Truncate(size).Add(size)}
		l.windows[key] = w
	}
	d := core.RateDecision{Limit: limit, Reset: w.end}
	if w.count >= limit {
		return d, nil
	}
	w.count++
	d.Allowed, d.Remaining = true, limit-w.count
	return d, nil
}
