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

// RateLimiter is a GCRA limiter (the algorithm redis_rate runs in Redis, so
// one replica without Redis behaves as a fleet with it): each key keeps the
// theoretical arrival time of its next request; a budget of limit per
// window may be spent at once and then refills one request every
// window/limit. Unlike a fixed window, nothing lets twice the limit through
// around a window's edge.
type RateLimiter struct {
	clock ports.Clock

	mu    sync.Mutex
	tats  map[string]time.Time // per key: when its budget is whole again
	sweep time.Time
}

// NewRateLimiter returns an empty limiter.
func NewRateLimiter(clock ports.Clock) *RateLimiter {
	return &RateLimiter{clock: clock, tats: map[string]time.Time{}}
}

// Allow counts one request for key against limit per window.
func (l *RateLimiter) Allow(_ context.Context, key string, limit int, window time.Duration) (core.RateDecision, error) {
	if limit < 1 || window <= 0 {
		return core.RateDecision{}, core.Errorf(core.Invalid, "rate limit %d per %s is not positive", limit, window)
	}
	now := l.clock.Now()
	interval := window / time.Duration(limit) // one request's share of the window
	l.mu.Lock()
	defer l.mu.Unlock()
	if now.After(l.sweep) { // forget keys whose budget is whole, so they do not pile up
		for k, tat := range l.tats {
			if !tat.After(now) {
				delete(l.tats, k)
			}
		}
		l.sweep = now.Add(time.Minute)
	}
	tat := l.tats[key]
	if tat.Before(now) {
		tat = now
	}
	next := tat.Add(interval)
	d := core.RateDecision{Limit: limit}
	if allowAt := next.Add(-window); now.Before(allowAt) {
		d.Reset, d.RetryAfter = tat, allowAt.Sub(now)
		return d, nil
	}
	l.tats[key] = next
	d.Allowed, d.Reset = true, next
	d.Remaining = int((window - next.Sub(now)) / interval)
	return d, nil
}
