// The ports of the HTTP edge (adapters/ginhttp): limits and idempotent
// retries, shared by every replica when backed by a shared store.
package ports

import (
	"context"
	"time"

	"github.com/saasd/saasd/core"
)

// RateLimiter enforces a budget of limit requests per window for each key,
// smoothly (GCRA: the whole budget may be spent at once, after which it
// refills at limit/window, so no window edge lets twice the limit through).
// A shared implementation (Redis) lets several replicas enforce one limit.
// The contract suite is portstest.TestRateLimiter.
type RateLimiter interface {
	// Allow records one request for key and says whether it is within limit.
	// A refused request is not counted. An error means the limiter could not
	// decide (its store is unreachable).
	Allow(ctx context.Context, key string, limit int, window time.Duration) (core.RateDecision, error)
}

// IdempotencyStore remembers requests sent with an Idempotency-Key.
type IdempotencyStore interface {
	// Begin claims key in scope for a request whose content hashes to hash.
	// It returns nil for a new key (the caller runs the request), or the
	// stored answer of the first request with the same key and content.
	// Returns core.Invalid when the key was used with other content and
	// core.Conflict while the first request is still running.
	Begin(ctx context.Context, scope, key string, hash []byte) (*core.StoredResponse, error)
	// Complete stores the answer to replay for key.
	Complete(ctx context.Context, scope, key string, r core.StoredResponse) error
	// Release frees a key whose request failed in a way worth retrying.
	Release(ctx context.Context, scope, key string) error
}

// EdgeObserver hears what the HTTP edge does, for metrics; the edge works
// the same without one.
type EdgeObserver interface {
	// Request is called once per answered request; route is the pattern
	// ("/api/saas/tenants/:id"), "unmatched" when none matched.
	Request(route, method string, status int, took time.Duration)
	// RateLimited is called for each request refused by the named limit
	// (saas, tenant, register, login).
	RateLimited(limit string)
}
