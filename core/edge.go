package core

import "time"

// RateDecision is the outcome of one request against a rate limit.
type RateDecision struct {
	Allowed   bool
	Limit     int
	Remaining int
	Reset     time.Time // when the limit is whole again
	// RetryAfter is how long a refused request should wait before the next
	// one is let through; 0 when allowed.
	RetryAfter time.Duration
}

// StoredResponse is an answer kept for an idempotent retry.
type StoredResponse struct {
	Status int
	Body   []byte
}
