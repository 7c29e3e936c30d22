// Package sqlite implements tenant databases as one SQLite file per tenant,
// with a pure-Go driver so that saasd builds with CGO_ENABLED=0.
package sqlite
