// Package redis implements the ports that several replicas must share
// through Redis (go-redis): the rate limiter, GCRA by redis_rate so that
// every replica spends one budget, and the bus that tells every replica to
// drop what it has cached when the control database changes.
package redis
