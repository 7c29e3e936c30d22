package core

import "time"

// RateDecision is the outcome of one request against a rate limit.
type RateDecision struct {
	Allowed   bool
	Limit     int
	Remaining int
	Reset     time.Time // when the limit is whole again
}

// StoredResponse is an answer kept for an idempotent retry.
type StoredResponse struct {
	Status int
	Body   []byte
}
